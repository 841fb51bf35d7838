import type { ColumnProfile, Profile } from '../../../shared/contract/data';
import { PSI_FLOOR, psi, sharesOf } from '../monitor/drift';

/** Expectations inferred from a reference version, stored in the project as `<file>.expectations.json`. */
export interface Expectations {
  schema: 'mldesk-expectations/1';
  reference: { sha256: string; rows: number };
  /**
   * `min`–`max`: the row-count band, checked when a file is validated against its own expectations (another
   * version of the same dataset). `batchMin`: the least rows of a batch validated against them (another file,
   * e.g. production data against the training set's expectations); unset, a batch's row count is not checked.
   */
  rows: { min: number; max: number; batchMin?: number };
  /** Columns that must be present (in any order). */
  columns: Array<{
    name: string;
    type: string;
    /** Largest allowed share of missing values (0 = not nullable). */
    maxMissing: number;
    /** Share of missing values in the reference, reported next to the checked file's share. */
    refMissing?: number;
    range?: { min: number; max: number };
    categories?: string[];
    unique?: boolean;
    /**
     * Drift test against the reference distribution: PSI over the reference's bins (numeric: `bins` are the
     * edges, a value v falls in bin #{edges ≤ v}) or its categories plus one "other" share. `refShares` are
     * shares of the reference's non-missing values: missing values are not a bin (see `psi`).
     */
    drift?: { psiMax: number; bins?: number[]; refShares: number[]; categories?: string[] };
  }>;
}

/**
 * `band`: check the row-count band (a file validated against its own expectations); `batch`: check only
 * `rows.batchMin` when set (a batch validated against another dataset's expectations).
 */
export type RowCountMode = 'band' | 'batch';

export interface Check {
  name: string;
  column?: string;
  passed: boolean;
  message: string;
  observed?: unknown;
  expected?: unknown;
}

/**
 * What a report was checked against. `rule`: how the expectations were chosen — `given` (passed as they are),
 * `explicit` (`--reference`), `declared` (a `{"reference": …}` file next to the checked file), `own` (the
 * file's own committed expectations) or `training` (the project's training reference).
 */
export interface Against {
  /** The dataset (project-relative) or file whose expectations were used; null when given as they are. */
  reference: string | null;
  rule: 'given' | 'explicit' | 'declared' | 'own' | 'training';
  /** `committed`: the reference's `<file>.expectations.json`; `inferred`: inferred from its data just now. */
  source: 'given' | 'committed' | 'inferred';
  rowCount: RowCountMode;
}

export interface ValidationReport {
  passed: boolean;
  checks: Check[];
  failed: number;
  against?: Against;
}

const PSI_MAX = 0.2;

// PSI lives in the drift engine (one implementation for validation, batch drift and monitoring); re-exported here
// for validation's callers.
export { PSI_FLOOR, psi, sharesOf };

/**
 * Approximate shares of a numeric column over reference bin edges, re-binned from its profile's histogram by
 * bin centres (missing values are not in the histogram). Validation uses exact shares from a pass over the
 * data (DataService.tableStats); this is the fallback for a profile alone.
 */
export function numericShares(p: ColumnProfile, edges: number[]): number[] | null {
  if (!p.histogram) return null;
  const out = new Array<number>(edges.length + 1).fill(0);
  for (const h of p.histogram) {
    const mid = (h.lo + h.hi) / 2;
    let i = 0;
    while (i < edges.length && mid >= edges[i]!) i++;
    out[i]! += h.count;
  }
  return sharesOf(out);
}

/** Shares of the non-missing values over `categories`, plus one share for every other value. */
export function categoryShares(p: ColumnProfile, categories: string[]): number[] {
  const total = p.count - p.missing || 1;
  const shares = categories.map((c) => (p.top?.find((t) => t.value === c)?.count ?? 0) / total);
  const other = Math.max(0, 1 - shares.reduce((a, b) => a + b, 0));
  return [...shares, other];
}

const pct = (share: number) => `${(share * 100).toFixed(2)} %`;

/**
 * Expectations inferred from a reference profile. `exactShares`: per numeric column, shares of the reference's
 * non-missing values over the bins inferred here (edges = the profile histogram's inner bin edges), counted
 * the way validation counts them (DataService.inferFromFile passes them); without them they are re-binned
 * from the histogram, so a file checked against itself might not score exactly 0.
 */
