import { describe, expect, it } from 'vitest';
import type { RunRow } from '../shared/contract';
import {
  brushFilter,
  buildParallelModel,
  buildScale,
  collectMetricKeys,
  decodeAxisRef,
  defaultGoal,
  defaultMetricKey,
  defaultParallelParams,
  defaultScatterAxes,
  detectParamKind,
  diffParams,
  encodeAxisRef,
  finiteOrNull,
  inBrush,
  isNumericString,
  jitter,
  linearAxis,
  linearDomain,
  logAxis,
  metricSummaryCsv,
  niceTicks,
  normalizeBrush,
  paramDiffCsv,
  pickBest,
  rampColor,
  rampColors,
  runLabels,
  scalePosition,
  scatterData,
  summarizeMetrics,
  tickPositions,
  visibleParamRows,
} from '../renderer/src/features/compare/panels/logic';

type M = { value: number | null; min?: number | null; max?: number | null };

function run(id: string, params: Record<string, string>, metrics: Record<string, M> = {}, name = id): RunRow {
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: name,
      experiment_id: '1',
      user_id: 'u',
      status: 'FINISHED',
      artifact_uri: '',
      lifecycle_stage: 'active',
    },
    params,
    tags: {},
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([key, m]) => [
        key,
        // values may arrive as null over HTTP: the contract type says number
        { key, value: m.value as number, step: 0, timestamp: 0, min: m.min === undefined ? m.value : m.min, max: m.max === undefined ? m.value : m.max, count: 1 },
      ]),
    ),
  };
}

describe('diffParams', () => {
  const runs = [
    run('a', { lr: '0.1', model: 'gbt', seed: '1', depth: '3' }),
    run('b', { lr: '0.01', model: 'gbt', seed: '1' }),
    run('c', { lr: '0.1', model: 'gbt', seed: '1', extra: 'x' }),
  ];

  it('marks differing params, missing values count as a distinct value', () => {
    const d = diffParams(runs);
    expect(d.total).toBe(5);
    expect(d.differing).toBe(3);
    expect(d.rows.map((r) => [r.key, r.differs])).toEqual([
      ['depth', true],
      ['extra', true],
      ['lr', true],
      ['model', false],
      ['seed', false],
    ]);
    const depth = d.rows.find((r) => r.key === 'depth');
    expect(depth?.values).toEqual(['3', null, null]);
    expect(depth?.changed).toEqual([false, true, true]);
    const extra = d.rows.find((r) => r.key === 'extra');
    expect(extra?.values).toEqual([null, null, 'x']);
    expect(extra?.changed).toEqual([false, false, true]);
    const lr = d.rows.find((r) => r.key === 'lr');
    expect(lr?.changed).toEqual([false, true, false]);
    expect(visibleParamRows(d, true).map((r) => r.key)).toEqual(['depth', 'extra', 'lr']);
    expect(visibleParamRows(d, false)).toHaveLength(5);
  });

  it('all equal → nothing differs', () => {
    const d = diffParams([run('a', { lr: '0.1', model: 'gbt' }), run('b', { model: 'gbt', lr: '0.1' })]);
    expect(d).toMatchObject({ total: 2, differing: 0 });
    expect(d.rows.every((r) => !r.differs && r.changed.every((c) => !c))).toBe(true);
    expect(visibleParamRows(d, true)).toEqual([]);
  });

  it('single run and no runs', () => {
    expect(diffParams([run('a', { x: '1' })])).toMatchObject({ total: 1, differing: 0 });
    expect(diffParams([])).toEqual({ rows: [], total: 0, differing: 0 });
  });

  it('compares strings exactly and orders keys naturally', () => {
    const d = diffParams([run('a', { x10: '1', x2: '1.0', X1: 'a' }), run('b', { x10: '1', x2: '1', X1: 'a' })]);
    expect(d.rows.map((r) => r.key)).toEqual(['X1', 'x2', 'x10']);
    expect(d.rows.map((r) => r.differs)).toEqual([false, true, false]);
  });

  it('CSV records: header with labels (duplicate names disambiguated), empty for missing', () => {
    const rs = [run('aaaaaaaa1', { lr: '0.1' }, {}, 'same'), run('bbbbbbbb2', {}, {}, 'same'), run('c', { lr: '0.2' }, {}, '')];
    expect(runLabels(rs)).toEqual(['same (aaaaaaaa)', 'same (bbbbbbbb)', 'c']);
    expect(paramDiffCsv(rs, diffParams(rs).rows)).toEqual([
      ['param', 'same (aaaaaaaa)', 'same (bbbbbbbb)', 'c'],
      ['lr', '0.1', null, '0.2'],
    ]);
  });
});

