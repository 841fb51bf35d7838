import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir, callOk } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { createDemoProject } from '../electron/core/projects/demo';
import { PSI_FLOOR, psi, type Expectations, type ValidationReport } from '../electron/core/data/validate';

const PSI = 'distribution shift (PSI)';

let s: Served;
let dataDir: string;
let dir: string;
let projectId: string;
const data = () => s.engine.data;
const demoFile = (rel: string) => path.join(dir, rel);

beforeAll(async () => {
  const root = tmpDir();
  dataDir = path.join(root, 'data');
  s = await startServer({ dataDir, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  const project = await createDemoProject(s.engine, path.join(root, 'demo'));
  dir = project.path;
  projectId = project.id;
}, 60_000);
afterAll(async () => {
  await s?.close();
});

const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
const psiChecks = (r: ValidationReport) => r.checks.filter((c) => c.name === PSI);
const check = (r: ValidationReport, name: string, column?: string) => r.checks.find((c) => c.name === name && c.column === column);

/** Debian's python3 (numpy) when there, else the one on PATH. */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Runs python asynchronously (the engine shares this process's event loop). */
function python(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

/**
 * Reference PSI in numpy, independent of the engine: the same bins (a value v falls in bin
 * #edges ≤ v, i.e. `searchsorted(..., side='right')`), shares of the non-missing values on both sides,
 * categories plus one "other" share, and the same 1e-4 floor on empty bins.
 */
const NUMPY_PSI = `
import csv, json, sys
import numpy as np
ref_file, cur_file, exp_file, floor = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def columns(f):
    with open(f, newline='', encoding='utf-8') as h:
        rows = list(csv.reader(h))
    return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}
ref, cur = columns(ref_file), columns(cur_file)
exp = json.load(open(exp_file))
def shares(values, drift):
    present = [v for v in values if v != '']
    if 'categories' in drift:
        n = len(present) or 1
        s = [sum(1 for v in present if v == c) / n for c in drift['categories']]
        return np.array(s + [max(0.0, 1.0 - sum(s))])
    edges = np.array(drift['bins'], dtype=float)
    idx = np.searchsorted(edges, np.array([float(v) for v in present]), side='right')
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    return counts / (counts.sum() or 1.0)
out = {}
for col in exp['columns']:
    d = col.get('drift')
    if not d or col['name'] not in cur:
        continue
    r = np.maximum(shares(ref[col['name']], d), floor)
    c = np.maximum(shares(cur[col['name']], d), floor)
    out[col['name']] = float(np.sum((c - r) * np.log(c / r)))
print(json.dumps(out))
`;

describe('PSI', () => {
  it('psi() is a pure function of two share vectors: identical shares score exactly 0; empty bins are floored at 1e-4', () => {
    expect(PSI_FLOOR).toBe(1e-4);
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(psi([0.5, 0.5, 0], [0.5, 0.5, 0])).toBe(0);
    // An empty current bin counts as 1e-4: (1e-4 − 0.5)·ln(1e-4 / 0.5) + (1 − 0.5)·ln(1 / 0.5).
    expect(psi([0.5, 0.5], [0, 1])).toBeCloseTo((1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2), 12);
    expect(psi([0.25, 0.75], [0.75, 0.25])).toBeCloseTo(psi([0.75, 0.25], [0.25, 0.75]), 12);
  });

  it('the demo train.csv against expectations inferred from itself: every PSI exactly 0, every check passes', async () => {
    const train = demoFile('data/train.csv');
    // Both the committed ones (what createDemoProject wrote) and a fresh inference.
    const committed = JSON.parse(fs.readFileSync(train + '.expectations.json', 'utf8')) as Expectations;
    for (const exp of [committed, await data().inferFromFile(train)]) {
      const report = await data().validateFile(train, exp);
      const drift = psiChecks(report);
      expect(drift.map((c) => c.column)).toEqual(exp.columns.filter((c) => c.drift).map((c) => c.name));
      expect(drift.length).toBeGreaterThan(10);
      // income and employment_years have ~1.5 % missing values: missing is not a bin, so they score 0 too.
      for (const c of drift) expect({ column: c.column, psi: c.observed }).toEqual({ column: c.column, psi: 0 });
      expect(report.checks.filter((c) => !c.passed)).toEqual([]);
      expect(report.passed).toBe(true);
    }
  });

  it('only the missing share changes: the missing-values check reports it, the PSI of the non-missing values stays 0', async () => {
    const w = tmpDir();
    const n = 1000;
    // x: 2 % missing in the reference; z: none. Categories in c.
    const row = (i: number, blank: boolean) => `${i % 37},${blank || i % 50 === 7 ? '' : ((i * 7919) % 1000) / 10},${(i * 31) % 17},${['a', 'b', 'c'][i % 3]}`;
    const header = 'k,x,z,c';
    const ref = path.join(w, 'ref.csv');
    fs.writeFileSync(ref, [header, ...Array.from({ length: n }, (_, i) => row(i, false))].join('\n') + '\n');
    // The batch: every reference row, plus the same rows again with x missing — x's non-missing values keep their
    // distribution exactly, its missing share goes 2 % → 51 %; every other column's shares are unchanged.
    const cur = path.join(w, 'cur.csv');
    fs.writeFileSync(cur, [header, ...Array.from({ length: n }, (_, i) => row(i, false)), ...Array.from({ length: n }, (_, i) => row(i, true))].join('\n') + '\n');
    const exp = await data().inferFromFile(ref);
    const report = await data().validateFile(cur, exp, { rowCount: 'batch' });
    for (const c of psiChecks(report)) expect({ column: c.column, psi: c.observed }).toEqual({ column: c.column, psi: 0 });
    const missing = check(report, 'missing values', 'x')!;
    expect(missing.passed).toBe(false);
    expect(missing.observed).toBeCloseTo(0.51, 12);
    expect(missing.message).toMatch(/51\.00 % missing \(reference 2\.00 %, allowed 5\.00 %\)/);
    // The drift check says what changed besides the distribution.
    expect(check(report, PSI, 'x')!.message).toMatch(/missing 2\.00 % → 51\.00 %/);
    expect(report.checks.filter((c) => !c.passed).map((c) => `${c.column}: ${c.name}`)).toEqual(['x: missing values']);

    // A column with no missing values in the reference: any missing value fails it; its PSI is still 0.
    const cur2 = path.join(w, 'cur2.csv');
    const lines = fs.readFileSync(ref, 'utf8').trimEnd().split('\n');
    fs.writeFileSync(cur2, [...lines, ...lines.slice(1).map((l) => l.split(',').map((v, j) => (j === 2 ? '' : v)).join(','))].join('\n') + '\n');
    const r2 = await data().validateFile(cur2, exp, { rowCount: 'batch' });
    expect(check(r2, 'missing values', 'z')).toMatchObject({ passed: false, observed: 0.5 });
    expect(check(r2, PSI, 'z')!.observed).toBe(0);
  });

  it('PSI on the drifted production.csv matches a numpy reference (same bins, same 1e-4 floor)', async () => {
    const train = demoFile('data/train.csv');
    const production = demoFile('data/production.csv');
    const expFile = train + '.expectations.json';
    const exp = JSON.parse(fs.readFileSync(expFile, 'utf8')) as Expectations;
    const report = await data().validateFile(production, exp);
    const ours = Object.fromEntries(psiChecks(report).map((c) => [c.column!, c.observed as number]));
    const theirs = JSON.parse(await python(NUMPY_PSI, [train, production, expFile, String(PSI_FLOOR)])) as Record<string, number>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const [col, v] of Object.entries(theirs)) expect({ col, psi: ours[col] }).toEqual({ col, psi: expect.closeTo(v, 10) });
    // The shift is real: the drifted columns are well above the 0.2 threshold, in both implementations.
    const drift = JSON.parse(fs.readFileSync(demoFile('data/drift.json'), 'utf8')) as { drifted: string[] };
    for (const col of drift.drifted) expect(theirs[col], col).toBeGreaterThan(0.2);
    // And numpy agrees the file against itself scores 0 everywhere.
    const self = JSON.parse(await python(NUMPY_PSI, [train, train, expFile, String(PSI_FLOOR)])) as Record<string, number>;
    for (const v of Object.values(self)) expect(v).toBe(0);
  });
});

describe('validation against a reference', () => {
  it('a batch with no expectations of its own is checked against the training reference; no row-count band', async () => {
    const ref = await call<{ reference: string | null; rule: string }>('data.reference', { projectId, path: 'data/production.csv' });
    expect(ref).toMatchObject({ reference: 'data/train.csv', rule: 'training' });
    const report = await call<ValidationReport>('data.validate', { target: { projectId, path: 'data/production.csv' } });
    expect(report.against).toMatchObject({ reference: 'data/train.csv', rule: 'training', source: 'committed', rowCount: 'batch' });
    expect(report.passed).toBe(false);
    // It fails for real reasons (drift), never for having fewer rows than the training set.
    expect(report.checks.filter((c) => c.name === 'row count')).toEqual([]);
    const drift = JSON.parse(fs.readFileSync(demoFile('data/drift.json'), 'utf8')) as { drifted: string[]; stable: string[] };
    expect(report.checks.filter((c) => c.name === PSI && !c.passed).map((c) => c.column)).toEqual(expect.arrayContaining(drift.drifted));
    expect(report.checks.filter((c) => c.name === PSI && c.passed).map((c) => c.column)).toEqual(expect.arrayContaining(drift.stable));
  });

  it('a dataset with its own expectations is checked against them, row-count band included', async () => {
    expect(await call('data.reference', { projectId, path: 'data/train.csv' })).toMatchObject({ reference: 'data/train.csv', rule: 'own' });
    const report = await call<ValidationReport>('data.validate', { target: { projectId, path: 'data/train.csv' } });
    expect(report.against).toMatchObject({ reference: 'data/train.csv', rule: 'own', rowCount: 'band' });
    expect(check(report, 'row count')).toMatchObject({ passed: true });
    expect(report.passed).toBe(true);
  });

  it('a batch minimum row count, when set, is checked for batches', async () => {
    const exp = JSON.parse(fs.readFileSync(demoFile('data/train.csv.expectations.json'), 'utf8')) as Expectations;
    const report = await call<ValidationReport>('data.validate', { target: { projectId, path: 'data/production.csv' }, expectations: { ...exp, rows: { ...exp.rows, batchMin: 6000 } }, rowCount: 'batch' });
    expect(check(report, 'row count')).toMatchObject({ passed: false, observed: 5000 });
    expect(check(report, 'row count')!.message).toMatch(/at least 6000/);
  });

  it('mldesk data validate <batch> uses the training reference; --reference uses that dataset’s committed expectations', async () => {
    const prod = demoFile('data/production.csv');
    const r = await runCli(['data', 'validate', prod, '--json', '--data-dir', dataDir]);
    expect(r.code, r.out).toBe(1);
    const report = JSON.parse(r.out) as ValidationReport;
    expect(report.against).toMatchObject({ reference: 'data/train.csv', rule: 'training', rowCount: 'batch' });
    expect(report.checks.some((c) => c.name === 'row count')).toBe(false);
    const text = await runCli(['data', 'validate', prod, '--data-dir', dataDir]);
    expect(text.out).toMatch(/against data\/train\.csv/);

    // --reference: the reference's committed expectations (edited here: credit_score may drift up to 5), not a re-inference.
    const expFile = demoFile('data/train.csv.expectations.json');
    const original = fs.readFileSync(expFile, 'utf8');
    try {
      const exp = JSON.parse(original) as Expectations;
      const cs = exp.columns.find((c) => c.name === 'credit_score')!;
      cs.drift = { ...cs.drift!, psiMax: 5 };
      fs.writeFileSync(expFile, JSON.stringify(exp));
      const withRef = await runCli(['data', 'validate', prod, '--reference', demoFile('data/train.csv'), '--json', '--data-dir', dataDir]);
      const rep = JSON.parse(withRef.out) as ValidationReport;
      expect(rep.against).toMatchObject({ reference: 'data/train.csv', rule: 'explicit', source: 'committed', rowCount: 'batch' });
      expect(check(rep, PSI, 'credit_score')).toMatchObject({ passed: true, expected: 5 });
    } finally {
      fs.writeFileSync(expFile, original);
    }
  }, 60_000);

  it('a declaration next to the batch (`{"reference": …}`) names its reference', async () => {
    // A second dataset with expectations: the holdout slice of train.csv.
    const lines = fs.readFileSync(demoFile('data/train.csv'), 'utf8').split('\r\n');
    fs.writeFileSync(demoFile('data/holdout.csv'), lines.slice(0, 3001).join('\r\n') + '\r\n');
    await call('data.add', { projectId, path: 'data/holdout.csv' });
    const inferred = await call<{ expectations: Expectations }>('data.expectations', { projectId, path: 'data/holdout.csv' });
    await call('data.saveExpectations', { projectId, path: 'data/holdout.csv', expectations: inferred.expectations });
    // No run used either yet: the larger reference (train.csv) stays the training reference.
    expect(await call('data.reference', { projectId, path: 'data/production.csv' })).toMatchObject({ reference: 'data/train.csv', rule: 'training' });

    const decl = demoFile('data/production.csv.expectations.json');
    fs.writeFileSync(decl, JSON.stringify({ reference: 'data/holdout.csv' }));
    try {
      expect(await call('data.reference', { projectId, path: 'data/production.csv' })).toMatchObject({ reference: 'data/holdout.csv', rule: 'declared' });
      const report = await call<ValidationReport>('data.validate', { target: { projectId, path: 'data/production.csv' } });
      expect(report.against).toMatchObject({ reference: 'data/holdout.csv', rule: 'declared', rowCount: 'batch' });
      const cli = await runCli(['data', 'validate', demoFile('data/production.csv'), '--json', '--data-dir', dataDir]);
      expect((JSON.parse(cli.out) as ValidationReport).against).toMatchObject({ reference: 'data/holdout.csv', rule: 'declared' });
      // A declaration that points at itself (or in a circle) is refused with a clear message.
      fs.writeFileSync(decl, JSON.stringify({ reference: 'data/production.csv' }));
      await expect(call('data.validate', { target: { projectId, path: 'data/production.csv' } })).rejects.toThrow(/circular|itself/);
    } finally {
      fs.rmSync(decl);
    }
  }, 60_000);

  it('without a declaration, the dataset with expectations that runs used most recently is the training reference', async () => {
    const launched = await s.engine.launcher.start({ command: [process.execPath, '-e', '0', '--', 'data/holdout.csv'], projectId, params: {}, env: {} });
    await s.engine.launcher.wait(launched.runId);
    expect(await call('data.reference', { projectId, path: 'data/production.csv' })).toMatchObject({ reference: 'data/holdout.csv', rule: 'training' });
    const again = await s.engine.launcher.start({ command: [process.execPath, '-e', '0', '--', '--data=data/train.csv'], projectId, params: {}, env: {} });
    await s.engine.launcher.wait(again.runId);
    expect(await call('data.reference', { projectId, path: 'data/production.csv' })).toMatchObject({ reference: 'data/train.csv', rule: 'training' });
  }, 30_000);

  it('a file outside any project without expectations says how to give some', async () => {
    const w = tmpDir();
    const f = path.join(w, 'lonely.csv');
    fs.writeFileSync(f, 'a,b\n1,2\n');
    const r = await runCli(['data', 'validate', f, '--data-dir', dataDir]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/--reference/);
  });
});
