/**
 * Interventional KernelSHAP (Lundberg & Lee 2017) for any model behind a batch `Predict`.
 *
 * A coalition S keeps x's values for the features in S and takes each background row's values for the rest;
 * v(S) is the mean prediction over the background. The Shapley values solve the weighted least squares of
 * v(S) − v(∅) on the coalition indicators with the Shapley kernel, under the efficiency constraint
 * Σφ = f(x) − E[f]. With every coalition enumerated (by default up to 10 features; `maxCoalitions: 8192` for
 * 13) that solution IS the exact Shapley value of v; above the budget, coalitions are sampled as the shap library
 * does (sizes fully enumerated while the budget allows, the rest drawn by kernel weight with their complements,
 * seeded). Distinct hybrid rows are predicted once, in batches (one predict call per `batchSize` rows).
 */
import { MldeskError } from '../../../../shared/contract/errors';
import type { Attribution, Cell, FeatureSpec, Predict, Progress, Row } from '../types';
import { solve } from './linalg';
import { mulberry32, randInt, sampleRows, type Rng } from './random';

export interface KernelShapOptions {
  /**
   * Coalition budget (besides ∅ and the full set); every coalition is enumerated when 2^M − 2 fits (exact values).
   * Default 1024: exact up to 10 features, sampled above (12 features: ~5e-4 from exact on the demo GBT, in
   * probability). 8192 enumerates up to 13 features, at 2–8× the model evaluations. At most 2^20.
   */
  maxCoalitions?: number;
  seed?: number;
  /** Background rows kept (a seeded sample when more are given). Default 50. */
  backgroundSize?: number;
  /** Rows per predict call. Default 4096. */
  batchSize?: number;
  /** What predict returns, for the result's `space`. Default 'probability'. */
  space?: Attribution['space'];
  progress?: Progress;
}

export interface KernelShapResult extends Attribution {
  /** Coalitions evaluated (besides ∅ and the full set). */
  coalitions: number;
  /** True when every coalition was enumerated: the values are then the exact Shapley values of v. */
  exact: boolean;
  /** Model evaluations (distinct rows predicted: a hybrid equal to another is predicted once). */
  evaluations: number;
}

interface Coalitions {
  masks: Uint8Array[];
  weights: number[];
  exact: boolean;
}

