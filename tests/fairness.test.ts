// Fairness by group (electron/core/insight/fairness.ts): Fairlearn's metrics on hand-computed fixtures, empty and
// degenerate groups (nulls and notes, never NaN / Infinity), intersections, seeded bootstrap intervals, a numpy
// cross-check, and `mldesk fairness` on the demo's registered model (the demo's synthetic disparity by sex).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fairnessReport, type FairnessReport } from '../electron/core/insight/fairness';
import { binaryLabel, fairnessOfRows } from '../electron/core/insight/fairnessData';
import type { Row } from '../electron/core/insight/types';
import { createDemoProject, registerDemoModels, seedDemoRuns } from '../electron/core/projects/demo';
import { startServer, type Served } from '../electron/host/serve';
import { MldeskError } from '../shared/contract/errors';
import { runCli, tmpDir } from './helpers';

/** Every number in a value, with its path: the report must be plain JSON (no NaN, no ±Infinity). */
function numbers(x: unknown, at = '$', out: Array<[string, number]> = []): Array<[string, number]> {
  if (typeof x === 'number') out.push([at, x]);
  else if (Array.isArray(x)) x.forEach((v, i) => numbers(v, `${at}[${i}]`, out));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) numbers(v, `${at}.${k}`, out);
  return out;
}
const expectPlainJson = (r: unknown) => {
  const bad = numbers(r).filter(([, v]) => !Number.isFinite(v));
  expect(bad).toEqual([]);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
};

/** Rows of one group from a confusion matrix: positives predicted (score hi) or not (lo), negatives likewise. */
function block(group: Record<string, string | null>, c: { tp: number; fn: number; fp: number; tn: number }, hi = 0.8, lo = 0.2) {
  const rows: Array<{ s: number; y: 0 | 1; g: Record<string, string | null> }> = [];
  const add = (n: number, s: number, y: 0 | 1) => {
    for (let i = 0; i < n; i++) rows.push({ s, y, g: group });
  };
  add(c.tp, hi, 1);
  add(c.fn, lo, 1);
  add(c.fp, hi, 0);
  add(c.tn, lo, 0);
  return rows;
}

function run(rows: ReturnType<typeof block>, opts: Partial<Parameters<typeof fairnessReport>[0]> = {}) {
  return fairnessReport({ scores: Float64Array.from(rows, (r) => r.s), labels: rows.map((r) => r.y), groups: rows.map((r) => r.g), bootstrap: 0, ...opts });
}

