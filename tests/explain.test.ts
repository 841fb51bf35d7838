// Local explanations: KernelSHAP against exact Shapley values and the linear closed form, TreeSHAP against
// brute-force Shapley values of the path-dependent value function on small random trees (also read back from
// ONNX models onnxruntime evaluates), TreeSHAP on the demo GBT with raw-column grouping, and LIME's surrogate.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-node';
import { writeDemoFiles } from '../resources/demo/generate';
import {
  expectedMargin,
  kernelShap,
  lime,
  margin,
  Mode,
  parseTreeEnsemble,
  sessionPredict,
  setCovers,
  treeExplainer,
  treeShap,
  type Tree,
  type TreeEnsemble,
} from '../electron/core/insight/explain';
import { goesYes } from '../electron/core/insight/explain/treeShap';
import { mulberry32, type Rng } from '../electron/core/insight/explain/random';
import type { FeatureSpec, Predict, Row } from '../electron/core/insight/types';
import { repoRoot, tmpDir } from './helpers';

// ---------------------------------------------------------------------------------------------
// Exact Shapley values by enumeration (the definition), for any set function v over m players.

function factorials(m: number): number[] {
  const f = [1];
  for (let i = 1; i <= m; i++) f.push(f[i - 1]! * i);
  return f;
}

/** φ_i = Σ_{S ⊆ N∖{i}} |S|!(m−|S|−1)!/m! · (v(S ∪ {i}) − v(S)); v takes a bitmask. */
function shapleyValues(m: number, v: (mask: number) => number): number[] {
  const fact = factorials(m);
  const value = new Float64Array(1 << m);
  for (let s = 0; s < 1 << m; s++) value[s] = v(s);
  const popcount = (s: number) => s.toString(2).replace(/0/g, '').length;
  return Array.from({ length: m }, (_, i) => {
    let phi = 0;
    for (let s = 0; s < 1 << m; s++) {
      if (s & (1 << i)) continue;
      const k = popcount(s);
      phi += ((fact[k]! * fact[m - k - 1]!) / fact[m]!) * (value[s | (1 << i)]! - value[s]!);
    }
    return phi;
  });
}

