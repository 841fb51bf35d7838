import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { DEMO_COLUMNS, DEMO_DATA_HISTORY, DEMO_DATASETS, TRAIN_V1, TRAIN_V1_COLUMNS, TRAIN_ROWS, writeDemoData, writeDemoFiles } from '../resources/demo/generate';
import { resourcePath } from '../electron/core/packageRoot';
import { startServer, type Served } from '../electron/host/serve';
import { createDemoProject, DEMO_RUNS, seedDemoRuns } from '../electron/core/projects/demo';
import { datasetVersions, type Expectations } from '../electron/core/data';

type DatasetVersion = Awaited<ReturnType<typeof datasetVersions>>[number];

const EXPECTED_FILES = [
  'data/train.csv',
  'data/production.csv',
  'data/drift.json',
  'train.mjs',
  'onnx.mjs',
  'lib/onnx.proto',
  'lib/protobuf.min.js',
  'lib/protobuf.LICENSE',
  'mldesk.json',
  'README.md',
  '.gitignore',
];

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-demo-'));
  tempDirs.push(dir);
  return dir;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

type Row = Record<string, string>;
interface Table {
  header: string[];
  rows: Row[];
}

/** The generator never quotes (no value contains a comma or quote), so a plain split is exact. */
function readCsv(file: string): Table {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\r\n');
  expect(lines.pop()).toBe(''); // ends with a line break
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    expect(cells).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]!]));
  });
  return { header, rows };
}

function mean(rows: Row[], col: string): number {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    if (r[col] === '') continue;
    sum += Number(r[col]);
    n++;
  }
  return sum / n;
}

function share(rows: Row[], col: string, value: string): number {
  return rows.filter((r) => r[col] === value).length / rows.length;
}

