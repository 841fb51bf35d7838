/** The small dense linear algebra the surrogate fits need (systems of at most a few dozen unknowns). */

/**
 * Solves A x = b for a square A (row-major, n×n) by Gaussian elimination with partial pivoting.
 * A pivot below `eps`·(largest |A|) marks a singular direction: its unknown is set to 0 (the minimum-effort
 * answer for rank-deficient normal equations, e.g. a feature that never varies among the samples).
 */
export function solve(A: Float64Array, b: Float64Array, n: number, eps = 1e-12): Float64Array {
  const a = Float64Array.from(A);
  const y = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tiny = eps * (scale || 1);
  const piv = new Int32Array(n).fill(-1); // column → its pivot row
  const used = new Uint8Array(n);
  for (let col = 0; col < n; col++) {
    let best = -1;
    let bestAbs = tiny;
    for (let r = 0; r < n; r++) {
      if (used[r]) continue;
      const v = Math.abs(a[r * n + col]!);
      if (v > bestAbs) {
        bestAbs = v;
        best = r;
      }
    }
    if (best < 0) continue; // singular direction
    used[best] = 1;
    piv[col] = best;
    const p = a[best * n + col]!;
    for (let r = 0; r < n; r++) {
      if (r === best) continue;
      const f = a[r * n + col]! / p;
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c]! -= f * a[best * n + c]!;
      y[r]! -= f * y[best]!;
    }
  }
  const x = new Float64Array(n);
  for (let col = 0; col < n; col++) {
    const r = piv[col]!;
    if (r >= 0) x[col] = y[r]! / a[r * n + col]!;
  }
  return x;
}

/** Weighted means and centred cross-products of a design X (row-major n×p) and a response y: all a linear fit on any subset of the columns needs. */
export interface WeightedMoments {
  p: number;
  mx: Float64Array;
  my: number;
  /** Σ w (x_j − mx_j)(x_k − mx_k), p×p. */
  C: Float64Array;
  /** Σ w (x_j − mx_j)(y − my). */
  c: Float64Array;
  /** Σ w (y − my)². */
  ssTot: number;
}

export function weightedMoments(X: Float64Array, y: Float64Array, w: Float64Array, n: number, p: number): WeightedMoments {
  let sw = 0;
  let my = 0;
  const mx = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    sw += wi;
    my += wi * y[i]!;
    for (let j = 0; j < p; j++) mx[j]! += wi * X[i * p + j]!;
  }
  my /= sw;
  for (let j = 0; j < p; j++) mx[j]! /= sw;
  const C = new Float64Array(p * p);
  const c = new Float64Array(p);
  const row = new Float64Array(p);
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    if (wi === 0) continue;
    for (let j = 0; j < p; j++) row[j] = X[i * p + j]! - mx[j]!;
    const yi = y[i]! - my;
    ssTot += wi * yi * yi;
    for (let j = 0; j < p; j++) {
      const wj = wi * row[j]!;
      c[j]! += wj * yi;
      for (let k = j; k < p; k++) C[j * p + k]! += wj * row[k]!;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) C[j * p + k] = C[k * p + j]!;
  return { p, mx, my, C, c, ssTot };
}

/**
 * Weighted least squares on the columns `sel`, with an intercept and an optional ridge penalty on the slopes:
 * minimises Σ w_i (y_i − b − X_i·β)² + alpha‖β‖² (scikit-learn's Ridge with sample weights). Returns the slopes
 * (in `sel` order), the intercept and the weighted R² of the fit.
 */
export function fitSubset(mo: WeightedMoments, sel: readonly number[], alpha = 0): { beta: Float64Array; intercept: number; r2: number } {
  const k = sel.length;
  const A = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    b[a] = mo.c[sel[a]!]!;
    for (let d = 0; d < k; d++) A[a * k + d] = mo.C[sel[a]! * mo.p + sel[d]!]!;
  }
  const Areg = Float64Array.from(A);
  for (let a = 0; a < k; a++) Areg[a * k + a]! += alpha;
  const beta = k > 0 ? solve(Areg, b, k) : new Float64Array(0);
  // Σ w (y − fit)² = ssTot − 2β·c + βᵀCβ (centred, so the intercept drops out).
  let ssRes = mo.ssTot;
  for (let a = 0; a < k; a++) {
    ssRes -= 2 * beta[a]! * b[a]!;
    for (let d = 0; d < k; d++) ssRes += beta[a]! * A[a * k + d]! * beta[d]!;
  }
  ssRes = Math.max(0, ssRes);
  let intercept = mo.my;
  for (let a = 0; a < k; a++) intercept -= beta[a]! * mo.mx[sel[a]!]!;
  const r2 = mo.ssTot > 0 ? 1 - ssRes / mo.ssTot : ssRes === 0 ? 1 : 0;
  return { beta, intercept, r2 };
}
