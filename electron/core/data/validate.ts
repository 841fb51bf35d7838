import type { ColumnProfile, Profile } from '../../../shared/contract/data';

/** Expectations inferred from a reference version, stored in the project as `<file>.expectations.json`. */
export interface Expectations {
  schema: 'mldesk-expectations/1';
  reference: { sha256: string; rows: number };
  rows: { min: number; max: number };
  /** Columns that must be present (in any order). */
  columns: Array<{
    name: string;
    type: string;
    /** Largest allowed share of missing values (0 = not nullable). */
    maxMissing: number;
    range?: { min: number; max: number };
    categories?: string[];
    unique?: boolean;
    /** Drift test against the reference distribution (PSI over reference bins/categories). */
    drift?: { psiMax: number; bins?: number[]; refShares: number[]; categories?: string[] };
  }>;
}

export interface Check {
  name: string;
  column?: string;
  passed: boolean;
  message: string;
  observed?: unknown;
  expected?: unknown;
}
export interface ValidationReport {
  passed: boolean;
  checks: Check[];
  failed: number;
}

const PSI_MAX = 0.2;
const EPS = 1e-4;

/** Population stability index of two share vectors (same bins). */
export function psi(ref: number[], cur: number[]): number {
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.max(ref[i]!, EPS);
    const c = Math.max(cur[i] ?? 0, EPS);
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Shares of a numeric column over reference bin edges (edges[0] = −∞ side, last = +∞ side implied). */
export function numericShares(p: ColumnProfile, edges: number[]): number[] | null {
  if (!p.histogram) return null;
  // Re-bin the profile's histogram onto the reference edges by bin centres (both come from 20-bin histograms).
  const out = new Array<number>(edges.length + 1).fill(0);
  const total = p.histogram.reduce((a, h) => a + h.count, 0) || 1;
  for (const h of p.histogram) {
    const mid = (h.lo + h.hi) / 2;
    let i = 0;
    while (i < edges.length && mid >= edges[i]!) i++;
    out[i]! += h.count / total;
  }
  return out;
}

export function categoryShares(p: ColumnProfile, categories: string[]): number[] {
  const total = p.count - p.missing || 1;
  const shares = categories.map((c) => (p.top?.find((t) => t.value === c)?.count ?? 0) / total);
  const other = Math.max(0, 1 - shares.reduce((a, b) => a + b, 0));
  return [...shares, other];
}

export function inferExpectations(ref: Profile): Expectations {
  return {
    schema: 'mldesk-expectations/1',
    reference: { sha256: ref.sha256, rows: ref.rows },
    rows: { min: Math.floor(ref.rows * 0.5), max: Math.ceil(ref.rows * 1.5) },
    columns: ref.columns.map((c) => {
      const missingShare = c.count ? c.missing / c.count : 0;
      const col: Expectations['columns'][number] = { name: c.name, type: c.type, maxMissing: missingShare === 0 ? 0 : Math.min(1, Math.round((missingShare * 2 + 0.01) * 1000) / 1000) };
      const nonMissing = c.count - c.missing;
      if ((c.type === 'integer' || c.type === 'float') && typeof c.min === 'number' && typeof c.max === 'number') {
        const pad = (c.max - c.min) * 0.1;
        // Non-negative columns (amounts, counts, ages) stay non-negative.
        col.range = { min: c.min >= 0 ? Math.max(0, c.min - pad) : c.min - pad, max: c.max + pad };
        if (c.histogram && c.histogram.length > 1) {
          const edges = c.histogram.slice(1).map((h) => h.lo);
          col.drift = { psiMax: PSI_MAX, bins: edges, refShares: numericShares(c, edges)! };
        }
      }
      if (c.type === 'string' && c.top && c.distinct <= 50 && c.top.length >= c.distinct) {
        col.categories = c.top.map((t) => t.value).filter((v): v is string => v !== null);
        col.drift = { psiMax: PSI_MAX, refShares: categoryShares(c, col.categories), categories: col.categories };
      }
      if (nonMissing > 0 && c.distinct >= nonMissing && c.missing === 0 && /(^|_)(id|key|uuid)$/i.test(c.name)) col.unique = true;
      return col;
    }),
  };
}

/**
 * Runs the expectations against a profile of the data to check. `duplicates`: per unique column, the count of
 * repeated values; `numericShares_`: exact shares over the reference bins (else re-binned from the profile).
 */
export function checkExpectations(exp: Expectations, cur: Profile, duplicates: Record<string, number> = {}, numericShares_: Record<string, number[]> = {}): ValidationReport {
  const checks: Check[] = [];
  const push = (c: Check) => checks.push(c);
  push({
    name: 'row count',
    passed: cur.rows >= exp.rows.min && cur.rows <= exp.rows.max,
    observed: cur.rows,
    expected: exp.rows,
    message: `${cur.rows} rows (expected ${exp.rows.min}–${exp.rows.max})`,
  });
  for (const e of exp.columns) {
    const c = cur.columns.find((x) => x.name === e.name);
    if (!c) {
      push({ name: 'required column', column: e.name, passed: false, message: `column "${e.name}" is missing` });
      continue;
    }
    const numericOk = e.type === 'float' && c.type === 'integer'; // a float column that happens to hold whole numbers
    push({ name: 'type', column: e.name, passed: c.type === e.type || numericOk, observed: c.type, expected: e.type, message: `type ${c.type} (expected ${e.type})` });
    const share = c.count ? c.missing / c.count : 0;
    push({ name: 'missing values', column: e.name, passed: share <= e.maxMissing + 1e-12, observed: share, expected: e.maxMissing, message: `${(share * 100).toFixed(2)} % missing (allowed ${(e.maxMissing * 100).toFixed(2)} %)` });
    if (e.range && typeof c.min === 'number' && typeof c.max === 'number') {
      push({ name: 'range', column: e.name, passed: c.min >= e.range.min && c.max <= e.range.max, observed: { min: c.min, max: c.max }, expected: e.range, message: `values ${c.min} … ${c.max} (allowed ${e.range.min.toFixed(4)} … ${e.range.max.toFixed(4)})` });
    }
    if (e.categories) {
      const unknown = (c.top ?? []).map((t) => t.value).filter((v): v is string => v !== null && !e.categories!.includes(v));
      const more = c.distinct > (c.top?.length ?? 0);
      push({ name: 'allowed categories', column: e.name, passed: unknown.length === 0 && !more, observed: unknown, expected: e.categories, message: unknown.length ? `unexpected values: ${unknown.slice(0, 5).join(', ')}` : more ? `more distinct values (${c.distinct}) than the reference allows` : 'all values allowed' });
    }
    if (e.unique) {
      const d = duplicates[e.name] ?? 0;
      push({ name: 'unique', column: e.name, passed: d === 0, observed: d, message: d ? `${d} duplicated value(s)` : 'all values unique' });
    }
    if (e.drift) {
      const shares = e.drift.categories ? categoryShares(c, e.drift.categories) : e.drift.bins ? (numericShares_[e.name] ?? numericShares(c, e.drift.bins)) : null;
      if (shares) {
        const v = psi(e.drift.refShares, shares);
        push({ name: 'distribution shift (PSI)', column: e.name, passed: v <= e.drift.psiMax, observed: Math.round(v * 1000) / 1000, expected: e.drift.psiMax, message: `PSI ${v.toFixed(3)} (max ${e.drift.psiMax})` });
      }
    }
  }
  const failed = checks.filter((c) => !c.passed).length;
  return { passed: failed === 0, checks, failed };
}
