import { MldeskError } from '../../../../shared/contract/errors';
import type { ColumnDrift, DriftMethod, DriftReport, Distribution } from '../../../../shared/contract/monitor';
import { finiteSorted } from './sort';
import {
  chiSquareDrift,
  distinctSorted,
  distinctUnion,
  histogramSorted,
  jensenShannon,
  ks2samp,
  linspace,
  psi,
  psiNumeric,
  sharesOf,
  sturgesEdges,
  wassersteinNorm,
  zTestDrift,
} from './stats';

/**
 * The drift engine: one column of a reference against the same column of a current dataset, with Evidently's
 * automatic choice of the test, and a dataset's verdict from its columns. Batch comparisons of two files,
 * deployment windows and data validation's PSI all use it. Pure: it knows values, not files.
 *
 * Automatic choice (Evidently's defaults), n = the reference's non-missing values, k = distinct values of both:
 * - n ≤ 1000: numeric with k > 5 → two-sample Kolmogorov–Smirnov; otherwise chi-squared when k > 2, else the
 *   two-proportion Z-test (p-values; drift when p < 0.05);
 * - n > 1000: numeric with k > 5 → Wasserstein distance over the reference's standard deviation; otherwise
 *   Jensen–Shannon distance (drift when ≥ 0.1).
 * PSI (10 reference-quantile bins for numeric columns, the categories otherwise; empty share 1e-4) is always
 * reported. Missing values (empty, null, NaN, ±∞) are left out of every statistic and counted; categories the
 * reference never had are counted and named.
 */

export type ColumnValues =
  /** `sorted`: the finite values, ascending (see `numericValues`). */
  | { type: 'numeric'; sorted: Float64Array; missing: number }
  | { type: 'categorical'; counts: Map<string, number>; missing: number };

export interface ColumnTable {
  /** How to name it in the report (a path, `path@commit`, a window). */
  source: string;
  rows: number;
  columns: Array<{ name: string; values: ColumnValues }>;
}

export interface ColumnOptions {
  method?: DriftMethod;
  threshold?: number;
}

export interface CompareOptions {
  /** Current column → reference column, when the names differ. */
  columnMap?: Record<string, string>;
  /** Per column (reference or current name): the method and/or threshold instead of the automatic ones. */
  columns?: Record<string, ColumnOptions>;
  /** Dataset drift when at least this share of the tested columns drifted (0.5). */
  shareThreshold?: number;
  /** Reference/current distributions for the overlay charts (default true). */
  distributions?: boolean;
  /**
   * Refuse columns whose values differ only in case or spacing ("Yes" vs "yes"): the same categories encoded
   * differently, not drift (default true for datasets).
   */
  checkEncodings?: boolean;
  /** Every applicable statistic in `statistics`, not only the chosen method's. */
  allStatistics?: boolean;
}

export const SHARE_THRESHOLD = 0.5;
export const DEFAULT_THRESHOLDS: Record<DriftMethod, number> = { ks: 0.05, chisquare: 0.05, ztest: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 };
/** Methods that give a p-value (drift below the threshold); the others are distances (drift at or above it). */
const TESTS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);
const NUMERIC_ONLY: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein']);
const OVERLAY_BINS = 20;
const OVERLAY_CATEGORIES = 50;
const UNSEEN_EXAMPLES = 5;
const ID_NAME = /(^|[_\s.-])(id|key|uuid|guid)$|[a-z]Id$/i;

const invalid = (message: string, column: string) => new MldeskError('INVALID_INPUT', message, { column });

/** A numeric column from raw values (any order; NaN, ±∞, null and undefined count as missing). */
export function numericValues(values: ArrayLike<number | null | undefined>): ColumnValues {
  const arr = values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>, (v) => (v === null || v === undefined ? NaN : v));
  const { sorted, missing } = finiteSorted(arr);
  return { type: 'numeric', sorted, missing };
}

/** A categorical column from raw values (null, undefined and '' count as missing). */
export function categoricalValues(values: Iterable<string | number | boolean | null | undefined>): ColumnValues {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) missing++;
    else {
      const k = String(v);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return { type: 'categorical', counts, missing };
}