export const DEFAULT_MAX_COALITIONS = 1024;
export const DEFAULT_BACKGROUND = 50;

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Calls `visit` with every k-subset of [0, m) as a 0/1 mask (the same array, mutated). */
function forEachSubset(m: number, k: number, visit: (mask: Uint8Array) => void): void {
  const idx = Array.from({ length: k }, (_, i) => i);
  const mask = new Uint8Array(m);
  for (;;) {
    mask.fill(0);
    for (const i of idx) mask[i] = 1;
    visit(mask);
    let i = k - 1;
    while (i >= 0 && idx[i] === m - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** Every proper non-empty coalition with its Shapley kernel weight (M−1) / (C(M,s)·s·(M−s)). */
function allCoalitions(m: number): Coalitions {
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  for (let s = 1; s < m; s++) {
    const w = (m - 1) / (binomial(m, s) * s * (m - s));
    forEachSubset(m, s, (mask) => {
      masks.push(mask.slice());
      weights.push(w);
    });
  }
  return { masks, weights, exact: true };
}

/** shap's KernelExplainer sampling: whole subset sizes (paired with their complements) while the budget allows, then kernel-weighted draws. */
function sampledCoalitions(m: number, budget: number, rng: Rng): Coalitions {
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  const sizes = Math.ceil((m - 1) / 2);
  const paired = Math.floor((m - 1) / 2);
  const weightOf = Array.from({ length: sizes }, (_, i) => ((m - 1) / ((i + 1) * (m - i - 1))) * (i < paired ? 2 : 1));
  const total = weightOf.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) weightOf[i]! /= total;

  let full = 0;
  let left = budget;
  const remaining = weightOf.slice();
  for (let s = 1; s <= sizes; s++) {
    const isPaired = s <= paired;
    const count = binomial(m, s) * (isPaired ? 2 : 1);
    if ((left * remaining[s - 1]!) / count < 1 - 1e-8) break;
    full++;
    left -= count;
    if (remaining[s - 1]! < 1) {
      const r = 1 - remaining[s - 1]!;
      for (let i = 0; i < sizes; i++) remaining[i]! /= r;
    }
    const w = weightOf[s - 1]! / binomial(m, s) / (isPaired ? 2 : 1);
    forEachSubset(m, s, (mask) => {
      masks.push(mask.slice());
      weights.push(w);
      if (isPaired) {
        masks.push(mask.map((v) => 1 - v));
        weights.push(w);
      }
    });
  }
  const fixed = masks.length;
  if (full < sizes && left > 0) {
    const rest = weightOf.slice(full);
    const restTotal = rest.reduce((a, b) => a + b, 0);
    const cdf: number[] = [];
    rest.reduce((acc, w) => (cdf.push(acc + w / restTotal), acc + w / restTotal), 0);
    const seen = new Map<string, number>();
    const perm = Array.from({ length: m }, (_, i) => i);
    const add = (mask: Uint8Array) => {
      const key = mask.join('');
      const at = seen.get(key);
      if (at !== undefined) weights[at]! += 1;
      else {
        seen.set(key, masks.length);
        masks.push(mask);
        weights.push(1);
        left--;
      }
    };
    // Draws are bounded (shap: 4× the samples left): duplicates only add weight, so a small M cannot loop for long.
    for (let draws = 4 * left; left > 0 && draws > 0; draws--) {
      const u = rng();
      let k = cdf.findIndex((c) => u < c);
      if (k < 0) k = cdf.length - 1;
      const size = k + full + 1;
      for (let i = m - 1; i > 0; i--) {
        const j = randInt(rng, i + 1);
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
      const mask = new Uint8Array(m);
      for (let i = 0; i < size; i++) mask[perm[i]!] = 1;
      add(mask);
      if (left > 0 && size <= paired) add(mask.map((v) => 1 - v));
    }
    // The sampled part carries the kernel weight of the sizes not enumerated.
    let sampled = 0;
    for (let i = fixed; i < weights.length; i++) sampled += weights[i]!;
    for (let i = fixed; i < weights.length; i++) weights[i] = (weights[i]! * restTotal) / sampled;
  }
  return { masks, weights, exact: false };
}

/** Same cell for the model: equal values (NaN equals NaN). */
function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** Predicts `count` rows made by `make(i)` in batches; fills `out` from `offset`. */
async function predictAll(predict: Predict, count: number, make: (i: number) => Row, out: Float64Array, batch: number, progress?: Progress): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    if (progress?.cancelled?.()) throw new MldeskError('CONFLICT', 'the explanation was cancelled');
    const end = Math.min(count, start + batch);
    const rows = new Array<Row>(end - start);
    for (let i = start; i < end; i++) rows[i - start] = make(i);
    const p = await predict(rows);
    if (p.length !== rows.length) throw new MldeskError('INTERNAL', `predict returned ${p.length} values for ${rows.length} rows`);
    out.set(p, start);
    progress?.fraction(end / count, 'KernelSHAP');
  }
}

export async function kernelShap(predict: Predict, x: Row, background: Row[], features: FeatureSpec[], opts: KernelShapOptions = {}): Promise<KernelShapResult> {
  if (background.length === 0) throw new MldeskError('INVALID_INPUT', 'KernelSHAP needs at least one background row');
  const m = features.length;
  const seed = opts.seed ?? 0;
  const names = features.map((f) => f.name);
  // Columns that are not explained stay at x's values in every row, so f(x) = v(all features).
  const bg = sampleRows(background, opts.backgroundSize ?? DEFAULT_BACKGROUND, seed).map((b) => {
    const r: Row = { ...x };
    for (const k of names) r[k] = b[k] ?? null;
    return r;
  });
  const nb = bg.length;
  const budget = Math.min(2 ** 20, Math.max(0, Math.floor(opts.maxCoalitions ?? DEFAULT_MAX_COALITIONS)));

  const coal: Coalitions =
    m <= 1 ? { masks: [], weights: [], exact: true } : 2 ** m - 2 <= budget ? allCoalitions(m) : sampledCoalitions(m, Math.max(budget, 2 * m), mulberry32(seed ^ 0x5eed));
  const nc = coal.masks.length;

  // The rows to predict. A hybrid of x and background row b depends only on the features of S where b differs
  // from x, so identical hybrids (common with categories and small integers) are predicted once: the values are
  // unchanged, the work often several times smaller. Unique row u is (coalition owner[u], background row bOf[u]).
  const differs = bg.map((b) => names.map((k) => !sameCell(b[k], x[k])));
  const ownerOf: number[] = [];
  const bOf: number[] = [];
  const seen = bg.map(() => new Map<number | string, number>());
  const keyOf = (mask: Uint8Array | null, bi: number): number | string => {
    const d = differs[bi]!;
    if (m <= 30) {
      let k = 0;
      for (let j = 0; j < m; j++) if (d[j] && (mask === null || mask[j])) k |= 1 << j;
      return k;
    }
    let k = '';
    for (let j = 0; j < m; j++) k += d[j] && (mask === null || mask[j]) ? '1' : '0';
    return k;
  };
  const EMPTY = new Uint8Array(m);
  const FULL = nc; // owner id of x itself (all of S)
  const fullIdx = 0;
  const fullKeys = bg.map((_, bi) => keyOf(null, bi));
  const unique = (c: number, bi: number): number => {
    const key = keyOf(c < 0 ? EMPTY : c === FULL ? null : coal.masks[c]!, bi);
    // S covering every column where b differs from x: the hybrid is x itself, whatever b is.
    if (c !== FULL && key === fullKeys[bi] && ownerOf.length > 0) return fullIdx;
    const map = seen[bi]!;
    let u = map.get(key);
    if (u === undefined) {
      u = ownerOf.length;
      map.set(key, u);
      ownerOf.push(c);
      bOf.push(bi);
    }
    return u;
  };
  unique(FULL, 0); // x is row 0
  const emptyIdx = bg.map((_, bi) => unique(-1, bi));
  const slot = new Int32Array(nc * nb);
  for (let c = 0; c < nc; c++) for (let bi = 0; bi < nb; bi++) slot[c * nb + bi] = unique(c, bi);
  const hybrid = (u: number): Row => {
    const c = ownerOf[u]!;
    const b = bg[bOf[u]!]!;
    if (c === FULL) return x;
    if (c < 0) return b;
    const mask = coal.masks[c]!;
    const r: Row = Object.assign({}, b);
    for (let j = 0; j < m; j++) if (mask[j]) r[names[j]!] = x[names[j]!] ?? null;
    return r;
  };
  const total = ownerOf.length;
  const preds = new Float64Array(total);
  await predictAll(predict, total, hybrid, preds, Math.max(1, opts.batchSize ?? 4096), opts.progress);
  const fx = preds[fullIdx]!;
  let expected = 0;
  for (const u of emptyIdx) expected += preds[u]!;
  expected /= nb;
  const delta = fx - expected;

  let phi: number[];
  if (m === 0) phi = [];
  else if (m === 1) phi = [delta];
  else {
    // Eliminate the last feature with the constraint (φ_last = Δ − Σ others), as shap does, and solve the
    // (M−1)-dimensional normal equations of the weighted least squares.
    const p = m - 1;
    const A = new Float64Array(p * p);
    const b = new Float64Array(p);
    const row = new Float64Array(p);
    for (let c = 0; c < nc; c++) {
      const mask = coal.masks[c]!;
      let v = 0;
      for (let i = 0; i < nb; i++) v += preds[slot[c * nb + i]!]!;
      v /= nb;
      const zl = mask[p]!;
      const y = v - expected - zl * delta;
      const w = coal.weights[c]!;
      for (let j = 0; j < p; j++) row[j] = mask[j]! - zl;
      for (let j = 0; j < p; j++) {
        if (row[j] === 0) continue;
        const wj = w * row[j]!;
        b[j]! += wj * y;
        for (let k = 0; k < p; k++) A[j * p + k]! += wj * row[k]!;
      }
    }
    const sol = solve(A, b, p);
    phi = Array.from(sol);
    phi.push(delta - phi.reduce((a, v) => a + v, 0));
  }
  const sum = phi.reduce((a, v) => a + v, 0);
  return {
    features: names,
    phi,
    expected,
    fx,
    additivityError: Math.abs(expected + sum - fx),
    space: opts.space ?? 'probability',
    method: 'kernelshap',
    coalitions: nc,
    exact: coal.exact,
    evaluations: total,
  };
}
