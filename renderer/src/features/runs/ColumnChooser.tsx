import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ArrowDownIcon, ArrowUpIcon, ColumnsIcon, GripIcon } from './icons';
import { ATTRS, CHOOSABLE_ATTRS, columnId, columnTitle, moveColumn, parseColumnId, type MetricAgg, type RowKeys } from './tableLogic';
import { escapeCloses } from '../../ui/escapeCloses';

interface Props {
  keys: RowKeys;
  /** Chosen column ids in display order. */
  columns: readonly string[];
  /** True when the columns are the automatic default (nothing saved for these experiments). */
  isDefault: boolean;
  onChange: (columns: string[] | null) => void;
  /** Primary metrics chosen for these experiments (empty: automatic, listed in `autoPrimary`). */
  primary: readonly string[];
  /** The metrics picked automatically while none is chosen. */
  autoPrimary: readonly string[];
  onPrimary: (keys: string[]) => void;
}

const match = (needle: string, ...texts: string[]) => !needle || texts.some((t) => t.toLowerCase().includes(needle));

function Section({
  title,
  count,
  onAll,
  empty,
  children,
}: {
  title: string;
  count: number;
  /** Select / deselect every option shown. */
  onAll?: (on: boolean) => void;
  empty: string | null;
  children: ReactNode;
}) {
  return (
    <section className="columns-section">
      <header className="columns-section-head">
        <span>
          {title} <span className="muted">({count})</span>
        </span>
        {onAll && !empty ? (
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
      {empty ? <p className="muted small columns-none">{empty}</p> : <ul className="plain-list">{children}</ul>}
    </section>
  );
}

/** "Columns" button + popover: the shown columns (reorder by drag or arrows) and every attribute, metric (last/min/max), param and tag seen. */
export function ColumnChooser({ keys, columns, isDefault, onChange, primary, autoPrimary, onPrimary }: Props) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
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

  const chosen = new Set(columns);
  const f = filter.trim().toLowerCase();
  const toggle = (id: string, on: boolean) => onChange(on ? (chosen.has(id) ? [...columns] : [...columns, id]) : columns.filter((c) => c !== id));
  const setMany = (ids: readonly string[], on: boolean) => {
    if (on) onChange([...columns, ...ids.filter((id) => !chosen.has(id))]);
    else {
      const drop = new Set(ids);
      onChange(columns.filter((c) => !drop.has(c)));
    }
  };
  const move = (from: number, to: number) => onChange(moveColumn(columns, from, to));

  const option = (id: string, kind: string, key: string, label: ReactNode, extra?: ReactNode) => (
    <li key={id} className="columns-option-row">
      <label className="columns-option">
        <input type="checkbox" checked={chosen.has(id)} onChange={(e) => toggle(id, e.target.checked)} data-testid="column-option" data-kind={kind} data-key={key} data-agg={kind === 'metric' ? 'last' : undefined} />
        {label}
      </label>
      {extra}
    </li>
  );
  const keyLabel = (k: string) => (
    <span className="mono truncate" title={k}>
      {k}
    </span>
  );

  const attrs = CHOOSABLE_ATTRS.filter((a) => match(f, ATTRS[a].label, a));
  const metrics = keys.metrics.filter((k) => match(f, k, `metrics.${k}`));
  const params = keys.params.filter((k) => match(f, k, `params.${k}`));
  const tags = keys.tags.filter((k) => match(f, k, `tags.${k}`));
  const shown = columns.map((id, i) => ({ id, i, ref: parseColumnId(id) })).filter((c) => c.ref && match(f, columnTitle(c.ref)));
  const chosenPrimary = new Set(primary);
  const autoSet = new Set(autoPrimary);
  const primaryToggle = (k: string) => {
    const on = chosenPrimary.has(k);
    const auto = !on && primary.length === 0 && autoSet.has(k);
    return (
      <button
        type="button"
        className={`primary-toggle${on ? ' on' : auto ? ' auto' : ''}`}
        onClick={() => onPrimary(on ? primary.filter((x) => x !== k) : [...primary, k])}
        aria-pressed={on}
        aria-label={on ? `${k} is a primary metric: click to unmark` : `Make ${k} a primary metric`}
        title={
          on
            ? 'Primary metric (shown first by default, saved with the views): click to unmark'
            : auto
              ? 'Primary metric picked automatically (logged by the most runs, last). Click to choose the primary metrics yourself.'
              : 'Make it a primary metric: shown first by default, saved for these experiments and with the views'
        }
        data-testid="column-primary"
        data-key={k}
        data-on={on}
        data-auto={auto}
      >
        ★
      </button>
    );
  };
  const aggToggle = (k: string, agg: Exclude<MetricAgg, 'last'>) => {
    const id = columnId({ kind: 'metric', key: k, agg });
    return (
      <label className={`agg-toggle${chosen.has(id) ? ' on' : ''}`} title={`metrics.${k} (${agg}): the ${agg === 'min' ? 'lowest' : 'highest'} value logged`}>
        <input type="checkbox" checked={chosen.has(id)} onChange={(e) => toggle(id, e.target.checked)} data-testid="column-option" data-kind="metric" data-key={k} data-agg={agg} />
        {agg}
      </label>
    );
  };

  return (
    <div className="popover-anchor" ref={root}>
      <button
        type="button"
        className={`button${open ? ' active' : ''}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid="btn-columns"
        title="Choose, order and find columns"
      >
        <ColumnsIcon />
        Columns
        <span className="count-pill" data-testid="columns-count" title={`${columns.length} column${columns.length === 1 ? '' : 's'} shown after the run name`}>
          {columns.length}
        </span>
      </button>
      {open ? (
        <div
          id={panelId}
          className="popover columns-popover"
          role="dialog"
          aria-label="Columns"
          data-testid="columns-popover"
          onKeyDown={escapeCloses(() => setOpen(false), () => root.current?.querySelector<HTMLButtonElement>('[data-testid="btn-columns"]'))}
        >
          <input
            className="input input-sm"
            type="search"
            placeholder="Find a column…"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            autoFocus
            aria-label="Find a column"
            data-testid="columns-search"
          />
          <div className="columns-lists">
            <Section title="Shown" count={columns.length} empty={shown.length === 0 ? (columns.length === 0 ? 'Only the run name' : 'No match') : null}>
              {!f ? <li className="columns-fixed muted small">Run name (always first, not counted)</li> : null}
              {shown.map(({ id, i, ref }) => (
                <li
                  key={id}
                  className={`columns-shown${dragging === i ? ' dragging' : ''}${over === i && dragging !== null && dragging !== i ? ' drop-target' : ''}`}
                  draggable={!f}
                  onDragStart={(e) => {
                    setDragging(i);
                    e.dataTransfer.effectAllowed = 'move';
                    e.dataTransfer.setData('text/plain', id);
                  }}
                  onDragOver={(e) => {
                    if (dragging === null) return;
                    e.preventDefault();
                    setOver(i);
                  }}
                  onDrop={(e) => {
                    e.preventDefault();
                    if (dragging !== null) move(dragging, i);
                    setDragging(null);
                    setOver(null);
                  }}
                  onDragEnd={() => {
                    setDragging(null);
                    setOver(null);
                  }}
                  data-testid="column-shown"
                  data-id={id}
                >
                  <GripIcon className="columns-grip" width={12} height={12} aria-hidden="true" />
                  <span className="mono truncate" title={ref ? columnTitle(ref) : id}>
                    {ref ? columnTitle(ref) : id}
                  </span>
                  <span className="columns-shown-actions">
                    <button type="button" className="icon-button" onClick={() => move(i, i - 1)} disabled={i === 0} aria-label={`Move ${id} up`} title="Move left" data-testid="column-up">
                      <ArrowUpIcon width={12} height={12} />
                    </button>
                    <button type="button" className="icon-button" onClick={() => move(i, i + 1)} disabled={i === columns.length - 1} aria-label={`Move ${id} down`} title="Move right" data-testid="column-down">
                      <ArrowDownIcon width={12} height={12} />
                    </button>
                    <button type="button" className="icon-button" onClick={() => toggle(id, false)} aria-label={`Remove ${id}`} title="Remove" data-testid="column-remove">
                      ×
                    </button>
                  </span>
                </li>
              ))}
            </Section>
            <Section title="Attributes" count={CHOOSABLE_ATTRS.length} empty={attrs.length === 0 ? 'No match' : null} onAll={(on) => setMany(attrs.map((a) => `a:${a}`), on)}>
              {attrs.map((a) => option(`a:${a}`, 'attr', a, <span className="truncate">{ATTRS[a].label}</span>))}
            </Section>
            <Section
              title="Metrics"
              count={keys.metrics.length}
              empty={metrics.length === 0 ? (keys.metrics.length === 0 ? 'No metrics in the loaded runs' : 'No match') : null}
              onAll={(on) => setMany(metrics.map((k) => `m:${k}`), on)}
            >
              {metrics.map((k) =>
                option(
                  `m:${k}`,
                  'metric',
                  k,
                  keyLabel(k),
                  <span className="agg-toggles">
                    {aggToggle(k, 'min')}
                    {aggToggle(k, 'max')}
                    {primaryToggle(k)}
                  </span>,
                ),
              )}
            </Section>
            <Section
              title="Parameters"
              count={keys.params.length}
              empty={params.length === 0 ? (keys.params.length === 0 ? 'No parameters in the loaded runs' : 'No match') : null}
              onAll={(on) => setMany(params.map((k) => `p:${k}`), on)}
            >
              {params.map((k) => option(`p:${k}`, 'param', k, keyLabel(k)))}
            </Section>
            <Section title="Tags" count={keys.tags.length} empty={tags.length === 0 ? (keys.tags.length === 0 ? 'No tags in the loaded runs' : 'No match') : null} onAll={(on) => setMany(tags.map((k) => `t:${k}`), on)}>
              {tags.map((k) => option(`t:${k}`, 'tag', k, keyLabel(k)))}
            </Section>
          </div>
          <footer className="columns-foot">
            <span className="muted small" title={isDefault ? 'Status, the primary metrics (★) and the params that differ between the runs come first' : undefined}>
              {isDefault ? 'Default columns' : 'Saved for these experiments'}
            </span>
            {!isDefault ? (
              <button type="button" className="link-button small" onClick={() => onChange(null)} data-testid="columns-reset">
                Reset to default
              </button>
            ) : null}
          </footer>
        </div>
      ) : null}
    </div>
  );
}