const nonMissing = (v: ColumnValues) => (v.type === 'numeric' ? v.sorted.length : sum(v.counts.values()));
const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

/** Counts per distinct value of a sorted array (ascending). */
function countsOfSorted(a: Float64Array): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < a.length; ) {
    const v = a[i]!;
    let j = i + 1;
    while (j < a.length && a[j] === v) j++;
    m.set(v, j - i);
    i = j;
  }
  return m;
}

/** Categories of both sides: the reference's (by count, descending), then those only the current has. */
interface Categories {
  labels: string[];
  ref: number[];
  cur: number[];
  /** Index of the first category the reference does not have. */
  unseenFrom: number;
  /** Sort keys for the Z-test's "first" category (numbers for a numeric column). */
  keys: Array<string | number>;
}

function categoriesOf(ref: ColumnValues, cur: ColumnValues): Categories {
  const toMap = (v: ColumnValues): Map<string | number, number> => (v.type === 'numeric' ? countsOfSorted(v.sorted) : (v.counts as Map<string | number, number>));
  const r = toMap(ref);
  const c = toMap(cur);
  const refKeys = [...r.keys()].sort((a, b) => r.get(b)! - r.get(a)! || cmp(a, b));
  const unseen = [...c.keys()].filter((k) => !r.has(k)).sort((a, b) => c.get(b)! - c.get(a)! || cmp(a, b));
  const keys = [...refKeys, ...unseen];
  return { labels: keys.map(String), ref: keys.map((k) => r.get(k) ?? 0), cur: keys.map((k) => c.get(k) ?? 0), unseenFrom: refKeys.length, keys };
}

const cmp = (a: string | number, b: string | number) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

/** Evidently's automatic choice. */
export function autoMethod(type: 'numeric' | 'categorical', refSize: number, distinct: number): DriftMethod {
  if (refSize <= 1000) {
    if (type === 'numeric' && distinct > 5) return 'ks';
    return distinct > 2 ? 'chisquare' : 'ztest';
  }
  return type === 'numeric' && distinct > 5 ? 'wasserstein' : 'jensenshannon';
}

/** The column's kind for the report: numeric (numbers with > 5 distinct values), binary (≤ 2 values) or categorical. */
const kindOf = (type: 'numeric' | 'categorical', distinct: number): ColumnDrift['kind'] => (distinct <= 2 ? 'binary' : type === 'numeric' && distinct > 5 ? 'numeric' : 'categorical');

/**
 * Drift of one column. `ref` and `cur` must be of the same type, unless one side has no values at all.
 * Throws INVALID_INPUT (naming the column) for mismatched types and for an override that does not apply.
 */
