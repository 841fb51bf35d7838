import { MldeskError } from '../../../../shared/contract/errors';
import type { Cell, FeatureSpec, Predict, Progress, Row } from '../types';
import { checkCancelled, scoreWith, tableOf, type Column, type Table } from './columns';
import { RandomState } from './random';

/**
 * Partial dependence and ICE curves of one feature: the feature is set to each grid value for every row of a
 * sample, the others kept; ICE = each row's curve, PD = their mean (scikit-learn's "brute" method). The numeric
 * grid is scikit-learn's: the distinct values when there are fewer than `grid`, else `grid` points equally spaced
 * between the 5th and 95th percentiles (scipy's mquantiles); a categorical feature's grid is its most frequent categories.
 */

export interface PdpOptions {
  /** Grid points (default 20). */
  grid?: number;
  /** ICE curves returned (default 50), drawn from the rows the PD averages. */
  ice?: number;
  /** Rows the PD averages over (default 2000; a seeded sample when there are more). */
  sample?: number;
  seed?: number;
  progress?: Progress;
  /** Fractions reported span [from, to] (when this is a step of a larger computation). */
  span?: [number, number];
}

export interface PartialDependence {
  feature: string;
  kind: FeatureSpec['kind'];
  /** Numbers for a numeric feature, categories for a categorical one. */
  grid: Cell[];
  /** Mean prediction at each grid value. */
  pd: number[];
  /** Indices (into the rows given) of the ICE rows, and their curves (one value per grid point). */
  ice: { rows: number[]; curves: number[][] };
  /** Rows the PD averages over. */
  sampled: number;
}

const isMissing = (v: Cell) => v === null || v === '' || (typeof v === 'number' && !Number.isFinite(v));

/** scipy's `mstats.mquantiles` with its defaults (alphap = betap = 0.4), which scikit-learn's PD grid uses. */
function mquantile(sorted: number[], p: number): number {
  const n = sorted.length;
  const aleph = n * p + 0.4 + p * 0.2;
  const k = Math.floor(Math.min(Math.max(aleph, 1), n - 1));
  const gamma = Math.min(Math.max(aleph - k, 0), 1);
  return (1 - gamma) * sorted[k - 1]! + gamma * sorted[k]!;
}

export function gridOf(values: ArrayLike<Cell>, kind: FeatureSpec['kind'], size: number): Cell[] {
  if (kind === 'categorical') {
    const counts = new Map<string, number>();
    for (const v of Array.from(values)) if (!isMissing(v)) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, size)
      .map(([v]) => v);
  }
  const nums = Array.from(values)
    .filter((v) => !isMissing(v)).map(Number).filter(Number.isFinite).sort((a, b) => a - b);
  if (!nums.length) return [];
  const distinct = nums.filter((v, i) => i === 0 || v !== nums[i - 1]);
  if (distinct.length < size) return distinct;
  const lo = mquantile(nums, 0.05);
  const hi = mquantile(nums, 0.95);
  if (lo === hi) return [lo];
  return Array.from({ length: size }, (_, i) => lo + ((hi - lo) * i) / (size - 1));
}

/** A seeded sample of `m` of `n` indices, in increasing order (all when m ≥ n). */
export function sampleIndices(n: number, m: number, seed: number): number[] {
  if (m >= n) return Array.from({ length: n }, (_, i) => i);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  new RandomState(seed >>> 0).shuffle(idx);
  return Array.from(idx.subarray(0, m)).sort((a, b) => a - b);
}

function subTable(t: Table, idx: number[]): Table {
  const cols: Record<string, Column> = {};
  for (const [k, c] of Object.entries(t.cols)) cols[k] = c instanceof Float64Array ? Float64Array.from(idx, (i) => c[i]!) : idx.map((i) => c[i]!);
  return { n: idx.length, cols };
}

/** PD/ICE of a feature over a table already built (globalExplanations shares one table across features). */
export async function partialDependenceOf(predict: Predict, table: Table, feature: FeatureSpec, opts: PdpOptions = {}): Promise<PartialDependence> {
  const size = opts.grid ?? 20;
  const iceCount = opts.ice ?? 50;
  const seed = opts.seed ?? 0;
  const [from, to] = opts.span ?? [0, 1];
  if (!Number.isInteger(size) || size < 2) throw new MldeskError('INVALID_INPUT', `grid must be an integer ≥ 2, not ${size}`);
  if (!table.cols[feature.name]) throw new MldeskError('INVALID_INPUT', `No column '${feature.name}' in the rows`);
  const idx = sampleIndices(table.n, opts.sample ?? 2000, seed);
  const sub = subTable(table, idx);
  const grid = gridOf(table.cols[feature.name]!, feature.kind, size);
  const m = sub.n;
  // The ICE rows: the first `ice` of a second seeded shuffle of the sample (so they are not just the lowest indices).
  const icePos = sampleIndices(m, iceCount, seed + 1);
  const curves = icePos.map(() => new Array<number>(grid.length));
  const pd: number[] = [];
  for (let g = 0; g < grid.length; g++) {
    checkCancelled(opts.progress);
    const column = new Array<Cell>(m).fill(grid[g]!);
    const s = await scoreWith(predict, sub, feature.name, column);
    let sum = 0;
    for (let i = 0; i < m; i++) sum += s[i]!;
    pd.push(sum / m);
    icePos.forEach((p, c) => (curves[c]![g] = s[p]!));
    opts.progress?.fraction(from + ((to - from) * (g + 1)) / grid.length, `partial dependence of ${feature.name}`);
  }
  return { feature: feature.name, kind: feature.kind, grid, pd, ice: { rows: icePos.map((p) => idx[p]!), curves }, sampled: m };
}

/** PD/ICE of one feature; given a name, the feature is numeric when every present value is a number. */
export function partialDependence(predict: Predict, rows: Row[], feature: FeatureSpec | string, opts: PdpOptions = {}): Promise<PartialDependence> {
  const name = typeof feature === 'string' ? feature : feature.name;
  const table = tableOf(rows, [name]);
  const spec: FeatureSpec =
    typeof feature === 'string' ? { name, kind: Array.from(table.cols[name]!).every((v) => isMissing(v) || typeof v === 'number') ? 'numeric' : 'categorical' } : feature;
  return partialDependenceOf(predict, table, spec, opts);
}
