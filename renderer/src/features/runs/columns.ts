import type { RunRow } from '../../../../shared/contract';
import type { OrderByItem } from '../../../../shared/lib/mlflowFilter';
import { parseOrderBy } from '../../../../shared/lib/mlflowFilter';

/** Natural key order (`lr`, `lr2`, `lr10`). */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export const compareKeys = (a: string, b: string): number => collator.compare(a, b);

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
