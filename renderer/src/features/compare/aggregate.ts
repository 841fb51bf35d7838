/**
 * Pure numeric helpers of the Compare view (no React, no DOM): smoothing, per-group aggregation of runs,
 * robust y-domains. Unit-tested in tests/compareAggregate.test.ts.
 */

/**
 * TensorBoard-style exponential moving average with debiasing:
 *
 *   last = last · w + (1 − w) · v;  n += 1;  smoothed = last / (1 − wⁿ)
 *
 * so the first values are not dragged towards 0. Non-finite values are passed through unchanged and
 * do not update the average; a constant series is returned as is (no rounding noise).
 * `weight` is clamped to [0, 0.999]; 0 returns a copy.
 */
export function ema(values: ArrayLike<number>, weight: number): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  const w = Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 0.999) : 0;
  let constant = true;
  const first = values[0];
  for (let i = 1; i < n && constant; i++) if (values[i] !== first) constant = false;
  if (w === 0 || constant) {
    for (let i = 0; i < n; i++) out[i] = values[i] as number;
    return out;
  }
  let last = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return out;
}

/**
 * The p-th percentile (0–100) of a sorted array, linear interpolation between closest ranks
 * (NumPy's default): index = p/100 · (n − 1).
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const idx = (Math.min(Math.max(p, 0), 100) / 100) * (n - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return lo === hi ? a : a + (b - a) * (idx - lo);
}

/**
 * Y-domain clipped to the [lo, hi] percentiles (default 1st–99th) of the finite values, so a few spikes
 * do not flatten every other line. Returns null when there is no finite value. A degenerate range
 * (all equal) is returned as [v, v]; callers pad it.
 */
export function percentileDomain(values: ArrayLike<number>, lo = 1, hi = 99): [number, number] | null {
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite[n++] = v;
  }
  if (n === 0) return null;
  const sorted = finite.subarray(0, n).sort();
  return [percentileSorted(sorted, lo), percentileSorted(sorted, hi)];
}

/** Min and max of the finite values, or null. */
export function extent(values: ArrayLike<number>): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : null;
}

/** One run's series for grouping. `xs` (optional, same length) is the drawn x (e.g. wall time); default = steps. */
export interface RunSeries {
  steps: ArrayLike<number>;
  values: ArrayLike<number | null>;
  xs?: ArrayLike<number>;
}

/** One aggregated point of a group, at one aligned step. */
export interface GroupPoint {
  /** Aligned step: the step itself, or with `bucket` the mean step of the points in the bucket. */
  step: number;
  /** Mean of the contributing runs' x (equals `step` when no `xs` were given). */
  x: number;
  mean: number;
  /** Population standard deviation over the contributing runs (0 for a single run). */
  std: number;
  min: number;
  max: number;
  /** How many runs have a finite value at this step. */
  count: number;
}

export interface GroupOptions {
  /**
   * Align on buckets of this many steps (floor(step / bucket)) instead of exact steps. Useful when the
   * series were downsampled per run and no longer share their steps. 0/undefined = exact steps.
   */
  bucket?: number;
}

interface Acc {
  stepSum: number;
  xSum: number;
  values: number[];
}

/**
 * Aggregates the runs of a group into one line with a band: runs are aligned by step (or step bucket)
 * and, per aligned step, mean / population std / min / max are computed over the runs having a finite
 * value there. A run with several values at one aligned step (duplicate steps, or several points in a
 * bucket) contributes their mean once. Output is sorted by step.
 */
export function groupSeries(series: readonly RunSeries[], opts: GroupOptions = {}): GroupPoint[] {
  const bucket = opts.bucket && opts.bucket > 0 && Number.isFinite(opts.bucket) ? opts.bucket : 0;
  const acc = new Map<number, Acc>();
  for (const s of series) {
    // Collapse this run first, so it counts once per aligned step.
    const own = new Map<number, { step: number; x: number; v: number; n: number }>();
    const n = Math.min(s.steps.length, s.values.length, s.xs ? s.xs.length : Infinity);
    for (let i = 0; i < n; i++) {
      const step = s.steps[i] as number;
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isFinite(step)) continue;
      const x = s.xs ? (s.xs[i] as number) : step;
      if (!Number.isFinite(x)) continue;
      const key = bucket ? Math.floor(step / bucket) : step;
      const o = own.get(key);
      if (o) {
        o.step += step;
        o.x += x;
        o.v += v;
        o.n++;
      } else own.set(key, { step, x, v, n: 1 });
    }
    for (const [key, o] of own) {
      let a = acc.get(key);
      if (!a) acc.set(key, (a = { stepSum: 0, xSum: 0, values: [] }));
      a.stepSum += o.step / o.n;
      a.xSum += o.x / o.n;
      a.values.push(o.v / o.n);
    }
  }
  const out: GroupPoint[] = [];
  for (const a of acc.values()) {
    const count = a.values.length;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of a.values) {
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / count;
    let sq = 0;
    for (const v of a.values) sq += (v - mean) * (v - mean);
    out.push({ step: a.stepSum / count, x: a.xSum / count, mean, std: Math.sqrt(sq / count), min, max, count });
  }
  out.sort((p, q) => p.step - q.step);
  return out;
}

export type BandMode = 'minmax' | 'std';

/** Lower/upper edge of a group's band: min–max, or mean ± std. */
export function bandOf(p: GroupPoint, mode: BandMode): [number, number] {
  return mode === 'std' ? [p.mean - p.std, p.mean + p.std] : [p.min, p.max];
}

/** A run's value for a group-by key: 'params.lr' → params.lr, 'tags.team' → tags.team; missing → null. */
export function groupValue(run: { params: Readonly<Record<string, string>>; tags: Readonly<Record<string, string>> }, groupBy: string): string | null {
  const dot = groupBy.indexOf('.');
  if (dot < 0) return null;
  const kind = groupBy.slice(0, dot);
  const key = groupBy.slice(dot + 1);
  const src = kind === 'params' ? run.params : kind === 'tags' ? run.tags : null;
  const v = src ? src[key] : undefined;
  return v === undefined ? null : v;
}

/** Sorts group labels: numbers numerically, then text, the missing group ('') last. */
export function compareGroupLabels(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const na = Number(a);
  const nb = Number(b);
  const fa = a.trim() !== '' && Number.isFinite(na);
  const fb = b.trim() !== '' && Number.isFinite(nb);
  if (fa && fb) return na - nb;
  if (fa !== fb) return fa ? -1 : 1;
  return a.localeCompare(b, undefined, { numeric: true });
}
