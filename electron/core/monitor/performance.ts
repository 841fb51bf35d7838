/** Model performance of one window from its labelled predictions (ground truth sent to POST /mldesk/feedback). Pure. */

export interface Labelled {
  score: number | null;
  cls: string | null;
  /** Normalised (see flatten.normLabel). */
  label: string;
  delayMs: number | null;
}

export interface Performance {
  labeled: number;
  accuracy: number | null;
  auc: number | null;
  rmse: number | null;
  medianDelayMs: number | null;
}

const round = (x: number, d = 6) => Number(x.toFixed(d));

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank-interpolated quantile (q in 0..1) of an unsorted list. */
export function quantile(xs: ArrayLike<number>, q: number): number | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** ROC AUC (Mann–Whitney U, ties counted half); null without both classes. */
export function auc(scores: number[], positive: boolean[]): number | null {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  for (const p of positive) if (p) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[idx[k]!]) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const BINARY = new Set(['0', '1']);

export function performanceOf(items: Labelled[]): Performance | null {
  if (items.length === 0) return null;
  const withCls = items.filter((i) => i.cls !== null);
  const accuracy = withCls.length ? withCls.filter((i) => i.cls === i.label).length / withCls.length : null;
  const scored = items.filter((i) => i.score !== null && Number.isFinite(i.score));
  const labels = new Set(items.map((i) => i.label));
  let a: number | null = null;
  let rmse: number | null = null;
  if ([...labels].every((l) => BINARY.has(l)) || labels.has('true') || labels.has('false')) {
    const pos = (l: string) => l === '1' || l === 'true';
    a = scored.length ? auc(scored.map((i) => i.score!), scored.map((i) => pos(i.label))) : null;
  } else {
    const numeric = scored.filter((i) => i.label !== '' && Number.isFinite(Number(i.label)));
    if (numeric.length && numeric.length === scored.length) rmse = Math.sqrt(numeric.reduce((s, i) => s + (i.score! - Number(i.label)) ** 2, 0) / numeric.length);
  }
  const delays = items.map((i) => i.delayMs).filter((d): d is number => d !== null && Number.isFinite(d));
  const med = median(delays);
  return {
    labeled: items.length,
    accuracy: accuracy === null ? null : round(accuracy),
    auc: a === null ? null : round(a),
    rmse: rmse === null ? null : round(rmse),
    medianDelayMs: med === null ? null : Math.round(med),
  };
}