export function columnDrift(column: string, ref: ColumnValues, cur: ColumnValues, opts: ColumnOptions = {}, more: { distribution?: boolean; checkEncodings?: boolean; allStatistics?: boolean } = {}): ColumnDrift {
  const nRef = nonMissing(ref);
  const nCur = nonMissing(cur);
  if (ref.type !== cur.type && nRef > 0 && nCur > 0) {
    throw invalid(`Column "${column}" is ${ref.type === 'numeric' ? 'numeric' : 'text'} in the reference but ${cur.type === 'numeric' ? 'numeric' : 'text'} in the current data`, column);
  }
  const type = nRef > 0 ? ref.type : cur.type;
  const rows = { reference: nRef + ref.missing, current: nCur + cur.missing };
  const missing = { reference: ref.missing, current: cur.missing };
  if (opts.method && NUMERIC_ONLY.has(opts.method) && type !== 'numeric' && (nRef > 0 || nCur > 0)) {
    throw invalid(`Column "${column}": ${opts.method} needs numbers, and "${column}" holds text (use chisquare, ztest, jensenshannon or psi)`, column);
  }
  const base = { column, rows, missing, unseen: { rows: 0, values: [] as string[] } };

  // Distinct values of both sides (capped: only "≤ 2", "≤ 5" and "> 5" matter beyond the overlay).
  const cats = type === 'categorical' || distinctUnion(sortedOf(ref), sortedOf(cur), 5) <= 5 ? categoriesOf(ref, cur) : null;
  const distinct = cats ? cats.labels.length : 6;
  const kind = kindOf(type, distinct);
  if (cats && cats.unseenFrom < cats.labels.length && nRef > 0) {
    base.unseen.rows = sum(cats.cur.slice(cats.unseenFrom));
    base.unseen.values = cats.labels.slice(cats.unseenFrom, cats.unseenFrom + UNSEEN_EXAMPLES);
  }
  const method = opts.method ?? autoMethod(type, nRef, distinct);
  const threshold = opts.threshold ?? DEFAULT_THRESHOLDS[method];
  const distribution = more.distribution === false ? null : overlay(kind, type, ref, cur, cats);

  const untested = (note: string): ColumnDrift => ({ ...base, kind, method, statistic: null, pValue: null, threshold, drifted: false, psi: null, note, distribution });
  if (nRef === 0 && nCur === 0) return untested('no values on either side (every value is missing)');
  if (nRef === 0) return untested('no values in the reference (every value is missing)');
  if (nCur === 0) return untested('no values in the current data (every value is missing)');
  if (nRef >= 2 && isIdentifier(column, type, ref)) return untested('every value is distinct (an identifier or free text): not tested');
  if (more.checkEncodings && cats && type === 'categorical') checkEncoding(column, cats);

  const run = (m: DriftMethod) => statisticOf(m, type, ref, cur, cats, kind);
  const { statistic, pValue } = run(method);
  let statistics: ColumnDrift['statistics'];
  if (more.allStatistics) {
    const methods: DriftMethod[] = type === 'numeric' && kind === 'numeric' ? ['ks', 'wasserstein', 'jensenshannon', 'psi'] : ['chisquare', 'ztest', 'jensenshannon', 'psi'];
    statistics = Object.fromEntries(
      methods.map((m) => {
        const r = m === method ? { statistic, pValue } : run(m);
        return [m, { statistic: finiteOrNull(r.statistic), pValue: r.pValue === null ? null : finiteOrNull(r.pValue) }];
      }),
    );
  }
  const psiValue = method === 'psi' ? statistic : psiOf(kind, ref, cur, cats);
  const drifted = TESTS.has(method) ? (pValue as number) < threshold : statistic >= threshold;
  return {
    ...base,
    kind,
    method,
    statistic: finiteOrNull(statistic),
    pValue: pValue === null ? null : finiteOrNull(pValue),
    threshold,
    drifted,
    psi: finiteOrNull(psiValue),
    note: statistic === Infinity ? 'categories the reference never had make the chi-squared statistic infinite (p = 0)' : null,
    distribution,
    ...(statistics ? { statistics } : {}),
  };
}

