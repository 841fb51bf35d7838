import { useEffect, useId, useRef, useState } from 'react';
import type { ColumnChoice } from './columns';
import { ColumnsIcon } from './icons';

interface Props {
  keys: { params: string[]; metrics: string[] };
  choice: ColumnChoice;
  /** True when the choice is the automatic default (nothing saved for this experiment). */
  isDefault: boolean;
  onChange: (choice: ColumnChoice | null) => void;
}

function Section({
  title,
  kind,
  keys,
  selected,
  filter,
  onToggle,
  onAll,
}: {
  title: string;
  kind: 'param' | 'metric';
  keys: string[];
  selected: readonly string[];
  filter: string;
  onToggle: (key: string, on: boolean) => void;
  onAll: (on: boolean) => void;
}) {
  const shown = filter ? keys.filter((k) => k.toLowerCase().includes(filter)) : keys;
  const sel = new Set(selected);
  return (
    <section className="columns-section">
      <header className="columns-section-head">
        <span>
          {title} <span className="muted">({keys.length})</span>
        </span>
        {shown.length > 0 ? (
          <span className="columns-section-actions">
            <button type="button" className="link-button" onClick={() => onAll(true)}>
              All
            </button>
            <button type="button" className="link-button" onClick={() => onAll(false)}>
              None
            </button>
          </span>
        ) : null}
      </header>
      {shown.length === 0 ? (
        <p className="muted small columns-none">{keys.length === 0 ? `No ${title.toLowerCase()} in the loaded runs` : 'No match'}</p>
      ) : (
        <ul className="plain-list">
          {shown.map((k) => (
            <li key={k}>
              <label className="columns-option">
                <input type="checkbox" checked={sel.has(k)} onChange={(e) => onToggle(k, e.target.checked)} data-testid="column-option" data-kind={kind} data-key={k} />
                <span className="mono truncate" title={k}>
                  {k}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "Columns" button + popover listing every param and metric key seen in the loaded runs. */
export function ColumnChooser({ keys, choice, isDefault, onChange }: Props) {
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

  /** Selected keys in the order the chooser lists them (keys no longer present keep their place at the end). */
  const ordered = (kind: 'params' | 'metrics', list: readonly string[]) => {
    const idx = new Map(keys[kind].map((k, i) => [k, i]));
    return [...new Set(list)].sort((a, b) => (idx.get(a) ?? 1e9) - (idx.get(b) ?? 1e9));
  };
  const set = (kind: 'params' | 'metrics', list: readonly string[]) => onChange({ ...choice, [kind]: ordered(kind, list) });
  const toggle = (kind: 'params' | 'metrics', key: string, on: boolean) => {
    const cur = choice[kind].filter((k) => k !== key);
    set(kind, on ? [...cur, key] : cur);
  };
  const all = (kind: 'params' | 'metrics', on: boolean) => {
    const f = filter.trim().toLowerCase();
    const shown = keys[kind].filter((k) => !f || k.toLowerCase().includes(f));
    set(kind, on ? [...choice[kind], ...shown] : choice[kind].filter((k) => !shown.includes(k)));
  };
  const count = choice.params.length + choice.metrics.length;
  const f = filter.trim().toLowerCase();

  return (
    <div className="popover-anchor" ref={root}>
      <button
        type="button"
        className={`button${open ? ' active' : ''}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid="btn-columns"
        title="Choose parameter and metric columns"
      >
        <ColumnsIcon />
        Columns
        {count > 0 ? <span className="count-pill">{count}</span> : null}
      </button>
      {open ? (
        <div
          id={panelId}
          className="popover columns-popover"
          role="dialog"
          aria-label="Columns"
          data-testid="columns-popover"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              setOpen(false);
              root.current?.querySelector<HTMLButtonElement>('[data-testid="btn-columns"]')?.focus();
            }
          }}
        >
          <input
            className="input input-sm"
            type="search"
            placeholder="Find a key…"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            autoFocus
            aria-label="Find a column"
            data-testid="columns-search"
          />
          <div className="columns-lists">
            <Section title="Metrics" kind="metric" keys={keys.metrics} selected={choice.metrics} filter={f} onToggle={(k, on) => toggle('metrics', k, on)} onAll={(on) => all('metrics', on)} />
            <Section title="Parameters" kind="param" keys={keys.params} selected={choice.params} filter={f} onToggle={(k, on) => toggle('params', k, on)} onAll={(on) => all('params', on)} />
          </div>
          <footer className="columns-foot">
            <span className="muted small">{isDefault ? 'Default columns' : 'Saved for this experiment'}</span>
            {!isDefault ? (
              <button type="button" className="link-button small" onClick={() => onChange(null)}>
                Reset to default
              </button>
            ) : null}
          </footer>
        </div>
      ) : null}
    </div>
  );
}