describe('fairnessReport: Fairlearn’s definitions on hand-computed fixtures', () => {
  // A: tp 3 fn 1 fp 1 tn 5 (10 rows) · B: tp 1 fn 1 fp 3 tn 3 (8) · C: tp 2 fn 1 fp 0 tn 3 (6)
  const rows = [...block({ g: 'B' }, { tp: 1, fn: 1, fp: 3, tn: 3 }), ...block({ g: 'A' }, { tp: 3, fn: 1, fp: 1, tn: 5 }), ...block({ g: 'C' }, { tp: 2, fn: 1, fp: 0, tn: 3 })];

  it('per group: size, positives, selection rate, TPR, FPR, precision, calibration', () => {
    const r = run(rows);
    expect(r.attributes).toEqual(['g']);
    expect(r.groups.map((g) => g.key)).toEqual(['g=A', 'g=B', 'g=C']);
    const [a, b, c] = r.groups;
    expect(a).toMatchObject({ size: 10, positives: 4, predictedPositives: 4, counts: { tp: 3, fp: 1, fn: 1, tn: 5 }, values: { g: 'A' } });
    expect(a!.selectionRate).toBeCloseTo(0.4, 15);
    expect(a!.tpr).toBeCloseTo(0.75, 15);
    expect(a!.fpr).toBeCloseTo(1 / 6, 15);
    expect(a!.precision).toBeCloseTo(0.75, 15);
    // Calibration: mean score (4·0.8 + 6·0.2)/10, observed 4/10, ECE = 0.4·|0.8 − 3/4| + 0.6·|0.2 − 1/6|.
    expect(a!.calibration.meanScore).toBeCloseTo(0.44, 15);
    expect(a!.calibration.observedRate).toBeCloseTo(0.4, 15);
    expect(a!.calibration.ece).toBeCloseTo(0.4 * 0.05 + 0.6 * (0.2 - 1 / 6), 15);
    expect([b!.selectionRate, b!.tpr, b!.fpr, b!.precision]).toEqual([0.5, 0.5, 0.5, 0.25]);
    expect(c!.selectionRate).toBeCloseTo(1 / 3, 15);
    expect(c!.tpr).toBeCloseTo(2 / 3, 15);
    expect([c!.fpr, c!.precision]).toEqual([0, 1]);
  });

  it('summary: demographic parity difference and ratio, equal opportunity and equalized odds differences', () => {
    const r = run(rows);
    const s = r.summary;
    expect(s.demographicParityDifference.value).toBeCloseTo(0.5 - 1 / 3, 15);
    expect(s.demographicParityDifference).toMatchObject({ max: 'g=B', min: 'g=C', groups: 3 });
    expect(s.demographicParityRatio.value).toBeCloseTo(1 / 3 / 0.5, 15);
    expect(s.equalOpportunityDifference.value).toBeCloseTo(0.75 - 0.5, 15);
    expect(s.equalOpportunityDifference).toMatchObject({ max: 'g=A', min: 'g=B' });
    // max(TPR difference 0.25, FPR difference 0.5 − 0).
    expect(s.equalizedOddsDifference.value).toBeCloseTo(0.5, 15);
    expect(s.equalizedOddsDifference).toMatchObject({ max: 'g=B', min: 'g=C' });
    // Differences against the reference group (default: the largest, A).
    expect(r.reference).toBe('g=A');
    expect(r.groups[1]!.vsReference.selectionRateDifference).toBeCloseTo(0.1, 15);
    expect(r.groups[1]!.vsReference.selectionRateRatio).toBeCloseTo(1.25, 15);
    expect(r.groups[2]!.vsReference.fprDifference).toBeCloseTo(-1 / 6, 15);
    expect(run(rows, { reference: 'g=C' }).groups[0]!.vsReference.tprDifference).toBeCloseTo(0.75 - 2 / 3, 15);
    expect(() => run(rows, { reference: 'g=Z' })).toThrow(/reference group "g=Z" is not one of g=A, g=B, g=C/);
    expect(r.notes).toEqual(expect.arrayContaining([expect.stringMatching(/g=C: only 6 rows/)]));
    expectPlainJson(r);
  });

  it('a score equal to the threshold is a positive prediction; the threshold moves every rate', () => {
    const r = run([...block({ g: 'A' }, { tp: 1, fn: 1, fp: 1, tn: 1 }, 0.5, 0.49)]);
    expect(r.groups[0]).toMatchObject({ selectionRate: 0.5, tpr: 0.5, fpr: 0.5 });
    const hi = run([...block({ g: 'A' }, { tp: 1, fn: 1, fp: 1, tn: 1 }, 0.5, 0.49)], { threshold: 0.6 });
    expect(hi.groups[0]).toMatchObject({ selectionRate: 0, tpr: 0, fpr: 0, precision: null });
    expect(hi.notes).toContain('g=A: no score ≥ 0.6, so precision is null.');
  });

  it('rejects what it cannot compute on, as INVALID_INPUT', () => {
    const bad = (args: Parameters<typeof fairnessReport>[0], re: RegExp) => {
      let err: unknown;
      try {
        fairnessReport(args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MldeskError);
      expect((err as MldeskError).code).toBe('INVALID_INPUT');
      expect((err as Error).message).toMatch(re);
    };
    bad({ scores: [0.1], labels: [1, 0], groups: [{ g: 'a' }] }, /one entry per row/);
    bad({ scores: [NaN], labels: [1], groups: [{ g: 'a' }] }, /Row 0: the score is not a finite number/);
    bad({ scores: [0.3], labels: [2 as 1], groups: [{ g: 'a' }] }, /label must be 0 or 1/);
    bad({ scores: [0.3], labels: [1], groups: [{ a: 'x', b: 'y', c: 'z' }] }, /one or two sensitive attributes \(got 3\)/);
    bad({ scores: Array.from({ length: 70 }, () => 0.5), labels: Array.from({ length: 70 }, () => 1 as const), groups: Array.from({ length: 70 }, (_, i) => ({ age: String(i) })) }, /"age" has 70 distinct values.*bin it/);
  });
});

describe('fairnessReport: empty and degenerate groups are reported, not divided by zero', () => {
  // sex × band: F&old has no positives, M&young does not occur (an empty intersection), M&old has no negatives.
  const rows = [
    ...block({ sex: 'F', band: 'young' }, { tp: 2, fn: 1, fp: 1, tn: 4 }),
    ...block({ sex: 'F', band: 'old' }, { tp: 0, fn: 0, fp: 1, tn: 5 }),
    ...block({ sex: 'M', band: 'old' }, { tp: 3, fn: 2, fp: 0, tn: 0 }),
  ];

  it('intersections are the cartesian groups; the empty one is listed with nulls, each gap has a note', () => {
    const r = run(rows);
    expect(r.attributes).toEqual(['sex', 'band']);
    expect(r.groups.map((g) => [g.key, g.size])).toEqual([
      ['sex=F & band=old', 6],
      ['sex=F & band=young', 8],
      ['sex=M & band=old', 5],
      ['sex=M & band=young', 0],
    ]);
    const [fOld, fYoung, mOld, mYoung] = r.groups;
    expect(fOld).toMatchObject({ positives: 0, tpr: null, fpr: 1 / 6, precision: 0, values: { sex: 'F', band: 'old' } });
    expect(fYoung).toMatchObject({ selectionRate: 3 / 8, tpr: 2 / 3, fpr: 0.2, precision: 2 / 3 });
    expect(mOld).toMatchObject({ selectionRate: 0.6, tpr: 0.6, fpr: null, precision: 1 });
    expect(mYoung).toMatchObject({
      size: 0,
      positives: 0,
      selectionRate: null,
      tpr: null,
      fpr: null,
      precision: null,
      calibration: { meanScore: null, observedRate: null, ece: null },
      vsReference: { selectionRateDifference: null, selectionRateRatio: null, tprDifference: null, fprDifference: null },
    });
    expect(r.notes).toEqual(
      expect.arrayContaining([
        'sex=F & band=old: no positive labels, so TPR is null.',
        'sex=M & band=old: no negative labels, so FPR is null.',
        'sex=M & band=young: no rows (an empty intersection); its metrics are null.',
        'Demographic parity: groups without a selection rate are skipped (sex=M & band=young).',
        'Equal opportunity and equalized odds: groups without a TPR are skipped (sex=F & band=old, sex=M & band=young).',
        'Equalized odds: groups without a FPR are skipped (sex=M & band=old, sex=M & band=young).',
      ]),
    );
    // The summaries compare the groups that have a value.
    expect(r.summary.demographicParityDifference).toMatchObject({ value: 0.6 - 1 / 6, groups: 3, max: 'sex=M & band=old', min: 'sex=F & band=old' });
    expect(r.summary.equalOpportunityDifference.value).toBeCloseTo(2 / 3 - 0.6, 15);
    expect(r.summary.equalOpportunityDifference.groups).toBe(2);
    // TPR difference 0.0667 vs FPR difference 0.2 − 1/6.
    expect(r.summary.equalizedOddsDifference.value).toBeCloseTo(Math.max(2 / 3 - 0.6, 0.2 - 1 / 6), 15);
    expectPlainJson(r);
    expectPlainJson(run(rows, { bootstrap: 50, seed: 3 }));
  });

  it('a single group, no positives at all, no rows: nulls and notes, never NaN', () => {
    const one = run(block({ g: 'only' }, { tp: 0, fn: 0, fp: 2, tn: 3 }), { bootstrap: 20 });
    expect(one.groups[0]).toMatchObject({ key: 'g=only', tpr: null, selectionRate: 0.4 });
    expect(one.summary.demographicParityDifference).toEqual({ value: null, ci: null, groups: 1, max: null, min: null });
    expect(one.notes).toEqual(expect.arrayContaining(['demographicParityDifference: null (fewer than two groups have a value).', 'equalOpportunityDifference: null (fewer than two groups have a value).']));
    expectPlainJson(one);
    // Nobody selected: the ratio 0/0 is null, the difference 0.
    const none = run([...block({ g: 'a' }, { tp: 0, fn: 2, fp: 0, tn: 2 }), ...block({ g: 'b' }, { tp: 0, fn: 1, fp: 0, tn: 1 })]);
    expect(none.summary.demographicParityDifference.value).toBe(0);
    expect(none.summary.demographicParityRatio.value).toBeNull();
    expect(none.notes).toContain('demographicParityRatio: null (no group has a selection rate above 0).');
    expectPlainJson(none);
    const empty = fairnessReport({ scores: new Float64Array(0), labels: [], groups: [], attributes: ['sex'] });
    expect(empty.groups).toEqual([]);
    expect(empty.notes[0]).toBe('No rows: every metric is null.');
    expectPlainJson(empty);
    // Missing attribute values form their own group.
    const missing = run([...block({ g: 'a' }, { tp: 1, fn: 0, fp: 0, tn: 1 }), ...block({ g: null }, { tp: 0, fn: 1, fp: 1, tn: 0 })]);
    expect(missing.groups.map((g) => [g.key, g.values.g])).toEqual([
      ['g=a', 'a'],
      ['g=(missing)', null],
    ]);
  });
});

/** A seeded synthetic scoring of `n` rows over three groups with different base rates and score shifts. */
function synthetic(n: number, seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const groups = ['a', 'b', 'c'];
  const rows = Array.from({ length: n }, () => {
    const gi = rnd() < 0.5 ? 0 : rnd() < 0.6 ? 1 : 2;
    const y = (rnd() < [0.2, 0.35, 0.5][gi]! ? 1 : 0) as 0 | 1;
    const score = Math.min(0.999, Math.max(0.001, 0.25 + 0.3 * y + 0.1 * gi + (rnd() - 0.5) * 0.7));
    return { s: score, y, g: { grp: groups[gi]!, half: rnd() < 0.5 ? 'x' : 'y' } };
  });
  return rows;
}

describe('fairnessReport: bootstrap intervals and a numpy cross-check', () => {
  const rows = synthetic(3000, 7);
  const args = { scores: Float64Array.from(rows, (r) => r.s), labels: rows.map((r) => r.y), groups: rows.map((r) => ({ grp: r.g.grp })) };

  it('95 % intervals contain the point estimates, are deterministic with a seed and move with another seed', () => {
    const started = performance.now();
    const r = fairnessReport({ ...args, bootstrap: 200, seed: 11 });
    const ms = performance.now() - started;
    console.log(`fairness: 3,000 rows × 3 groups, 200 resamples in ${ms.toFixed(0)} ms`);
    for (const g of r.groups) {
      for (const m of ['selectionRate', 'tpr', 'fpr', 'precision'] as const) {
        const ci = g.ci[m]!;
        expect(ci[0], `${g.key} ${m}`).toBeLessThanOrEqual(g[m]!);
        expect(ci[1], `${g.key} ${m}`).toBeGreaterThanOrEqual(g[m]!);
        expect(ci[1] - ci[0], `${g.key} ${m}`).toBeGreaterThan(0);
        expect(ci[1] - ci[0], `${g.key} ${m}`).toBeLessThan(0.2);
      }
    }
    for (const [k, m] of Object.entries(r.summary)) {
      expect(m.ci, k).not.toBeNull();
      expect(m.ci![0], k).toBeLessThanOrEqual(m.value!);
      expect(m.ci![1], k).toBeGreaterThanOrEqual(m.value!);
    }
    expect(r.bootstrap).toEqual({ samples: 200, seed: 11, level: 0.95 });
    expect(fairnessReport({ ...args, bootstrap: 200, seed: 11 })).toEqual(r);
    const other = fairnessReport({ ...args, bootstrap: 200, seed: 12 });
    expect(other.summary.demographicParityDifference.value).toBe(r.summary.demographicParityDifference.value);
    expect(other.summary.demographicParityDifference.ci).not.toEqual(r.summary.demographicParityDifference.ci);
    // The selection-rate interval is about ±1.96 standard errors of a proportion.
    const a = r.groups[0]!;
    const se = Math.sqrt((a.selectionRate! * (1 - a.selectionRate!)) / a.size);
    expect((a.ci.selectionRate![1] - a.ci.selectionRate![0]) / (2 * 1.96 * se)).toBeGreaterThan(0.75);
    expect((a.ci.selectionRate![1] - a.ci.selectionRate![0]) / (2 * 1.96 * se)).toBeLessThan(1.25);
    expectPlainJson(r);
  });

  it('matches a numpy computation of the same metrics (one attribute and an intersection)', () => {
    const dir = tmpDir('mldesk-fair-');
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, ['score,y,grp,half', ...rows.map((r) => `${r.s},${r.y},${r.g.grp},${r.g.half}`)].join('\n') + '\n');
    const script = `
import json, sys, itertools
import numpy as np, pandas as pd
d = pd.read_csv(sys.argv[1])
def metrics(g):
    p = g.score.values >= 0.5; y = g.y.values == 1
    bins = np.minimum((g.score.values * 10).astype(int), 9)
    ece = sum(abs(g.score.values[bins == b].mean() - y[bins == b].mean()) * (bins == b).sum() / len(g) for b in range(10) if (bins == b).any())
    return dict(size=len(g), sel=p.mean(), tpr=p[y].mean(), fpr=p[~y].mean(), prec=y[p].mean(), mean=g.score.mean(), ece=ece)
out = {}
for cols in (['grp'], ['grp', 'half']):
    per = {' & '.join(f'{c}={v}' for c, v in zip(cols, k if isinstance(k, tuple) else (k,))): metrics(g) for k, g in d.groupby(cols)}
    sel = [m['sel'] for m in per.values()]; tpr = [m['tpr'] for m in per.values()]; fpr = [m['fpr'] for m in per.values()]
    out['|'.join(cols)] = dict(groups=per, dpd=max(sel) - min(sel), dpr=min(sel) / max(sel), eod=max(tpr) - min(tpr), eodds=max(max(tpr) - min(tpr), max(fpr) - min(fpr)))
print(json.dumps(out))
`;
    const py = spawnSync('/usr/bin/python3', ['-c', script, csv], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as Record<string, { groups: Record<string, Record<string, number>>; dpd: number; dpr: number; eod: number; eodds: number }>;
    const scores = Float64Array.from(fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1), (l) => Number(l.split(',')[0]));
    for (const [key, attrs] of [
      ['grp', ['grp']],
      ['grp|half', ['grp', 'half']],
    ] as const) {
      const r = fairnessReport({ scores, labels: args.labels, groups: rows.map((x) => x.g), attributes: [...attrs], bootstrap: 0 });
      const want = ref[key]!;
      expect(r.groups.map((g) => g.key)).toEqual(Object.keys(want.groups).sort());
      for (const g of r.groups) {
        const w = want.groups[g.key]!;
        expect(g.size).toBe(w.size);
        const got = [g.selectionRate, g.tpr, g.fpr, g.precision, g.calibration.meanScore, g.calibration.ece] as number[];
        const exp = [w.sel, w.tpr, w.fpr, w.prec, w.mean, w.ece] as number[];
        got.forEach((v, i) => expect(v, `${g.key} #${i}`).toBeCloseTo(exp[i]!, 12));
      }
      expect(r.summary.demographicParityDifference.value).toBeCloseTo(want.dpd, 12);
      expect(r.summary.demographicParityRatio.value).toBeCloseTo(want.dpr, 12);
      expect(r.summary.equalOpportunityDifference.value).toBeCloseTo(want.eod, 12);
      expect(r.summary.equalizedOddsDifference.value).toBeCloseTo(want.eodds, 12);
    }
  });
});

