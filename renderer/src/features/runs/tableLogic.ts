/**
 * Pure logic of the runs comparison table (no React, no DOM): column ids, multi-sort (server order_by
 * + client-side sort), quick-filter clauses, grouping with aggregates, pins/hidden arrangement and the
 * saved-view state. Unit-tested in tests/runsTable.test.ts.
 */
import type { RunRow } from '../../../../shared/contract';
import { FilterSyntaxError, parseFilter, parseOrderBy, type FilterClause } from '../../../../shared/lib/mlflowFilter';

// ---------------------------------------------------------------------------------------------------------------
// Column ids

export type MetricAgg = 'last' | 'min' | 'max';
export type AttrKey = 'run_id' | 'name' | 'user' | 'start' | 'end' | 'duration' | 'status' | 'experiment' | 'source' | 'commit';

export type ColumnRef =
  | { kind: 'attr'; key: AttrKey }
  | { kind: 'param'; key: string }
  | { kind: 'tag'; key: string }
  | { kind: 'metric'; key: string; agg: MetricAgg };

interface AttrDef {
  label: string;
  /** Server order_by target (`attributes.start_time`, `tags.mlflow.source.name`); absent: sorted client-side. */
  server?: { entity: 'attributes' | 'tags'; key: string };
  /** What the value is made of (for sorting). */
  numeric?: boolean;
}

export const ATTRS: Record<AttrKey, AttrDef> = {
  name: { label: 'Run name', server: { entity: 'attributes', key: 'run_name' } },
  status: { label: 'Status', server: { entity: 'attributes', key: 'status' } },
  experiment: { label: 'Experiment' },
  start: { label: 'Started', server: { entity: 'attributes', key: 'start_time' }, numeric: true },
  end: { label: 'Ended', server: { entity: 'attributes', key: 'end_time' }, numeric: true },
  duration: { label: 'Duration', numeric: true },
  user: { label: 'User', server: { entity: 'attributes', key: 'user_id' } },
  run_id: { label: 'Run ID', server: { entity: 'attributes', key: 'run_id' } },
  source: { label: 'Source name', server: { entity: 'tags', key: 'mlflow.source.name' } },
  commit: { label: 'Git commit', server: { entity: 'tags', key: 'mlflow.source.git.commit' } },
};
/** Attribute columns offered by the column chooser (the run name is always shown). */
export const CHOOSABLE_ATTRS: readonly AttrKey[] = ['status', 'experiment', 'start', 'end', 'duration', 'user', 'run_id', 'source', 'commit'];

const isAttrKey = (k: string): k is AttrKey => Object.prototype.hasOwnProperty.call(ATTRS, k);

/** `a:status`, `p:lr`, `t:team`, `m:val_auc` (last value), `m.min:val_loss`, `m.max:val_loss`. */
export function columnId(ref: ColumnRef): string {
  switch (ref.kind) {
    case 'attr':
      return `a:${ref.key}`;
    case 'param':
      return `p:${ref.key}`;
    case 'tag':
      return `t:${ref.key}`;
    case 'metric':
      return ref.agg === 'last' ? `m:${ref.key}` : `m.${ref.agg}:${ref.key}`;
  }
}

export function parseColumnId(id: string): ColumnRef | null {
  const colon = id.indexOf(':');
  if (colon < 0) return null;
  const prefix = id.slice(0, colon);
  const key = id.slice(colon + 1);
  if (key === '') return null;
  switch (prefix) {
    case 'a':
      return isAttrKey(key) ? { kind: 'attr', key } : null;
    case 'p':
      return { kind: 'param', key };
    case 't':
      return { kind: 'tag', key };
    case 'm':
      return { kind: 'metric', key, agg: 'last' };
    case 'm.min':
      return { kind: 'metric', key, agg: 'min' };
    case 'm.max':
      return { kind: 'metric', key, agg: 'max' };
    default:
      return null;
  }
}

const SPECIAL_TAGS: Record<string, AttrKey> = { 'mlflow.source.name': 'source', 'mlflow.source.git.commit': 'commit' };

/** One id per sort target: the tag columns behind "Source name" / "Git commit" are those attributes. */
export function canonicalColumnId(id: string): string {
  const ref = parseColumnId(id);
  if (ref?.kind === 'tag') {
    const a = SPECIAL_TAGS[ref.key];
    if (a) return `a:${a}`;
  }
  return id;
}

/** Column header text: the key for params/metrics/tags, the attribute label otherwise. */
export function columnLabel(ref: ColumnRef): string {
  return ref.kind === 'attr' ? ATTRS[ref.key].label : ref.key;
}