export function inferExpectations(ref: Profile, exactShares: Record<string, number[]> = {}): Expectations {
  return {
    schema: 'mldesk-expectations/1',
    reference: { sha256: ref.sha256, rows: ref.rows },
    rows: { min: Math.floor(ref.rows * 0.5), max: Math.ceil(ref.rows * 1.5) },
    columns: ref.columns.map((c) => {
      const missingShare = c.count ? c.missing / c.count : 0;
      const col: Expectations['columns'][number] = {
        name: c.name,
        type: c.type,
        maxMissing: missingShare === 0 ? 0 : Math.min(1, Math.round((missingShare * 2 + 0.01) * 1000) / 1000),
        refMissing: missingShare,
      };
      const nonMissing = c.count - c.missing;
      if ((c.type === 'integer' || c.type === 'float') && typeof c.min === 'number' && typeof c.max === 'number') {
        const pad = (c.max - c.min) * 0.1;
        // Non-negative columns (amounts, counts, ages) stay non-negative.
        col.range = { min: c.min >= 0 ? Math.max(0, c.min - pad) : c.min - pad, max: c.max + pad };
        if (c.histogram && c.histogram.length > 1) {
          const edges = c.histogram.slice(1).map((h) => h.lo);
          col.drift = { psiMax: PSI_MAX, bins: edges, refShares: exactShares[c.name] ?? numericShares(c, edges)! };
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
 * repeated values; `binShares`: exact shares of the non-missing values over the reference bins (else re-binned
 * from the profile); `rowCount`: see RowCountMode.
 */
export function checkExpectations(
  exp: Expectations,
  cur: Profile,
  duplicates: Record<string, number> = {},
  binShares: Record<string, number[]> = {},
  rowCount: RowCountMode = 'band',
): ValidationReport {
  const checks: Check[] = [];
  const push = (c: Check) => checks.push(c);
  if (rowCount === 'band') {
    push({
      name: 'row count',
      passed: cur.rows >= exp.rows.min && cur.rows <= exp.rows.max,
      observed: cur.rows,
      expected: { min: exp.rows.min, max: exp.rows.max },
      message: `${cur.rows} rows (expected ${exp.rows.min}–${exp.rows.max})`,
    });
  } else if (exp.rows.batchMin !== undefined) {
    const min = exp.rows.batchMin;
    push({ name: 'row count', passed: cur.rows >= min, observed: cur.rows, expected: { min }, message: `${cur.rows} rows (a batch needs at least ${min})` });
  }
  for (const e of exp.columns) {
    const c = cur.columns.find((x) => x.name === e.name);
    if (!c) {
      push({ name: 'required column', column: e.name, passed: false, message: `column "${e.name}" is missing` });
      continue;
    }
    const numericOk = e.type === 'float' && c.type === 'integer'; // a float column that happens to hold whole numbers
    push({ name: 'type', column: e.name, passed: c.type === e.type || numericOk, observed: c.type, expected: e.type, message: `type ${c.type} (expected ${e.type})` });
    const share = c.count ? c.missing / c.count : 0;
    const refMissing = e.refMissing !== undefined ? `reference ${pct(e.refMissing)}, ` : '';
    push({ name: 'missing values', column: e.name, passed: share <= e.maxMissing + 1e-12, observed: share, expected: e.maxMissing, message: `${pct(share)} missing (${refMissing}allowed ${pct(e.maxMissing)})` });
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
      const shares = e.drift.categories ? categoryShares(c, e.drift.categories) : e.drift.bins ? (binShares[e.name] ?? numericShares(c, e.drift.bins)) : null;
      if (shares) {
        const v = psi(e.drift.refShares, shares);
        // Missing values are outside the PSI; a change in their share is named here (and checked above).
        const moved = e.refMissing !== undefined && pct(e.refMissing) !== pct(share) ? `; missing ${pct(e.refMissing)} → ${pct(share)} (not part of the PSI)` : '';
        push({ name: 'distribution shift (PSI)', column: e.name, passed: v <= e.drift.psiMax, observed: v, expected: e.drift.psiMax, message: `PSI ${v.toFixed(3)} (max ${e.drift.psiMax}) over non-missing values${moved}` });
      }
    }
  }
  const failed = checks.filter((c) => !c.passed).length;
  return { passed: failed === 0, checks, failed };
}
