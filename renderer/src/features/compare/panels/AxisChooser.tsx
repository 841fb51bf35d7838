import { useEffect, useId, useRef, useState } from 'react';
import type { ParamKind } from './logic';
import { escapeCloses } from '../../../ui/escapeCloses';

interface Props {
  /** Every param key, in list order. */
  keys: readonly string[];
  kinds: ReadonlyMap<string, ParamKind>;
  differing: ReadonlySet<string>;
  selected: readonly string[];
  onChange: (keys: string[]) => void;
}

/** "Axes" button + popover with one checkbox per param (test ids `parallel-axes-button`, `parallel-axis-option`). */
export function AxisChooser({ keys, kinds, differing, selected, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const root = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && e.target instanceof Node && !root.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const order = new Map(keys.map((k, i) => [k, i]));
  const set = (list: readonly string[]) => onChange([...new Set(list)].filter((k) => order.has(k)).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)));
  const sel = new Set(selected);
  const f = filter.trim().toLowerCase();
  const shown = f ? keys.filter((k) => k.toLowerCase().includes(f)) : keys;

  return (
    <div className="popover-anchor" ref={root}>
      <button
        type="button"
        className={`button button-xs${open ? ' active' : ''}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        disabled={keys.length === 0}
        title="Choose the parameters shown as axes"
        data-testid="parallel-axes-button"
      >
        Axes <span className="count-pill">{selected.length}</span>
      </button>
      {open ? (
        <div
          id={panelId}
          className="popover columns-popover cmp-axis-popover"
          role="dialog"
          aria-label="Parameter axes"
          onKeyDown={escapeCloses(() => setOpen(false), () => root.current?.querySelector<HTMLButtonElement>('[data-testid="parallel-axes-button"]'))}
        >
          {keys.length > 8 ? (
            <input className="input input-sm" type="search" placeholder="Find a parameter…" value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus aria-label="Find a parameter" />
          ) : null}
          <div className="columns-section-head">
            <span>
              Parameters <span className="muted">({keys.length})</span>
            </span>
            <span className="columns-section-actions">
              <button type="button" className="link-button" onClick={() => set(keys.filter((k) => differing.has(k)))} title="Only the parameters that differ across runs">
                Differing
              </button>
              <button type="button" className="link-button" onClick={() => set([...selected, ...shown])}>
                All
              </button>
              <button type="button" className="link-button" onClick={() => set(selected.filter((k) => !shown.includes(k)))}>
                None
              </button>
            </span>
          </div>
          <ul className="plain-list columns-lists">
            {shown.map((k) => (
              <li key={k}>
                <label className="columns-option">
                  <input
                    type="checkbox"
                    checked={sel.has(k)}
                    onChange={(e) => set(e.target.checked ? [...selected, k] : selected.filter((x) => x !== k))}
                    data-testid="parallel-axis-option"
                    data-key={k}
                  />
                  <span className="mono truncate" title={k}>
                    {k}
                  </span>
                  <span className="cmp-axis-tags muted small">
                    {kinds.get(k) === 'categorical' ? 'categorical' : 'numeric'}
                    {differing.has(k) ? ' · differs' : ''}
                  </span>
                </label>
              </li>
            ))}
            {shown.length === 0 ? <li className="muted small columns-none">No match</li> : null}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