describe('fairnessOfRows: labels and sensitive values from raw rows', () => {
  it('drops unlabeled rows with a note, spells values out, refuses non-binary labels and unknown columns', async () => {
    const rows: Row[] = [
      { y: 1, sex: 'F', age: 30, x: 0.9 },
      { y: '0', sex: 'F', age: 30, x: 0.1 },
      { y: null, sex: 'M', age: 40, x: 0.7 },
      { y: 'true', sex: 'M', age: 40, x: 0.6 },
      { y: 0, sex: '', age: 40, x: 0.2 },
    ];
    const predict = async (rs: Row[]) => Float64Array.from(rs, (r) => r.x as number);
    const r = await fairnessOfRows({ rows, predict, label: 'y', sensitive: ['sex'], bootstrap: 0 });
    expect(r.rows).toBe(4);
    expect(r.notes[0]).toBe('1 rows without a "y" label were left out.');
    expect(r.groups.map((g) => [g.key, g.size, g.positives])).toEqual([
      ['sex=F', 2, 1],
      ['sex=M', 1, 1],
      ['sex=(missing)', 1, 0],
    ]);
    const byAge = await fairnessOfRows({ rows, scores: Float64Array.from(rows, (x) => x.x as number), label: 'y', sensitive: ['age'], bootstrap: 0 });
    expect(byAge.groups.map((g) => g.key)).toEqual(['age=30', 'age=40']);
    await expect(fairnessOfRows({ rows, predict, label: 'y', sensitive: ['gender'] })).rejects.toThrow(/no column "gender"/);
    await expect(fairnessOfRows({ rows: [{ y: 2, sex: 'F' }], scores: Float64Array.of(0.5), label: 'y', sensitive: ['sex'] })).rejects.toThrow(/binary label/);
    expect([binaryLabel('YES'), binaryLabel(''), binaryLabel(false), Number.isNaN(binaryLabel('maybe'))]).toEqual([1, null, 0, true]);
  });
});

