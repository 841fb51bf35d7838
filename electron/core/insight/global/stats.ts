import { lgamma } from '../../monitor/drift/special';

/**
 * The few statistics the global explanations report: a Student-t quantile for confidence intervals over repeats,
 * and the scores permutation importance compares (the same definitions as scikit-learn's scorers).
 */

/** Regularized incomplete beta I_x(a, b) (continued fraction, Lentz). */
function betaInc(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - betaInc(b, a, 1 - x);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    c = 1 + num / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * betaInc(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the CDF: a handful of calls per report, so speed does not matter). */
export function tQuantile(p: number, df: number): number {
  if (!(df > 0) || !(p > 0 && p < 1)) return NaN;
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Summary {
  mean: number;
  /** Population standard deviation (ddof = 0), as scikit-learn's `importances_std`. */
  std: number;
  /** 95 % t interval of the mean (sample std, ddof = 1); the mean itself twice with fewer than two values. */
  ci: [number, number];
}

export function summarize(values: ArrayLike<number>, level = 0.95): Summary {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = n ? s / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const std = n ? Math.sqrt(ss / n) : NaN;
  if (n < 2) return { mean, std, ci: [mean, mean] };
  const half = (tQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n);
  return { mean, std, ci: [mean - half, mean + half] };
}

// ---------------------------------------------------------------------------------------------
// Scores (greater is better, as scikit-learn's scorers: log loss is negated)

export type Scoring = 'roc_auc' | 'accuracy' | 'log_loss' | 'neg_log_loss' | 'r2';

/**
 * Sorts doubles ascending in place by an LSD radix sort over their order-preserving 64-bit keys (4 passes of 16
 * bits): about twice as fast as the built-in typed-array sort at 10⁵ values, and AUC sorts twice per scoring.
 * NaN is not expected (scores of a model).
 */
export function sortDoubles(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 4096) return a.sort();
  const u = new Uint32Array(a.buffer, a.byteOffset, n * 2); // little-endian: [lo, hi] per value
  for (let i = 0; i < n; i++) {
    const hi = u[2 * i + 1]!;
    if (hi & 0x80000000) {
      u[2 * i + 1] = ~hi >>> 0;
      u[2 * i] = ~u[2 * i]! >>> 0;
    } else u[2 * i + 1] = (hi | 0x80000000) >>> 0;
  }
  let src: Uint32Array = u;
  let dst: Uint32Array = new Uint32Array(n * 2);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[2 * i + word]! >>> shift) & 0xffff]!++;
    for (let b = 0, sum = 0; b < 65536; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = count[(src[2 * i + word]! >>> shift) & 0xffff]!++;
      dst[2 * d] = src[2 * i]!;
      dst[2 * d + 1] = src[2 * i + 1]!;
    }
    [src, dst] = [dst, src];
  }
  // Four passes: the result is back in `a`'s own buffer; undo the key transform.
  for (let i = 0; i < n; i++) {
    const hi = u[2 * i + 1]!;
    if (hi & 0x80000000) u[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    else {
      u[2 * i + 1] = ~hi >>> 0;
      u[2 * i] = ~u[2 * i]! >>> 0;
    }
  }
  return a;
}

/**
 * ROC AUC as the Mann–Whitney statistic, tied scores counting one half (= sklearn's trapezoids): the positives' and
 * negatives' scores sorted apart and merged once.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  let p = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) p++;
  const pos = new Float64Array(p);
  const neg = new Float64Array(n - p);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  if (pos.length === 0 || neg.length === 0) return NaN;
  sortDoubles(pos);
  sortDoubles(neg);
  // For each positive: negatives below it count 1, equal ones 1/2.
  let below = 0;
  let upto = 0;
  let sum = 0;
  for (let i = 0; i < pos.length; i++) {
    const v = pos[i]!;
    while (below < neg.length && neg[below]! < v) below++;
    if (upto < below) upto = below;
    while (upto < neg.length && neg[upto]! === v) upto++;
    sum += below + (upto - below) / 2;
  }
  return sum / (pos.length * neg.length);
}

/** Accuracy of the label the probability implies (p > 0.5 → 1, as a binary classifier's `predict`). */
export function accuracy(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < probs.length; i++) if ((probs[i]! > 0.5 ? 1 : 0) === labels[i]) ok++;
  return ok / probs.length;
}

/** −(mean log loss) of binary probabilities, clipped away from 0 and 1 like sklearn's `log_loss`. */
export function negLogLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]!));
    s += labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / probs.length;
}

/** Coefficient of determination. */
export function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i]!;
  m /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (y[i]! - pred[i]!) ** 2;
    tot += (y[i]! - m) ** 2;
  }
  return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
}

export function scorer(scoring: Scoring): (pred: ArrayLike<number>, y: ArrayLike<number>) => number {
  switch (scoring) {
    case 'roc_auc':
      return rocAuc;
    case 'accuracy':
      return accuracy;
    case 'log_loss':
    case 'neg_log_loss':
      return negLogLoss;
    case 'r2':
      return r2;
  }
}
