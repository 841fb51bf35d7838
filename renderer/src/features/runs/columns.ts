import type { RunRow } from '../../../../shared/contract';
import type { OrderByItem } from '../../../../shared/lib/mlflowFilter';
import { parseOrderBy } from '../../../../shared/lib/mlflowFilter';

/** What the user picked in the column chooser for one experiment. */
export interface ColumnChoice {
  params: string[];
  metrics: string[];
}

const STORAGE_PREFIX = 'mldesk.runs.columns.v1.';
const DEFAULT_METRICS = 4;
const DEFAULT_PARAMS = 3;

export function loadColumnChoice(experimentId: string): ColumnChoice | null {
  try {
    const raw = window.localStorage.getItem(STORAGE_PREFIX + experimentId);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<ColumnChoice>;
    const strings = (a: unknown): string[] => (Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);
    return { params: strings(v.params), metrics: strings(v.metrics) };
  } catch {
    return null;
  }
}

export function saveColumnChoice(experimentId: string, choice: ColumnChoice | null): void {
  try {
    if (choice) window.localStorage.setItem(STORAGE_PREFIX + experimentId, JSON.stringify(choice));
    else window.localStorage.removeItem(STORAGE_PREFIX + experimentId);
  } catch {
    /* storage disabled: the choice lives until reload */
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export const compareKeys = (a: string, b: string): number => collator.compare(a, b);

/** All param and metric keys present in the loaded rows, sorted naturally (system/ metrics last). */
export function collectKeys(rows: readonly RunRow[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of rows) {
    for (const k in r.params) params.add(k);
    for (const k in r.metrics) metrics.add(k);
  }
  const sys = (k: string) => (k.startsWith('system/') ? 1 : 0);
  return {
    params: [...params].sort(compareKeys),
    metrics: [...metrics].sort((a, b) => sys(a) - sys(b) || compareKeys(a, b)),
  };
}

/** Without a saved choice: the first few metrics (not system ones) and params. */
export function defaultChoice(keys: { params: string[]; metrics: string[] }): ColumnChoice {
  return {
    metrics: keys.metrics.filter((k) => !k.startsWith('system/')).slice(0, DEFAULT_METRICS),
    params: keys.params.slice(0, DEFAULT_PARAMS),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// order_by

const BARE_KEY = /^[\p{L}\p{N}_\-/.]+$/u;

/** `val_auc` → `val_auc`; `my key` → `` `my key` `` (MLflow identifier quoting). */
export function quoteKey(key: string): string {
  if (BARE_KEY.test(key)) return key;
  if (!key.includes('`')) return `\`${key}\``;
  return `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export type SortEntity = 'attributes' | 'params' | 'metrics' | 'tags';

export interface SortSpec {
  entity: SortEntity;
  key: string;
  desc: boolean;
}

/** SortSpec → MLflow `order_by` entry: `metrics.val_auc DESC`. */
export function sortToOrderBy(s: SortSpec): string {
  return `${s.entity}.${quoteKey(s.key)} ${s.desc ? 'DESC' : 'ASC'}`;
}

/** Parses the `sort` URL parameter (an MLflow order_by entry); invalid → null (server default order). */
export function parseSortParam(raw: string | undefined): SortSpec | null {
  if (!raw) return null;
  try {
    const [item] = parseOrderBy([raw]);
    if (!item) return null;
    const entity: SortEntity = item.entity === 'attribute' ? 'attributes' : item.entity === 'param' ? 'params' : item.entity === 'metric' ? 'metrics' : 'tags';
    return { entity, key: item.key, desc: !item.ascending };
  } catch {
    return null;
  }
}

export const sameSortTarget = (a: SortSpec | null, entity: SortEntity, key: string): boolean => a !== null && a.entity === entity && a.key === key;

/** Header click cycle: unsorted → ascending → descending → unsorted. */
export function nextSort(current: SortSpec | null, entity: SortEntity, key: string): SortSpec | null {
  if (!sameSortTarget(current, entity, key)) return { entity, key, desc: false };
  if (current && !current.desc) return { entity, key, desc: true };
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Client-side comparator that mirrors the server's ORDER BY (searchSql.ts), used to place live-updated rows.

type Sortable = number | string | null;

function sortValue(row: RunRow, o: OrderByItem): { v: Sortable; nan: boolean } {
  switch (o.entity) {
    case 'attribute': {
      const v = (row.info as unknown as Record<string, unknown>)[o.key];
      return { v: typeof v === 'number' || typeof v === 'string' ? v : null, nan: false };
    }
    case 'metric': {
      const m = row.metrics[o.key];
      if (!m) return { v: null, nan: false };
      // NaN / ±Infinity arrive as null (JSON); the server ranks them like NaN.
      return m.value === null || !Number.isFinite(m.value) ? { v: null, nan: true } : { v: m.value, nan: false };
    }
    case 'param':
      return { v: row.params[o.key] ?? null, nan: false };
    case 'tag':
      return { v: row.tags[o.key] ?? null, nan: false };
  }
}

function cmpPrimitive(a: Sortable, b: Sortable): number {
  if (a === b) return 0;
  if (a === null) return 0;
  if (b === null) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A comparator for rows in the server's order for these order_by entries (nulls last, then start_time DESC, run id). */
export function rowComparator(orderBy: readonly string[]): (a: RunRow, b: RunRow) => number {
  let items: OrderByItem[] = [];
  try {
    items = parseOrderBy(orderBy);
  } catch {
    items = [];
  }
  const byStart = items.some((o) => o.entity === 'attribute' && o.key === 'start_time');
  return (a, b) => {
    for (const o of items) {
      const va = sortValue(a, o);
      const vb = sortValue(b, o);
      // Rank: value (0) < NaN (1) < missing (2), whatever the direction.
      const ra = va.v !== null ? 0 : va.nan ? 1 : 2;
      const rb = vb.v !== null ? 0 : vb.nan ? 1 : 2;
      if (ra !== rb) return ra - rb;
      if (ra !== 0) continue;
      const c = cmpPrimitive(va.v, vb.v);
      if (c !== 0) return o.ascending ? c : -c;
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
