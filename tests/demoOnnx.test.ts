// The demo's ONNX models: train.mjs exports both model kinds, the graphs pass ONNX's full checker,
// onnxruntime reproduces the script's own validation predictions, the serving runtime serves them
// (OIP V2 and /invocations), and the demo registers the best two runs as credit-risk v1/v2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeDemoFiles } from '../resources/demo/generate';
import { loadModel } from '../resources/runtime/model';
import { createDemoProject, DEMO_MODEL, registerDemoModels, seedDemoRuns } from '../electron/core/projects/demo';
import { startServer, type Served } from '../electron/host/serve';
import { inferResponse, type InferInputTensor } from '../shared/runtime';
import { repoRoot, tmpDir } from './helpers';

const KINDS = {
  logreg: ['--model', 'logreg', '--epochs', '3', '--out', 'out-logreg'],
  gbt: ['--model', 'gbt', '--trees', '40', '--depth', '3', '--out', 'out-gbt'],
} as const;
type Kind = keyof typeof KINDS;
const outDir = (kind: Kind) => path.join(dir, `out-${kind}`);

let dir: string;
let header: string[];
let rows: string[][];

/** train.mjs's missing markers. */
const isMissing = (v: string) => v === '' || v === 'NA' || v === 'NaN' || v === 'null';

interface Prediction {
  row: number;
  label: number;
  prediction: number;
  probability: number;
}

function scriptPredictions(kind: Kind): Prediction[] {
  const [head, ...lines] = fs.readFileSync(path.join(outDir(kind), 'val_predictions.csv'), 'utf8').trimEnd().split('\n');
  expect(head).toBe('row,customer_id,label,prediction,probability');
  return lines.map((l) => {
    const c = l.split(',');
    return { row: Number(c[0]), label: Number(c[2]), prediction: Number(c[3]), probability: Number(c[4]) };
  });
}

const cell = (row: number, column: string) => rows[row]![header.indexOf(column)]!;

