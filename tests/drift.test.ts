import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir } from './helpers';
import { Engine } from '../electron/core/engine';
import { createDemoProject } from '../electron/core/projects/demo';
import { datasetVersions } from '../electron/core/data/versions';
import { parseCsvColumns } from '../electron/core/data/csvColumns';
import { datasetDrift, driftFiles } from '../electron/core/monitor/batch';
import {
  autoMethod,
  categoricalValues,
  chi2Sf,
  columnDrift,
  compareTables,
  jensenShannon,
  ks2samp,
  kstwoSf,
  normTwoSided,
  numericValues,
  psi as driftPsi,
  psiNumeric,
  sortedCopy,
  sturgesEdges,
  histogramSorted,
  wassersteinNorm,
  type ColumnTable,
  type ColumnValues,
} from '../electron/core/monitor/drift';
import { psi as validatePsi } from '../electron/core/data/validate';
import { driftReport, type ColumnDrift, type DriftReport } from '../shared/contract/monitor';
import type { MldeskError } from '../shared/contract/errors';

/** Debian's python3 (numpy, scipy, pandas) when there, else the one on PATH. */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const TOL = 1e-6;

function python(script: string, input: unknown): Promise<unknown> {
  const dir = tmpDir('mldesk-drift-py-');
  const file = path.join(dir, 'in.json');
  fs.writeFileSync(file, JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, ['-c', script, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

/** Seeded uniform [0, 1) and standard normal draws. */
function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
  const normal = () => {
    let x = 0;
    while (x === 0) x = u();
    return Math.sqrt(-2 * Math.log(x)) * Math.cos(2 * Math.PI * u());
  };
  return { u, normal };
}

const sorted = (xs: number[]) => sortedCopy(Float64Array.from(xs.filter((x) => Number.isFinite(x))));

// ---------------------------------------------------------------------------------------------------------

describe('special functions match scipy', () => {
  it('kstwo.sf, chi2.sf and the two-sided normal p-value, over grids', async () => {
    const ks: Array<[number, number]> = [];
    for (const n of [1, 2, 3, 7, 20, 100, 140, 141, 500, 2000, 10_000, 100_000, 100_001, 250_000, 500_000]) {
      for (const k of [0.2, 0.5, 0.8, 1, 1.3, 1.7, 2.2, 3, 5]) ks.push([n, Math.min(1, k / Math.sqrt(n))]);
      for (const x of [0.5 / n, 1 / n, 0.3, 0.5, 0.75, 0.99]) ks.push([n, Math.min(1, x)]);
    }
    const chi: Array<[number, number]> = [];
    for (const df of [1, 2, 3, 4, 9, 30, 200, 5000]) for (const f of [0, 0.01, 0.3, 0.9, 1, 1.2, 2, 4]) chi.push([df, df * f]);
    const z = [0, 0.1, -0.5, 1, 1.959963984540054, -2.5, 4, 7.5, -12, 40];
    const want = (await python(
      `
import json, sys
from scipy import stats
d = json.load(open(sys.argv[1]))
print(json.dumps({
  'ks': [float(stats.kstwo.sf(x, n)) for n, x in d['ks']],
  'chi': [float(stats.chi2.sf(x, df)) for df, x in d['chi']],
  'z': [float(2 * stats.norm.sf(abs(v))) for v in d['z']],
}))`,
      { ks, chi, z },
    )) as { ks: number[]; chi: number[]; z: number[] };
    let worst = 0;
    ks.forEach(([n, x], i) => {
      const d = Math.abs(kstwoSf(x, n) - want.ks[i]!);
      worst = Math.max(worst, d);
      expect(d, `kstwo.sf(${x}, ${n})`).toBeLessThan(1e-9);
    });
    chi.forEach(([df, x], i) => expect(Math.abs(chi2Sf(x, df) - want.chi[i]!), `chi2.sf(${x}, ${df})`).toBeLessThan(1e-10));
    z.forEach((v, i) => expect(Math.abs(normTwoSided(v) - want.z[i]!), `z ${v}`).toBeLessThan(1e-12));
    expect(worst).toBeLessThan(1e-9);
    if (process.env.MLDESK_DRIFT_TEST_VERBOSE) console.log(`kstwo.sf: largest difference from scipy ${worst}`);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------

interface NumFixture {
  name: string;
  ref: number[];
  cur: number[];
}

function numericFixtures(): NumFixture[] {
  const r = rng(7);
  const normal = (n: number, mu = 0, sd = 1) => Array.from({ length: n }, () => mu + sd * r.normal());
  const ints = (n: number, hi: number, shift = 0) => Array.from({ length: n }, () => Math.floor(r.u() * hi + shift * r.u()));
  return [
    { name: 'small normal, shifted', ref: normal(30), cur: normal(40, 0.5) },
    { name: 'ties (integers)', ref: ints(200, 10), cur: ints(150, 10, 2) },
    { name: 'heavy ties (3 values)', ref: ints(300, 3), cur: ints(280, 3) },
    { name: 'constant, same value', ref: Array(50).fill(5), cur: Array(40).fill(5) },
    { name: 'constant, different values', ref: Array(50).fill(5), cur: Array(40).fill(7) },
    { name: 'a single row each', ref: [1.5], cur: [2.5] },
    { name: 'a single current row', ref: normal(30), cur: [0.25] },
    { name: 'missing values (NaN)', ref: [...normal(60), NaN, NaN, NaN], cur: [NaN, ...normal(45, 0.2), NaN] },
    { name: 'negative, zero and -0', ref: [-3, -0, 0, 0, 1e-300, -2.5, 7, 8, 9, 10, 11, 12], cur: [0, -0, -1, 4, 5, 5, 6, 100, -100, 3] },
    { name: 'exact, unequal sizes', ref: normal(500), cur: normal(700, 0.12) },
    { name: 'exact, equal sizes', ref: normal(800), cur: normal(800, 0.1) },
    { name: 'exact at the 10000 limit', ref: normal(10_000), cur: normal(10_000, 0.02) },
    { name: 'asymptotic, no drift', ref: normal(20_000), cur: normal(15_000) },
    { name: 'asymptotic, small drift', ref: normal(20_000, 0, 2), cur: normal(25_000, 0.05, 2) },
    { name: 'asymptotic, large drift', ref: normal(50_000), cur: normal(40_000, 0.3) },
    { name: 'large with ties', ref: ints(30_000, 50), cur: ints(30_000, 50, 1) },
  ];
}

describe('numeric statistics match scipy on fixtures', () => {
  it('ks_2samp (statistic and p-value), wasserstein_distance / std, PSI and Jensen–Shannon', async () => {
    const fx = numericFixtures();
    const want = (await python(
      `
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial import distance
out = []
for f in json.load(open(sys.argv[1])):
    a = np.array([np.nan if v is None else v for v in f['ref']], dtype=float); a = a[~np.isnan(a)]
    b = np.array([np.nan if v is None else v for v in f['cur']], dtype=float); b = b[~np.isnan(b)]
    ks = stats.ks_2samp(a, b)
    w = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    edges = np.quantile(a, np.arange(1, 10) / 10)
    ra = np.bincount(np.searchsorted(edges, a, side='right'), minlength=10) / len(a)
    rb = np.bincount(np.searchsorted(edges, b, side='right'), minlength=10) / len(b)
    ra = np.maximum(ra, 1e-4); rb = np.maximum(rb, 1e-4)
    psi = float(np.sum((rb - ra) * np.log(rb / ra)))
    bins = np.histogram_bin_edges(np.concatenate([a, b]), bins='sturges')
    js = float(distance.jensenshannon(np.histogram(a, bins)[0] / len(a), np.histogram(b, bins)[0] / len(b), 2))
    out.append({'ks': float(ks.statistic), 'p': float(ks.pvalue), 'w': float(w), 'psi': psi, 'js': js})
print(json.dumps(out))`,
      fx.map((f) => ({ ...f, ref: f.ref.map((v) => (Number.isNaN(v) ? null : v)), cur: f.cur.map((v) => (Number.isNaN(v) ? null : v)) })),
    )) as Array<{ ks: number; p: number; w: number; psi: number; js: number }>;
    let worst = 0;
    fx.forEach((f, i) => {
      const a = sorted(f.ref);
      const b = sorted(f.cur);
      const w = want[i]!;
      const ks = ks2samp(a, b);
      const edges = sturgesEdges(a, b);
      const got = { ks: ks.statistic, p: ks.pValue, w: wassersteinNorm(a, b).distance, psi: psiNumeric(a, b).psi, js: jensenShannon(histogramSorted(a, edges), histogramSorted(b, edges)) };
      for (const k of ['ks', 'p', 'w', 'psi', 'js'] as const) {
        const d = Math.abs(got[k] - w[k]);
        worst = Math.max(worst, d);
        expect(d, `${f.name}: ${k} = ${got[k]}, scipy ${w[k]}`).toBeLessThanOrEqual(TOL);
      }
    });
    expect(worst).toBeLessThan(1e-9);
    if (process.env.MLDESK_DRIFT_TEST_VERBOSE) console.log(`numeric fixtures: largest difference from scipy ${worst}`);
  }, 120_000);
});

interface CatFixture {
  name: string;
  ref: Record<string, number>;
  cur: Record<string, number>;
}

const CAT_FIXTURES: CatFixture[] = [
  { name: 'three categories', ref: { a: 50, b: 30, c: 20 }, cur: { a: 40, b: 35, c: 25 } },
  { name: 'many categories, shifted', ref: { a: 120, b: 80, c: 60, d: 30, e: 10 }, cur: { a: 60, b: 60, c: 60, d: 50, e: 30 } },
  { name: 'an unseen category', ref: { a: 50, b: 50 }, cur: { a: 30, b: 30, z: 5 } },
  { name: 'a category gone from the current', ref: { a: 40, b: 40, c: 20 }, cur: { a: 50, b: 50 } },
  { name: 'binary', ref: { yes: 70, no: 30 }, cur: { yes: 55, no: 45 } },
  { name: 'binary, same shares', ref: { '0': 500, '1': 500 }, cur: { '0': 250, '1': 250 } },
  { name: 'one category, both sides', ref: { x: 10 }, cur: { x: 3 } },
  { name: 'disjoint binary', ref: { a: 10 }, cur: { b: 10 } },
];

describe('categorical statistics match scipy (Evidently’s definitions)', () => {
  it('chi-squared, Z-test, Jensen–Shannon and PSI', async () => {
    const want = (await python(
      `
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial import distance
out = []
for f in json.load(open(sys.argv[1])):
    keys = sorted(set(f['ref']) | set(f['cur']))
    r = np.array([f['ref'].get(k, 0) for k in keys], dtype=float); c = np.array([f['cur'].get(k, 0) for k in keys], dtype=float)
    nr, nc = r.sum(), c.sum()
    with np.errstate(divide='ignore', invalid='ignore'):
        chi = stats.chisquare(c, r * nc / nr) if len(keys) > 1 else None
    # Evidently's z_stat_test: the first sorted key is 0, the others 1.
    if len(f['ref']) == 1 and len(f['cur']) == 1 and list(f['ref'])[0] == list(f['cur'])[0]:
        zp = 1.0
    else:
        p1 = (nr - r[0]) / nr; p2 = (nc - c[0]) / nc; P = (p1 * nr + p2 * nc) / (nr + nc)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / nr + 1 / nc))
        zp = float(2 * (1 - stats.norm.cdf(abs(z))))
    js = float(distance.jensenshannon(r / nr, c / nc, 2))
    ra = np.maximum(r / nr, 1e-4); rc = np.maximum(c / nc, 1e-4)
    psi = float(np.sum((rc - ra) * np.log(rc / ra)))
    out.append({'chi_p': None if chi is None else float(chi.pvalue), 'chi': None if chi is None or not np.isfinite(chi.statistic) else float(chi.statistic), 'z_p': zp, 'js': js, 'psi': psi})
print(json.dumps(out))`,
      CAT_FIXTURES,
    )) as Array<{ chi_p: number | null; chi: number | null; z_p: number; js: number; psi: number }>;
    const values = (counts: Record<string, number>) => categoricalValues(Object.entries(counts).flatMap(([k, n]) => Array<string>(n).fill(k)));
    let worst = 0;
    CAT_FIXTURES.forEach((f, i) => {
      const w = want[i]!;
      const chi = columnDrift('c', values(f.ref), values(f.cur), { method: 'chisquare' }, { allStatistics: true });
      const s = chi.statistics!;
      const close = (got: number | null | undefined, exp: number | null, what: string) => {
        if (exp === null) return;
        expect(got, `${f.name}: ${what}`).not.toBeNull();
        worst = Math.max(worst, Math.abs(got! - exp));
        expect(Math.abs(got! - exp), `${f.name}: ${what} = ${got}, scipy ${exp}`).toBeLessThanOrEqual(TOL);
      };
      if (Object.keys({ ...f.ref, ...f.cur }).length > 1) close(s.chisquare!.pValue, w.chi_p, 'chi-squared p');
      close(s.chisquare!.statistic, w.chi, 'chi-squared statistic');
      close(s.ztest!.pValue, w.z_p, 'Z-test p');
      close(s.jensenshannon!.statistic, w.js, 'Jensen–Shannon');
      close(s.psi!.statistic, w.psi, 'PSI');
      close(chi.psi, w.psi, 'reported PSI');
    });
    if (process.env.MLDESK_DRIFT_TEST_VERBOSE) console.log(`categorical fixtures: largest difference from scipy ${worst}`);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('the drift engine', () => {
  const r = rng(11);
  const normal = (n: number, mu = 0) => numericValues(Array.from({ length: n }, () => mu + r.normal()));
  const cats = (n: number, k: number) => categoricalValues(Array.from({ length: n }, () => `c${Math.floor(r.u() * k)}`));

  it('chooses the method as Evidently does', () => {
    expect(autoMethod('numeric', 1000, 6)).toBe('ks');
    expect(autoMethod('numeric', 1000, 5)).toBe('chisquare');
    expect(autoMethod('numeric', 1000, 2)).toBe('ztest');
    expect(autoMethod('categorical', 1000, 3)).toBe('chisquare');
    expect(autoMethod('categorical', 1000, 2)).toBe('ztest');
    expect(autoMethod('numeric', 1001, 6)).toBe('wasserstein');
    expect(autoMethod('numeric', 1001, 5)).toBe('jensenshannon');
    expect(autoMethod('categorical', 1001, 40)).toBe('jensenshannon');
    const small = columnDrift('x', normal(1000), normal(300));
    expect([small.method, small.kind, small.threshold, small.pValue !== null]).toEqual(['ks', 'numeric', 0.05, true]);
    const big = columnDrift('x', normal(1001), normal(300));
    expect([big.method, big.kind, big.threshold, big.pValue]).toEqual(['wasserstein', 'numeric', 0.1, null]);
    expect(columnDrift('c', cats(500, 4), cats(200, 4)).method).toBe('chisquare');
    expect(columnDrift('c', cats(500, 2), cats(200, 2))).toMatchObject({ method: 'ztest', kind: 'binary' });
    expect(columnDrift('c', cats(5000, 7), cats(200, 7))).toMatchObject({ method: 'jensenshannon', kind: 'categorical' });
    // Numbers with few values are tested as categories.
    const few = (n: number) => numericValues(Array.from({ length: n }, () => Math.floor(r.u() * 4)));
    expect(columnDrift('n', few(800), few(300))).toMatchObject({ method: 'chisquare', kind: 'categorical' });
    expect(columnDrift('n', few(8000), few(300))).toMatchObject({ method: 'jensenshannon', kind: 'categorical' });
    // PSI is always there.
    for (const c of [small, big]) expect(c.psi).toBeTypeOf('number');
  });

  it('verdicts: p below the threshold for tests, distance at or above it', () => {
    const same = columnDrift('x', normal(800), normal(800));
    const moved = columnDrift('x', normal(800), normal(800, 1));
    expect(same.drifted).toBe(false);
    expect(moved.drifted).toBe(true);
    expect(moved.pValue!).toBeLessThan(0.05);
    const far = columnDrift('x', normal(5000), normal(5000, 1));
    expect(far.statistic!).toBeGreaterThanOrEqual(0.1);
    expect(far.drifted).toBe(true);
  });

  it('per-column overrides: method and threshold, and clear errors for ones that do not apply', () => {
    const a = normal(3000);
    const b = normal(3000, 0.05);
    const ks = columnDrift('x', a, b, { method: 'ks' });
    expect(ks.method).toBe('ks');
    expect(ks.threshold).toBe(0.05);
    const strict = columnDrift('x', a, b, { method: 'wasserstein', threshold: 0.01 });
    expect([strict.method, strict.threshold, strict.drifted]).toEqual(['wasserstein', 0.01, true]);
    const lax = columnDrift('x', a, b, { threshold: 0.5 });
    expect([lax.method, lax.threshold, lax.drifted]).toEqual(['wasserstein', 0.5, false]);
    expect(columnDrift('x', a, b, { method: 'psi' })).toMatchObject({ method: 'psi', threshold: 0.1 });
    expect(() => columnDrift('city', cats(100, 3), cats(100, 3), { method: 'ks' })).toThrow(/city.*ks needs numbers/);
    const t = (values: ColumnValues): ColumnTable => ({ source: 's', rows: 100, columns: [{ name: 'x', values }] });
    expect(() => compareTables(t(normal(100)), t(normal(100)), { columns: { nope: { method: 'ks' } } })).toThrow(/"nope": no such column/);
    const r2 = compareTables(t(normal(100)), t(normal(100)), { columns: { x: { method: 'wasserstein', threshold: 2 } } });
    expect(r2.columns[0]).toMatchObject({ method: 'wasserstein', threshold: 2 });
  });

  it('counts missing values and unseen categories, and never drops them silently', () => {
    const ref = categoricalValues(['a', 'b', null, 'a', '', 'b', 'a']);
    const cur = categoricalValues(['a', 'z', 'z', 'y', null, null, null]);
    const c = columnDrift('c', ref, cur);
    expect(c.missing).toEqual({ reference: 2, current: 3 });
    expect(c.rows).toEqual({ reference: 7, current: 7 });
    expect(c.unseen).toEqual({ rows: 3, values: ['z', 'y'] });
    expect(c.distribution!.categories).toEqual(['a', 'b', 'z', 'y']);
    const n = columnDrift('n', numericValues([1, 2, NaN, Infinity, 3, 4, 5, 6, 7]), numericValues([null, 1, 2, 3, 4, 5, 6, 7, -Infinity]));
    expect(n.missing).toEqual({ reference: 2, current: 2 });
  });

  it('constant columns, all-missing columns, a single row and empty windows do not crash', () => {
    const constant = columnDrift('k', numericValues(Array(30).fill(4)), numericValues(Array(20).fill(4)));
    expect([constant.kind, constant.method, constant.pValue, constant.drifted]).toEqual(['binary', 'ztest', 1, false]);
    const allMissing = columnDrift('m', numericValues([NaN, NaN]), numericValues([1, 2, 3]));
    expect(allMissing).toMatchObject({ statistic: null, pValue: null, drifted: false, psi: null });
    expect(allMissing.note).toMatch(/no values in the reference/);
    const empty = columnDrift('e', numericValues([1, 2, 3]), numericValues([]));
    expect(empty.note).toMatch(/no values in the current/);
    const one = columnDrift('s', numericValues([1.5]), numericValues([2.5]));
    expect(one).toMatchObject({ method: 'ztest', drifted: false }); // one value each: p ≈ 0.16
    expect(Number.isFinite(one.pValue!)).toBe(true);
    const bothEmpty = compareTables({ source: 'r', rows: 0, columns: [{ name: 'x', values: numericValues([]) }] }, { source: 'c', rows: 0, columns: [{ name: 'x', values: categoricalValues([]) }] });
    expect(bothEmpty).toMatchObject({ driftedColumns: 0, driftShare: 0, datasetDrift: false });
    expect(() => driftReport.parse(bothEmpty)).not.toThrow();
  });

  it('identifiers are reported, not tested; the dataset verdict is the share of tested columns', () => {
    const ids = (from: number, n: number) => categoricalValues(Array.from({ length: n }, (_, i) => `C${from + i}`));
    const c = columnDrift('customer_id', ids(0, 200), ids(200, 100));
    expect(c.note).toMatch(/identifier/);
    expect(c.unseen.rows).toBe(100);
    const table = (cols: Array<[string, ColumnValues]>): ColumnTable => ({ source: 't', rows: 300, columns: cols.map(([name, values]) => ({ name, values })) });
    const rep = compareTables(
      table([['id', ids(0, 300)], ['a', normal(300)], ['b', normal(300)]]),
      table([['id', ids(300, 300)], ['a', normal(300, 2)], ['b', normal(300)]]),
    );
    expect(rep.driftedColumns).toBe(1);
    expect(rep.driftShare).toBe(0.5);
    expect(rep.datasetDrift).toBe(true); // ≥ 0.5
  });

  it('sorts doubles as Float64Array#sort does (radix on the high word, runs by the low word)', () => {
    const n = 50_000;
    const sets = [
      Array.from({ length: n }, () => r.normal() * 10 + 50),
      Array.from({ length: n }, () => Math.round(r.normal() * 1e4) / 1e4),
      Array.from({ length: n }, () => Math.floor(r.u() * 40) - 20),
      Array.from({ length: n }, () => 1 + r.u() * 1e-9), // one long run of equal high words
      Array.from({ length: n }, () => (r.u() - 0.5) * Math.exp(r.u() * 80 - 40)),
      Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -1e-300)),
      Array(n).fill(7),
    ];
    for (const xs of sets) {
      const a = Float64Array.from(xs);
      const got = sortedCopy(a);
      const want = a.slice().sort();
      expect(got.length).toBe(n);
      expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
    }
  });

  it('one PSI: data validation uses the drift engine’s', () => {
    expect(validatePsi).toBe(driftPsi);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('batch drift on files', () => {
  let engine: Engine;
  let demoDir: string;
  let projectId: string;
  let work: string;
  const data = () => engine.data;
  const f = (file: string) => ({ file, label: path.basename(file) });

  beforeAll(async () => {
    const root = tmpDir('mldesk-drift-');
    work = path.join(root, 'work');
    fs.mkdirSync(work);
    engine = new Engine({ dataDir: path.join(root, 'data'), host: 'web' });
    const project = await createDemoProject(engine, path.join(root, 'demo'));
    demoDir = project.path;
    projectId = project.id;
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
  });

  const demoFile = (rel: string) => path.join(demoDir, rel);

  it('the demo’s production batch drifts in exactly the drifted features', async () => {
    const truth = JSON.parse(fs.readFileSync(demoFile('data/drift.json'), 'utf8')) as { drifted: string[]; stable: string[]; downstream: string[] };
    const r = await driftFiles(data(), f(demoFile('data/train.csv')), f(demoFile('data/production.csv')));
    expect(() => driftReport.parse(r)).not.toThrow();
    const flagged = r.columns.filter((c) => c.drifted).map((c) => c.column);
    // Every drifted feature is flagged, no stable one is; the rest are the downstream columns computed from the
    // drifted ones (their distributions move too, drift.json says so).
    for (const c of truth.drifted) expect(flagged, c).toContain(c);
    for (const c of truth.stable) expect(flagged, c).not.toContain(c);
    for (const c of flagged) expect([...truth.drifted, ...truth.downstream], c).toContain(c);
    expect(flagged).toEqual(['income', 'interest_rate', 'credit_score', 'debt_to_income', 'purpose', 'default']);
    // 20,000 reference rows: Wasserstein (numeric) and Jensen–Shannon (categorical); the id is not tested.
    expect(r.columns.find((c) => c.column === 'income')).toMatchObject({ method: 'wasserstein', kind: 'numeric' });
    expect(r.columns.find((c) => c.column === 'purpose')).toMatchObject({ method: 'jensenshannon', kind: 'categorical' });
    expect(r.columns.find((c) => c.column === 'customer_id')!.note).toMatch(/identifier/);
    // Missing incomes: 1.5 % → 6 % of the rows, counted on both sides.
    const income = r.columns.find((c) => c.column === 'income')!;
    expect(income.missing.reference / income.rows.reference).toBeCloseTo(0.015, 2);
    expect(income.missing.current / income.rows.current).toBeCloseTo(0.06, 1);
    // The verdict follows the rule: 6 of the 15 tested columns (40 %) is under the 50 % share.
    expect([r.driftedColumns, r.columns.length - 1]).toEqual([6, 15]);
    expect(r.datasetDrift).toBe(r.driftShare >= 0.5);
  }, 60_000);

  it('the demo’s first 1,000 rows as the reference: the tests (KS, chi-squared, Z) flag the drifted features', async () => {
    const head = fs.readFileSync(demoFile('data/train.csv'), 'utf8').split('\r\n').slice(0, 1001).join('\r\n') + '\r\n';
    const ref = path.join(work, 'train-1000.csv');
    fs.writeFileSync(ref, head);
    const r = await driftFiles(data(), f(ref), f(demoFile('data/production.csv')));
    const by = (c: string) => r.columns.find((x) => x.column === c)!;
    expect(by('income')).toMatchObject({ method: 'ks', drifted: true });
    expect(by('credit_score')).toMatchObject({ method: 'ks', drifted: true });
    expect(by('purpose')).toMatchObject({ method: 'chisquare', drifted: true });
    expect(by('default')).toMatchObject({ method: 'ztest', kind: 'binary' });
    for (const c of ['age', 'employment_years', 'num_open_accounts']) expect(by(c).drifted, c).toBe(false);
    // Evidently's chi-squared tests the current counts against the reference's shares taken as exact: with 1,000
    // reference rows against 5,000 current ones, the reference's own sampling noise reads as drift (scipy agrees:
    // region p ≈ 0.0097, home_ownership p ≈ 0.0009). The values are still scipy's.
    expect(by('region').pValue!).toBeCloseTo(0.00968346454527357, 12);
  });

  it('20 samples drawn from the reference itself raise no more false alarms than the thresholds imply', async () => {
    const text = fs.readFileSync(demoFile('data/train.csv'), 'utf8').trimEnd().split('\r\n');
    const [header, ...rows] = text;
    const reference = rows.slice(0, 1000);
    const ref = path.join(work, 'ref.csv');
    fs.writeFileSync(ref, [header, ...reference].join('\n') + '\n');
    const r = rng(2024);
    let alarms = 0;
    let tests = 0;
    let datasetAlarms = 0;
    for (let s = 0; s < 20; s++) {
      // 300 rows drawn with replacement from the reference: the same distribution by construction.
      const sample = Array.from({ length: 300 }, () => reference[Math.floor(r.u() * reference.length)]!);
      const cur = path.join(work, `sample-${s}.csv`);
      fs.writeFileSync(cur, [header, ...sample].join('\n') + '\n');
      const rep = await driftFiles(data(), f(ref), f(cur));
      const tested = rep.columns.filter((c) => c.pValue !== null);
      tests += tested.length;
      alarms += tested.filter((c) => c.drifted).length;
      if (rep.datasetDrift) datasetAlarms++;
    }
    // p < 0.05 on data from the same distribution: about 5 % of the tests at most (bootstrap samples of the
    // reference make the tests conservative); the bound is the binomial's 99.9 % quantile.
    expect(tests).toBeGreaterThanOrEqual(20 * 13);
    expect(alarms).toBeLessThanOrEqual(Math.ceil(tests * 0.05 + 3.1 * Math.sqrt(tests * 0.05 * 0.95)));
    expect(datasetAlarms).toBe(0);
    if (process.env.MLDESK_DRIFT_TEST_VERBOSE) console.log(`tests: ${alarms} false alarms in ${tests} tests (α = 0.05)`);

    // The whole training set as the reference (distances, ≥ 0.1): samples of it never reach the threshold.
    const full = demoFile('data/train.csv');
    let distanceAlarms = 0;
    let worst = 0;
    for (let s = 0; s < 20; s++) {
      const sample = Array.from({ length: 2000 }, () => rows[Math.floor(r.u() * rows.length)]!);
      const cur = path.join(work, `sample-full-${s}.csv`);
      fs.writeFileSync(cur, [header, ...sample].join('\n') + '\n');
      const rep = await driftFiles(data(), f(full), f(cur));
      for (const c of rep.columns) {
        if (c.pValue === null && c.statistic !== null) worst = Math.max(worst, c.statistic);
        if (c.drifted) distanceAlarms++;
      }
      expect(rep.datasetDrift).toBe(false);
    }
    expect(distanceAlarms).toBe(0);
    if (process.env.MLDESK_DRIFT_TEST_VERBOSE) console.log(`distances: ${distanceAlarms} false alarms, largest distance ${worst}`);
  }, 60_000);

  it('CSV, Parquet and JSONL give the same report', async () => {
    const csvRef = demoFile('data/train.csv');
    const csvCur = demoFile('data/production.csv');
    const out = (name: string) => path.join(work, name);
    for (const [src, base] of [
      [csvRef, 'train'],
      [csvCur, 'production'],
    ] as const) {
      const from = `read_csv('${src}', header = true, auto_detect = true, sample_size = -1)`;
      await data().duck.run(`COPY (SELECT * FROM ${from}) TO '${out(`${base}.parquet`)}' (FORMAT parquet)`);
      await data().duck.run(`COPY (SELECT * FROM ${from}) TO '${out(`${base}.jsonl`)}' (FORMAT json)`);
    }
    const strip = (rep: DriftReport) => rep.columns.map(({ distribution: _d, ...c }) => c);
    const csv = await driftFiles(data(), f(csvRef), f(csvCur), { allStatistics: true });
    const parquet = await driftFiles(data(), f(out('train.parquet')), f(out('production.parquet')), { allStatistics: true });
    const jsonl = await driftFiles(data(), f(out('train.jsonl')), f(out('production.jsonl')), { allStatistics: true });
    const mixed = await driftFiles(data(), f(out('train.parquet')), f(csvCur), { allStatistics: true });
    for (const other of [parquet, jsonl, mixed]) {
      expect(other.reference.rows).toBe(csv.reference.rows);
      const a = strip(csv);
      const b = strip(other);
      expect(b.map((c) => [c.column, c.kind, c.method, c.drifted, c.missing, c.unseen.rows])).toEqual(a.map((c) => [c.column, c.kind, c.method, c.drifted, c.missing, c.unseen.rows]));
      a.forEach((c, i) => {
        for (const [m, s] of Object.entries(c.statistics ?? {})) {
          const o = b[i]!.statistics![m]!;
          if (s.statistic !== null) expect(Math.abs(o.statistic! - s.statistic), `${c.column} ${m}`).toBeLessThan(1e-12);
          if (s.pValue !== null) expect(Math.abs(o.pValue! - s.pValue), `${c.column} ${m} p`).toBeLessThan(1e-12);
        }
      });
    }
  }, 60_000);

  it('different columns, types or encodings: a clear error naming the column', async () => {
    const write = (name: string, text: string | Buffer) => {
      fs.writeFileSync(path.join(work, name), text);
      return f(path.join(work, name));
    };
    const base = write('base.csv', 'a,b,c\n1,x,2.5\n2,y,3.5\n3,x,1.0\n');
    await expect(driftFiles(data(), base, write('missing.csv', 'a,b\n1,x\n2,y\n'))).rejects.toThrow(/no column "c"/);
    await expect(driftFiles(data(), base, write('extra.csv', 'a,b,c,d\n1,x,2,9\n'))).rejects.toThrow(/reference has no column "d"/);
    // Renamed columns are mapped.
    const renamed = write('renamed.csv', 'a,b,cc\n1,x,2.5\n2,y,3.5\n');
    await expect(driftFiles(data(), base, renamed)).rejects.toThrow(/different columns/);
    const mapped = await driftFiles(data(), base, renamed, { columnMap: { cc: 'c' } });
    expect(mapped.columns.map((c) => c.column)).toEqual(['a', 'b', 'c']);
    // Numbers on one side, text on the other.
    const typed = driftFiles(data(), base, write('types.csv', 'a,b,c\n1,x,2.5\n2,y,n/a\n'));
    await expect(typed).rejects.toThrow(/Column "c" holds numbers in base\.csv but text in types\.csv \("n\/a" at line 3\)/);
    await expect(typed.catch((e: MldeskError) => e.code)).resolves.toBe('INVALID_INPUT');
    // Yes/no on one side, 1/0 on the other: a type difference too.
    await expect(driftFiles(data(), write('yn.csv', 'a,flag\n1,yes\n2,no\n'), write('10.csv', 'a,flag\n1,1\n2,0\n'))).rejects.toThrow(/Column "flag" holds numbers in 10\.csv but text in yn\.csv/);
    // Codes with leading zeros on one side are text on both, not a type error.
    const codes = await driftFiles(data(), write('zip1.csv', 'zip,v\n01234,1\n02345,2\n12345,3\n'), write('zip2.csv', 'zip,v\n12345,1\n23456,2\n'));
    expect(codes.columns[0]).toMatchObject({ column: 'zip', kind: 'categorical' });
    expect(codes.columns[0]!.unseen).toEqual({ rows: 1, values: ['23456'] });
    // Text encodings: a Latin-1 file next to a UTF-8 one.
    const utf8 = write('utf8.csv', 'city,n\nZürich,1\nGenève,2\n');
    const latin1 = write('latin1.csv', Buffer.from('city,n\nZ\xfcrich,1\nGen\xe8ve,2\n', 'latin1'));
    await expect(driftFiles(data(), utf8, latin1)).rejects.toThrow(/latin1\.csv: line 2: invalid UTF-8 byte sequence in column "city"/);
    // The same categories in another case: an encoding difference, not drift.
    await expect(driftFiles(data(), write('yes1.csv', 'ok,n\nYes,1\nNo,2\nYes,3\n'), write('yes2.csv', 'ok,n\nyes,1\nno,2\n'))).rejects.toThrow(/Column "ok": .*only in case or spacing \("(yes|no)" vs "(Yes|No)"\)/);
  });

  it('empty inputs do not crash', async () => {
    const header = path.join(work, 'header-only.csv');
    fs.writeFileSync(header, 'a,b\n');
    const some = path.join(work, 'some.csv');
    fs.writeFileSync(some, 'a,b\n1,x\n2,y\n');
    const r = await driftFiles(data(), f(some), f(header));
    expect(r).toMatchObject({ datasetDrift: false, driftedColumns: 0, current: { rows: 0 } });
    expect(r.columns.every((c) => c.note !== null && !c.drifted)).toBe(true);
    const both = await driftFiles(data(), f(header), f(header));
    expect(both.datasetDrift).toBe(false);
    const blank = path.join(work, 'empty.csv');
    fs.writeFileSync(blank, '');
    await expect(driftFiles(data(), f(some), f(blank))).rejects.toThrow(/empty/);
  });

  it('the CSV reader: quotes, CRLF, exponents, long numbers and records cut by the buffer give the same columns', () => {
    const file = path.join(work, 'quoted.csv');
    const rows = ['"name","v","t"'];
    const r = rng(5);
    for (let i = 0; i < 3000; i++) rows.push(`"a ""q"" ${i % 7}",${i % 11 === 0 ? '' : (r.normal() * 1e3).toExponential(12)},"line\nbreak ${i % 3}"`);
    rows.push('"x",0.1234567890123456789,""');
    rows.push('"y",-.5e-3,"z"');
    fs.writeFileSync(file, rows.join('\r\n') + '\r\n');
    const spec = { file, delimiter: ',', columns: ['name', 'v', 't'], modes: [1, 1, 1] };
    const whole = parseCsvColumns(spec);
    const prev = process.env.MLDESK_SCAN_CHUNK_BYTES;
    process.env.MLDESK_SCAN_CHUNK_BYTES = '97';
    let cut;
    try {
      cut = parseCsvColumns(spec);
    } finally {
      if (prev === undefined) delete process.env.MLDESK_SCAN_CHUNK_BYTES;
      else process.env.MLDESK_SCAN_CHUNK_BYTES = prev;
    }
    expect(cut).toEqual(whole);
    expect(whole.rows).toBe(3002);
    const [name, v, t] = whole.columns;
    expect(name!.categories).toContain('a "q" 3');
    expect(t!.categories).toContain('line\nbreak 2');
    expect(t!.missing).toBe(1);
    expect(v!.missing).toBe(Math.ceil(3000 / 11));
    // Every number parses exactly as JavaScript (strtod) does.
    const expected = sorted(rows.slice(1).map((l) => l.split(',')[1]!).filter((x) => x !== '').map(Number));
    expect(Array.from(v!.numeric!)).toEqual(Array.from(expected));
  });

  it('the CSV reader’s fast path (no quotes): every spelling of a number, text after numbers, cut records', () => {
    const file = path.join(work, 'plain.csv');
    const r = rng(9);
    const spell = (i: number): string => {
      const x = r.normal() * 10 ** Math.floor(r.u() * 8 - 4);
      switch (i % 9) {
        case 0: return x.toFixed(3);
        case 1: return x.toExponential(6);
        case 2: return String(x); // up to 17 significant digits: Number() spells them
        case 3: return x.toExponential(15).replace('e+', 'E');
        case 4: return String(Math.round(x));
        case 5: return (-Math.abs(x)).toFixed(8);
        case 6: return '';
        case 7: return String(x).replace(/^(-?)0\./, '$1.');
        default: return `${Math.round(x)}.`;
      }
    };
    const lines = ['v,w,later'];
    for (let i = 0; i < 5000; i++) lines.push(`${spell(i)},${i % 2 ? '1e999' : '-0'},${i < 4000 ? i : `t${i % 5}`}`);
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const spec = { file, delimiter: ',', columns: ['v', 'w', 'later'], modes: [1, 1, 1] };
    const whole = parseCsvColumns(spec);
    const prev = process.env.MLDESK_SCAN_CHUNK_BYTES;
    process.env.MLDESK_SCAN_CHUNK_BYTES = '61';
    let cut;
    try {
      cut = parseCsvColumns(spec);
    } finally {
      if (prev === undefined) delete process.env.MLDESK_SCAN_CHUNK_BYTES;
      else process.env.MLDESK_SCAN_CHUNK_BYTES = prev;
    }
    expect(cut).toEqual(whole);
    const [v, w, later] = whole.columns;
    const cells = lines.slice(1).map((l) => l.split(',')[0]!).filter((x) => x !== '');
    expect(Array.from(v!.numeric!)).toEqual(Array.from(sorted(cells.map(Number))));
    expect(v!.missing).toBe(lines.length - 1 - cells.length);
    // "1e999" is a number but not a finite one: missing; "-0" is a number.
    expect([w!.missing, w!.numeric!.length]).toEqual([2500, 2500]);
    // Numbers, then text: text from the first text value on, and marked for a second read as text.
    expect(later).toMatchObject({ numeric: null, partial: 4000, firstText: { value: 't0', line: 4002 } });
    expect(later!.categories!.sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
  });

  it('monitor.datasetDrift’s work: project datasets, at commits', async () => {
    const versions = await datasetVersions(demoDir, 'data/train.csv');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    const current = await datasetDrift(
      { data: data() },
      { reference: { projectId, path: 'data/train.csv', commit: versions[0]!.commit }, current: { projectId, path: 'data/production.csv' }, columnMap: {}, columns: { income: { threshold: 0.5 } } },
    );
    expect(current.reference.source).toBe(`data/train.csv@${versions[0]!.commit.slice(0, 8)}`);
    expect(current.columns.find((c) => c.column === 'income')).toMatchObject({ threshold: 0.5, drifted: false });
    // The first extract has no num_delinquencies column.
    const first = versions.at(-1)!.commit;
    await expect(datasetDrift({ data: data() }, { reference: { projectId, path: 'data/train.csv', commit: first }, current: { projectId, path: 'data/production.csv' }, columnMap: {}, columns: {} })).rejects.toThrow(
      /no column "num_delinquencies"/,
    );
  });

  describe('mldesk drift (the built CLI)', () => {
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['drift', ...args, '--data-dir', path.join(work, 'cli-data')], env, 60_000);

    it('prints the table and exits 0 without dataset drift, 1 with it (JSON too)', async () => {
      const plain = await cli([demoFile('data/train.csv'), demoFile('data/production.csv')]);
      expect(plain.code).toBe(0);
      expect(plain.out).toMatch(/column\s+kind\s+method\s+statistic\s+p-value\/dist\s+threshold\s+drifted\s+missing ref\/cur\s+unseen/);
      expect(plain.out).toMatch(/credit_score\s+numeric\s+wasserstein\s+[\d.]+\s+[\d.]+\s+0\.1\s+DRIFT/);
      expect(plain.out).toMatch(/no dataset drift: 6 of 15 tested columns drifted/);
      // Mark the drifted ones stricter than the others: more than half drift now.
      const strict = await cli([demoFile('data/train.csv'), demoFile('data/production.csv'), '--json', '--threshold', 'loan_amount=0.05,num_delinquencies=0.05']);
      expect(strict.code).toBe(1);
      const rep = driftReport.parse(JSON.parse(strict.out));
      expect(rep.datasetDrift).toBe(true);
      expect(rep.columns.filter((c: ColumnDrift) => c.drifted).length).toBe(8);
      // The CSV files read in two worker threads (as large files are) give the same report.
      const threaded = await cli([demoFile('data/train.csv'), demoFile('data/production.csv'), '--json', '--threshold', 'loan_amount=0.05,num_delinquencies=0.05'], { MLDESK_COLUMNS_WORKER_MIN_BYTES: '0' });
      expect(threaded.code).toBe(1);
      const t = driftReport.parse(JSON.parse(threaded.out));
      expect({ ...t, tookMs: 0 }).toEqual({ ...rep, tookMs: 0 });
    }, 60_000);

    it('reads file@commit versions, maps columns, and exits 2 for usage and input errors', async () => {
      const versions = await datasetVersions(demoDir, 'data/train.csv');
      const at = await cli(['data/train.csv@' + versions[0]!.commit.slice(0, 8), 'data/production.csv', '--project', demoDir, '--json']);
      expect(at.code).toBe(0);
      expect(JSON.parse(at.out).reference.source).toBe(`data/train.csv@${versions[0]!.commit.slice(0, 8)}`);
      const old = await cli(['data/train.csv@' + versions.at(-1)!.commit.slice(0, 8), 'data/production.csv', '--project', demoDir]);
      expect(old.code).toBe(2);
      expect(old.out).toMatch(/no column "num_delinquencies"/);
      expect((await cli([demoFile('data/train.csv')])).code).toBe(2);
      const bad = await cli([demoFile('data/train.csv'), demoFile('data/production.csv'), '--method', 'income=magic']);
      expect(bad.code).toBe(2);
      expect(bad.out).toMatch(/methods are ks, chisquare/);
      const wrong = await cli([demoFile('data/train.csv'), demoFile('data/production.csv'), '--method', 'purpose=ks']);
      expect(wrong.code).toBe(2);
      expect(wrong.out).toMatch(/"purpose": ks needs numbers/);
      const missing = await cli([path.join(work, 'nope.csv'), demoFile('data/production.csv')]);
      expect(missing.code).toBe(2);
      expect(missing.out).toMatch(/does not exist/);
    }, 60_000);
  });
});
