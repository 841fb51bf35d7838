// Run colours (shared/lib/runColors.ts): a palette of distinct colours, one stable colour per run, distinct inside a view.
import { describe, expect, it } from 'vitest';
import { assignRunColors, hashRunColor, RUN_PALETTE, runColorOf, trimAssigned, type RunColorMemory } from '../shared/lib/runColors';

/** sRGB hex → CIELAB (D65). */
function lab(hex: string): [number, number, number] {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [1, 3, 5].map((i) => lin(parseInt(hex.slice(i, i + 2), 16))) as [number, number, number];
  const x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047;
  const y = r * 0.2126 + g * 0.7152 + b * 0.0722;
  const z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
const deltaE = (a: string, b: string) => {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};

const EMPTY: RunColorMemory = { overrides: {}, assigned: {} };
const ids = (n: number, prefix = 'run') => Array.from({ length: n }, (_, i) => `${prefix}${i.toString(16).padStart(8, '0')}`);

describe('run palette', () => {
  it('has 20 colours, pairwise clearly distinct (ΔE*ab ≥ 25), readable on light and dark backgrounds (L* 45–85)', () => {
    expect(RUN_PALETTE).toHaveLength(20);
    expect(new Set(RUN_PALETTE.map((c) => c.toLowerCase())).size).toBe(20);
    let min = Infinity;
    for (let i = 0; i < RUN_PALETTE.length; i++) for (let j = i + 1; j < RUN_PALETTE.length; j++) min = Math.min(min, deltaE(RUN_PALETTE[i]!, RUN_PALETTE[j]!));
    expect(min).toBeGreaterThanOrEqual(25);
    for (const c of RUN_PALETTE) {
      expect(c).toMatch(/^#[0-9a-f]{6}$/);
      const [l] = lab(c);
      expect(l).toBeGreaterThanOrEqual(45);
      expect(l).toBeLessThanOrEqual(85);
    }
  });
});

describe('assignRunColors', () => {
  it('gives up to 20 runs distinct colours, the same ones for the same ids every time', () => {
    for (const n of [1, 2, 6, 13, 20]) {
      const view = ids(n, `v${n}-`);
      const a = assignRunColors(view, EMPTY);
      expect(new Set(a.colors.values()).size).toBe(n);
      expect([...assignRunColors(view, EMPTY).colors]).toEqual([...a.colors]);
      // Every colour handed out is remembered (so it stays the run's colour on other pages).
      expect(Object.keys(a.assigned).sort()).toEqual([...view].sort());
      for (const c of a.colors.values()) expect(RUN_PALETTE).toContain(c);
    }
  });

  it('a run keeps its colour: remembered colours win, the table and Compare (a subset) agree', () => {
    const table = ids(12);
    const first = assignRunColors(table, EMPTY);
    const mem: RunColorMemory = { overrides: {}, assigned: first.assigned };
    // Reloading / sorting the table differently changes nothing and remembers nothing new.
    const again = assignRunColors([...table].reverse(), mem);
    expect(again.assigned).toEqual({});
    for (const id of table) expect(again.colors.get(id)).toBe(first.colors.get(id));
    // Compare of three of them: the same colours as in the table.
    const compare = assignRunColors([table[7]!, table[2]!, table[11]!], mem);
    expect(compare.assigned).toEqual({});
    for (const id of [table[7]!, table[2]!, table[11]!]) expect(compare.colors.get(id)).toBe(first.colors.get(id));
    // Outside any view, the run's colour is the remembered one.
    for (const id of table) expect(runColorOf(id, mem)).toBe(first.colors.get(id));
  });

  it('resolves collisions by order: the earlier run keeps the colour, the later one gets a free one (and remembers it)', () => {
    const [a, b, c] = ids(3);
    const mem: RunColorMemory = { overrides: {}, assigned: { [a!]: '#4e79a7', [b!]: '#4e79a7', [c!]: '#f28e2b' } };
    const r = assignRunColors([a!, b!, c!], mem);
    expect(r.colors.get(a!)).toBe('#4e79a7');
    expect(r.colors.get(c!)).toBe('#f28e2b');
    expect(['#4e79a7', '#f28e2b']).not.toContain(r.colors.get(b!));
    expect(r.assigned).toEqual({ [b!]: r.colors.get(b!) });
  });

  it("the user's colours always win (even when two runs share one) and are never reassigned", () => {
    const [a, b, c] = ids(3);
    const mem: RunColorMemory = { overrides: { [a!]: '#123456', [b!]: '#123456' }, assigned: { [c!]: '#123456' } };
    const r = assignRunColors([a!, b!, c!], mem);
    expect(r.colors.get(a!)).toBe('#123456');
    expect(r.colors.get(b!)).toBe('#123456');
    expect(r.colors.get(c!)).not.toBe('#123456');
    expect(Object.keys(r.assigned)).toEqual([c!]);
  });

  it('more runs than colours: each keeps its own colour and nothing new is remembered', () => {
    const many = ids(25);
    const r = assignRunColors(many, EMPTY);
    expect(r.assigned).toEqual({});
    for (const id of many) expect(r.colors.get(id)).toBe(hashRunColor(id));
  });

  it('bounds the remembered assignments to the newest ones', () => {
    const rec = Object.fromEntries(ids(10).map((id) => [id, '#4e79a7']));
    expect(Object.keys(trimAssigned(rec, 4))).toEqual(ids(10).slice(6));
    expect(trimAssigned(rec, 20)).toEqual(rec);
  });
});
