import { chi2Sf, ks2sampPValue, normTwoSided } from './special';

export { finiteSorted, sortedCopy } from './sort';

/**
 * The drift statistics, each written to give SciPy's value (what the tests compare against) on the same data:
 * numeric ones take sorted Float64Arrays of the non-missing values (one merge pass each), categorical ones
 * count vectors over the same categories. Pure: no imports beyond ./special.
 */

// ---------------------------------------------------------------------------------------------------------
// Sorted-array helpers

/** Neumaier-compensated sum (numpy's pairwise sum is as accurate; a plain loop is not). */
export class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/** Number of distinct values of a sorted array. */
export function distinctSorted(a: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) d++;
  return d;
}

/** Distinct values of the union of two sorted arrays (stops counting past `cap`). */
export function distinctUnion(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while ((i < a.length || j < b.length) && d <= cap) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d++;
  }
  return d;
}

/** First index with a[i] ≥ v (numpy searchsorted side='left'). */
export function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > v (numpy searchsorted side='right'). */
export function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quantile of a sorted array, numpy's default 'linear' method (the same arithmetic, so the same bits). */
export function quantileSorted(a: Float64Array, q: number): number {
  const n = a.length;
  if (n === 0) return NaN;
  const virtual = (n - 1) * q;
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) prev = next = n - 1;
  if (virtual < 0) prev = next = 0;
  const gamma = virtual - Math.floor(virtual);
  const x = a[prev]!;
  const y = a[next]!;
  const diff = y - x;
  return gamma >= 0.5 ? y - diff * (1 - gamma) : x + diff * gamma;
}

/** Mean and population standard deviation (numpy.std, ddof 0), two passes. */
export function meanStd(a: Float64Array): { mean: number; std: number } {
  const n = a.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const s = new Sum();
  for (let i = 0; i < n; i++) s.add(a[i]!);
  const mean = s.value / n;
  const q = new Sum();
  for (let i = 0; i < n; i++) {
    const d = a[i]! - mean;
    q.add(d * d);
  }
  return { mean, std: Math.sqrt(q.value / n) };
}

// ---------------------------------------------------------------------------------------------------------
// Numeric tests and distances

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided (scipy.stats.ks_2samp with method 'auto'). Both arrays
 * sorted, non-empty.
 */
export function ks2samp(a: Float64Array, b: Float64Array): TestResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: NaN, pValue: NaN };
  let i = 0;
  let j = 0;
  let max = -Infinity;
  let min = Infinity;
  // The empirical CDFs at every distinct value of the union (ties advance both sides together).
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    if (diff < min) min = diff;
  }
  const minS = Math.min(1, Math.max(0, -min));
  const d = minS > max ? minS : max;
  const r = ks2sampPValue(d, n1, n2);
  return { statistic: r.statistic, pValue: r.pValue };
}

/** First Wasserstein distance between the two samples (scipy.stats.wasserstein_distance). Sorted, non-empty. */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return NaN;
  let i = 0;
  let j = 0;
  const s = new Sum();
  let v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
  for (;;) {
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    if (i >= n1 && j >= n2) break;
    const next = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    s.add(Math.abs(i / n1 - j / n2) * (next - v));
    v = next;
  }
  return s.value;
}

/** Evidently's normed Wasserstein distance: the distance over the reference's standard deviation (at least 0.001). */
export function wassersteinNorm(ref: Float64Array, cur: Float64Array): { distance: number; std: number } {
  const std = meanStd(ref).std;
  return { distance: wasserstein(ref, cur) / Math.max(std, 0.001), std };
}

// ---------------------------------------------------------------------------------------------------------
// Categorical tests and distances

/**
 * Pearson's chi-squared goodness-of-fit (scipy.stats.chisquare(f_obs, f_exp)): k − 1 degrees of freedom. An
 * expected count of 0 with an observed one gives an infinite statistic and p = 0, as in SciPy. With a single
 * category there is nothing to test: statistic 0, p-value 1 (SciPy answers NaN).
 */
export function chisquare(obs: ArrayLike<number>, exp: ArrayLike<number>): TestResult {
  const k = obs.length;
  const s = new Sum();
  let infinite = false;
  for (let i = 0; i < k; i++) {
    const o = obs[i]!;
    const e = exp[i]!;
    const d = o - e;
    if (e === 0) infinite ||= d !== 0;
    else s.add((d * d) / e);
  }
  const statistic = infinite ? Infinity : s.value;
  if (k < 2) return { statistic: 0, pValue: 1 };
  return { statistic, pValue: statistic === Infinity ? 0 : chi2Sf(statistic, k - 1) };
}

/**
 * Evidently's chi-squared drift test: current counts against the reference's shares scaled to the current
 * size, over the union of the categories (`ref[i]`, `cur[i]`: counts of category i).
 */
export function chiSquareDrift(ref: ArrayLike<number>, cur: ArrayLike<number>): TestResult {
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < ref.length; i++) nRef += ref[i]!;
  for (let i = 0; i < cur.length; i++) nCur += cur[i]!;
  const k = nCur / nRef;
  const exp = Array.from(ref, (r) => r * k);
  return chisquare(cur, exp);
}

/**
 * Evidently's Z-test for two proportions: the share of the first category (in sorted order) in the reference
 * against the current, pooled variance, two-sided normal p-value. Identical single-valued sides: p = 1.
 * `ref[i]`, `cur[i]`: counts of category i, categories in sorted order.
 */
