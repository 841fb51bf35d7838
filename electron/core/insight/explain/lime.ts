/**
 * LIME for tabular rows (Ribeiro et al. 2016), as lime's LimeTabularExplainer does it with its defaults:
 * numbers discretised into training quartiles, every feature resampled from its training distribution (bin or
 * category by frequency; a number then takes a training value from the drawn bin), the interpretable
 * representation "same bin/category as x" (1) or not (0), an exponential kernel on the distance in that
 * representation, and a weighted linear surrogate — kept sparse by forward selection to `topK` features —
 * whose weighted R² on the samples is its fidelity. Seeded: the same seed gives the same explanation.
 */
import { MldeskError } from '../../../../shared/contract/errors';
import type { Cell, FeatureSpec, Predict, Progress, Row } from '../types';
import { fitSubset, weightedMoments } from './linalg';
import { mulberry32, randInt, type Rng } from './random';

export interface LimeOptions {
  /** Perturbed samples (x itself is the first). Default 5000, as lime. */
  samples?: number;
  /** Kernel width. Default 0.75·√M, as lime. */
  kernelWidth?: number;
  /** Features kept in the surrogate. Default min(10, M). */
  topK?: number;
  seed?: number;
  /** Ridge penalty of the final fit (lime: Ridge(alpha=1)). Default 1. */
  alpha?: number;
  /**
   * Quartile bins for numbers (lime's default, true), or false: numbers drawn from a normal with the training
   * mean and sd and used standardised in the surrogate (lime's discretize_continuous=False; weights per sd).
   */
  discretize?: boolean;
  batchSize?: number;
  progress?: Progress;
}

export interface LimeResult {
  /** The surrogate's weights on "x's bin/category" indicators (or per sd of a number, discretize: false), largest |weight| first. */
  weights: Array<{ feature: string; weight: number; condition: string }>;
  intercept: number;
  /** Weighted R² of the surrogate on the perturbed samples (its local fidelity). */
  r2: number;
  /** The model's prediction at x. */
  prediction: number;
  /** The surrogate's prediction at x (intercept + Σ weight · x's coordinate; the coordinates are 1 when binned). */
  local: number;
}

/** A feature's sampling and its interpretable representation. */
interface Interp {
  /** A value for a sample and its coordinate in the surrogate's space. */
  sample(rng: Rng): { value: Cell; z: number };
  /** x's coordinate. */
  z0: number;
  condition: string;
}

const missing = (v: Cell | undefined) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/** numpy's percentile with linear interpolation, on sorted values. */
function percentile(sorted: number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const num = (v: number) => String(Number(v.toPrecision(4)));

function cdfOf(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  let acc = 0;
  return counts.map((c) => (acc += c / total));
}

function pick(cdf: number[], rng: Rng): number {
  const u = rng();
  for (let i = 0; i < cdf.length; i++) if (u < cdf[i]!) return i;
  return cdf.length - 1;
}

/** Bins (or categories) drawn by training frequency; the coordinate is 1 when the draw is x's own bin. */
function binned(cdf: number[], xIndex: number, draw: (i: number, rng: Rng) => Cell, condition: string): Interp {
  return {
    sample: (rng) => {
      const i = pick(cdf, rng);
      return { value: draw(i, rng), z: i === xIndex ? 1 : 0 };
    },
    z0: 1,
    condition,
  };
}

function normal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** lime's continuous mode: a normal around the training mean, standardised coordinates (a missing value sits at the mean). */
function continuous(f: FeatureSpec, x: Cell | undefined, training: Row[]): Interp {
  const present = training.map((r) => r[f.name]).filter((v) => !missing(v)).map(Number);
  const mean = present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0;
  const sd = present.length > 1 ? Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length) || 1 : 1;
  const pMissing = 1 - present.length / training.length;
  return {
    sample: (rng) => {
      if (rng() < pMissing) return { value: null, z: 0 };
      const z = normal(rng);
      return { value: mean + sd * z, z };
    },
    z0: missing(x) ? 0 : (Number(x) - mean) / sd,
    condition: missing(x) ? `${f.name} is missing` : `${f.name} = ${num(Number(x))} (weight per sd ${num(sd)})`,
  };
}

function numericBins(f: FeatureSpec, x: Cell | undefined, training: Row[]): Interp {
  const present: number[] = [];
  let nMissing = 0;
  for (const r of training) {
    const v = r[f.name];
    if (missing(v)) nMissing++;
    else present.push(Number(v));
  }
  present.sort((a, b) => a - b);
  const cuts = present.length > 0 ? [...new Set([25, 50, 75].map((q) => percentile(present, q)))] : [];
  // Bin i holds cuts[i-1] < v <= cuts[i] (numpy searchsorted, side='left', as lime); the last bin is v > the last cut; then "missing".
  const binOf = (v: number) => {
    let i = 0;
    while (i < cuts.length && v > cuts[i]!) i++;
    return i;
  };
  const nb = cuts.length + 1;
  const members: number[][] = Array.from({ length: nb }, () => []);
  for (const v of present) members[binOf(v)]!.push(v);
  const counts = [...members.map((m) => m.length), nMissing];
  const xMissing = missing(x);
  const xIndex = xMissing ? nb : binOf(Number(x));
  // x's own bin/missingness is always possible, even if training never had it (counts stay as in training otherwise).
  if (counts[xIndex] === 0) counts[xIndex] = 1;
  const name = f.name;
  const condition = xMissing
    ? `${name} is missing`
    : cuts.length === 0
      ? `${name} is present`
      : xIndex === 0
        ? `${name} <= ${num(cuts[0]!)}`
        : xIndex === cuts.length
          ? `${name} > ${num(cuts[cuts.length - 1]!)}`
          : `${num(cuts[xIndex - 1]!)} < ${name} <= ${num(cuts[xIndex]!)}`;
  return binned(cdfOf(counts), xIndex, (i, rng) => {
    if (i === nb) return null;
    const m = members[i]!;
    return m.length > 0 ? m[randInt(rng, m.length)]! : Number(x);
  }, condition);
}