beforeAll(async () => {
  dir = tmpDir('mldesk-demo-onnx-');
  await writeDemoFiles(dir);
  const env = { ...process.env };
  for (const k of ['MLFLOW_TRACKING_URI', 'MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID']) delete env[k];
  for (const args of Object.values(KINDS)) {
    const r = spawnSync(process.execPath, ['train.mjs', ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
  }
  const [h, ...lines] = fs.readFileSync(path.join(dir, 'data/train.csv'), 'utf8').trimEnd().split('\r\n');
  header = h!.split(',');
  rows = lines.map((l) => l.split(','));
}, 120_000);

describe.each(Object.keys(KINDS) as Kind[])('demo ONNX export: %s', (kind) => {
  it('writes an MLflow onnx model folder whose signature the runtime reads', async () => {
    const mlmodel = fs.readFileSync(path.join(outDir(kind), 'MLmodel'), 'utf8');
    expect(mlmodel).toMatch(/^flavors:\n {2}onnx:\n/m);
    expect(mlmodel).toMatch(/^ {4}data: model\.onnx$/m);
    const m = await loadModel(outDir(kind), kind);
    expect(m.file).toBe(path.join(outDir(kind), 'model.onnx'));
    const numeric = ['age', 'income', 'employment_years', 'loan_amount', 'loan_term_months', 'interest_rate', 'credit_score', 'debt_to_income', 'num_open_accounts', 'num_delinquencies'];
    expect(m.inputs).toEqual([
      ...numeric.map((name) => ({ name, datatype: 'FP64', shape: [-1, 1] })),
      ...['home_ownership', 'purpose', 'region'].map((name) => ({ name, datatype: 'BYTES', shape: [-1, 1] })),
    ]);
    expect(m.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
    ]);
  });

  it('passes onnx.checker.check_model(full_check=True)', () => {
    const script = 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
    execFileSync('/usr/bin/python3', ['-c', script, path.join(outDir(kind), 'model.onnx')], { stdio: 'pipe' });
  });

  it('predicts what the script predicted on its validation rows (max abs difference <= 1e-6)', async () => {
    const preds = scriptPredictions(kind);
    expect(preds.length).toBe(4000);
    expect(preds.some((p) => isMissing(cell(p.row, 'income')))).toBe(true); // the imputation path is exercised
    const session = await ort.InferenceSession.create(path.join(outDir(kind), 'model.onnx'));
    const feeds: Record<string, ort.Tensor> = {};
    for (const m of session.inputMetadata) {
      const values = preds.map((p) => cell(p.row, m.name));
      feeds[m.name] = m.isTensor && m.type === 'string'
        ? new ort.Tensor('string', values, [values.length, 1])
        : new ort.Tensor('float64', Float64Array.from(values, (v) => (isMissing(v) ? NaN : Number(v))), [values.length, 1]);
    }
    const out = await session.run(feeds);
    const probs = out.probabilities!.data as Float32Array;
    const labels = out.label!.data as BigInt64Array;
    let maxDiff = 0;
    let labelMismatches = 0;
    preds.forEach((p, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(probs[2 * i + 1]! - p.probability), Math.abs(probs[2 * i]! - (1 - p.probability)));
      if (Number(labels[i]) !== p.prediction) labelMismatches++;
    });
    console.log(`demo ${kind}: max |onnx - train.mjs| probability difference over ${preds.length} validation rows = ${maxDiff.toExponential(3)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    expect(labelMismatches).toBe(0);
  });

  it('is served by the runtime: OIP infer and /invocations (records, split) give the script’s probabilities', async () => {
    const preds = scriptPredictions(kind);
    // Some ordinary rows and every row with a missing number among the first 400 (sent as JSON null).
    const sample = [...preds.slice(0, 20), ...preds.slice(20, 400).filter((p) => isMissing(cell(p.row, 'income')) || isMissing(cell(p.row, 'employment_years')))];
    expect(sample.length).toBeGreaterThan(22);
    const rt = await startRuntime(outDir(kind), `credit-${kind}`);
    const model = (await (await fetch(`${rt}/v2/models/credit-${kind}`)).json()) as { inputs: Array<{ name: string; datatype: string }> };
    const value = (p: Prediction, column: string, datatype: string) => {
      const v = cell(p.row, column);
      return datatype === 'BYTES' ? v : isMissing(v) ? null : Number(v);
    };
    const post = async (route: string, body: unknown) => {
      const r = await fetch(rt + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await r.json()) as unknown;
      expect(r.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    const check = (p1: number[], labels: number[]) =>
      sample.forEach((p, i) => {
        expect(Math.abs(p1[i]! - p.probability)).toBeLessThanOrEqual(1e-6);
        expect(labels[i]).toBe(p.prediction);
      });

    const inputs: InferInputTensor[] = model.inputs.map((m) => ({ name: m.name, datatype: m.datatype, shape: [sample.length, 1], data: sample.map((p) => value(p, m.name, m.datatype)) }));
    const oip = inferResponse.parse(await post(`/v2/models/credit-${kind}/infer`, { inputs }));
    const probs = oip.outputs.find((o) => o.name === 'probabilities')!;
    expect(probs).toMatchObject({ datatype: 'FP32', shape: [sample.length, 2] });
    const oipP1 = sample.map((_, i) => probs.data[2 * i + 1] as number);
    check(oipP1, oip.outputs.find((o) => o.name === 'label')!.data as number[]);

    // Whole CSV rows, the id and label columns included (columns the model does not take are ignored).
    const records = sample.map((p) => Object.fromEntries(header.map((c) => [c, value(p, c, ['customer_id', 'home_ownership', 'purpose', 'region'].includes(c) ? 'BYTES' : 'FP64')])));
    const split = { columns: header, data: records.map((r) => header.map((c) => r[c])) };
    for (const body of [{ dataframe_records: records }, { dataframe_split: split }]) {
      const { predictions } = (await post('/invocations', body)) as { predictions: { label: number[]; probabilities: number[][] } };
      const p1 = predictions.probabilities.map((p) => p[1]!);
      check(p1, predictions.label);
      expect(p1).toEqual(oipP1);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The runtime as a child process (dist/runtime/server.js, as tests/runtime.test.ts runs it)

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function startRuntime(model: string, name: string): Promise<string> {
  const server = path.join(repoRoot, 'dist/runtime/server.js');
  if (!fs.existsSync(server)) execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'node'], { cwd: repoRoot, stdio: 'inherit' });
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, MLDESK_MODEL_PATH: model, MLDESK_MODEL_NAME: name, PORT: '0', HOST: '127.0.0.1', MLDESK_RECORDS_DIR: path.join(tmpDir(), 'records') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => (children.delete(child), reject(new Error(`runtime exited ${code}: ${err}`))));
  });
}

// ---------------------------------------------------------------------------------------------
// Registration

describe('demo model registration', () => {
  let served: Served;
  afterAll(async () => {
    await served?.close();
  });

  it('registers the best run by val_auc as credit-risk v1 @champion and the runner-up as v2 @challenger', async () => {
    const root = tmpDir();
    served = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 0 } });
    const project = await createDemoProject(served.engine, path.join(root, 'demo'));
    const runs = [
      { name: 'logreg-slow', args: ['--model', 'logreg', '--lr', '0.001', '--epochs', '1'] },
      { name: 'logreg-e3', args: ['--model', 'logreg', '--epochs', '3'] },
      { name: 'gbt-10x2', args: ['--model', 'gbt', '--trees', '10', '--depth', '2'] },
    ];
    const ids = await seedDemoRuns(served.engine, project.id, undefined, runs);
    const t = served.engine.tracking;
    const auc = (id: string) => t.runs.get(id).data.metrics.find((m) => m.key === 'val_auc')!.value;
    const ranked = [...ids].sort((a, b) => auc(b) - auc(a));
    for (const id of ids) {
      expect(t.runs.get(id).info.status).toBe('FINISHED');
      for (const rel of ['model/model.onnx', 'model/MLmodel', 'model/model.json', 'eval/val_predictions.csv']) expect(fs.existsSync(path.join(t.runArtifactDir(id), rel)), rel).toBe(true);
    }

    const registered = registerDemoModels(served.engine, ids);
    expect(registered.map((r) => [r.version, r.alias, r.runId])).toEqual([
      ['1', 'champion', ranked[0]],
      ['2', 'challenger', ranked[1]],
    ]);
    const registry = served.engine.registry;
    expect(registry.getModelVersionByAlias(DEMO_MODEL, 'champion')).toMatchObject({ version: '1', run_id: ranked[0], source: `runs:/${ranked[0]}/model` });
    expect(registry.getModelVersionByAlias(DEMO_MODEL, 'challenger')).toMatchObject({ version: '2', run_id: ranked[1], source: `runs:/${ranked[1]}/model` });
    expect(registry.getModelVersion(DEMO_MODEL, '1').description).toMatch(/val_auc 0\.\d{4}/);
    expect(registry.getRegisteredModel(DEMO_MODEL).description).toMatch(/ONNX/);

    // The champion's registered folder is a servable model.
    const champion = await loadModel(path.join(t.runArtifactDir(ranked[0]!), 'model'), 'champion');
    expect(champion.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
  }, 120_000);
});