export function zTestDrift(ref: ArrayLike<number>, cur: ArrayLike<number>): TestResult {
  let n1 = 0;
  let n2 = 0;
  let seen1 = 0;
  let seen2 = 0;
  let only = -1;
  let same = true;
  for (let i = 0; i < ref.length; i++) {
    n1 += ref[i]!;
    n2 += cur[i]!;
    if (ref[i]! > 0) seen1++;
    if (cur[i]! > 0) seen2++;
    if (ref[i]! > 0 || cur[i]! > 0) {
      if (only >= 0 && only !== i) same = false;
      only = i;
    }
  }
  if (seen1 === 1 && seen2 === 1 && same) return { statistic: 0, pValue: 1 };
  // Indicator: 0 for the first category, 1 for the others (as Evidently codes it).
  const first = ref.length > 0 ? 0 : -1;
  const p1 = first < 0 ? 0 : (n1 - ref[first]!) / n1;
  const p2 = first < 0 ? 0 : (n2 - cur[first]!) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: normTwoSided(z) };
}

/** Jensen–Shannon distance of two share vectors (scipy.spatial.distance.jensenshannon; Evidently uses base 2). */
export function jensenShannon(p0: ArrayLike<number>, q0: ArrayLike<number>, base = 2): number {
  const k = p0.length;
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < k; i++) {
    sp += p0[i]!;
    sq += q0[i]!;
  }
  const left = new Sum();
  const right = new Sum();
  for (let i = 0; i < k; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    if (p > 0) left.add(p * Math.log(p / m));
    if (q > 0) right.add(q * Math.log(q / m));
  }
  let js = left.value + right.value;
  js /= Math.log(base);
  return Math.sqrt(Math.max(0, js) / 2);
}

// ---------------------------------------------------------------------------------------------------------
// PSI

/**
 * Share an empty bin counts as in `psi` (0.01 %): ln(0) would make any PSI with an empty bin on one side
 * infinite. The floor applies to both vectors, bin by bin, after the shares are computed (they are not
 * renormalised). A bin empty on both sides contributes exactly 0.
 */
export const PSI_FLOOR = 1e-4;

/** Reference-quantile bins of the PSI. */
export const PSI_BINS = 10;

/**
 * Population stability index of two share vectors over the same bins: Σᵢ (curᵢ − refᵢ) · ln(curᵢ / refᵢ),
 * each share floored at `floor` (PSI_FLOOR). Identical vectors score exactly 0. Callers pass shares of the
 * non-missing values (missing values are reported on their own). A bin missing from the shorter vector
 * counts as an empty bin.
 */
export function psi(ref: ArrayLike<number>, cur: ArrayLike<number>, floor: number = PSI_FLOOR): number {
  let s = 0;
  for (let i = 0; i < Math.max(ref.length, cur.length); i++) {
    const r = Math.max(ref[i] ?? 0, floor);
    const c = Math.max(cur[i] ?? 0, floor);
    if (r !== c) s += (c - r) * Math.log(c / r);
  }
  return s;
}

/** Counts → shares of their total (all zeros when there is nothing to share). */
export function sharesOf(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (n) => (total ? n / total : 0));
}

/** Inner edges of the PSI's bins: the reference's quantiles at 1/bins … (bins−1)/bins (numpy 'linear'). */
export function quantileEdges(ref: Float64Array, bins = PSI_BINS): number[] {
  return Array.from({ length: bins - 1 }, (_, i) => quantileSorted(ref, (i + 1) / bins));
}

/** Counts of a sorted array over inner `edges`: a value v falls in bin #{edges ≤ v} (searchsorted side='right'). */
export function binCountsRight(a: Float64Array, edges: readonly number[]): number[] {
  const out = new Array<number>(edges.length + 1).fill(0);
  let prev = 0;
  edges.forEach((e, i) => {
    // Bin i holds edges[i-1] ≤ v < edges[i].
    const at = lowerBound(a, e);
    out[i] = at - prev;
    prev = at;
  });
  out[edges.length] = a.length - prev;
  return out;
}

/** PSI of a numeric column: 10 reference-quantile bins, shares floored at 1e-4. Sorted, non-empty inputs. */
export function psiNumeric(ref: Float64Array, cur: Float64Array, bins = PSI_BINS, floor = PSI_FLOOR): { psi: number; edges: number[] } {
  const edges = quantileEdges(ref, bins);
  return { psi: psi(sharesOf(binCountsRight(ref, edges)), sharesOf(binCountsRight(cur, edges)), floor), edges };
}

// ---------------------------------------------------------------------------------------------------------
// Histograms

/** numpy.linspace(start, stop, num) (the same arithmetic). */
export function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out = Array.from({ length: num }, (_, i) => (step === 0 ? (i / div) * delta : i * step) + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** np.histogram_bin_edges(concat(a, b), bins='sturges'); sorted inputs, not both empty. */
export function sturgesEdges(a: Float64Array, b: Float64Array): number[] {
  const n = a.length + b.length;
  const min = Math.min(a.length ? a[0]! : Infinity, b.length ? b[0]! : Infinity);
  const max = Math.max(a.length ? a[a.length - 1]! : -Infinity, b.length ? b[b.length - 1]! : -Infinity);
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, bins + 1);
}

/** np.histogram(a, edges)[0] for a sorted array: bins [eᵢ, eᵢ₊₁), the last one closed. */
export function histogramSorted(a: Float64Array, edges: readonly number[]): number[] {
  const cum = edges.map((e, i) => (i === edges.length - 1 ? upperBound(a, e) : lowerBound(a, e)));
  return cum.slice(1).map((c, i) => c - cum[i]!);
}