describe('metric summary', () => {
  it('default goal', () => {
    expect(['val_loss', 'train/Error', 'rmse', 'val_mae', 'mse', 'accuracy', 'auc', 'f1'].map(defaultGoal)).toEqual(['min', 'min', 'min', 'min', 'min', 'max', 'max', 'max']);
  });

  it('pickBest with min / max, NaN, null, ties', () => {
    expect(pickBest([0.5, 0.3, Number.NaN, 0.9], 'min')).toEqual([1]);
    expect(pickBest([0.5, 0.3, Number.NaN, 0.9], 'max')).toEqual([3]);
    expect(pickBest([Number.NaN, null, undefined, 2], 'max')).toEqual([3]);
    expect(pickBest([Number.POSITIVE_INFINITY, 1, 2], 'max')).toEqual([2]);
    expect(pickBest([Number.NEGATIVE_INFINITY, 1, 2], 'min')).toEqual([1]);
    expect(pickBest([0.2, 0.2, 0.4], 'min')).toEqual([0, 1]);
    expect(pickBest([Number.NaN, null], 'min')).toEqual([]);
    expect(pickBest([], 'min')).toEqual([]);
    // nothing to tell apart
    expect(pickBest([0.7, 0.7], 'max')).toEqual([]);
    expect(pickBest([0.7], 'max')).toEqual([]);
    // equal values but one run missing: the ones that have it win
    expect(pickBest([0.7, null, 0.7], 'max')).toEqual([0, 2]);
  });

  it('summarizeMetrics: union of keys, system last, missing / non-finite cells, best run', () => {
    const runs = [
      run('a', {}, { val_loss: { value: 0.4, min: 0.35, max: 1.2 }, acc: { value: 0.8 }, 'system/cpu': { value: 30 } }),
      run('b', {}, { val_loss: { value: 0.3, min: 0.3, max: 1.1 }, acc: { value: Number.NaN, min: 0.5, max: 0.9 } }),
      run('c', {}, { val_loss: { value: null, min: null, max: null }, 'system/cpu': { value: 50 }, zeta: { value: 1 } }),
    ];
    expect(collectMetricKeys(runs)).toEqual(['acc', 'val_loss', 'zeta', 'system/cpu']);
    const rows = summarizeMetrics(runs);
    expect(rows.map((r) => r.key)).toEqual(['acc', 'val_loss', 'zeta', 'system/cpu']);
    const loss = rows[1]!;
    expect(loss.goal).toBe('min');
    expect(loss.best).toEqual([1]);
    expect(loss.cells).toEqual([
      { present: true, last: 0.4, min: 0.35, max: 1.2 },
      { present: true, last: 0.3, min: 0.3, max: 1.1 },
      { present: true, last: null, min: null, max: null },
    ]);
    const acc = rows[0]!;
    expect(acc.goal).toBe('max');
    expect(acc.best).toEqual([0]);
    expect(acc.cells[1]).toEqual({ present: true, last: null, min: 0.5, max: 0.9 });
    expect(acc.cells[2]).toEqual({ present: false, last: null, min: null, max: null });
    expect(rows[3]!.best).toEqual([2]);
    // custom goal
    expect(summarizeMetrics(runs, () => 'min')[3]!.best).toEqual([0]);
    expect(metricSummaryCsv(runs, rows.slice(1, 2))).toEqual([
      ['metric', 'goal', 'a', 'a min', 'a max', 'b', 'b min', 'b max', 'c', 'c min', 'c max', 'best'],
      ['val_loss', 'min', 0.4, 0.35, 1.2, 0.3, 0.3, 1.1, null, null, null, 'b'],
    ]);
  });

  it('finiteOrNull and defaultMetricKey', () => {
    expect([1, 0, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, '1'].map(finiteOrNull)).toEqual([1, 0, null, null, null, null, null]);
    expect(defaultMetricKey(['system/cpu', 'acc'])).toBe('acc');
    expect(defaultMetricKey(['system/cpu'])).toBe('system/cpu');
    expect(defaultMetricKey([])).toBeNull();
  });
});