function categoricalBins(f: FeatureSpec, x: Cell | undefined, training: Row[]): Interp {
  const key = (v: Cell | undefined) => (missing(v) ? '\u0000missing' : String(v));
  const counts = new Map<string, number>();
  const sample = new Map<string, Cell>();
  for (const r of training) {
    const k = key(r[f.name]);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (!sample.has(k)) sample.set(k, missing(r[f.name]) ? null : r[f.name]!);
  }
  const xk = key(x);
  if (!counts.has(xk)) {
    counts.set(xk, 1);
    sample.set(xk, missing(x) ? null : x!);
  }
  const keys = [...counts.keys()].sort();
  return binned(
    cdfOf(keys.map((k) => counts.get(k)!)),
    keys.indexOf(xk),
    (i) => sample.get(keys[i]!)!,
    missing(x) ? `${f.name} is missing` : `${f.name} = ${String(x)}`,
  );
}

export async function lime(predict: Predict, x: Row, training: Row[], features: FeatureSpec[], opts: LimeOptions = {}): Promise<LimeResult> {
  if (training.length === 0) throw new MldeskError('INVALID_INPUT', 'LIME needs training rows for the feature distributions');
  const m = features.length;
  const n = Math.max(2, Math.floor(opts.samples ?? 5000));
  const rng = mulberry32(opts.seed ?? 0);
  const width = opts.kernelWidth ?? 0.75 * Math.sqrt(m);
  const topK = Math.max(0, Math.min(m, opts.topK ?? 10));
  const discretize = opts.discretize ?? true;
  const interp = features.map((f) =>
    f.kind === 'categorical' ? categoricalBins(f, x[f.name], training) : discretize ? numericBins(f, x[f.name], training) : continuous(f, x[f.name], training),
  );

  // Samples: the interpretable representation Z (n × m) and the rows the model sees. Row 0 is x itself.
  const Z = new Float64Array(n * m);
  for (let j = 0; j < m; j++) Z[j] = interp[j]!.z0;
  const rows: Row[] = [x];
  for (let s = 1; s < n; s++) {
    const r: Row = { ...x };
    for (let j = 0; j < m; j++) {
      const d = interp[j]!.sample(rng);
      Z[s * m + j] = d.z;
      r[features[j]!.name] = d.value;
    }
    rows.push(r);
  }
  const y = new Float64Array(n);
  const batch = Math.max(1, opts.batchSize ?? 4096);
  for (let start = 0; start < n; start += batch) {
    if (opts.progress?.cancelled?.()) throw new MldeskError('CONFLICT', 'the explanation was cancelled');
    const p = await predict(rows.slice(start, start + batch));
    y.set(p, start);
    opts.progress?.fraction(Math.min(n, start + batch) / n, 'LIME');
  }
  // Kernel on the Euclidean distance to x in the interpretable representation.
  const w = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let d2 = 0;
    for (let j = 0; j < m; j++) d2 += (Z[j]! - Z[s * m + j]!) ** 2;
    w[s] = Math.sqrt(Math.exp(-d2 / (width * width)));
  }

  // Forward selection: add the feature that most raises the weighted R² (lime's forward_selection, alpha 0).
  // Every candidate fit reads the same weighted cross-products, computed once.
  const moments = weightedMoments(Z, y, w, n, m);
  const selected: number[] = [];
  while (selected.length < topK) {
    let best = -1;
    let bestR2 = -Infinity;
    for (let j = 0; j < m; j++) {
      if (selected.includes(j)) continue;
      const { r2 } = fitSubset(moments, [...selected, j], 0);
      if (r2 > bestR2 + 1e-12) {
        bestR2 = r2;
        best = j;
      }
    }
    if (best < 0) break;
    selected.push(best);
  }
  const fit = fitSubset(moments, selected, opts.alpha ?? 1);
  const weights = selected
    .map((j, k) => ({ feature: features[j]!.name, weight: fit.beta[k]!, condition: interp[j]!.condition, z0: interp[j]!.z0 }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.feature.localeCompare(b.feature));
  const local = weights.reduce((a, v) => a + v.weight * v.z0, fit.intercept);
  return { weights: weights.map(({ feature, weight, condition }) => ({ feature, weight, condition })), intercept: fit.intercept, r2: fit.r2, prediction: y[0]!, local };
}