/** The interventional value function KernelSHAP estimates, computed directly: mean over the background of f(x_S, b_rest). */
async function interventional(predict: Predict, x: Row, background: Row[], names: string[]): Promise<(mask: number) => number> {
  const m = names.length;
  const rows: Row[] = [];
  for (let s = 0; s < 1 << m; s++)
    for (const b of background) {
      const r: Row = { ...b };
      names.forEach((n, j) => {
        if (s & (1 << j)) r[n] = x[n]!;
      });
      rows.push(r);
    }
  const p = await predict(rows);
  return (mask) => {
    let sum = 0;
    for (let i = 0; i < background.length; i++) sum += p[mask * background.length + i]!;
    return sum / background.length;
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function randomRows(rng: Rng, n: number, names: string[]): Row[] {
  return Array.from({ length: n }, () => Object.fromEntries(names.map((k) => [k, Math.round((rng() * 4 - 2) * 1000) / 1000])));
}

describe('KernelSHAP', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const features: FeatureSpec[] = names.map((name) => ({ name, kind: 'numeric' }));
  // Nonlinear, with interactions; ignores e.
  const f = (r: Row) => {
    const a = r.a as number;
    const b = r.b as number;
    const c = r.c as number;
    const d = r.d as number;
    return 1 / (1 + Math.exp(-(a * b + Math.sin(c) + 0.5 * d * d - (a > 0 ? 1 : 0) * c)));
  };
  const predict: Predict = async (rows) => Float64Array.from(rows, f);

  it('enumerating every coalition gives the exact Shapley values (1e-9), with additivity (1e-6) and the dummy feature at 0', async () => {
    const rng = mulberry32(7);
    const background = randomRows(rng, 30, names);
    const x = randomRows(rng, 1, names)[0]!;
    const r = await kernelShap(predict, x, background, features, { seed: 1 });
    expect(r.exact).toBe(true);
    expect(r.coalitions).toBe(2 ** 5 - 2);
    expect(r.fx).toBeCloseTo(f(x), 12);
    expect(r.expected).toBeCloseTo(sum(background.map(f)) / background.length, 12);
    expect(r.additivityError).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(r.expected + sum(r.phi) - r.fx)).toBeLessThanOrEqual(1e-6);
    const exact = shapleyValues(5, await interventional(predict, x, background, names));
    r.phi.forEach((p, i) => expect(Math.abs(p - exact[i]!)).toBeLessThanOrEqual(1e-9));
    expect(Math.abs(r.phi[4]!)).toBeLessThanOrEqual(1e-12); // e is ignored by the model (dummy)
    expect(Math.max(...r.phi.slice(0, 4).map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('symmetric features get equal values (symmetry)', async () => {
    const g: Predict = async (rows) => Float64Array.from(rows, (r) => Math.tanh((r.a as number) + (r.b as number)) * (r.c as number) + (r.d as number) ** 3);
    const rng = mulberry32(3);
    // a and b play the same role in every row and in x, so v(S ∪ {a}) = v(S ∪ {b}).
    const background = randomRows(rng, 25, names).map((r) => ({ ...r, b: r.a! }));
    const x = { ...randomRows(rng, 1, names)[0]!, b: 0.7, a: 0.7 };
    const r = await kernelShap(g, x, background, features);
    expect(Math.abs(r.phi[0]! - r.phi[1]!)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(r.phi[0]!)).toBeGreaterThan(1e-3);
    expect(Math.abs(r.phi[4]!)).toBeLessThanOrEqual(1e-12);
  });

  it('on a linear model equals the closed form w·(x − E[x]) over the background (12 features: all coalitions, and sampled)', async () => {
    const m = 12;
    const lin = Array.from({ length: m }, (_, i) => `x${i}`);
    const rng = mulberry32(11);
    const w = lin.map(() => rng() * 4 - 2);
    const model: Predict = async (rows) => Float64Array.from(rows, (r) => 0.3 + sum(lin.map((k, i) => w[i]! * (r[k] as number))));
    const background = randomRows(rng, 40, lin);
    const x = randomRows(rng, 1, lin)[0]!;
    const feats = lin.map((name): FeatureSpec => ({ name, kind: 'numeric' }));
    const r = await kernelShap(model, x, background, feats, { maxCoalitions: 4094 });
    expect(r.exact).toBe(true);
    expect(r.coalitions).toBe(4094);
    const sampled = await kernelShap(model, x, background, feats); // the default budget samples 1024 of them
    expect(sampled.exact).toBe(false);
    expect(sampled.coalitions).toBe(1024);
    sampled.phi.forEach((p, i) => expect(Math.abs(p - r.phi[i]!)).toBeLessThanOrEqual(1e-6));
    lin.forEach((k, i) => {
      const mean = sum(background.map((b) => b[k] as number)) / background.length;
      expect(Math.abs(r.phi[i]! - w[i]! * ((x[k] as number) - mean))).toBeLessThanOrEqual(1e-6);
    });
    expect(r.additivityError).toBeLessThanOrEqual(1e-6);
  });

  it('with sampled coalitions (16 features) still solves a linear model exactly, is seeded, and keeps additivity', async () => {
    const m = 16;
    const lin = Array.from({ length: m }, (_, i) => `x${i}`);
    const rng = mulberry32(5);
    const w = lin.map(() => rng() * 4 - 2);
    const model: Predict = async (rows) => Float64Array.from(rows, (r) => sum(lin.map((k, i) => w[i]! * (r[k] as number))));
    const background = randomRows(rng, 120, lin);
    const x = randomRows(rng, 1, lin)[0]!;
    const feats = lin.map((name): FeatureSpec => ({ name, kind: 'numeric' }));
    const r = await kernelShap(model, x, background, feats, { maxCoalitions: 600, seed: 9 });
    expect(r.exact).toBe(false);
    expect(r.coalitions).toBeLessThanOrEqual(600);
    expect(r.evaluations).toBeLessThanOrEqual(1 + 50 + r.coalitions * 50); // the default background is a 50-row sample
    expect(r.evaluations).toBeGreaterThan(0.9 * r.coalitions * 50);
    // The closed form holds over the sampled background: recover it from the expected value's rows.
    const again = await kernelShap(model, x, background, feats, { maxCoalitions: 600, seed: 9 });
    expect(again.phi).toEqual(r.phi);
    const other = await kernelShap(model, x, background, feats, { maxCoalitions: 600, seed: 10 });
    expect(other.expected).not.toBe(r.expected); // another seed, another background sample
    expect(r.additivityError).toBeLessThanOrEqual(1e-6);
    // E[x] over the background rows the explainer drew (seeded): a linear model's v is linear, so every coalition design recovers it.
    const full = await kernelShap(model, x, background, feats, { maxCoalitions: 600, seed: 9, backgroundSize: 1000 });
    lin.forEach((k, i) => {
      const mean = sum(background.map((b) => b[k] as number)) / background.length;
      expect(Math.abs(full.phi[i]! - w[i]! * ((x[k] as number) - mean))).toBeLessThanOrEqual(1e-6);
    });
  });

  it('handles categorical columns and columns it does not explain (held at x)', async () => {
    const model: Predict = async (rows) => Float64Array.from(rows, (r) => (r.color === 'red' ? 2 : r.color === 'blue' ? -1 : 0) + (r.size as number) * 0.5 + (r.fixed as number));
    const background: Row[] = ['red', 'blue', 'green', 'red'].map((color, i) => ({ color, size: i, fixed: 100 + i }));
    const x: Row = { color: 'blue', size: 10, fixed: 7 };
    const r = await kernelShap(model, x, background, [
      { name: 'color', kind: 'categorical' },
      { name: 'size', kind: 'numeric' },
    ]);
    expect(r.fx).toBe(-1 + 5 + 7);
    expect(r.phi[0]).toBeCloseTo(-1 - (2 - 1 + 0 + 2) / 4, 12);
    expect(r.phi[1]).toBeCloseTo(0.5 * (10 - 1.5), 12);
    expect(r.expected).toBeCloseTo(0.75 + 0.75 + 7, 12);
    // Background rows equal to x in a column make some hybrids identical: each distinct row is predicted once.
    const calls: number[] = [];
    const counting: Predict = async (rows) => (calls.push(rows.length), model(rows));
    const bg2: Row[] = [{ color: 'blue', size: 1, fixed: 0 }, { color: 'red', size: 10, fixed: 0 }, { color: 'red', size: 2, fixed: 0 }];
    const d = await kernelShap(counting, x, bg2, [
      { name: 'color', kind: 'categorical' },
      { name: 'size', kind: 'numeric' },
    ]);
    // Distinct rows: x, then per background row its 2^(#columns differing from x) hybrids minus x itself: 1 + 1 + 1 + 3.
    expect(d.evaluations).toBe(6);
    expect(sum(calls)).toBe(6);
    expect(d.phi[0]).toBeCloseTo(-1 - (-1 + 2 + 2) / 3, 12);
    expect(d.phi[1]).toBeCloseTo(0.5 * (10 - 13 / 3), 12);
  });
});

// ---------------------------------------------------------------------------------------------
// TreeSHAP

/** A random tree over `m` integer-valued features, repeated features on a path allowed, every split mode. */
function randomTree(rng: Rng, m: number, maxDepth: number): Tree {
  const nodes: Array<{ feature: number; threshold: number; mode: number; missingTrue: number; yes: number; no: number; value: number }> = [];
  const grow = (depth: number): number => {
    const i = nodes.length;
    nodes.push({ feature: 0, threshold: 0, mode: Mode.LEAF, missingTrue: 0, yes: -1, no: -1, value: Math.round((rng() * 2 - 1) * 1000) / 100 });
    if (depth < maxDepth && (depth === 0 || rng() < 0.8)) {
      const n = nodes[i]!;
      n.feature = Math.floor(rng() * m);
      n.threshold = Math.floor(rng() * 5) - 2 + (rng() < 0.5 ? 0.5 : 0);
      n.mode = Math.floor(rng() * 6);
      n.missingTrue = rng() < 0.5 ? 1 : 0;
      n.value = 0;
      n.yes = grow(depth + 1);
      n.no = grow(depth + 1);
    }
    return i;
  };
  grow(0);
  const k = nodes.length;
  const t: Tree = {
    feature: Int32Array.from(nodes, (n) => n.feature),
    threshold: Float64Array.from(nodes, (n) => n.threshold),
    mode: Uint8Array.from(nodes, (n) => n.mode),
    missingTrue: Uint8Array.from(nodes, (n) => n.missingTrue),
    yes: Int32Array.from(nodes, (n) => n.yes),
    no: Int32Array.from(nodes, (n) => n.no),
    value: Float64Array.from(nodes, (n) => n.value),
    share: new Float64Array(k).fill(1),
    depth: 0,
  };
  const depthOf = (n: number): number => (t.mode[n] === Mode.LEAF ? 0 : 1 + Math.max(depthOf(t.yes[n]!), depthOf(t.no[n]!)));
  t.depth = depthOf(0);
  return t;
}

/** Integer-valued rows (so EQ/NEQ splits fire), some NaN. */
function randomMatrix(rng: Rng, rows: number, m: number): Float64Array {
  return Float64Array.from({ length: rows * m }, () => (rng() < 0.08 ? NaN : Math.floor(rng() * 7) - 3));
}

/** The path-dependent conditional expectation TreeSHAP's value function is: follow x on features in S, else average children by cover share. */
function pathDependentValue(ens: TreeEnsemble, x: Float64Array, mask: number): number {
  let s = 0;
  for (const t of ens.trees) {
    const walk = (n: number): number => {
      if (t.mode[n] === Mode.LEAF) return t.value[n]!;
      if (mask & (1 << t.feature[n]!)) return walk(goesYes(t, n, x[t.feature[n]!]!) ? t.yes[n]! : t.no[n]!);
      return t.share[t.yes[n]!]! * walk(t.yes[n]!) + t.share[t.no[n]!]! * walk(t.no[n]!);
    };
    s += walk(0);
  }
  return ens.base + ens.scale * s;
}

describe('TreeSHAP', () => {
  it('equals brute-force Shapley values of the path-dependent value function on small random trees (1e-9)', () => {
    let checked = 0;
    let unreached = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rng = mulberry32(seed);
      const m = 2 + (seed % 5); // 2..6 features
      const trees = Array.from({ length: 1 + (seed % 3) }, () => randomTree(rng, m, 2 + (seed % 4)));
      const ens: TreeEnsemble = { trees, base: rng() - 0.5, scale: seed % 2 ? 1 : 0.5, width: m };
      const nRows = 3 + (seed % 40); // few rows: some nodes are reached by none (their mass is split evenly)
      setCovers(ens, randomMatrix(rng, nRows, m), nRows);
      unreached += trees.reduce((a, t) => a + t.share.filter((s) => s === 0).length, 0);
      for (let k = 0; k < 3; k++) {
        const x = randomMatrix(rng, 1, m);
        const r = treeShap(ens, x);
        const exact = shapleyValues(m, (mask) => pathDependentValue(ens, x, mask));
        exact.forEach((v, i) => expect(Math.abs(r.phi[i]! - v), `seed ${seed} feature ${i}`).toBeLessThanOrEqual(1e-9));
        expect(r.fx).toBe(margin(ens, x));
        expect(Math.abs(r.expected - pathDependentValue(ens, x, 0))).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(r.expected + sum(r.phi) - r.fx)).toBeLessThanOrEqual(1e-9);
        checked++;
      }
    }
    expect(checked).toBe(450);
    expect(unreached).toBeGreaterThan(0); // the zero-cover branches were exercised
  });

  it('reads ONNX tree ensembles as onnxruntime evaluates them (regressor and classifier, every mode, missing tracks, float and double)', async () => {
    for (const [seed, op] of [
      [21, 'TreeEnsembleRegressor'],
      [22, 'TreeEnsembleClassifier'],
      [23, 'TreeEnsembleRegressor'],
    ] as const) {
      const rng = mulberry32(seed);
      const m = 4;
      const trees = Array.from({ length: 3 }, () => randomTree(rng, m, 3));
      const doubles = seed !== 23;
      const bytes = treeModel(op, trees, m, { base: 0.25, doubles, average: seed === 23 });
      const parsed = parseTreeEnsemble(bytes);
      expect(parsed.op).toBe(op);
      expect(parsed.space).toBe(op === 'TreeEnsembleClassifier' ? 'log-odds' : 'value');
      const n = 300;
      const X = randomMatrix(rng, n, m);
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ X: new ort.Tensor('float64', X, [n, m]) });
      const y = out[parsed.scoreOutput]!;
      const cols = y.dims[1] ?? 1;
      setCovers(parsed.ensemble, X, n);
      const expected = expectedMargin(parsed.ensemble);
      for (let i = 0; i < n; i++) {
        const x = X.subarray(i * m, (i + 1) * m);
        const r = treeShap(parsed.ensemble, x);
        const onnx = Number((y.data as Float32Array)[i * cols + parsed.scoreColumn]);
        expect(Math.abs(parsed.transform!(r.fx) - onnx), `row ${i}`).toBeLessThanOrEqual(doubles ? 1e-6 : 1e-5);
        expect(Math.abs(r.expected + sum(r.phi) - r.fx)).toBeLessThanOrEqual(1e-9);
        expect(r.expected).toBe(expected);
        if (i < 20) {
          const exact = shapleyValues(m, (mask) => pathDependentValue(parsed.ensemble, x, mask));
          exact.forEach((v, j) => expect(Math.abs(r.phi[j]! - v)).toBeLessThanOrEqual(1e-9));
        }
      }
      // The same through treeExplainer: rows of named columns fed to the single matrix input, one E column each.
      const names = Array.from({ length: m }, (_, j) => `x${j}`);
      const rowsOf: Row[] = Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((k, j) => [k, Number.isNaN(X[i * m + j]!) ? null : X[i * m + j]!])));
      const ex = await treeExplainer(bytes, rowsOf, names.map((name) => ({ name, kind: 'numeric' })));
      expect(ex.columnSources).toEqual(names.map((_, j) => [j]));
      expect(ex.expected).toBe(expected);
      const attr = await ex.explain(rowsOf.slice(0, 50));
      attr.forEach((a, i) => {
        const r = treeShap(parsed.ensemble, X.subarray(i * m, (i + 1) * m));
        a.phi.forEach((v, j) => expect(Math.abs(v - r.phi[j]!)).toBeLessThanOrEqual(1e-12));
        expect(a.outputError!).toBeLessThanOrEqual(doubles ? 1e-6 : 1e-5);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A model builder for the ONNX round trip (encoded with the same vendored onnx.proto subset).

function treeModel(op: 'TreeEnsembleRegressor' | 'TreeEnsembleClassifier', trees: Tree[], m: number, o: { base: number; doubles: boolean; average: boolean }): Uint8Array {
  const root = protobuf.parse(fs.readFileSync(path.join(repoRoot, 'resources/demo/template/lib/onnx.proto'), 'utf8'), { keepCase: true }).root;
  const Model = root.lookupType('onnx.ModelProto');
  const modeNames = ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ', 'LEAF'];
  const a = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[], values: [] as number[], yes: [] as number[], no: [] as number[], miss: [] as number[] };
  const leaf = { treeids: [] as number[], nodeids: [] as number[], weights: [] as number[] };
  trees.forEach((t, ti) => {
    for (let n = 0; n < t.mode.length; n++) {
      a.treeids.push(ti);
      a.nodeids.push(n);
      a.featureids.push(t.feature[n]!);
      a.modes.push(modeNames[t.mode[n]!]!);
      a.values.push(t.threshold[n]!);
      a.yes.push(Math.max(0, t.yes[n]!));
      a.no.push(Math.max(0, t.no[n]!));
      a.miss.push(t.missingTrue[n]!);
      if (t.mode[n] === Mode.LEAF) {
        leaf.treeids.push(ti);
        leaf.nodeids.push(n);
        leaf.weights.push(t.value[n]!);
      }
    }
  });
  const ints = (name: string, v: number[]) => ({ name, type: 'INTS', ints: v });
  const dbl = (name: string, v: number[]) => ({ name, type: 'TENSOR', t: { data_type: 11, dims: [v.length], double_data: v } });
  const flt = (name: string, v: number[]) => ({ name, type: 'FLOATS', floats: v });
  const num = (name: string, v: number[]) => (o.doubles ? dbl(`${name}_as_tensor`, v) : flt(name, v));
  const str = (name: string, s: string) => ({ name, type: 'STRING', s: Buffer.from(s) });
  const cls = op === 'TreeEnsembleClassifier';
  const p = cls ? 'class' : 'target';
  const attribute = [
    ints('nodes_treeids', a.treeids),
    ints('nodes_nodeids', a.nodeids),
    ints('nodes_featureids', a.featureids),
    { name: 'nodes_modes', type: 'STRINGS', strings: a.modes.map((s) => Buffer.from(s)) },
    num('nodes_values', a.values),
    ints('nodes_truenodeids', a.yes),
    ints('nodes_falsenodeids', a.no),
    ints('nodes_missing_value_tracks_true', a.miss),
    ints(`${p}_treeids`, leaf.treeids),
    ints(`${p}_nodeids`, leaf.nodeids),
    ints(`${p}_ids`, leaf.treeids.map(() => 0)),
    num(`${p}_weights`, leaf.weights),
    num('base_values', [o.base]),
    ...(cls ? [ints('classlabels_int64s', [0, 1]), str('post_transform', 'LOGISTIC')] : [{ name: 'n_targets', type: 'INT', i: 1 }, str('aggregate_function', o.average ? 'AVERAGE' : 'SUM')]),
  ];
  const tensor = (name: string, elem: number, dims: Array<number | string>) => ({
    name,
    type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
  });
  const model = {
    ir_version: 8,
    opset_import: [
      { domain: '', version: 15 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'trees',
      node: [{ op_type: op, domain: 'ai.onnx.ml', name: 'ens', input: ['X'], output: cls ? ['label', 'probabilities'] : ['Y'], attribute }],
      input: [tensor('X', 11, ['N', m])],
      output: cls ? [tensor('label', 7, ['N']), tensor('probabilities', 1, ['N', 2])] : [tensor('Y', 1, ['N', 1])],
    },
  };
  return Model.encode(Model.fromObject(model)).finish();
}

// ---------------------------------------------------------------------------------------------
// The demo GBT (trained as tests/demoOnnx.test.ts does, fewer trees)

describe('TreeSHAP on the demo GBT', () => {
  let modelBytes: Uint8Array;
  let rows: Row[];
  let features: FeatureSpec[];

  beforeAll(async () => {
    const dir = tmpDir('mldesk-explain-');
    await writeDemoFiles(dir);
    const env = { ...process.env };
    for (const k of ['MLFLOW_TRACKING_URI', 'MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID']) delete env[k];
    const r = spawnSync(process.execPath, ['train.mjs', '--model', 'gbt', '--trees', '30', '--depth', '3', '--out', 'out-gbt'], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    modelBytes = fs.readFileSync(path.join(dir, 'out-gbt/model.onnx'));
    const session = await ort.InferenceSession.create(modelBytes);
    features = session.inputMetadata.map((m) => ({ name: m.name, kind: m.isTensor && m.type === 'string' ? 'categorical' : 'numeric' }));
    const [head, ...lines] = fs.readFileSync(path.join(dir, 'data/train.csv'), 'utf8').trimEnd().split(/\r?\n/);
    const header = head!.split(',');
    const kind = new Map(features.map((f) => [f.name, f.kind]));
    rows = lines.map((l) => {
      const cells = l.split(',');
      const row: Row = {};
      header.forEach((h, i) => {
        const v = cells[i]!;
        row[h] = kind.get(h) === 'numeric' ? (v === '' || v === 'NA' || v === 'NaN' ? null : Number(v)) : v;
      });
      return row;
    });
  }, 120_000);

  it('attributions per raw column add up to the margin (1e-6) and sigmoid of it is the model’s probability (1e-6)', async () => {
    const ex = await treeExplainer(modelBytes, rows.slice(0, 5000), features);
    expect(ex.model.postTransform).toBe('LOGISTIC');
    expect(ex.model.ensemble.trees.length).toBe(30);
    expect(ex.features).toEqual(features.map((f) => f.name)); // every encoded column maps to a raw column
    // Each categorical column owns several one-hot columns; each numeric one its value and its missing indicator.
    for (const [fi, f] of features.entries()) {
      const owned = ex.columnSources.filter((s) => s.includes(fi)).length;
      if (f.kind === 'categorical') expect(owned, f.name).toBeGreaterThan(1);
      else expect(owned, f.name).toBe(2);
    }
    expect(ex.columnSources.every((s) => s.length === 1)).toBe(true);

    const sample = rows.slice(5000, 5600);
    expect(sample.some((r) => features.some((f) => f.kind === 'numeric' && r[f.name] === null))).toBe(true); // missing values explained too
    const res = await ex.explain(sample);
    const probability = await (await sessionPredict(modelBytes))(sample);
    let maxAdd = 0;
    let maxProb = 0;
    res.forEach((a, i) => {
      expect(a.space).toBe('log-odds');
      expect(a.method).toBe('treeshap');
      maxAdd = Math.max(maxAdd, Math.abs(a.expected + sum(a.phi) - a.fx), a.additivityError);
      maxProb = Math.max(maxProb, Math.abs(1 / (1 + Math.exp(-(a.expected + sum(a.phi)))) - probability[i]!), a.outputError!);
    });
    expect(maxAdd).toBeLessThanOrEqual(1e-6);
    expect(maxProb).toBeLessThanOrEqual(1e-6);
    expect(res[0]!.expected).toBe(ex.expected);
    // Attributions are not trivially zero, and a column's value changing moves its own attribution.
    const meanAbs = features.map((_, j) => sum(res.map((a) => Math.abs(a.phi[j]!))) / res.length);
    expect(Math.max(...meanAbs)).toBeGreaterThan(0.05);
  }, 60_000);

  it('KernelSHAP and LIME run on the same model through onnxruntime', async () => {
    const predict = await sessionPredict(modelBytes);
    const x = rows[7000]!;
    const f12 = features.slice(0, 12);
    const r = await kernelShap(predict, x, rows.slice(0, 2000), f12, { seed: 3 });
    expect(r.additivityError).toBeLessThanOrEqual(1e-6);
    expect(r.fx).toBeCloseTo((await predict([x]))[0]!, 9);
    const l = await lime(predict, x, rows.slice(0, 5000), features, { seed: 3, samples: 2000 });
    expect(l.weights.length).toBe(Math.min(10, features.length));
    expect(l.prediction).toBe(r.fx);
    expect(l.r2).toBeGreaterThan(0);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// LIME

describe('LIME', () => {
  const names = ['a', 'b', 'c', 'd'];
  const features: FeatureSpec[] = [...names.map((name): FeatureSpec => ({ name, kind: 'numeric' })), { name: 'kind', kind: 'categorical' }];
  const rng = mulberry32(99);
  const training: Row[] = Array.from({ length: 2000 }, () => ({ a: rng() * 10, b: rng() * 10, c: rng() * 10, d: rng() * 10, kind: ['p', 'q', 'r'][Math.floor(rng() * 3)]! }));
  const linear: Predict = async (rows) => Float64Array.from(rows, (r) => 3 * (r.a as number) - 2 * (r.b as number) + 1 * (r.c as number) + (r.kind === 'q' ? -4 : 0));
  const x: Row = { a: 9.5, b: 9.2, c: 9.1, d: 9.7, kind: 'q' };

  it('recovers the sign and order of a linear model’s weights (quartile bins, lime’s default)', async () => {
    const r = await lime(linear, x, training, features, { seed: 1 });
    const w = Object.fromEntries(r.weights.map((v) => [v.feature, v.weight]));
    expect(w.a).toBeGreaterThan(0);
    expect(w.b).toBeLessThan(0);
    expect(w.c).toBeGreaterThan(0);
    expect(w.kind).toBeLessThan(0);
    // In the "same quartile as x" representation: 3·(E[a | top] − E[a | rest]) ≈ 15 > 2·5 > 1·5 > |−4|.
    expect(r.weights.slice(0, 4).map((v) => v.feature)).toEqual(['a', 'b', 'c', 'kind']);
    expect(w.a! / w.c!).toBeGreaterThan(2.5);
    expect(w.a! / w.c!).toBeLessThan(3.5);
    expect(Math.abs(w.d ?? 0)).toBeLessThan(0.5); // d is ignored by the model
    // The binary "same quartile" representation cannot express the variation inside a quartile: fidelity is moderate.
    expect(r.r2).toBeGreaterThan(0.5);
    expect(r.r2).toBeLessThan(0.9);
    expect(r.weights.find((v) => v.feature === 'a')!.condition).toMatch(/^a > 7\.\d+$/);
    expect(r.weights.find((v) => v.feature === 'kind')!.condition).toBe('kind = q');
    expect(r.prediction).toBeCloseTo(3 * 9.5 - 2 * 9.2 + 9.1 - 4, 9);
    expect(Math.abs(r.local - r.prediction)).toBeLessThan(3);
  });

  it('with continuous features (discretize: false) fits a linear model with R² near 1 and its weights per sd', async () => {
    const r = await lime(linear, x, training, features, { seed: 2, discretize: false });
    const w = Object.fromEntries(r.weights.map((v) => [v.feature, v.weight]));
    const sd = 10 / Math.sqrt(12); // the features are uniform on [0, 10]
    expect(w.a! / sd).toBeCloseTo(3, 0);
    expect(w.b! / sd).toBeCloseTo(-2, 0);
    expect(w.c! / sd).toBeCloseTo(1, 0);
    expect(w.kind).toBeCloseTo(-4, 0);
    expect(r.weights.map((v) => v.feature).slice(0, 4)).toEqual(['a', 'b', 'kind', 'c']);
    expect(r.r2).toBeGreaterThan(0.95);
    expect(Math.abs(r.local - r.prediction)).toBeLessThan(0.5);
    expect(r.weights.find((v) => v.feature === 'a')!.condition).toMatch(/^a = 9\.5 \(weight per sd 2\.\d+\)$/);
  });

  it('is sparse to topK and deterministic with a seed', async () => {
    const r1 = await lime(linear, x, training, features, { seed: 4, topK: 2, samples: 1500 });
    expect(r1.weights.map((v) => v.feature)).toEqual(['a', 'b']);
    const r2 = await lime(linear, x, training, features, { seed: 4, topK: 2, samples: 1500 });
    expect(r2).toEqual(r1);
    const r3 = await lime(linear, x, training, features, { seed: 5, topK: 2, samples: 1500 });
    expect(r3.weights[0]!.weight).not.toBe(r1.weights[0]!.weight);
  });
});
