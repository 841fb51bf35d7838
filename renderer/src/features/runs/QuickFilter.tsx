import { useEffect, useMemo, useState } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { api } from '../../api/client';
import { Spinner } from '../../ui/Spinner';
import { formatMetric, numberFormat } from './format';
import type { RunColumn } from './runColumns';
import { effectiveFilter, type RunsQuery } from './store';
import { applyQuickFilter, distinctValues, FilterSyntaxError, identifier, metricRange, readQuickFilter, type FilterTarget, type QuickFilter } from './tableLogic';

const VALUES_SHOWN = 300;
/** Rows fetched to list values when this column's own clause narrows the loaded rows. */
const SAMPLE_ROWS = 2000;

/**
 * The rows to take values from: the loaded ones, unless the filter already restricts this column — then
 * the same query without that restriction (otherwise only the already-picked values would be offered).
 */
function useSourceRows(rows: readonly RunRow[], query: RunsQuery, target: FilterTarget, restricted: boolean): { rows: readonly RunRow[]; loading: boolean } {
  const [fetched, setFetched] = useState<{ filter: string; rows: readonly RunRow[] | null } | null>(null);
  const { entity, key } = target;
  // The query without this column's restriction (null: nothing to fetch, the loaded rows are the source).
  const without = useMemo(() => {
    if (!restricted) return null;
    try {
      return applyQuickFilter(query.filter, { entity, key }, null);
    } catch {
      return null;
    }
  }, [restricted, query.filter, entity, key]);
  useEffect(() => {
    if (without === null) return;
    let alive = true;
    api.tracking
      .searchRuns({ experimentIds: [...query.experimentIds], filter: effectiveFilter({ ...query, filter: without }), orderBy: [], viewType: query.viewType, maxResults: SAMPLE_ROWS })
      .then(
        (res) => alive && setFetched({ filter: without, rows: res.runs }),
        () => alive && setFetched({ filter: without, rows: null }),
      );
    return () => {
      alive = false;
    };
  }, [without, query]);
  if (without === null) return { rows, loading: false };
  if (fetched?.filter !== without) return { rows, loading: true };
  return { rows: fetched.rows ?? rows, loading: false };
}

function parseNumber(s: string): number | null | 'invalid' {
  const t = s.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : 'invalid';
}