/** Plain-text name of a column (chooser, CSV header): `metrics.val_loss (min)`, `params.lr`, `Started`. */
export function columnTitle(ref: ColumnRef): string {
  switch (ref.kind) {
    case 'attr':
      return ATTRS[ref.key].label;
    case 'param':
      return `params.${ref.key}`;
    case 'tag':
      return `tags.${ref.key}`;
    case 'metric':
      return `metrics.${ref.key}${ref.agg === 'last' ? '' : ` (${ref.agg})`}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Identifiers and literals in MLflow syntax

const BARE_KEY = /^[\p{L}\p{N}_\-/.]+$/u;

/** `val_auc` → `val_auc`; `my key` → `` `my key` ``; a key with a backtick → `"…"` (MLflow identifier quoting). */
export function quoteKey(key: string): string {
  if (BARE_KEY.test(key)) return key;
  if (!key.includes('`')) return `\`${key}\``;
  return `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A single-quoted string literal; backslashes and quotes are backslash-escaped. */
export function quoteValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A numeric literal the filter grammar accepts (finite numbers only). */
export function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return Object.is(n, -0) ? '0' : String(n);
}

export type FilterTargetEntity = 'metric' | 'param' | 'tag';
export interface FilterTarget {
  entity: FilterTargetEntity;
  key: string;
}

const PLURAL: Record<FilterTargetEntity, string> = { metric: 'metrics', param: 'params', tag: 'tags' };

/** `metrics.val_auc`, ``params.`my key` `` */
export function identifier(t: FilterTarget): string {
  return `${PLURAL[t.entity]}.${quoteKey(t.key)}`;
}

/** The quick-filter target of a column (metrics filter on their latest value, as MLflow does). */
export function filterTargetOf(ref: ColumnRef): FilterTarget | null {
  if (ref.kind === 'metric') return { entity: 'metric', key: ref.key };
  if (ref.kind === 'param') return { entity: 'param', key: ref.key };
  if (ref.kind === 'tag') return { entity: 'tag', key: ref.key };
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Sorting

export interface SortKey {
  /** Canonical column id (see canonicalColumnId). */
  col: string;
  desc: boolean;
}

/** The server `order_by` target of a column (`metrics.val_auc`), or null when only the browser can sort it. */
export function serverSortTarget(ref: ColumnRef): string | null {
  switch (ref.kind) {
    case 'attr': {
      const s = ATTRS[ref.key].server;
      return s ? `${s.entity}.${quoteKey(s.key)}` : null;
    }
    case 'param':
      return `params.${quoteKey(ref.key)}`;
    case 'tag':
      return `tags.${quoteKey(ref.key)}`;
    case 'metric':
      return ref.agg === 'last' ? `metrics.${quoteKey(ref.key)}` : null;
  }
}

export const isServerSortable = (id: string): boolean => {
  const ref = parseColumnId(id);
  return ref !== null && serverSortTarget(ref) !== null;
};

/**
 * What the server can do for a multi-sort: the leading run of server-sortable keys becomes `order_by`;
 * from the first key it cannot sort (metric min/max, duration, experiment) on, the loaded rows are
 * re-sorted in the browser by the whole list (`client`).
 */
export function planSort(sorts: readonly SortKey[]): { orderBy: string[]; client: boolean } {
  const orderBy: string[] = [];
  for (const s of sorts) {
    const ref = parseColumnId(s.col);
    if (!ref) continue;
    const target = serverSortTarget(ref);
    if (target === null) return { orderBy, client: true };
    orderBy.push(`${target} ${s.desc ? 'DESC' : 'ASC'}`);
  }
  return { orderBy, client: false };
}

/** Header click: plain click sorts by this column alone (asc → desc → none); Shift adds/cycles it as a further key. */
export function toggleSort(sorts: readonly SortKey[], colId: string, additive: boolean): SortKey[] {
  const col = canonicalColumnId(colId);
  const i = sorts.findIndex((s) => s.col === col);
  if (additive) {
    if (i < 0) return [...sorts, { col, desc: false }];
    const cur = sorts[i] as SortKey;
    if (!cur.desc) return sorts.map((s, k) => (k === i ? { col, desc: true } : s));
    return sorts.filter((_, k) => k !== i);
  }
  if (sorts.length === 1 && i === 0) return (sorts[0] as SortKey).desc ? [] : [{ col, desc: true }];
  return [{ col, desc: false }];
}

/** One `sort` URL entry: an MLflow order_by entry, or `min(metrics.k)`, `attributes.duration` for browser-only keys. */
function sortEntry(s: SortKey): string | null {
  const ref = parseColumnId(s.col);
  if (!ref) return null;
  const dir = s.desc ? 'DESC' : 'ASC';
  const server = serverSortTarget(ref);
  if (server) return `${server} ${dir}`;
  if (ref.kind === 'metric') return `${ref.agg}(metrics.${quoteKey(ref.key)}) ${dir}`;
  if (ref.kind === 'attr') return `attributes.${ref.key} ${dir}`;
  return null;
}

/** Sort keys → the `sort` URL parameter: `metrics.val_auc DESC,params.lr ASC,min(metrics.loss) ASC`. */
export function formatSortParam(sorts: readonly SortKey[]): string {
  return sorts
    .map(sortEntry)
    .filter((e): e is string => e !== null)
    .join(',');
}

/** Splits on `sep` outside quotes ('…', "…", `…`) and parentheses. */
export function splitTopLevel(src: string, sep: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let depth = 0;
  let cur = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quote) {
      cur += c;
      if (c === '\\' && quote !== '`' && i + 1 < src.length) {
        cur += src[++i] as string;
      } else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

const ORDER_ATTRS: Record<string, AttrKey> = { run_name: 'name', status: 'status', start_time: 'start', end_time: 'end', user_id: 'user', run_id: 'run_id' };

function parseSortEntry(raw: string): SortKey | null {
  const entry = raw.trim();
  if (!entry) return null;
  const agg = /^(min|max)\s*\((.*)\)\s*(asc|desc)?$/is.exec(entry);
  if (agg) {
    const inner = parseSortEntry(agg[2] as string);
    const ref = inner ? parseColumnId(inner.col) : null;
    if (!ref || ref.kind !== 'metric') return null;
    return { col: columnId({ kind: 'metric', key: ref.key, agg: (agg[1] as string).toLowerCase() as MetricAgg }), desc: (agg[3] ?? '').toUpperCase() === 'DESC' };
  }
  const local = /^(?:attributes|attribute|attr)\.(duration|experiment)(?:\s+(asc|desc))?$/i.exec(entry);
  if (local) return { col: `a:${(local[1] as string).toLowerCase()}`, desc: (local[2] ?? '').toUpperCase() === 'DESC' };
  try {
    const [item] = parseOrderBy([entry]);
    if (!item) return null;
    const desc = !item.ascending;
    switch (item.entity) {
      case 'attribute': {
        const a = ORDER_ATTRS[item.key];
        return a ? { col: `a:${a}`, desc } : null;
      }
      case 'metric':
        return { col: `m:${item.key}`, desc };
      case 'param':
        return { col: `p:${item.key}`, desc };
      case 'tag':
        return { col: canonicalColumnId(`t:${item.key}`), desc };
    }
  } catch {
    return null;
  }
}

/** The `sort` URL parameter → sort keys (invalid entries and repeats dropped). */
export function parseSortParam(raw: string | undefined | null): SortKey[] {
  if (!raw) return [];
  const out: SortKey[] = [];
  for (const part of splitTopLevel(raw, ',')) {
    const s = parseSortEntry(part);
    if (s && !out.some((o) => o.col === s.col)) out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Cell values

export interface ValueContext {
  /** Experiment id → name (the Experiment column). */
  experimentNames?: ReadonlyMap<string, string>;
  /** Clock for durations of running runs. */
  now?: number;
}

/** A sortable cell value: number or string, `NaN` for a non-finite metric value, null when missing. */
export type CellValue = number | string | null;

export function runDuration(info: RunRow['info'], now: number | undefined): number | null {
  if (info.start_time === undefined || info.start_time === null) return null;
  if (info.end_time !== undefined && info.end_time !== null && info.end_time > 0) return info.end_time - info.start_time;
  if ((info.status === 'RUNNING' || info.status === 'SCHEDULED') && now !== undefined) return Math.max(0, now - info.start_time);
  return null;
}

export function cellValue(row: RunRow, ref: ColumnRef, ctx: ValueContext = {}): CellValue {
  switch (ref.kind) {
    case 'param':
      return row.params[ref.key] ?? null;
    case 'tag':
      return row.tags[ref.key] ?? null;
    case 'metric': {
      const m = row.metrics[ref.key];
      if (!m) return null;
      const v = ref.agg === 'last' ? m.value : ref.agg === 'min' ? m.min : m.max;
      // Non-finite values cross JSON as null.
      return v === null || !Number.isFinite(v) ? Number.NaN : v;
    }
    case 'attr': {
      const i = row.info;
      switch (ref.key) {
        case 'run_id':
          return i.run_id;
        case 'name':
          return i.run_name;
        case 'user':
          return i.user_id || null;
        case 'start':
          return i.start_time ?? null;
        case 'end':
          return i.end_time ? i.end_time : null;
        case 'duration':
          return runDuration(i, ctx.now);
        case 'status':
          return i.status;
        case 'experiment':
          return ctx.experimentNames?.get(i.experiment_id) ?? i.experiment_id;
        case 'source':
          return row.tags['mlflow.source.name'] ?? null;
        case 'commit':
          return row.tags['mlflow.source.git.commit'] ?? null;
      }
    }
  }
}

/** Rank: a value (0) < NaN (1) < missing (2), whatever the direction — as the server orders. */
const rank = (v: CellValue): number => (v === null ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0);

function comparePrimitive(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Comparator for the whole sort list (missing and NaN last; then start time DESC, run id) — mirrors the server. */
export function rowsComparator(sorts: readonly SortKey[], ctx: ValueContext = {}): (a: RunRow, b: RunRow) => number {
  const refs = sorts.map((s) => ({ ref: parseColumnId(s.col), desc: s.desc })).filter((s): s is { ref: ColumnRef; desc: boolean } => s.ref !== null);
  const byStart = refs.some((s) => s.ref.kind === 'attr' && s.ref.key === 'start');
  return (a, b) => {
    for (const { ref, desc } of refs) {
      const va = cellValue(a, ref, ctx);
      const vb = cellValue(b, ref, ctx);
      const ra = rank(va);
      const rb = rank(vb);
      if (ra !== rb) return ra - rb;
      if (ra !== 0) continue;
      const c = comparePrimitive(va as number | string, vb as number | string);
      if (c !== 0) return desc ? -c : c;
    }
    if (!byStart) {
      const sa = a.info.start_time ?? null;
      const sb = b.info.start_time ?? null;
      if (sa !== sb) {
        if (sa === null) return 1;
        if (sb === null) return -1;
        return sb - sa;
      }
    }
    return a.info.run_id < b.info.run_id ? -1 : a.info.run_id > b.info.run_id ? 1 : 0;
  };
}

/** A sorted copy (the input is not touched). */
export function sortRows(rows: readonly RunRow[], sorts: readonly SortKey[], ctx: ValueContext = {}): RunRow[] {
  return [...rows].sort(rowsComparator(sorts, ctx));
}

// ---------------------------------------------------------------------------------------------------------------
// Quick filters (header funnels) ↔ the filter string

export type QuickFilter = { kind: 'range'; min: number | null; max: number | null } | { kind: 'values'; values: string[] };

const RANGE_OPS = new Set(['>=', '>', '<=', '<']);
const VALUE_OPS = new Set(['=', 'IN']);

function manages(c: FilterClause, t: FilterTarget): boolean {
  if (c.entity !== t.entity || c.key !== t.key) return false;
  return t.entity === 'metric' ? RANGE_OPS.has(c.op) : VALUE_OPS.has(c.op);
}

/** What the funnel of this column currently filters (from the clauses it manages), or null. Invalid filter → null. */
export function readQuickFilter(filter: string, t: FilterTarget): QuickFilter | null {
  let clauses: FilterClause[];
  try {
    clauses = parseFilter(filter).clauses.filter((c) => manages(c, t));
  } catch {
    return null;
  }
  if (clauses.length === 0) return null;
  if (t.entity === 'metric') {
    let min: number | null = null;
    let max: number | null = null;
    for (const c of clauses) {
      if (typeof c.value !== 'number') continue;
      if (c.op === '>=' || c.op === '>') min = min === null ? c.value : Math.max(min, c.value);
      else max = max === null ? c.value : Math.min(max, c.value);
    }
    return { kind: 'range', min, max };
  }
  const values: string[] = [];
  for (const c of clauses) {
    const vs = Array.isArray(c.value) ? c.value : typeof c.value === 'string' ? [c.value] : [];
    for (const v of vs) if (!values.includes(v)) values.push(v);
  }
  return { kind: 'values', values };
}

/** The clauses a quick filter stands for: `metrics.k >= 0.1 AND metrics.k <= 0.9`, `params.k IN ('a', 'b')`. */
export function quickFilterClauses(t: FilterTarget, qf: QuickFilter | null): string[] {
  if (!qf) return [];
  const id = identifier(t);
  if (qf.kind === 'range') {
    if (t.entity !== 'metric') return [];
    const out: string[] = [];
    if (qf.min !== null) out.push(`${id} >= ${numberLiteral(qf.min)}`);
    if (qf.max !== null) out.push(`${id} <= ${numberLiteral(qf.max)}`);
    return out;
  }
  if (t.entity === 'metric') return [];
  const values = [...new Set(qf.values)];
  if (values.length === 0) return [];
  if (values.length === 1) return [`${id} = ${quoteValue(values[0] as string)}`];
  return [`${id} IN (${values.map(quoteValue).join(', ')})`];
}

/**
 * Replaces what the column's funnel manages in `filter` (range comparisons for metrics; `=` / `IN` for params
 * and tags) by `qf` (null clears it). The other clauses keep their text; the new ones go last.
 * Throws FilterSyntaxError when `filter` itself is invalid.
 */
export function applyQuickFilter(filter: string, t: FilterTarget, qf: QuickFilter | null): string {
  const ast = parseFilter(filter);
  const kept = ast.clauses.filter((c) => !manages(c, t)).map((c) => filter.slice(c.span.start, c.span.end));
  return [...kept, ...quickFilterClauses(t, qf)].join(' AND ');
}

/** True when the filter has a clause this column's funnel manages (the funnel shows as active). */
export function hasQuickFilter(filter: string, t: FilterTarget): boolean {
  return readQuickFilter(filter, t) !== null;
}

/** `a AND b` of non-blank parts, e.g. the user's filter plus the "starred only" clause. */
export function andFilters(...parts: readonly string[]): string {
  return parts.filter((p) => p.trim() !== '').join(' AND ');
}

export const STAR_TAG = 'mldesk.starred';
/** The filter clause behind "Starred only". */
export const STARRED_CLAUSE = `tags.${quoteKey(STAR_TAG)} = 'true'`;
export const isStarred = (row: RunRow): boolean => row.tags[STAR_TAG] === 'true';

export { FilterSyntaxError };

// ---------------------------------------------------------------------------------------------------------------
// Distinct values and ranges (funnel popovers)

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Numbers numerically when both look like numbers, otherwise natural text order. */
export function compareValues(a: string, b: string): number {
  const na = a.trim() === '' ? Number.NaN : Number(a);
  const nb = b.trim() === '' ? Number.NaN : Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  if (Number.isFinite(na) !== Number.isFinite(nb)) return Number.isFinite(na) ? -1 : 1;
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Distinct values of a param/tag among the rows, most frequent first (ties in value order). */
export function distinctValues(rows: readonly RunRow[], t: { entity: 'param' | 'tag'; key: string }, limit = 500): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const v = t.entity === 'param' ? r.params[t.key] : r.tags[t.key];
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareValues(a.value, b.value))
    .slice(0, limit);
}

/** Min and max of a metric's latest (or min/max) values among the rows; null when none is finite. */
export function metricRange(rows: readonly RunRow[], key: string, agg: MetricAgg = 'last'): { min: number; max: number; count: number } | null {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  const ref: ColumnRef = { kind: 'metric', key, agg };
  for (const r of rows) {
    const v = cellValue(r, ref);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return count === 0 ? null : { min, max, count };
}

// ---------------------------------------------------------------------------------------------------------------
// Grouping

export interface GroupStat {
  /** Finite values aggregated. */
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface RowGroup {
  /** Stable id (collapse state): `v:<value>`, or `none` for runs without the key. */
  id: string;
  value: string | null;
  rows: RunRow[];
  /** Per metric column id. */
  stats: Record<string, GroupStat>;
}

/** Group-by targets: a param or tag, or the run's status / experiment / user. */
export function isGroupable(ref: ColumnRef): boolean {
  return ref.kind === 'param' || ref.kind === 'tag' || (ref.kind === 'attr' && (ref.key === 'status' || ref.key === 'experiment' || ref.key === 'user'));
}

/** `params.model`, `tags.team`, `attributes.status` (keys unquoted: everything after the first dot). */
export function formatGroupParam(ref: ColumnRef | null): string | null {
  if (!ref || !isGroupable(ref)) return null;
  if (ref.kind === 'param') return `params.${ref.key}`;
  if (ref.kind === 'tag') return `tags.${ref.key}`;
  return `attributes.${ref.key}`;
}

export function parseGroupParam(raw: string | undefined | null): ColumnRef | null {
  if (!raw) return null;
  const dot = raw.indexOf('.');
  if (dot < 0) return null;
  const entity = raw.slice(0, dot);
  const key = raw.slice(dot + 1);
  if (!key) return null;
  const ref: ColumnRef | null =
    entity === 'params' ? { kind: 'param', key } : entity === 'tags' ? { kind: 'tag', key } : entity === 'attributes' && isAttrKey(key) ? { kind: 'attr', key } : null;
  return ref && isGroupable(ref) ? ref : null;
}

function stat(values: readonly number[]): GroupStat {
  if (values.length === 0) return { n: 0, mean: null, min: null, max: null };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { n: values.length, mean: sum / values.length, min, max };
}

/**
 * Groups rows (kept in their order inside a group) by the value of `by`; groups sorted by their value
 * (numbers numerically, then text; runs without the key last), each with count and mean/min/max of the
 * given metric columns (finite values only).
 */
export function groupRows(rows: readonly RunRow[], by: ColumnRef, statColumns: readonly string[], ctx: ValueContext = {}): RowGroup[] {
  const map = new Map<string, RowGroup>();
  for (const r of rows) {
    const v = cellValue(r, by, ctx);
    const value = v === null ? null : String(v);
    const id = value === null ? 'none' : `v:${value}`;
    let g = map.get(id);
    if (!g) {
      g = { id, value, rows: [], stats: {} };
      map.set(id, g);
    }
    g.rows.push(r);
  }
  const refs = statColumns.map((id) => ({ id, ref: parseColumnId(id) })).filter((c): c is { id: string; ref: ColumnRef & { kind: 'metric' } } => c.ref?.kind === 'metric');
  const groups = [...map.values()];
  for (const g of groups) {
    for (const { id, ref } of refs) {
      const vals: number[] = [];
      for (const r of g.rows) {
        const v = cellValue(r, ref);
        if (typeof v === 'number' && Number.isFinite(v)) vals.push(v);
      }
      g.stats[id] = stat(vals);
    }
  }
  return groups.sort((a, b) => (a.value === null ? 1 : 0) - (b.value === null ? 1 : 0) || (a.value !== null && b.value !== null ? compareValues(a.value, b.value) : 0));
}

export type DisplayItem = { kind: 'run'; row: RunRow } | { kind: 'group'; group: RowGroup; collapsed: boolean };

/** Groups → the rows of the virtual list: each group row followed by its runs unless collapsed. */
export function flattenGroups(groups: readonly RowGroup[], collapsed: ReadonlySet<string>): DisplayItem[] {
  const out: DisplayItem[] = [];
  for (const group of groups) {
    const c = collapsed.has(group.id);
    out.push({ kind: 'group', group, collapsed: c });
    if (!c) for (const row of group.rows) out.push({ kind: 'run', row });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Pins, hidden, selection

/**
 * Hidden runs out, pinned runs (in row order) apart so they can stick at the top.
 * `hiddenCount` counts hidden runs present in `rows`.
 */
export function arrangeRows(rows: readonly RunRow[], pinned: ReadonlySet<string>, hidden: ReadonlySet<string>): { pinnedRows: RunRow[]; rest: RunRow[]; hiddenCount: number } {
  const pinnedRows: RunRow[] = [];
  const rest: RunRow[] = [];
  let hiddenCount = 0;
  for (const r of rows) {
    const id = r.info.run_id;
    if (hidden.has(id)) hiddenCount++;
    else if (pinned.has(id)) pinnedRows.push(r);
    else rest.push(r);
  }
  return { pinnedRows, rest, hiddenCount };
}

/** Shift-click range: the ids between the anchor and the target in display order (inclusive); [target] without an anchor. */
export function rangeBetween(order: readonly string[], anchor: string | null, target: string): string[] {
  const j = order.indexOf(target);
  const i = anchor === null ? -1 : order.indexOf(anchor);
  if (i < 0 || j < 0) return [target];
  return order.slice(Math.min(i, j), Math.max(i, j) + 1);
}

/** Toggles ids in a selection (all on if any is off, else all off), keeping the selection order. */
export function toggleMany(selection: readonly string[], ids: readonly string[], on: boolean): string[] {
  if (on) {
    const have = new Set(selection);
    return [...selection, ...ids.filter((id) => !have.has(id))];
  }
  const drop = new Set(ids);
  return selection.filter((id) => !drop.has(id));
}

/** `#/compare?exp=1,3&runs=a,b` query for the Compare page. */
export function compareQuery(experimentIds: readonly string[], runIds: readonly string[]): { exp: string; runs: string } {
  return { exp: experimentIds.join(','), runs: runIds.join(',') };
}

/** `exp=1,3` → ['1', '3'] (trimmed, blanks and repeats dropped, order kept). */
export function parseExperimentIds(raw: string | undefined | null): string[] {
  if (!raw) return [];
  const out: string[] = [];
  for (const p of raw.split(',')) {
    const id = p.trim();
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Saved view state (opaque JSON for api.views.save)

export type ViewTypeParam = 'active' | 'deleted' | 'all';

export interface TableViewState {
  version: 1;
  /** Column ids in display order (after the fixed run-name column); null = the automatic default. */
  columns: string[] | null;
  widths: Record<string, number>;
  /** `sort` URL parameter format. */
  sort: string;
  filter: string;
  /** `group` URL parameter format, '' for none. */
  group: string;
  collapsed: string[];
  selection: string[];
  pinned: string[];
  hidden: string[];
  colors: Record<string, string>;
  /** Primary metrics chosen for the experiment (shown first by the default columns); empty = automatic. */
  primary: string[];
  starredOnly: boolean;
  viewType: ViewTypeParam;
}

export const EMPTY_VIEW: TableViewState = {
  version: 1,
  columns: null,
  widths: {},
  sort: '',
  filter: '',
  group: '',
  collapsed: [],
  selection: [],
  pinned: [],
  hidden: [],
  colors: {},
  primary: [],
  starredOnly: false,
  viewType: 'active',
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
function record<T>(v: unknown, ok: (x: unknown) => x is T): Record<string, T> {
  const out: Record<string, T> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) if (ok(x)) out[k] = x;
  return out;
}
const isWidth = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 40 && x <= 2000;
const isColor = (x: unknown): x is string => typeof x === 'string' && /^#[0-9a-f]{3,8}$/i.test(x);

/** Validates a saved view's state (anything unknown or malformed falls back to the empty default). */
export function parseViewState(raw: unknown): TableViewState {
  const o = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const vt = str(o.viewType);
  return {
    version: 1,
    columns: Array.isArray(o.columns) ? strings(o.columns).filter((id) => parseColumnId(id) !== null) : null,
    widths: record(o.widths, isWidth),
    sort: str(o.sort),
    filter: str(o.filter),
    group: str(o.group),
    collapsed: strings(o.collapsed),
    selection: strings(o.selection),
    pinned: strings(o.pinned),
    hidden: strings(o.hidden),
    colors: record(o.colors, isColor),
    primary: strings(o.primary),
    starredOnly: o.starredOnly === true,
    viewType: vt === 'deleted' || vt === 'all' ? vt : 'active',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Keys seen in the rows (column chooser, group-by)

export interface RowKeys {
  params: string[];
  metrics: string[];
  tags: string[];
}

const systemTag = (k: string): number => (k.startsWith('mlflow.') || k.startsWith('mldesk.') ? 1 : 0);

/** Param, metric and tag keys present in the rows (natural order; system/ metrics and mlflow./mldesk. tags last). */
export function collectRowKeys(rows: readonly RunRow[]): RowKeys {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    for (const k in r.params) params.add(k);
    for (const k in r.metrics) metrics.add(k);
    for (const k in r.tags) tags.add(k);
  }
  const sys = (k: string) => (k.startsWith('system/') ? 1 : 0);
  return {
    params: [...params].sort(collator.compare),
    metrics: [...metrics].sort((a, b) => sys(a) - sys(b) || collator.compare(a, b)),
    tags: [...tags].sort((a, b) => systemTag(a) - systemTag(b) || collator.compare(a, b)),
  };
}

/** Primary metrics picked automatically (when none are chosen for the experiment). */
export const AUTO_PRIMARY_METRICS = 3;
/** Params shown by default: every differing one up to this many, then constant ones up to the same total. */
export const DEFAULT_PARAMS = 6;
/** A metric counts as "logged last" in a run when its latest point is this close to the run's latest metric point. */
const LAST_LOGGED_MS = 1000;

export interface ColumnStats {
  /**
   * Params whose value is not the same in every run (a run without the param counts as a different value): the ones
   * with several values first, then the ones only some runs have; more runs first.
   */
  differing: string[];
  /** Params with one value in every run. */
  constant: string[];
  /**
   * Non-system metric keys, most useful first: logged by the most runs, then logged last in the most runs (final
   * scores come after the per-epoch curves), then held-out scores (val / test / eval) before others and training
   * curves, then the most points, then by name.
   */
  metrics: string[];
  /** More than one user among the runs. */
  usersDiffer: boolean;
}

const EVAL_NAME = /(^|[_/.\-])(val|valid|validation|test|eval|holdout)([_/.\-]|$)/i;
const TRAIN_NAME = /(^|[_/.\-])(train|training)([_/.\-]|$)/i;
/** Held-out scores (val_*, test_*, eval/*) before the rest, training curves last: what runs are usually compared by. */
const evalRank = (k: string): number => (EVAL_NAME.test(k) ? 0 : TRAIN_NAME.test(k) ? 2 : 1);

/** What the default columns are chosen from: which params differ between the runs and how metrics rank. */
export function columnStats(rows: readonly RunRow[], keys: RowKeys): ColumnStats {
  const first = new Map<string, string | undefined>();
  const differs = new Set<string>();
  const metricRuns = new Map<string, number>();
  const metricLast = new Map<string, number>();
  const metricPoints = new Map<string, number>();
  let user: string | null = null;
  let usersDiffer = false;
  rows.forEach((r, i) => {
    if (i === 0) user = r.info.user_id;
    else if (r.info.user_id !== user) usersDiffer = true;
    for (const k of keys.params) {
      if (differs.has(k)) continue;
      const v = r.params[k];
      if (i === 0) first.set(k, v);
      else if (first.get(k) !== v) differs.add(k);
    }
    // System metrics are sampled until the process ends: "logged last" is about the run's own metrics.
    let latest = -Infinity;
    for (const k in r.metrics) {
      const m = r.metrics[k] as RunRow['metrics'][string];
      if (m.timestamp > latest && !k.startsWith('system/')) latest = m.timestamp;
    }
    for (const k in r.metrics) {
      if (k.startsWith('system/')) continue;
      const m = r.metrics[k] as RunRow['metrics'][string];
      metricRuns.set(k, (metricRuns.get(k) ?? 0) + 1);
      if (latest - m.timestamp <= LAST_LOGGED_MS) metricLast.set(k, (metricLast.get(k) ?? 0) + 1);
      metricPoints.set(k, (metricPoints.get(k) ?? 0) + m.count);
    }
  });
  const n = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
  const metrics = keys.metrics
    .filter((k) => !k.startsWith('system/'))
    .sort(
      (a, b) =>
        n(metricRuns, b) - n(metricRuns, a) ||
        n(metricLast, b) - n(metricLast, a) ||
        evalRank(a) - evalRank(b) ||
        n(metricPoints, b) - n(metricPoints, a) ||
        collator.compare(a, b),
    );
  // Differing params: the ones with two or more values before the ones only some runs have (same value where set);
  // then the ones more runs have (`model` before a `batch_size` only some runs have).
  const paramRuns = new Map<string, number>();
  const paramValues = new Map<string, Set<string>>();
  for (const r of rows) {
    for (const k in r.params) {
      if (!differs.has(k)) continue;
      paramRuns.set(k, (paramRuns.get(k) ?? 0) + 1);
      let vs = paramValues.get(k);
      if (!vs) paramValues.set(k, (vs = new Set()));
      if (vs.size < 2) vs.add(r.params[k] as string);
    }
  }
  const split = (k: string) => ((paramValues.get(k)?.size ?? 0) >= 2 ? 0 : 1);
  return {
    differing: rows.length > 1 ? keys.params.filter((k) => differs.has(k)).sort((a, b) => split(a) - split(b) || n(paramRuns, b) - n(paramRuns, a) || collator.compare(a, b)) : [],
    constant: rows.length > 1 ? keys.params.filter((k) => !differs.has(k)) : [...keys.params],
    metrics,
    usersDiffer,
  };
}

/** The primary metrics: the ones chosen for the experiment (in their order), else the top-ranked ones. */
export function primaryMetrics(stats: ColumnStats, chosen: readonly string[] | null | undefined): string[] {
  if (chosen && chosen.length > 0) return [...chosen];
  return stats.metrics.slice(0, AUTO_PRIMARY_METRICS);
}

/**
 * Without a saved choice, what matters first: status (experiment when several), the primary metrics, the params that
 * differ between the runs; then start, duration, the user when runs have different users, and constant params.
 */
export function defaultColumns(stats: ColumnStats, multiExperiment: boolean, chosenPrimary: readonly string[] | null = null): string[] {
  const differing = stats.differing.slice(0, DEFAULT_PARAMS);
  const constant = stats.constant.slice(0, Math.max(0, DEFAULT_PARAMS - differing.length));
  return [
    'a:status',
    ...(multiExperiment ? ['a:experiment'] : []),
    ...primaryMetrics(stats, chosenPrimary).map((k) => `m:${k}`),
    ...differing.map((k) => `p:${k}`),
    'a:start',
    'a:duration',
    ...(stats.usersDiffer ? ['a:user'] : []),
    ...constant.map((k) => `p:${k}`),
  ];
}

/**
 * Chosen columns with the primary metrics' latest-value columns moved (or added) right after the leading status /
 * experiment columns, in the primary order; the other columns keep their order.
 */
export function placePrimary(columns: readonly string[], primary: readonly string[]): string[] {
  const ids = primary.map((k) => `m:${k}`);
  const drop = new Set(ids);
  const rest = columns.filter((c) => !drop.has(c));
  let lead = 0;
  while (lead < rest.length && (rest[lead] === 'a:status' || rest[lead] === 'a:experiment')) lead++;
  return [...rest.slice(0, lead), ...ids, ...rest.slice(lead)];
}

/**
 * The runs whose colours must be distinct in the table: every shown run when they fit the palette, else the
 * selected and pinned ones (in display order) — the runs that end up side by side in Compare.
 */
export function colorViewIds(order: readonly string[], selection: readonly string[], pinned: readonly string[], paletteSize: number): string[] {
  if (order.length <= paletteSize) return [...order];
  const keep = new Set([...selection, ...pinned]);
  return order.filter((id) => keep.has(id));
}

/** Moves the column at `from` to `to` (array indexes). */
export function moveColumn(ids: readonly string[], from: number, to: number): string[] {
  if (from === to || from < 0 || from >= ids.length || to < 0 || to >= ids.length) return [...ids];
  const out = [...ids];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x as string);
  return out;
}
