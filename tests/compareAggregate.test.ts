import { describe, expect, it } from 'vitest';
import {
  bandOf,
  compareGroupLabels,
  ema,
  extent,
  groupSeries,
  groupValue,
  percentileDomain,
  percentileSorted,
} from '../renderer/src/features/compare/aggregate';
import { DEFAULT_VIEW, parseView, parseZoomItem, viewToQuery } from '../renderer/src/features/compare/url';
import { linearTicks, logTicks, timeTicks } from '../renderer/src/charts/ticks';

describe('ema (TensorBoard debiased)', () => {
  it('debiases the first values', () => {
    const out = ema([1, 2, 3], 0.5);
    // last: 0.5, 1.25, 2.125; debias: 0.5, 0.75, 0.875
    expect(out[0]).toBe(1);
    expect(out[1]).toBeCloseTo(5 / 3, 12);
    expect(out[2]).toBeCloseTo(17 / 7, 12);
  });

  it('matches a hand-computed 0.9 smoothing', () => {
    const out = ema([10, 0, 10, 0], 0.9);
    // last: 1, 0.9, 1.81, 1.629; debias: 0.1, 0.19, 0.271, 0.3439
    expect(out[0]).toBeCloseTo(10, 12);
    expect(out[1]).toBeCloseTo(0.9 / 0.19, 12);
    expect(out[2]).toBeCloseTo(1.81 / 0.271, 12);
    expect(out[3]).toBeCloseTo(1.629 / 0.3439, 12);
  });

  it('passes non-finite values through without updating the average', () => {
    const out = ema([1, NaN, 3, Infinity], 0.5);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    // second finite value: last = 0.25 + 1.5 = 1.75, debias 0.75
    expect(out[2]).toBeCloseTo(7 / 3, 12);
    expect(out[3]).toBe(Infinity);
  });

  it('returns constant series and weight 0 unchanged', () => {
    expect(ema([2, 2, 2], 0.99)).toEqual([2, 2, 2]);
    expect(ema([3, 1, 4], 0)).toEqual([3, 1, 4]);
    expect(ema([], 0.6)).toEqual([]);
  });

  it('clamps the weight', () => {
    expect(ema([3, 1, 4], -1)).toEqual([3, 1, 4]);
    const hi = ema([0, 1], 5); // clamped to 0.999
    expect(hi[0]).toBe(0);
    expect(hi[1]).toBeCloseTo((0.001 * 1) / (1 - 0.999 * 0.999), 12);
  });
});