/** Header funnel popover body: min/max for metrics, distinct values for params and tags. Applying rewrites the filter string. */
export function QuickFilterPanel({ column, rows, query, onApply }: { column: RunColumn; rows: readonly RunRow[]; query: RunsQuery; onApply: (filter: string) => void }) {
  const target = column.filter as FilterTarget;
  const current = useMemo(() => readQuickFilter(query.filter, target), [query.filter, target]);
  const source = useSourceRows(rows, query, target, current !== null);
  const [error, setError] = useState<string | null>(null);

  const apply = (qf: QuickFilter | null) => {
    try {
      const next = applyQuickFilter(query.filter, target, qf);
      setError(null);
      onApply(next);
    } catch (e) {
      if (e instanceof FilterSyntaxError) setError(`Fix the filter first (position ${e.position}: ${e.detail})`);
      else setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <div className="qf" data-testid="quick-filter" data-key={target.key} data-entity={target.entity}>
      <header className="qf-head">
        <code className="qf-id truncate" title={identifier(target)}>
          {identifier(target)}
        </code>
        {source.loading ? <Spinner /> : null}
      </header>
      {target.entity === 'metric' ? (
        <RangeForm column={column} rows={source.rows} current={current?.kind === 'range' ? current : null} onApply={apply} />
      ) : (
        <ValuesForm target={target as FilterTarget & { entity: 'param' | 'tag' }} rows={source.rows} current={current?.kind === 'values' ? current.values : []} onApply={apply} />
      )}
      {error ? (
        <p className="field-error" role="alert" data-testid="qf-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function RangeForm({ column, rows, current, onApply }: { column: RunColumn; rows: readonly RunRow[]; current: { min: number | null; max: number | null } | null; onApply: (qf: QuickFilter | null) => void }) {
  const key = column.ref.kind === 'metric' ? column.ref.key : '';
  const [min, setMin] = useState(current?.min !== null && current?.min !== undefined ? String(current.min) : '');
  const [max, setMax] = useState(current?.max !== null && current?.max !== undefined ? String(current.max) : '');
  const range = useMemo(() => metricRange(rows, key), [rows, key]);
  const pMin = parseNumber(min);
  const pMax = parseNumber(max);
  const invalid = pMin === 'invalid' || pMax === 'invalid' || (typeof pMin === 'number' && typeof pMax === 'number' && pMin > pMax);
  const submit = () => {
    if (invalid) return;
    const lo = pMin as number | null;
    const hi = pMax as number | null;
    onApply(lo === null && hi === null ? null : { kind: 'range', min: lo, max: hi });
  };
  return (
    <form
      className="qf-body"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {column.agg ? <p className="muted small">MLflow filters compare the latest value; this column shows the {column.agg}.</p> : null}
      <div className="qf-range">
        <label>
          <span className="small muted">Min (≥)</span>
          <input className="input input-sm mono" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} placeholder={range ? formatMetric(range.min) : ''} aria-invalid={pMin === 'invalid' || undefined} autoFocus data-testid="qf-min" />
        </label>
        <label>
          <span className="small muted">Max (≤)</span>
          <input className="input input-sm mono" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} placeholder={range ? formatMetric(range.max) : ''} aria-invalid={pMax === 'invalid' || undefined} data-testid="qf-max" />
        </label>
      </div>
      <p className="small muted qf-hint">
        {range ? (
          <>
            Latest values in {numberFormat.format(range.count)} run{range.count === 1 ? '' : 's'}: <span className="tabular">{formatMetric(range.min)}</span> – <span className="tabular">{formatMetric(range.max)}</span>
          </>
        ) : (
          'No finite values in the loaded runs.'
        )}
        {typeof pMin === 'number' && typeof pMax === 'number' && pMin > pMax ? <span className="text-danger"> Min is above max.</span> : null}
      </p>
      <footer className="qf-foot">
        <button type="button" className="link-button small" onClick={() => onApply(null)} disabled={!current} data-testid="qf-clear">
          Clear
        </button>
        <button type="submit" className="button button-sm button-primary" disabled={invalid} data-testid="qf-apply">
          Apply
        </button>
      </footer>
    </form>
  );
}

function ValuesForm({ target, rows, current, onApply }: { target: FilterTarget & { entity: 'param' | 'tag' }; rows: readonly RunRow[]; current: readonly string[]; onApply: (qf: QuickFilter | null) => void }) {
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set(current));
  const [q, setQ] = useState('');
  const values = useMemo(() => {
    const seen = distinctValues(rows, target, 5000);
    // Picked values the rows no longer show stay listed (count 0).
    for (const v of current) if (!seen.some((s) => s.value === v)) seen.push({ value: v, count: 0 });
    return seen;
  }, [rows, target, current]);
  const needle = q.trim().toLowerCase();
  const shown = (needle ? values.filter((v) => v.value.toLowerCase().includes(needle)) : values).slice(0, VALUES_SHOWN);
  const toggle = (v: string, on: boolean) =>
    setPicked((p) => {
      const n = new Set(p);
      if (on) n.add(v);
      else n.delete(v);
      return n;
    });
  const submit = () => {
    // Keep the order values are listed in (most frequent first).
    const list = values.map((v) => v.value).filter((v) => picked.has(v));
    onApply(list.length === 0 ? null : { kind: 'values', values: list });
  };
  return (
    <form
      className="qf-body"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {values.length > 8 ? (
        <input className="input input-sm" type="search" placeholder="Find a value…" value={q} onChange={(e) => setQ(e.target.value)} autoFocus aria-label="Find a value" data-testid="qf-search" />
      ) : null}
      {values.length === 0 ? (
        <p className="muted small">No values in the loaded runs.</p>
      ) : (
        <ul className="plain-list qf-values" aria-label="Values">
          {shown.map((v) => (
            <li key={v.value}>
              <label className="columns-option">
                <input type="checkbox" checked={picked.has(v.value)} onChange={(e) => toggle(v.value, e.target.checked)} data-testid="qf-value" data-value={v.value} />
                <span className="mono truncate" title={v.value}>
                  {v.value === '' ? <span className="muted">(empty)</span> : v.value}
                </span>
                <span className="qf-count">{v.count}</span>
              </label>
            </li>
          ))}
          {values.length > shown.length && !needle ? <li className="muted small qf-more">{values.length - shown.length} more — type to find them</li> : null}
        </ul>
      )}
      <footer className="qf-foot">
        <span className="qf-foot-links">
          <button type="button" className="link-button small" onClick={() => setPicked(new Set(shown.map((v) => v.value)))}>
            All
          </button>
          <button type="button" className="link-button small" onClick={() => setPicked(new Set())}>
            None
          </button>
          <button type="button" className="link-button small" onClick={() => onApply(null)} disabled={current.length === 0} data-testid="qf-clear">
            Clear filter
          </button>
        </span>
        <button type="submit" className="button button-sm button-primary" data-testid="qf-apply">
          Apply{picked.size > 0 ? ` (${picked.size})` : ''}
        </button>
      </footer>
    </form>
  );
}