describe('mldesk fairness on the demo’s registered model', () => {
  let served: Served | null = null;
  let dataDir: string;
  let demoDir: string;

  beforeAll(async () => {
    const root = tmpDir('mldesk-fairness-cli-');
    dataDir = path.join(root, 'data');
    served = await startServer({ dataDir, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
    const project = await createDemoProject(served.engine, path.join(root, 'demo'));
    demoDir = project.path;
    const ids = await seedDemoRuns(served.engine, project.id, undefined, [
      { name: 'logreg', args: ['--model', 'logreg', '--epochs', '15'] },
      { name: 'gbt', args: ['--model', 'gbt', '--trees', '30', '--depth', '3'] },
    ]);
    expect(registerDemoModels(served.engine, ids)).toHaveLength(2);
    // The CLI opens its own engine on the same data dir.
    await served.close();
    served = null;
  }, 120_000);
  afterAll(async () => {
    await served?.close();
  });

  const cli = (args: string[]) => runCli(['fairness', ...args, '--data-dir', dataDir], {}, 90_000);

  it('prints the table per group and the disparities with intervals (production: the drift widens the gap)', async () => {
    const r = await cli(['credit-risk@1', '--data', 'data/production.csv', '--project', demoDir, '--sensitive', 'sex']);
    expect(r.code, r.out).toBe(0);
    console.log(r.out);
    expect(r.out).toMatch(/^credit-risk v1 on data\/production\.csv \(label "default"\)/);
    expect(r.out).toMatch(/group\s+rows\s+positives\s+selection rate\s+TPR\s+FPR\s+precision\s+mean score\s+observed\s+ECE/);
    expect(r.out).toMatch(/sex=F\s+[\d,]+\s+[\d,]+\s+0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]/);
    expect(r.out).toMatch(/demographic parity difference\s+0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]\s+max sex=F, min sex=M \(2 groups\)/);
    expect(r.out).toMatch(/equalized odds difference/);
  }, 90_000);

  it('--json parses: the demo’s disparity by sex, and intersections with a second attribute', async () => {
    const r = await cli(['credit-risk@champion', '--data', path.join(demoDir, 'data/train.csv'), '--sensitive', 'sex', '--json', '--bootstrap', '100']);
    expect(r.code, r.out).toBe(0);
    const rep = JSON.parse(r.out) as FairnessReport & { model: { name: string; version: string; digest: string }; label: string };
    expect(rep).toMatchObject({ model: { name: 'credit-risk', version: '1' }, label: 'default', attributes: ['sex'], rows: 20_000, threshold: 0.5 });
    expect(rep.model.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const [f, m] = rep.groups;
    expect([f!.key, m!.key]).toEqual(['sex=F', 'sex=M']);
    console.log(`demo fairness (train.csv, champion): selection F ${f!.selectionRate!.toFixed(3)} M ${m!.selectionRate!.toFixed(3)}, base F ${f!.calibration.observedRate!.toFixed(3)} M ${m!.calibration.observedRate!.toFixed(3)}, DPD ${rep.summary.demographicParityDifference.value!.toFixed(3)} ${JSON.stringify(rep.summary.demographicParityDifference.ci)}`);
    // The model never sees sex, yet flags women far more often (documented in resources/demo/generate.ts).
    expect(rep.summary.demographicParityDifference.value).toBeGreaterThan(0.08);
    expect(rep.summary.demographicParityDifference.ci![0]).toBeGreaterThan(0.06);
    expect(rep.summary.demographicParityRatio.value).toBeLessThan(0.3);
    expect(f!.size + m!.size).toBe(20_000);
    expect(f!.size / 20_000).toBeGreaterThan(0.4);
    expectPlainJson(rep);

    const two = await cli(['credit-risk@2', '--data', 'data/train.csv', '--project', demoDir, '--sensitive', 'sex', '--sensitive', 'home_ownership', '--json', '--bootstrap', '0']);
    expect(two.code, two.out).toBe(0);
    const rep2 = JSON.parse(two.out) as FairnessReport;
    expect(rep2.groups.map((g) => g.key)).toEqual(['sex=F & home_ownership=MORTGAGE', 'sex=F & home_ownership=OWN', 'sex=F & home_ownership=RENT', 'sex=M & home_ownership=MORTGAGE', 'sex=M & home_ownership=OWN', 'sex=M & home_ownership=RENT']);
    expect(rep2.groups.reduce((n, g) => n + g.size, 0)).toBe(20_000);
  }, 90_000);

  it('file@commit reads a committed dataset version; usage errors exit 2, refusals exit 1', async () => {
    const git = spawnSync('git', ['log', '--format=%H', '--', 'data/train.csv.mldesk'], { cwd: demoDir, encoding: 'utf8' });
    const first = git.stdout.trim().split('\n').at(-1)!;
    const at = await cli(['credit-risk@1', '--data', `data/train.csv@${first.slice(0, 8)}`, '--project', demoDir, '--sensitive', 'sex', '--json', '--bootstrap', '0']);
    // The first extract lacks num_delinquencies, a model input.
    expect(at.code, at.out).toBe(2);
    expect(at.out).toMatch(/lacks the model's input column num_delinquencies/);
    expect((await cli(['credit-risk@1', '--data', 'data/train.csv', '--project', demoDir])).code).toBe(2);
    expect((await cli(['credit-risk', '--data', 'data/train.csv', '--sensitive', 'sex'])).out).toMatch(/expected <model>@<version>/);
    const noCol = await cli(['credit-risk@1', '--data', 'data/train.csv', '--project', demoDir, '--sensitive', 'gender']);
    expect(noCol.code).toBe(2);
    expect(noCol.out).toMatch(/no column "gender"/);
    const tooMany = await cli(['credit-risk@1', '--data', 'data/train.csv', '--project', demoDir, '--sensitive', 'credit_score']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.out).toMatch(/"credit_score" has \d+ distinct values/);
    const noModel = await cli(['credit-risk@9', '--data', 'data/train.csv', '--project', demoDir, '--sensitive', 'sex']);
    expect(noModel.code).toBe(1);
    expect(noModel.out).toMatch(/credit-risk/);
    const noFile = await cli(['credit-risk@1', '--data', 'data/nope.csv', '--project', demoDir, '--sensitive', 'sex']);
    expect(noFile.code).toBe(1);
    expect(noFile.out).toMatch(/does not exist/);
  }, 120_000);
});