/** One method's statistic (and p-value for the tests) on a column both sides of which have values. */
function statisticOf(method: DriftMethod, type: 'numeric' | 'categorical', ref: ColumnValues, cur: ColumnValues, cats: Categories | null, kind: ColumnDrift['kind']): { statistic: number; pValue: number | null } {
  switch (method) {
    case 'ks':
      return ks2samp(sortedOf(ref), sortedOf(cur));
    case 'wasserstein':
      return { statistic: wassersteinNorm(sortedOf(ref), sortedOf(cur)).distance, pValue: null };
    case 'chisquare': {
      const c = cats ?? categoriesOf(ref, cur);
      return chiSquareDrift(c.ref, c.cur);
    }
    case 'ztest': {
      // Evidently codes the first category in sorted order as 0, the others as 1.
      const c = cats ?? categoriesOf(ref, cur);
      const order = c.keys.map((_, i) => i).sort((a, b) => cmp(c.keys[a]!, c.keys[b]!));
      return zTestDrift(
        order.map((i) => c.ref[i]!),
        order.map((i) => c.cur[i]!),
      );
    }
    case 'jensenshannon': {
      // Evidently bins a numeric column with more than 20 reference values (Sturges bins over both sides).
      if (type === 'numeric' && distinctSorted(sortedOf(ref)) > 20) {
        const edges = sturgesEdges(sortedOf(ref), sortedOf(cur));
        return { statistic: jensenShannon(histogramSorted(sortedOf(ref), edges), histogramSorted(sortedOf(cur), edges)), pValue: null };
      }
      const c = cats ?? categoriesOf(ref, cur);
      return { statistic: jensenShannon(sharesOf(c.ref), sharesOf(c.cur)), pValue: null };
    }
    case 'psi':
      return { statistic: psiOf(kind, ref, cur, cats), pValue: null };
  }
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function sortedOf(v: ColumnValues): Float64Array {
  return v.type === 'numeric' ? v.sorted : new Float64Array(0);
}

function psiOf(kind: ColumnDrift['kind'], ref: ColumnValues, cur: ColumnValues, cats: Categories | null): number {
  if (kind === 'numeric' && ref.type === 'numeric' && cur.type === 'numeric') return psiNumeric(ref.sorted, cur.sorted).psi;
  const c = cats ?? categoriesOf(ref, cur);
  return psi(sharesOf(c.ref), sharesOf(c.cur));
}

/**
 * An identifier (or free text): every reference value distinct, and either named like one (`id`,
 * `customer_id`, `uuid`, `orderKey`) or text with at least 50 values. Category tests are meaningless there.
 */
function isIdentifier(column: string, type: 'numeric' | 'categorical', ref: ColumnValues): boolean {
  const n = nonMissing(ref);
  const allDistinct = ref.type === 'numeric' ? distinctSorted(ref.sorted) === n : ref.counts.size === n;
  return allDistinct && (ID_NAME.test(column) || (type === 'categorical' && n >= 50));
}

/** Values that differ from the reference's only in case or spacing: the same categories, encoded differently. */
function checkEncoding(column: string, c: Categories): void {
  if (c.unseenFrom === 0 || c.unseenFrom === c.labels.length) return;
  const refLabels = c.labels.slice(0, c.unseenFrom);
  const curLabels = c.labels.filter((_, i) => c.cur[i]! > 0);
  if (curLabels.some((l) => refLabels.includes(l))) return; // some values match exactly: drift, not an encoding
  const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
  const refNorm = new Map(refLabels.map((l) => [norm(l), l]));
  if (!curLabels.every((l) => refNorm.has(norm(l)))) return;
  const ex = curLabels[0]!;
  throw invalid(
    `Column "${column}": the current data's values differ from the reference's only in case or spacing ("${ex}" vs "${refNorm.get(norm(ex))}") — the same categories encoded differently; recode one side`,
    column,
  );
}

/** Reference vs current shares for the overlay chart. */
function overlay(kind: ColumnDrift['kind'], type: 'numeric' | 'categorical', ref: ColumnValues, cur: ColumnValues, cats: Categories | null): Distribution | null {
  if (kind === 'numeric' && type === 'numeric') {
    const a = sortedOf(ref);
    const b = sortedOf(cur);
    if (a.length + b.length === 0) return null;
    const lo = Math.min(a.length ? a[0]! : Infinity, b.length ? b[0]! : Infinity);
    const hi = Math.max(a.length ? a[a.length - 1]! : -Infinity, b.length ? b[b.length - 1]! : -Infinity);
    const edges = lo === hi ? [lo - 0.5, hi + 0.5] : linspace(lo, hi, OVERLAY_BINS + 1);
    return { kind, edges, reference: sharesOf(histogramSorted(a, edges)), current: sharesOf(histogramSorted(b, edges)) };
  }
  const c = cats ?? categoriesOf(ref, cur);
  if (c.labels.length === 0) return null;
  let labels = c.labels;
  let r = c.ref;
  let k = c.cur;
  if (type === 'numeric') {
    // Numbers in their order.
    const order = c.keys.map((_, i) => i).sort((x, y) => cmp(c.keys[x]!, c.keys[y]!));
    labels = order.map((i) => c.labels[i]!);
    r = order.map((i) => c.ref[i]!);
    k = order.map((i) => c.cur[i]!);
  }
  if (labels.length > OVERLAY_CATEGORIES) {
    const other = (xs: number[]) => [...xs.slice(0, OVERLAY_CATEGORIES - 1), sum(xs.slice(OVERLAY_CATEGORIES - 1))];
    labels = [...labels.slice(0, OVERLAY_CATEGORIES - 1), `(${labels.length - OVERLAY_CATEGORIES + 1} others)`];
    r = other(r);
    k = other(k);
  }
  return { kind, categories: labels, reference: sharesOf(r), current: sharesOf(k) };
}

/** The dataset's verdict from its columns: drifted share of the tested ones (a column with a note was not tested). */
export function datasetVerdict(columns: readonly ColumnDrift[], shareThreshold = SHARE_THRESHOLD): Pick<DriftReport, 'driftedColumns' | 'driftShare' | 'shareThreshold' | 'datasetDrift'> {
  const tested = columns.filter((c) => c.statistic !== null || c.pValue !== null);
  const driftedColumns = tested.filter((c) => c.drifted).length;
  const driftShare = tested.length ? driftedColumns / tested.length : 0;
  return { driftedColumns, driftShare, shareThreshold, datasetDrift: tested.length > 0 && driftShare >= shareThreshold };
}

/**
 * Compares two tables column by column. Both must have the same columns (after `columnMap`): a column only
 * one side has is an INVALID_INPUT error naming it. Report columns follow the reference's order.
 */
export function compareTables(ref: ColumnTable, cur: ColumnTable, opts: CompareOptions = {}): DriftReport {
  const started = performance.now();
  const map = opts.columnMap ?? {};
  const refNames = ref.columns.map((c) => c.name);
  const curNames = cur.columns.map((c) => c.name);
  for (const [c, r] of Object.entries(map)) {
    if (!curNames.includes(c)) throw invalid(`Column map: the current data has no column "${c}" (its columns: ${curNames.join(', ')})`, c);
    if (!refNames.includes(r)) throw invalid(`Column map: the reference has no column "${r}" (its columns: ${refNames.join(', ')})`, r);
  }
  const curByRef = new Map<string, { name: string; values: ColumnValues }>();
  for (const c of cur.columns) {
    const r = map[c.name] ?? c.name;
    if (curByRef.has(r)) throw invalid(`Column map: two current columns ("${curByRef.get(r)!.name}", "${c.name}") map to the reference column "${r}"`, r);
    curByRef.set(r, c);
  }
  const onlyRef = refNames.filter((n) => !curByRef.has(n));
  const onlyCur = [...curByRef.keys()].filter((n) => !refNames.includes(n)).map((r) => curByRef.get(r)!.name);
  if (onlyRef.length || onlyCur.length) {
    const parts = [
      onlyRef.length ? `the current data has no column ${onlyRef.map((n) => `"${n}"`).join(', ')} (the reference has)` : '',
      onlyCur.length ? `the reference has no column ${onlyCur.map((n) => `"${n}"`).join(', ')} (the current data has)` : '',
    ].filter(Boolean);
    throw new MldeskError('INVALID_INPUT', `The datasets have different columns: ${parts.join('; ')}. Map renamed columns with a column map (current=reference).`, {
      column: onlyRef[0] ?? onlyCur[0],
      onlyReference: onlyRef,
      onlyCurrent: onlyCur,
    });
  }
  const overrides = opts.columns ?? {};
  for (const k of Object.keys(overrides)) {
    if (!refNames.includes(k) && !curNames.includes(k)) throw invalid(`Per-column option for "${k}": no such column (columns: ${refNames.join(', ')})`, k);
  }
  const columns = ref.columns.map((r) => {
    const c = curByRef.get(r.name)!;
    const o = overrides[r.name] ?? overrides[c.name] ?? {};
    return columnDrift(r.name, r.values, c.values, o, { distribution: opts.distributions !== false, checkEncodings: opts.checkEncodings !== false, allStatistics: opts.allStatistics });
  });
  return {
    reference: { source: ref.source, rows: ref.rows },
    current: { source: cur.source, rows: cur.rows },
    columns,
    ...datasetVerdict(columns, opts.shareThreshold ?? SHARE_THRESHOLD),
    tookMs: Math.round(performance.now() - started),
  };
}
