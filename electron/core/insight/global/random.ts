/**
 * numpy's legacy `RandomState` (MT19937) — just what scikit-learn's permutation importance draws: `randint` below
 * 2^31 and the in-place Fisher–Yates `shuffle`. Reproducing it means a seed gives the very permutations
 * `permutation_importance(..., random_state=seed)` uses, so our numbers can be checked against scikit-learn's
 * exactly, not only within confidence intervals.
 */
const N = 624;
const M = 397;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** `np.random.RandomState(seed)` for an integer seed in [0, 2^32). */
  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i in 32-bit arithmetic (Math.imul keeps the low 32 bits).
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private refill(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  nextUint32(): number {
    if (this.pos >= N) this.refill();
    let y = this.mt[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] by masked rejection (numpy's `random_interval`; max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `randint(high)` for 0 < high ≤ 2^32: the legacy masked path, the same draws as `interval(high − 1)`. */
  randint(high: number): number {
    return this.interval(high - 1);
  }

  /** `shuffle(x)` of a 1-d array in place (Fisher–Yates from the end, numpy's order). */
  shuffle(x: { length: number; [i: number]: number }): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = x[i]!;
      x[i] = x[j]!;
      x[j] = t;
    }
  }
}

/** scikit-learn's `check_random_state(seed).randint(np.iinfo(np.int32).max + 1)`: the seed each column's permutations start from. */
export function sklearnColumnSeed(seed: number): number {
  return new RandomState(seed).randint(2 ** 31);
}