function train(dir: string, args: string[]): { status: number | null; stdout: string; stderr: string; auc: number } {
  const env = { ...process.env };
  delete env.MLFLOW_TRACKING_URI;
  delete env.MLFLOW_RUN_ID;
  const res = spawnSync(process.execPath, ['train.mjs', ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  const lines = res.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const m = /^final val_auc=([0-9.]+)$/.exec(last);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, auc: m ? Number(m[1]) : NaN };
}


/** Async spawn (the tracking server lives in this process, so spawnSync would deadlock). */
function trainAsync(dir: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ['MLFLOW_TRACKING_URI', 'MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID']) delete base[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['train.mjs', ...args], { cwd: dir, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('demo project generator', () => {
  let dirA: string;
  let dirB: string;
  let written: string[];
  let trainCsv: Table;
  let prodCsv: Table;

  beforeAll(async () => {
    dirA = tempDir();
    dirB = tempDir();
    written = await writeDemoFiles(dirA);
    await writeDemoFiles(dirB);
    trainCsv = readCsv(path.join(dirA, 'data/train.csv'));
    prodCsv = readCsv(path.join(dirA, 'data/production.csv'));
  });


  it('locates the training script template from the package root', () => {
    const template = resourcePath('demo', 'template', 'train.mjs');
    expect(fs.existsSync(template)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(template, '../../../../package.json'), 'utf8')).name).toBe('mldesk');
  });

  it('returns the relative posix paths it wrote', () => {
    expect([...written].sort()).toEqual([...EXPECTED_FILES].sort());
    for (const rel of written) {
      expect(rel).not.toContain('\\');
      expect(path.isAbsolute(rel)).toBe(false);
      expect(fs.existsSync(path.join(dirA, rel))).toBe(true);
    }
    expect(fs.readFileSync(path.join(dirA, 'train.mjs'))).toEqual(fs.readFileSync(resourcePath('demo', 'template', 'train.mjs')));
  });

  it('is byte-identical across generations', () => {
    for (const rel of EXPECTED_FILES) {
      expect(sha256(path.join(dirB, rel)), rel).toBe(sha256(path.join(dirA, rel)));
    }
  });

  it('keeps an existing .gitignore and adds outputs/ once', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.gitignore'), '.mldesk/cache/\n');
    await writeDemoFiles(dir);
    const ignore = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
    expect(ignore.startsWith('.mldesk/cache/\n')).toBe(true);
    expect(ignore.split('\n').filter((l) => l === 'outputs/')).toHaveLength(1);
  });

  it('writes 20,000 training rows with the declared header and realistic values', () => {
    expect(trainCsv.header).toEqual([...DEMO_COLUMNS]);
    expect(trainCsv.rows).toHaveLength(20_000);
    expect(prodCsv.header).toEqual([...DEMO_COLUMNS]);
    expect(prodCsv.rows).toHaveLength(5_000);

    const ids = new Set([...trainCsv.rows, ...prodCsv.rows].map((r) => r.customer_id));
    expect(ids.size).toBe(25_000);
    expect(trainCsv.rows[0]!.customer_id).toBe('C000001');

    const rows = trainCsv.rows;
    const positiveRate = mean(rows, 'default');
    expect(positiveRate).toBeGreaterThan(0.1);
    expect(positiveRate).toBeLessThan(0.25);
    // Collect violations instead of 300k expect() calls.
    const bad: string[] = [];
    const isIntIn = (v: string, lo: number, hi: number) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
    for (const r of rows) {
      if (r.default !== '0' && r.default !== '1') bad.push(`${r.customer_id} default=${r.default}`);
      if (!isIntIn(r.age!, 18, 80)) bad.push(`${r.customer_id} age=${r.age}`);
      if (!isIntIn(r.credit_score!, 300, 850)) bad.push(`${r.customer_id} credit_score=${r.credit_score}`);
      if (!['12', '24', '36', '48', '60'].includes(r.loan_term_months!)) bad.push(`${r.customer_id} term=${r.loan_term_months}`);
      if (!['RENT', 'OWN', 'MORTGAGE'].includes(r.home_ownership!)) bad.push(`${r.customer_id} home=${r.home_ownership}`);
      if (!['north', 'south', 'east', 'west'].includes(r.region!)) bad.push(`${r.customer_id} region=${r.region}`);
      if (r.income !== '' && !/^\d+\.\d{2}$/.test(r.income!)) bad.push(`${r.customer_id} income=${r.income}`);
      if (r.employment_years !== '' && !isIntIn(r.employment_years!, 0, 62)) bad.push(`${r.customer_id} employment_years=${r.employment_years}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    for (const col of ['income', 'employment_years']) {
      const missing = share(rows, col, '');
      expect(missing, col).toBeGreaterThan(0.005);
      expect(missing, col).toBeLessThan(0.03);
    }
    for (const col of DEMO_COLUMNS.filter((c) => c !== 'income' && c !== 'employment_years')) {
      expect(share(rows, col, ''), col).toBe(0);
    }
    expect(share(rows, 'num_delinquencies', '0')).toBeGreaterThan(0.7);
  });

  it('drifts the production batch in the named features only', () => {
    const drift = JSON.parse(fs.readFileSync(path.join(dirA, 'data/drift.json'), 'utf8')) as {
      drifted: string[];
      stable: string[];
      description: string;
    };
    expect(drift.drifted).toEqual(['income', 'credit_score', 'purpose']);
    expect(drift.stable).toEqual(expect.arrayContaining(['age', 'region', 'loan_term_months']));
    expect(drift.description.length).toBeGreaterThan(20);

    const t = trainCsv.rows;
    const p = prodCsv.rows;
    expect(mean(p, 'income')).toBeLessThan(mean(t, 'income') * 0.9);
    expect(mean(t, 'credit_score') - mean(p, 'credit_score')).toBeGreaterThan(25);
    expect(share(p, 'purpose', 'small_business')).toBeGreaterThan(2 * share(t, 'purpose', 'small_business'));
    expect(share(p, 'purpose', 'medical')).toBeGreaterThan(1.5 * share(t, 'purpose', 'medical'));

    expect(Math.abs(mean(p, 'age') / mean(t, 'age') - 1)).toBeLessThan(0.02);
    expect(Math.abs(mean(p, 'loan_term_months') / mean(t, 'loan_term_months') - 1)).toBeLessThan(0.02);
    for (const region of ['north', 'south', 'east', 'west']) {
      expect(Math.abs(share(p, 'region', region) - share(t, 'region', region)), region).toBeLessThan(0.02);
    }
  });

  it('writes a manifest with the training command and datasets', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dirA, 'mldesk.json'), 'utf8'));
    expect(manifest.name).toBe('credit-risk-demo');
    expect(manifest.train.command).toEqual(['node', 'train.mjs']);
    expect(manifest.train.params).toMatchObject({ lr: 0.1, epochs: 15 });
    expect(manifest.datasets).toEqual(['data/train.csv', 'data/production.csv']);
    expect(manifest.label).toBe('default');
  });

  it('trains a logistic regression with train.mjs', () => {
    const res = train(dirA, ['--epochs', '5']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/epoch 5\/5 train_loss=\S+ val_loss=\S+ val_accuracy=\S+ val_auc=\S+ val_f1=\S+/);
    expect(res.auc).toBeGreaterThan(0.7);

    const model = JSON.parse(fs.readFileSync(path.join(dirA, 'outputs/model.json'), 'utf8'));
    expect(model.model_type).toBe('logreg');
    expect(model.weights).toHaveLength(model.preprocessing.feature_order.length);
    expect(model.preprocessing.feature_order).toContain('purpose=small_business');
    expect(model.preprocessing.feature_order).toContain('income__missing');
    expect(model.preprocessing.feature_order).not.toContain('customer_id');
    const metrics = JSON.parse(fs.readFileSync(path.join(dirA, 'outputs/metrics.json'), 'utf8'));
    expect(metrics.history).toHaveLength(5);
    expect(metrics.final.val_auc).toBeCloseTo(res.auc, 3);
  });

  it('trains gradient-boosted trees with --model gbt', () => {
    const res = train(dirA, ['--model', 'gbt', '--trees', '60', '--depth', '3', '--out', 'outputs-gbt']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.auc).toBeGreaterThan(0.7);
    const model = JSON.parse(fs.readFileSync(path.join(dirA, 'outputs-gbt/model.json'), 'utf8'));
    expect(model.model_type).toBe('gbt');
    expect(model.gbt.trees).toHaveLength(60);
  });

  it('logs to the real tracking server over REST when it creates the run', async () => {
    const served = await startServer({ dataDir: path.join(tempDir(), 'mlflow-data-1'), port: 0, uiDir: null });
    try {
      const res = await trainAsync(dirA, ['--epochs', '3', '--out', 'outputs-mlflow'], { MLFLOW_TRACKING_URI: served.url + '/' });
      expect(res.status, res.stderr).toBe(0);
      const t = served.engine.tracking;
      const exp = t.experiments.getByName('credit-risk');
      const { runIds } = t.searchRuns({ experimentIds: [exp.experiment_id], viewType: 'ALL', maxResults: 10 });
      expect(runIds).toHaveLength(1);
      const run = t.runs.get(runIds[0]!);
      expect(run.info.status).toBe('FINISHED');
      expect(run.info.end_time).toBeGreaterThan(0);
      expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'mlflow.source.name', value: 'train.mjs' }]));
      expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'lr', value: '0.1' }, { key: 'epochs', value: '3' }]));
      expect(run.data.metrics.map((m) => m.key).sort()).toEqual(['train_loss', 'val_accuracy', 'val_auc', 'val_f1', 'val_loss']);
      expect(t.runs.history(run.info.run_id, 'val_auc').map((m) => m.step)).toEqual([1, 2, 3]);
      const digest = createHash('sha256').update(fs.readFileSync(path.join(dirA, 'data/train.csv'))).digest('hex').slice(0, 16);
      expect(run.inputs.dataset_inputs).toEqual([
        { dataset: { name: 'train', digest, source_type: 'local', source: 'data/train.csv' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
      ]);
      const artifacts = t.runArtifactDir(run.info.run_id);
      const model = JSON.parse(fs.readFileSync(path.join(artifacts, 'model', 'model.json'), 'utf8')) as { model_type: string };
      expect(model.model_type).toBe('logreg');
      for (const rel of ['metrics.json', 'model/model.onnx', 'model/MLmodel', 'eval/val_predictions.csv']) expect(fs.existsSync(path.join(artifacts, rel)), rel).toBe(true);
      expect(fs.readFileSync(path.join(artifacts, 'model', 'MLmodel'), 'utf8')).toContain(`run_id: ${run.info.run_id}`);
    } finally {
      await served.close();
    }
  });

  it('attaches to MLFLOW_RUN_ID without creating or closing a run', async () => {
    const served = await startServer({ dataDir: path.join(tempDir(), 'mlflow-data-2'), port: 0, uiDir: null });
    try {
      const t = served.engine.tracking;
      const given = t.runs.create({ experimentId: '0', runName: 'given' }).info.run_id;
      const res = await trainAsync(dirA, ['--epochs', '2', '--out', 'outputs-mlflow'], { MLFLOW_TRACKING_URI: served.url, MLFLOW_RUN_ID: given });
      expect(res.status, res.stderr).toBe(0);
      expect(t.searchRuns({ experimentIds: ['0'], viewType: 'ALL', maxResults: 10 }).runIds).toEqual([given]);
      expect(t.runs.get(given).info.status).toBe('RUNNING');
      expect(t.runs.history(given, 'val_loss')).toHaveLength(2);
      expect(fs.existsSync(path.join(t.runArtifactDir(given), 'model', 'model.json'))).toBe(true);
    } finally {
      await served.close();
    }
  });

  it('exits non-zero with the MLflow error when the server refuses a write', async () => {
    const served = await startServer({ dataDir: path.join(tempDir(), 'mlflow-data-3'), port: 0, uiDir: null });
    try {
      const t = served.engine.tracking;
      const given = t.runs.create({ experimentId: '0' }).info.run_id;
      t.runs.logBatch(given, { params: [{ key: 'lr', value: '999' }] }); // params are immutable: the script's lr=0.1 must be refused
      const res = await trainAsync(dirA, ['--epochs', '2', '--out', 'outputs-mlflow'], { MLFLOW_TRACKING_URI: served.url, MLFLOW_RUN_ID: given });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('INVALID_PARAMETER_VALUE');
    } finally {
      await served.close();
    }
  });

  it('rejects unknown options with a usage error', () => {
    const res = train(dirA, ['--bogus', '1']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/error:/);
  });
});


/** The demo as `mldesk demo` makes it: a real git repo, datasets versioned by the real data engine. */
describe('demo project data: versions, diff, validation, lineage', () => {
  let served: Served;
  let dir: string;
  let projectId: string;
  let train: DatasetVersion[];
  let createMs: number;
  const data = () => served.engine.data;
  const readJson = <T>(rel: string): T => JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8')) as T;

  beforeAll(async () => {
    const root = tempDir();
    served = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 0 } });
    const started = performance.now();
    const project = await createDemoProject(served.engine, path.join(root, 'demo'));
    createMs = performance.now() - started;
    dir = project.path;
    projectId = project.id;
    expect(project.git?.dirty).toBe(false);
    train = await datasetVersions(dir, 'data/train.csv');
  });

  afterAll(async () => {
    await served?.close();
  });

  it('commits two versions of train.csv, production.csv and the expectations; the CSVs themselves stay out of git', async () => {
    expect(createMs).toBeLessThan(20_000);
    // Newest first: the current file, then the first extract.
    expect(train).toHaveLength(2);
    const [v2, v1] = train as [DatasetVersion, DatasetVersion];
    expect(v2.pointer.sha256).toBe(sha256(path.join(dir, 'data/train.csv')));
    expect(v2.pointer.rows).toBe(TRAIN_ROWS);
    expect(v2.pointer.columns.map((c) => c.name)).toEqual([...DEMO_COLUMNS]);
    expect(v1.pointer.rows).toBe(TRAIN_V1.keptRows + TRAIN_V1.testRows);
    expect(v1.pointer.columns.map((c) => c.name)).toEqual(TRAIN_V1_COLUMNS);
    // Both versions are in the cache, so either can be checked out or diffed.
    for (const v of train) expect(fs.existsSync(path.join(dir, '.mldesk/cache', v.pointer.sha256.slice(0, 2), v.pointer.sha256.slice(2)))).toBe(true);

    const production = await datasetVersions(dir, 'data/production.csv');
    expect(production).toHaveLength(1);
    expect(production[0]!.pointer.sha256).toBe(sha256(path.join(dir, 'data/production.csv')));

    const log = await git.log({ fs, dir });
    expect(log.map((c) => c.commit.message.trim().replace(/\(.*\)$/, '').trim())).toEqual([
      'data: expectations for data/train.csv',
      'data: add data/production.csv',
      'data: update data/train.csv',
      'data: add data/train.csv',
      'Create credit-risk-demo',
    ]);
    const head = await git.listFiles({ fs, dir, ref: 'HEAD' });
    expect(head).toEqual(expect.arrayContaining(['data/train.csv.mldesk', 'data/production.csv.mldesk', 'data/train.csv.expectations.json', 'data/drift.json', 'train.mjs', 'mldesk.json']));
    for (const c of log) {
      const files = await git.listFiles({ fs, dir, ref: c.oid });
      expect(files.filter((f) => (DEMO_DATASETS as readonly string[]).includes(f)), c.commit.message).toEqual([]);
    }
    const ignore = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['/data/train.csv', '/data/production.csv', '.mldesk/cache/', 'outputs/']));
  });

  it('diffs the two train.csv versions by customer_id: added, removed and changed rows, a new column, recomputed cells', async () => {
    const [v2, v1] = train as [DatasetVersion, DatasetVersion];
    const ref = (v: DatasetVersion) => ({ projectId, path: 'data/train.csv', version: v.commit });
    const r = await data().diff(ref(v1), ref(v2), { key: ['customer_id'], offset: 0, limit: 100_000, kinds: ['added', 'removed', 'changed'] });
    expect(r.keyed).toBe(true);
    expect(r.schema.added.map((c) => c.name)).toEqual([TRAIN_V1.addedColumn]);
    expect(r.schema.removed).toEqual([]);
    expect(r.schema.changed).toEqual([]);
    expect(r.rows.added).toBe(TRAIN_ROWS - TRAIN_V1.keptRows);
    expect(r.rows.removed).toBe(TRAIN_V1.testRows);
    // Only 60-month loans were re-priced: a sizeable share, not every row.
    expect(r.rows.changed).toBeGreaterThan(TRAIN_V1.keptRows * 0.15);
    expect(r.rows.changed).toBeLessThan(TRAIN_V1.keptRows * 0.25);
    expect(r.rows.unchanged).toBe(TRAIN_V1.keptRows - r.rows.changed);
    expect(Object.entries(r.changedByColumn).filter(([, n]) => n > 0)).toEqual([[TRAIN_V1.recomputedColumn, r.rows.changed]]);

    const rows = r.samples.rows;
    const keyOf = (x: (typeof rows)[number]) => String(x.key.customer_id);
    expect(rows.filter((x) => x.kind === 'removed').map(keyOf)).toEqual(Array.from({ length: TRAIN_V1.testRows }, (_, i) => `T${String(i + 1).padStart(6, '0')}`));
    expect(rows.filter((x) => x.kind === 'added').map(keyOf)[0]).toBe(`C${String(TRAIN_V1.keptRows + 1).padStart(6, '0')}`);
    const changed = rows.filter((x) => x.kind === 'changed');
    expect(changed).toHaveLength(r.rows.changed);
    for (const x of changed) {
      expect(x.changes.map((c) => c.column)).toEqual([TRAIN_V1.recomputedColumn]);
      expect(x.cells.loan_term_months).toBe('60');
      // The capped 48-month term overstated the payment: the recomputed ratio is lower (or both clipped at 1.5).
      expect(Number(x.changes[0]!.new)).toBeLessThan(Number(x.changes[0]!.old));
    }
  });

  it('validates production.csv against the committed expectations: drift and missing incomes fail it', async () => {
    const exp = readJson<Expectations>('data/train.csv.expectations.json');
    // Exactly what `mldesk data expect data/train.csv --commit` writes.
    expect(exp).toEqual(await data().inferFromFile(path.join(dir, 'data/train.csv')));
    expect(exp.reference.sha256).toBe(train[0]!.pointer.sha256);

    // A batch against the training set's expectations: no row-count band (README "Validation against a reference").
    const report = await data().validateFile(path.join(dir, 'data/production.csv'), exp, { rowCount: 'batch' });
    expect(report.passed).toBe(false);
    const failed = (name: string) => report.checks.filter((c) => c.name === name && !c.passed).map((c) => c.column);
    expect(report.checks.filter((c) => c.name === 'row count')).toEqual([]);
    const drift = readJson<{ drifted: string[]; stable: string[] }>('data/drift.json');
    expect(failed('distribution shift (PSI)')).toEqual(expect.arrayContaining(drift.drifted));
    expect(failed('missing values')).toEqual(['income']);
    // The columns drift.json calls stable pass their drift test: the failures are the injected shift.
    const psiPassed = report.checks.filter((c) => c.name === 'distribution shift (PSI)' && c.passed).map((c) => c.column);
    expect(psiPassed).toEqual(expect.arrayContaining(drift.stable));
  });

  it('validates train.csv against its own expectations: every check passes', async () => {
    const report = await data().validateFile(path.join(dir, 'data/train.csv'), readJson<Expectations>('data/train.csv.expectations.json'));
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('is reproducible: another demo commits the same pointers and expectations', async () => {
    const root = tempDir();
    const other = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null });
    try {
      const again = await createDemoProject(other.engine, path.join(root, 'demo'));
      for (const rel of ['data/train.csv.mldesk', 'data/production.csv.mldesk', 'data/train.csv.expectations.json']) {
        expect(sha256(path.join(again.path, rel)), rel).toBe(sha256(path.join(dir, rel)));
      }
      expect((await datasetVersions(again.path, 'data/train.csv')).map((v) => v.pointer)).toEqual(train.map((v) => v.pointer));
    } finally {
      await other.close();
    }
  });

  it('records the current train.csv version as an input of each demo run (lineage)', async () => {
    // One of the demo's runs, started the way the demo starts all six.
    const statuses: string[] = [];
    const ids = await seedDemoRuns(served.engine, projectId, (_, status) => statuses.push(status), DEMO_RUNS.slice(0, 1));
    expect(statuses).toEqual(['FINISHED']);
    const current = train[0]!.commit;
    for (const id of ids) {
      const inputs = served.engine.tracking.runs.get(id).inputs.dataset_inputs.map((i) => i.dataset);
      // Only what the run read: train.mjs logs the file it read (its command names no dataset); production.csv is not an input.
      expect(inputs.map((d) => d.name)).toEqual(['train']);
      for (const d of inputs) {
        expect(await data().locate({ name: d.name, source: d.source, digest: d.digest, projectId }), d.name).toEqual({ projectId, path: 'data/train.csv', commit: current });
      }
    }
  }, 60_000);
});

describe('demo data history', () => {
  it('writes the first train.csv version deterministically, without the later column', async () => {
    const [a, b] = [tempDir(), tempDir()];
    for (const d of [a, b]) await writeDemoData(d, DEMO_DATA_HISTORY[0]!);
    expect(sha256(path.join(a, 'data/train.csv'))).toBe(sha256(path.join(b, 'data/train.csv')));
    const [header, ...lines] = fs.readFileSync(path.join(a, 'data/train.csv'), 'utf8').trimEnd().split('\r\n');
    expect(header!.split(',')).toEqual(TRAIN_V1_COLUMNS);
    expect(TRAIN_V1_COLUMNS).not.toContain(TRAIN_V1.addedColumn);
    expect(lines).toHaveLength(TRAIN_V1.keptRows + TRAIN_V1.testRows);
    expect(lines.filter((l) => l.split(',').length !== TRAIN_V1_COLUMNS.length)).toEqual([]);
    const ids = lines.map((l) => l.slice(0, l.indexOf(',')));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('T'))).toHaveLength(TRAIN_V1.testRows);
  });

  it('leaves the datasets out when asked (the demo versions them one by one)', async () => {
    const d = tempDir();
    const written = await writeDemoFiles(d, { datasets: false });
    expect(written.filter((f) => (DEMO_DATASETS as readonly string[]).includes(f))).toEqual([]);
    for (const rel of DEMO_DATASETS) expect(fs.existsSync(path.join(d, rel))).toBe(false);
  });
});
