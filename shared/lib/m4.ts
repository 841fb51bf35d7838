/**
 * M4 decimation (Jugel et al., VLDB 2014): per bucket of consecutive points keep the first, last, min and max.
 * A line drawn from the result is pixel-identical to the full series at `buckets` pixels wide, so it is a
 * faithful level-of-detail to run LTTB on later. Returns ascending indices; NaN values never become min/max.
 */
export function m4Indices(ys: ArrayLike<number>, buckets: number): number[] {
  const n = ys.length;
  if (n <= buckets * 4) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let min = -1;
    let max = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i]!;
      if (Number.isNaN(y)) continue;
      if (min < 0 || y < ys[min]!) min = i;
      if (max < 0 || y > ys[max]!) max = i;
    }
    const picks = [start, end - 1];
    if (min >= 0) picks.push(min);
    if (max >= 0) picks.push(max);
    picks.sort((a, b2) => a - b2);
    for (const p of picks) if (out[out.length - 1] !== p) out.push(p);
  }
  return out;
}
