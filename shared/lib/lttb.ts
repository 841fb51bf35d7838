/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the visual shape of a series
 * with `threshold` points. Returns the indices kept (always the first and last). NaN values are skipped
 * when picking, so a NaN never hides a real extreme.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket (the third point of the triangle).
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    let cnt = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      const y = ys[j]!;
      if (Number.isNaN(y)) continue;
      avgX += xs[j]!;
      avgY += y;
      cnt++;
    }
    if (cnt > 0) {
      avgX /= cnt;
      avgY /= cnt;
    } else {
      avgX = xs[Math.min(nextStart, n - 1)]!;
      avgY = ys[a]!;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = xs[a]!;
    const ay = ys[a]!;
    let best = -1;
    let bestIdx = start;
    for (let j = start; j < end; j++) {
      const y = ys[j]!;
      if (Number.isNaN(y)) continue;
      const area = Math.abs((ax - avgX) * (y - ay) - (ax - xs[j]!) * (avgY - ay));
      if (area > best) {
        best = area;
        bestIdx = j;
      }
    }
    out.push(bestIdx);
    a = bestIdx;
  }
  out.push(n - 1);
  return out;
}