describe('percentileDomain', () => {
  it('uses linear interpolation between closest ranks', () => {
    const values = Array.from({ length: 101 }, (_, i) => i + 1); // 1..101
    expect(percentileDomain(values)).toEqual([2, 100]);
    expect(percentileDomain([0, 10])).toEqual([0.1, 9.9]);
    expect(percentileDomain([10, 0], 0, 100)).toEqual([0, 10]);
    expect(percentileDomain([0, 10], 50, 50)).toEqual([5, 5]);
  });

  it('clips a single spike', () => {
    const values = [...Array.from({ length: 99 }, () => 1), 1000];
    const d = percentileDomain(values)!;
    expect(d[0]).toBe(1);
    // idx 98.01 → 1 + (1000 − 1) · 0.01
    expect(d[1]).toBeCloseTo(10.99, 10);
  });

  it('ignores non-finite values and returns null without finite ones', () => {
    const d = percentileDomain([NaN, 5, Infinity, 1, -Infinity])!;
    expect(d[0]).toBeCloseTo(1.04, 12);
    expect(d[1]).toBeCloseTo(4.96, 12);
    expect(percentileDomain([NaN, Infinity])).toBeNull();
    expect(percentileDomain([])).toBeNull();
  });

  it('percentileSorted and extent', () => {
    expect(percentileSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(extent([3, NaN, -1, 7])).toEqual([-1, 7]);
    expect(extent([NaN])).toBeNull();
  });
});

describe('groupSeries', () => {
  it('aligns runs by step and aggregates over the runs having that step', () => {
    const out = groupSeries([
      { steps: [0, 1, 2], values: [1, 2, 3] },
      { steps: [1, 2, 3], values: [3, 4, 5] },
      { steps: [1], values: [null] },
    ]);
    expect(out).toEqual([
      { step: 0, x: 0, mean: 1, std: 0, min: 1, max: 1, count: 1 },
      { step: 1, x: 1, mean: 2.5, std: 0.5, min: 2, max: 3, count: 2 },
      { step: 2, x: 2, mean: 3.5, std: 0.5, min: 3, max: 4, count: 2 },
      { step: 3, x: 3, mean: 5, std: 0, min: 5, max: 5, count: 1 },
    ]);
  });

  it('computes the population std over three runs', () => {
    const [p] = groupSeries([
      { steps: [5], values: [2] },
      { steps: [5], values: [4] },
      { steps: [5], values: [9] },
    ]);
    expect(p!.mean).toBe(5);
    // ((−3)² + (−1)² + 4²) / 3 = 26/3
    expect(p!.std).toBeCloseTo(Math.sqrt(26 / 3), 12);
    expect(p!.min).toBe(2);
    expect(p!.max).toBe(9);
    expect(p!.count).toBe(3);
  });

  it('counts a run once per step (duplicates averaged) and drops non-finite values', () => {
    const out = groupSeries([
      { steps: [1, 1, 2], values: [2, 4, NaN] },
      { steps: [1, 2], values: [6, 8] },
    ]);
    expect(out).toEqual([
      { step: 1, x: 1, mean: 4.5, std: 1.5, min: 3, max: 6, count: 2 },
      { step: 2, x: 2, mean: 8, std: 0, min: 8, max: 8, count: 1 },
    ]);
  });

  it('averages the drawn x (e.g. wall time) of the runs at each step', () => {
    const out = groupSeries([
      { steps: [0, 1], values: [1, 1], xs: [100, 200] },
      { steps: [0, 1], values: [3, 3], xs: [110, 260] },
    ]);
    expect(out.map((p) => [p.step, p.x, p.mean])).toEqual([
      [0, 105, 2],
      [1, 230, 2],
    ]);
  });

  it('aligns on step buckets when asked', () => {
    const out = groupSeries(
      [
        { steps: [0, 5, 10], values: [1, 3, 5] },
        { steps: [2, 12], values: [5, 7] },
      ],
      { bucket: 10 },
    );
    expect(out).toEqual([
      // run A: steps 0,5 → step 2.5, value 2; run B: step 2, value 5
      { step: 2.25, x: 2.25, mean: 3.5, std: 1.5, min: 2, max: 5, count: 2 },
      { step: 11, x: 11, mean: 6, std: 1, min: 5, max: 7, count: 2 },
    ]);
  });

  it('returns nothing for no data', () => {
    expect(groupSeries([])).toEqual([]);
    expect(groupSeries([{ steps: [1, 2], values: [null, NaN] }])).toEqual([]);
  });

  it('bandOf: min–max or mean ± std', () => {
    const p = { step: 1, x: 1, mean: 2.5, std: 0.5, min: 2, max: 3, count: 2 };
    expect(bandOf(p, 'minmax')).toEqual([2, 3]);
    expect(bandOf(p, 'std')).toEqual([2, 3]);
    expect(bandOf({ ...p, min: 1, max: 4 }, 'minmax')).toEqual([1, 4]);
  });
});

describe('group labels', () => {
  const run = { params: { lr: '0.1', model: 'gbt' }, tags: { team: 'risk' } };
  it('reads params.X and tags.Y', () => {
    expect(groupValue(run, 'params.lr')).toBe('0.1');
    expect(groupValue(run, 'tags.team')).toBe('risk');
    expect(groupValue(run, 'params.missing')).toBeNull();
    expect(groupValue(run, 'metrics.loss')).toBeNull();
    expect(groupValue(run, 'lr')).toBeNull();
  });
  it('sorts numbers numerically, then text, the missing group last', () => {
    expect(['b', '', '10', '2', 'a', '0.5'].sort(compareGroupLabels)).toEqual(['0.5', '2', '10', 'a', 'b', '']);
  });
});

describe('compare URL state', () => {
  it('round-trips every setting', () => {
    const q = {
      exp: '1',
      runs: 'a,b,a',
      keys: 'loss,val/acc',
      x: 'relative',
      smooth: '0.634',
      log: 'loss',
      clip: '1',
      group: 'params.lr',
      band: 'std',
      zoom: 'loss:10:200,a:b:-1.5:3e2,bad:1',
      sys: '1',
      hide: 'b',
      tab: 'scatter',
      pdiff: '0',
    };
    const v = parseView(q);
    expect(v.runIds).toEqual(['a', 'b']);
    expect(v.keys).toEqual(['loss', 'val/acc']);
    expect(v.x).toBe('relative');
    expect(v.smooth).toBe(0.63);
    expect(v.zoom).toEqual({ loss: { min: 10, max: 200 }, 'a:b': { min: -1.5, max: 300 } });
    expect(v.diffOnly).toBe(false);
    const back = parseView(Object.fromEntries(Object.entries(viewToQuery(v)).filter((e): e is [string, string] => e[1] !== null)));
    expect(back).toEqual(v);
  });

  it('falls back to defaults for missing or invalid values', () => {
    const v = parseView({ x: 'epoch', smooth: '7', band: 'iqr', group: 'metrics.loss', tab: 'nope' });
    expect(v).toEqual({ ...DEFAULT_VIEW, smooth: 0.99 });
    expect(viewToQuery(DEFAULT_VIEW)).toEqual(Object.fromEntries(Object.keys(viewToQuery(DEFAULT_VIEW)).map((k) => [k, null])));
    expect(parseZoomItem('loss:5:1')).toEqual(['loss', { min: 1, max: 5 }]);
    expect(parseZoomItem('loss::1')).toBeNull();
  });
});

describe('axis ticks', () => {
  it('linear ticks land on round numbers', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(1, 100, 4, true)).toEqual([20, 40, 60, 80, 100]);
    expect(linearTicks(0, 3, 10, true)).toEqual([0, 1, 2, 3]);
    expect(linearTicks(0.3178, 0.5826, 5)).toEqual([0.35, 0.4, 0.45, 0.5, 0.55]);
  });
  it('log ticks are powers of ten (with 2× and 5× over few decades)', () => {
    expect(logTicks(0.001, 100, 5)).toEqual([0.001, 0.01, 0.1, 1, 10, 100]);
    expect(logTicks(1, 60, 5)).toEqual([1, 2, 5, 10, 20, 50]);
  });
  it('time ticks use round clock intervals', () => {
    expect(timeTicks(0, 60_000, 4)).toEqual([0, 15_000, 30_000, 45_000, 60_000]);
    expect(timeTicks(1000, 2000, 5)).toEqual([1000, 1200, 1400, 1600, 1800, 2000]);
  });
});
