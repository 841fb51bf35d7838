/** Seeded randomness for the explainers and the fairness bootstrap: the same seed gives the same result, on any machine. */

export type Rng = () => number;

/** mulberry32: a small 32-bit PRNG, floats in [0, 1) (the demo generator uses the same one). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export const randInt = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** `k` distinct indices of [0, n) (partial Fisher-Yates), in sampled order; all of them when k >= n. */
export function sampleIndices(rng: Rng, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + randInt(rng, n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, m);
}

/** At most `k` rows, a seeded sample when there are more (order kept, so the result reads like the input). */
export function sampleRows<T>(rows: readonly T[], k: number, seed: number): T[] {
  if (rows.length <= k) return rows.slice();
  return sampleIndices(mulberry32(seed), rows.length, k)
    .sort((a, b) => a - b)
    .map((i) => rows[i]!);
}