describe('numeric vs categorical', () => {
  it('detects kinds', () => {
    expect(detectParamKind(['0.1', '0.01'])).toBe('numeric');
    expect(detectParamKind(['gbt', 'logreg'])).toBe('categorical');
    expect(detectParamKind(['0.1', 'gbt'])).toBe('categorical');
    expect(detectParamKind(['1e-4', '-3', ' 2 ', '.5', '7.'])).toBe('numeric');
    expect(detectParamKind(['1', null, undefined])).toBe('numeric');
    expect(detectParamKind([null, undefined])).toBe('categorical');
    expect(detectParamKind([])).toBe('categorical');
    expect(['nan', 'inf', 'Infinity', '0x10', '1,5', '', 'true', '1e400'].map(isNumericString)).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('linear scale: extent, positions, ticks', () => {
    const s = buildScale(['0.1', '0.01', null, '0.001']);
    expect(s).toEqual({ kind: 'linear', min: 0.001, max: 0.1, ticks: [0.001, 0.01, 0.1] });
    expect(scalePosition(s, '0.1')).toBe(1);
    expect(scalePosition(s, '0.001')).toBe(0);
    expect(scalePosition(s, 0.0505)).toBeCloseTo(0.5, 12);
    expect(scalePosition(s, null)).toBeNull();
    expect(scalePosition(s, 'abc')).toBeNull();
    expect(scalePosition(s, Number.NaN)).toBeNull();
    // metric values: numbers, non-finite ignored
    const m = buildScale([0, 10, Number.NaN, null, 2, 4, 6, 8, 1]);
    expect(m).toEqual({ kind: 'linear', min: 0, max: 10, ticks: [0, 2.5, 5, 7.5, 10] });
    expect(tickPositions(m).map((t) => t.pos)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // a single value sits in the middle
    const one = buildScale(['5', '5']);
    expect(one).toEqual({ kind: 'linear', min: 5, max: 5, ticks: [5] });
    expect(scalePosition(one, '5')).toBe(0.5);
  });

  it('categorical scale: evenly spaced categories in natural order', () => {
    const s = buildScale(['logreg', 'gbt', null, 'gbt', 'mlp']);
    expect(s).toEqual({ kind: 'categorical', categories: ['gbt', 'logreg', 'mlp'] });
    expect(['gbt', 'logreg', 'mlp', 'svm', null].map((v) => scalePosition(s, v))).toEqual([1 / 6, 0.5, 5 / 6, null, null]);
    const mixed = buildScale(['1', 'a', '2']);
    expect(mixed).toEqual({ kind: 'categorical', categories: ['1', '2', 'a'] });
    expect(tickPositions(buildScale(['x', 'y'])).map((t) => [t.value, t.pos])).toEqual([
      ['x', 0.25],
      ['y', 0.75],
    ]);
    expect(buildScale([null, null])).toEqual({ kind: 'categorical', categories: [] });
  });

  it('niceTicks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0.13, 0.87)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(-3, 7)).toEqual([-2.5, 0, 2.5, 5]);
    expect(niceTicks(-3, 5)).toEqual([-2, 0, 2, 4]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe('parallel coordinates model and brushing', () => {
  const runs = [
    run('a', { lr: '0.1', model: 'gbt' }, { auc: { value: 0.9 } }),
    run('b', { lr: '0.01', model: 'logreg' }, { auc: { value: 0.7 } }),
    run('c', { lr: '0.001', model: 'gbt' }, { auc: { value: Number.NaN } }),
    run('d', { model: 'mlp' }, { auc: { value: 0.8 } }),
  ];
  const model = buildParallelModel(runs, ['lr', 'model'], 'auc');

  it('axes and positions', () => {
    expect(model.axes.map((a) => [a.id, a.scale.kind])).toEqual([
      ['param:lr', 'linear'],
      ['param:model', 'categorical'],
      ['metric:auc', 'linear'],
    ]);
    const pos = model.lines.map((l) => l.pos.map((p) => (p === null ? null : Math.round(p * 1000) / 1000)));
    expect(pos).toEqual([
      [1, 1 / 6, 1].map((p) => Math.round(p * 1000) / 1000),
      [0.091, 0.5, 0],
      [0, 0.167, null],
      [null, 0.833, 0.5],
    ]);
    expect(model.lines[2]!.values).toEqual(['0.001', 'gbt', null]);
    expect(buildParallelModel(runs, [], null)).toEqual({ axes: [], lines: runs.map((r) => ({ runId: r.info.run_id, label: r.info.run_id, values: [], pos: [] })) });
  });

  it('brushes filter lines and AND together; missing values never pass a brush', () => {
    expect(brushFilter(model, {})).toEqual([true, true, true, true]);
    const top = { 'metric:auc': normalizeBrush(1, 0.4) };
    expect(brushFilter(model, top)).toEqual([true, false, false, true]);
    const gbt = { 'param:model': normalizeBrush(0, 0.3) };
    expect(brushFilter(model, gbt)).toEqual([true, false, true, false]);
    expect(brushFilter(model, { ...top, ...gbt })).toEqual([true, false, false, false]);
    // disjoint → nothing
    expect(brushFilter(model, { ...gbt, 'param:lr': normalizeBrush(0.4, 0.6) })).toEqual([false, false, false, false]);
    // brushes on axes the model does not have are ignored
    expect(brushFilter(model, { 'param:gone': { lo: 0, hi: 0.1 } })).toEqual([true, true, true, true]);
  });

  it('normalizeBrush / inBrush', () => {
    expect(normalizeBrush(0.8, 0.2)).toEqual({ lo: 0.2, hi: 0.8 });
    expect(normalizeBrush(-0.5, 1.5)).toEqual({ lo: 0, hi: 1 });
    expect(inBrush(0.2, { lo: 0.2, hi: 0.8 })).toBe(true);
    expect(inBrush(0.8, { lo: 0.2, hi: 0.8 })).toBe(true);
    expect(inBrush(0.81, { lo: 0.2, hi: 0.8 })).toBe(false);
    expect(inBrush(null, { lo: 0, hi: 1 })).toBe(false);
  });

  it('default axes: differing params up to the limit, else all', () => {
    const many = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const a = run('a', Object.fromEntries(many.map((k) => [k, '1'])));
    const b = run('b', Object.fromEntries(many.map((k, i) => [k, i % 2 === 0 ? '2' : '1'])));
    expect(defaultParallelParams(diffParams([a, b]))).toEqual(['p0', 'p2', 'p4', 'p6', 'p8']);
    const c = run('c', Object.fromEntries(many.map((k) => [k, '2'])));
    expect(defaultParallelParams(diffParams([a, c]))).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(defaultParallelParams(diffParams([a, a]), 3)).toEqual(['p0', 'p1', 'p2']);
  });

  it('colour ramp', () => {
    expect(rampColor(0)).toBe('#440154');
    expect(rampColor(1)).toBe('#fde725');
    expect(rampColor(0.5)).toBe('#21918c');
    expect(rampColor(-1)).toBe('#440154');
    expect(rampColors([0, null, 10, 5])).toEqual(['#440154', null, '#fde725', '#21918c']);
    expect(rampColors([3, 3])).toEqual(['#21918c', '#21918c']);
    expect(rampColors([null])).toEqual([null]);
  });
});

describe('scatter', () => {
  const runs = [
    run('a', { lr: '0.1', model: 'gbt' }, { auc: { value: 0.9 }, loss: { value: 0.2 } }),
    run('b', { lr: '0.01', model: 'logreg' }, { auc: { value: 0.7 }, loss: { value: 0 } }),
    run('c', { lr: '0.001', model: 'gbt' }, { auc: { value: Number.NaN } }),
    run('d', { model: 'mlp' }, { auc: { value: 0.8 } }),
  ];

  it('axis refs', () => {
    expect(encodeAxisRef({ source: 'metric', key: 'val/auc' })).toBe('metric:val/auc');
    expect(decodeAxisRef('param:a:b')).toEqual({ source: 'param', key: 'a:b' });
    expect(decodeAxisRef('tag:x')).toBeNull();
    expect(decodeAxisRef('')).toBeNull();
    expect(decodeAxisRef(undefined)).toBeNull();
  });

  it('numeric x: one point per run with both values', () => {
    const d = scatterData(runs, { source: 'param', key: 'lr' }, { source: 'metric', key: 'auc' });
    expect(d.categories).toBeNull();
    expect(d.points.map((p) => [p.runId, p.x, p.y])).toEqual([
      ['a', 0.1, 0.9],
      ['b', 0.01, 0.7],
    ]);
    expect(d).toMatchObject({ missing: 2, nonPositive: 0 });
  });

  it('log axes drop values ≤ 0', () => {
    const d = scatterData(runs, { source: 'metric', key: 'auc' }, { source: 'metric', key: 'loss' }, { logY: true });
    expect(d.points.map((p) => p.runId)).toEqual(['a']);
    expect(d).toMatchObject({ missing: 2, nonPositive: 1 });
  });

  it('categorical x: category index + deterministic jitter', () => {
    const d = scatterData(runs, { source: 'param', key: 'model' }, { source: 'metric', key: 'auc' }, { logX: true });
    expect(d.categories).toEqual(['gbt', 'logreg', 'mlp']);
    expect(d.points.map((p) => [p.runId, Math.round(p.x), p.xText])).toEqual([
      ['a', 0, 'gbt'],
      ['b', 1, 'logreg'],
      ['d', 2, 'mlp'],
    ]);
    for (const p of d.points) expect(Math.abs(p.x - Math.round(p.x))).toBeLessThanOrEqual(0.18);
    expect(jitter('a')).toBe(jitter('a'));
    expect(d.points[0]!.x).toBe(jitter('a'));
  });

  it('domains and ticks', () => {
    expect(linearDomain([0.13, 0.87])).toEqual([0, 1]);
    expect(linearDomain([5])).toEqual([4.5, 5.5]);
    expect(linearDomain([0])).toEqual([-1, 1]);
    expect(linearDomain([])).toEqual([0, 1]);
    expect(linearAxis([0.6, 0.9, 0.75])).toEqual({ domain: [0.5, 1], ticks: [0.5, 0.6, 0.7, 0.8, 0.9, 1] });
    expect(linearAxis([3, 9])).toEqual({ domain: [2, 10], ticks: [2, 4, 6, 8, 10] });
    expect(linearAxis([0, 0.94, 0.5])).toEqual({ domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(linearAxis([-5, -1])).toEqual({ domain: [-6, 0], ticks: [-6, -4, -2, 0] });
    expect(linearAxis([0])).toEqual({ domain: [-1, 1], ticks: [-1, -0.5, 0, 0.5, 1] });
    // log: padded extent; powers of ten, else 1-2-5 steps, else linear steps in a narrow range
    const lr = logAxis([0.001, 0.2, 0.05, 0, -1]);
    expect(lr.ticks).toEqual([0.001, 0.01, 0.1]);
    expect(lr.domain[0]).toBeCloseTo(0.000767, 6);
    expect(lr.domain[1]).toBeCloseTo(0.2605, 3);
    expect(logAxis([0.002, 0.3]).ticks).toEqual([0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
    expect(logAxis([10])).toEqual({ domain: [3.16228, 31.6228], ticks: [5, 10, 20] });
    expect(logAxis([0.6, 0.9]).ticks).toEqual([0.6, 0.7, 0.8, 0.9]);
    expect(logAxis([1e-6, 1e6]).ticks).toEqual([1e-6, 1e-4, 0.01, 1, 100, 1e4, 1e6]);
    expect(logAxis([-1, 0])).toEqual({ domain: [1, 10], ticks: [1, 10] });
  });

  it('default axes: a differing numeric param vs the first non-system metric', () => {
    expect(defaultScatterAxes(runs)).toEqual({ x: { source: 'param', key: 'lr' }, y: { source: 'metric', key: 'auc' } });
    const noParams = [run('a', {}, { auc: { value: 1 }, loss: { value: 2 } })];
    expect(defaultScatterAxes(noParams)).toEqual({ x: { source: 'metric', key: 'loss' }, y: { source: 'metric', key: 'auc' } });
    expect(defaultScatterAxes([])).toEqual({ x: null, y: null });
  });
});
