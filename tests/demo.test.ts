import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_COLUMNS, writeDemoFiles } from '../resources/demo/generate';
import { resourcePath } from '../electron/core/packageRoot';
import { startServer } from '../electron/host/serve';

const EXPECTED_FILES = ['data/train.csv', 'data/production.csv', 'data/drift.json', 'train.mjs', 'mldesk.json', 'README.md', '.gitignore'];

const tempDirs: string[] = [];
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

  afterAll(() => {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
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
      const model = JSON.parse(fs.readFileSync(path.join(t.runArtifactDir(run.info.run_id), 'model', 'model.json'), 'utf8')) as { model_type: string };
      expect(model.model_type).toBe('logreg');
      expect(fs.existsSync(path.join(t.runArtifactDir(run.info.run_id), 'metrics.json'))).toBe(true);
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
