// The TypeScript (shared/lib/trackingClient.ts) and Python (resources/python/mldesk_client.py) tracking clients,
// end to end against the real server running in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, serveInProcess } from './helpers';
import type { Served } from '../electron/host/serve';
import { TrackingClient, TrackingError, splitBatch } from '../shared/lib/trackingClient';
import * as lib from '../electron/host/lib';

let s: Served & { dataDir: string };
let client: TrackingClient;
beforeAll(async () => {
  s = await serveInProcess();
  client = new TrackingClient({ trackingUri: s.url });
});
afterAll(async () => {
  await s.close();
});

/** Rejection of `p` as a TrackingError (fails the test when `p` resolves). */
async function trackingError(p: Promise<unknown>): Promise<TrackingError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TrackingError);
  return e as TrackingError;
}

/**
 * Runs python3 asynchronously: the server shares this process's event loop, so spawnSync would block the
 * server the child is talking to.
 */
function python(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['MLFLOW_RUN_ID', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_TRACKING_TOKEN', 'MLDESK_TOKEN']) delete base[k];
    const p = spawn('python3', args, {
      cwd: repoRoot,
      env: { ...base, PYTHONPATH: 'resources/python', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', MLFLOW_TRACKING_URI: s.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
const pythonCode = (code: string, env: Record<string, string> = {}) => python(['-c', code], env);
const EXAMPLE = path.join('resources', 'python', 'example_train.py');

describe('TypeScript TrackingClient', () => {
  it('is exported from the package entry', () => {
    expect(lib.TrackingClient).toBe(TrackingClient);
    expect(lib.TrackingError).toBe(TrackingError);
  });

  it('creates, gets and get-or-creates experiments (concurrent get-or-create agrees on one id)', async () => {
    const id = await client.createExperiment('ts-exp', { tags: { team: 'risk' } });
    expect(id).toMatch(/^\d+$/);
    const exp = await client.getExperiment(id);
    expect(exp).toMatchObject({ experiment_id: id, name: 'ts-exp', lifecycle_stage: 'active', tags: [{ key: 'team', value: 'risk' }] });
    expect((await client.getOrCreateExperiment('ts-exp')).experiment_id).toBe(id);
    expect(await client.getExperimentByName('ts-missing')).toBeNull();
    const raced = await Promise.all(Array.from({ length: 5 }, () => client.getOrCreateExperiment('ts-race')));
    expect(new Set(raced.map((e) => e.experiment_id)).size).toBe(1);
    const dup = await trackingError(client.createExperiment('ts-exp'));
    expect(dup).toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 });
    const found = await client.searchExperiments({ filter: "name LIKE 'ts-%'", orderBy: ['name ASC'], pageSize: 1 });
    expect(found.map((e) => e.name)).toEqual(['ts-exp', 'ts-race']);
    expect(await client.searchExperiments({ filter: "name LIKE 'ts-%'", maxResults: 1 })).toHaveLength(1);
  });

  it('logs params, metrics (NaN, ±Infinity), tags and inputs; ends the run', async () => {
    const exp = await client.getOrCreateExperiment('ts-runs');
    const run = await client.createRun(exp.experiment_id, { runName: 'first', tags: { 'mlflow.user': 'ana', stage: 'dev' }, startTime: 1000 });
    const id = run.info.run_id;
    expect(run.info).toMatchObject({ run_name: 'first', status: 'RUNNING', start_time: 1000, user_id: 'ana', artifact_uri: `mlflow-artifacts:/${exp.experiment_id}/${id}/artifacts` });

    await client.logParam(id, 'lr', 0.1);
    await client.logParams(id, { depth: 6, model: 'gbt', enabled: true });
    await client.logMetric(id, 'loss', 1.5, 0, 10);
    await client.logMetric(id, 'loss', 0.5, 1, 20);
    await client.logMetric(id, 'weird', NaN, 0);
    await client.logMetric(id, 'weird', Infinity, 1);
    await client.logMetrics(id, { up: Infinity, down: -Infinity, acc: 0.9 }, 3);
    await client.setTag(id, 'note', 'a');
    await client.setTags(id, { note: 'b', owner: 'ml' });
    await client.logInputs(id, [{ name: 'train', source: 'data/train.csv', context: 'training', schema: '{"a":"int"}' }]);

    const got = await client.getRun(id);
    const params = Object.fromEntries(got.data.params.map((p) => [p.key, p.value]));
    expect(params).toEqual({ lr: '0.1', depth: '6', model: 'gbt', enabled: 'true' });
    const metrics = Object.fromEntries(got.data.metrics.map((m) => [m.key, m]));
    expect(metrics.loss).toEqual({ key: 'loss', value: 0.5, timestamp: 20, step: 1 });
    expect(metrics.weird!.value).toBe(Infinity);
    expect(metrics.up!.value).toBe(Infinity);
    expect(metrics.down!.value).toBe(-Infinity);
    expect(metrics.acc).toMatchObject({ value: 0.9, step: 3 });
    const tags = Object.fromEntries(got.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ note: 'b', owner: 'ml', stage: 'dev' });
    expect(got.inputs.dataset_inputs).toEqual([
      {
        dataset: { name: 'train', digest: expect.stringMatching(/^[0-9a-f]{8}$/), source_type: 'local', source: 'data/train.csv', schema: '{"a":"int"}' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);

    const weird = await client.getMetricHistory(id, 'weird');
    expect(weird.map((m) => m.step)).toEqual([0, 1]);
    expect(Number.isNaN(weird[0]!.value)).toBe(true);
    expect(weird[1]!.value).toBe(Infinity);

    await client.deleteTag(id, 'owner');
    expect((await client.getRun(id)).data.tags.some((t) => t.key === 'owner')).toBe(false);
    const info = await client.setTerminated(id, 'FINISHED', 5000);
    expect(info).toMatchObject({ status: 'FINISHED', end_time: 5000 });
  });

  it('logBatch splits 2500 metrics + 250 params + 150 tags into MLflow-sized requests; all are stored', async () => {
    const exp = await client.getOrCreateExperiment('ts-batch');
    const id = (await client.createRun(exp.experiment_id)).info.run_id;
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'curve', value: i === 7 ? NaN : Math.sin(i / 100), step: i, timestamp: 1000 + i }));
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, value: `v${i}` }));
    const requests = await client.logBatch(id, { metrics, params, tags });
    expect(requests).toBeGreaterThanOrEqual(5); // ≥3 for params alone, ≥3 for 2500 metrics; ≤1000 entities each
    const history = await client.getMetricHistory(id, 'curve', { pageSize: 1000 }); // 3 pages
    expect(history).toHaveLength(2500);
    expect(history.map((m) => m.step)).toEqual(metrics.map((m) => m.step));
    expect(Number.isNaN(history[7]!.value)).toBe(true);
    expect(history[2499]!.value).toBeCloseTo(Math.sin(24.99), 10);
    const run = await client.getRun(id);
    expect(run.data.params).toHaveLength(250);
    expect(run.data.params.find((p) => p.key === 'p249')?.value).toBe('249');
    expect(run.data.tags.filter((t) => /^t\d+$/.test(t.key))).toHaveLength(150);
  });

  it('splitBatch respects every MLflow limit, including ~1 MB bodies', () => {
    const kv = (n: number, len = 1) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(len) }));
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const chunks = splitBatch(metrics, kv(250), kv(150));
    for (const c of chunks) {
      expect(c.metrics.length).toBeLessThanOrEqual(1000);
      expect(c.params.length).toBeLessThanOrEqual(100);
      expect(c.tags.length).toBeLessThanOrEqual(100);
      expect(c.metrics.length + c.params.length + c.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(chunks.reduce((n, c) => n + c.metrics.length, 0)).toBe(2500);
    expect(chunks.reduce((n, c) => n + c.params.length, 0)).toBe(250);
    expect(chunks.reduce((n, c) => n + c.tags.length, 0)).toBe(150);
    // 100 params of 6000 chars + 100 tags of 8000 chars would be 1.4 MB in one body
    const big = splitBatch([], kv(100, 6000), kv(100, 8000));
    expect(big.length).toBeGreaterThan(1);
    for (const c of big) expect(new TextEncoder().encode(JSON.stringify({ run_id: 'x'.repeat(32), ...c })).length).toBeLessThan(1_000_000);
  });

  it('uploads, lists and downloads artifacts through the proxy', async () => {
    const exp = await client.getOrCreateExperiment('ts-artifacts');
    const id = (await client.createRun(exp.experiment_id)).info.run_id;
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await client.logArtifact(id, 'model/weights.bin', bytes);
    await client.logArtifact(id, 'model/model.json', JSON.stringify({ w: [1, 2] }));
    await client.logArtifact(id, 'notes/read me.txt', 'héllo');
    expect(await client.listArtifacts(id)).toEqual([
      { path: 'model', is_dir: true },
      { path: 'notes', is_dir: true },
    ]);
    expect(await client.listArtifacts(id, 'model')).toEqual([
      { path: 'model/model.json', is_dir: false, file_size: 11 },
      { path: 'model/weights.bin', is_dir: false, file_size: 256 },
    ]);
    expect(await client.downloadArtifact(id, 'model/weights.bin')).toEqual(bytes);
    expect(JSON.parse(await client.downloadArtifactText(id, 'model/model.json'))).toEqual({ w: [1, 2] });
    // a fresh client (no cached artifact URI) resolves it from the run
    expect(await new TrackingClient({ trackingUri: s.url }).downloadArtifactText(id, 'notes/read me.txt')).toBe('héllo');
    const missing = await trackingError(client.downloadArtifact(id, 'model/nope.bin'));
    expect(missing).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
  });

  it('searches runs with a filter, order_by and paging', async () => {
    const exp = await client.getOrCreateExperiment('ts-search');
    for (let i = 0; i < 7; i++) {
      const r = await client.createRun(exp.experiment_id, { runName: `r${i}`, startTime: 100 + i });
      await client.logBatch(r.info.run_id, { metrics: [{ key: 'acc', value: i / 10 }], params: { model: i % 2 ? 'gbt' : 'logreg' } });
    }
    const all = await client.searchRuns({ experimentIds: [exp.experiment_id], filter: 'metrics.acc >= 0.2', orderBy: ['metrics.acc DESC'], pageSize: 2 });
    expect(all.map((r) => r.info.run_name)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2']);
    expect(all[0]!.data.metrics[0]).toMatchObject({ key: 'acc', value: 0.6 });
    const some = await client.searchRuns({ experimentIds: [exp.experiment_id], filter: "params.model = 'logreg'", orderBy: ['attributes.start_time ASC'], maxResults: 3, pageSize: 2 });
    expect(some.map((r) => r.info.run_name)).toEqual(['r0', 'r2', 'r4']);
    const page1 = await client.searchRunsPage({ experimentIds: [exp.experiment_id], orderBy: ['attributes.start_time ASC'], maxResults: 4 });
    expect(page1.runs).toHaveLength(4);
    expect(page1.nextPageToken).toBeTruthy();
    const page2 = await client.searchRunsPage({ experimentIds: [exp.experiment_id], orderBy: ['attributes.start_time ASC'], maxResults: 4, pageToken: page1.nextPageToken });
    expect(page2.runs.map((r) => r.info.run_name)).toEqual(['r4', 'r5', 'r6']);
    expect(page2.nextPageToken).toBeUndefined();
    const bad = await trackingError(client.searchRuns({ experimentIds: [exp.experiment_id], filter: 'metrics.acc >' }));
    expect(bad.errorCode).toBe('INVALID_PARAMETER_VALUE');
  });

  it('maps MLflow errors to TrackingError; retries then reports connection failures', async () => {
    const exp = await client.getOrCreateExperiment('ts-errors');
    const id = (await client.createRun(exp.experiment_id)).info.run_id;
    await client.logParam(id, 'lr', '0.1');
    await client.logParam(id, 'lr', '0.1'); // same value: fine
    const changed = await trackingError(client.logParam(id, 'lr', '0.2'));
    expect(changed).toMatchObject({ name: 'TrackingError', errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect(changed.message).toMatch(/Changing param values is not allowed/);
    expect(await trackingError(client.getRun('deadbeef'))).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(await trackingError(client.logMetric(id, '../evil', 1))).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });

    const dead = new TrackingClient({ trackingUri: 'http://127.0.0.1:1', retries: 3, backoffMs: 5 });
    let calls = 0;
    const counting = new TrackingClient({
      trackingUri: 'http://127.0.0.1:1',
      retries: 3,
      backoffMs: 5,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    expect(await trackingError(dead.getExperiment('0'))).toMatchObject({ errorCode: 'CONNECTION_ERROR', status: 0 });
    await trackingError(counting.getExperiment('0'));
    expect(calls).toBe(3);
  });

  it('sends the bearer token to a token-protected server', async () => {
    const guarded = await serveInProcess({ token: 'sekret' });
    try {
      const anon = await trackingError(new TrackingClient({ trackingUri: guarded.url }).getExperiment('0'));
      expect(anon).toMatchObject({ errorCode: 'UNAUTHENTICATED', status: 401 });
      expect((await new TrackingClient({ trackingUri: guarded.url, token: 'sekret' }).getExperiment('0')).name).toBe('Default');
      const py = await python(['-c', 'import mldesk_client as m; print(m.MldeskClient().get_experiment("0")["name"])'], { MLFLOW_TRACKING_URI: guarded.url, MLFLOW_TRACKING_TOKEN: 'sekret' });
      expect(py.stderr).toBe('');
      expect(py.stdout.trim()).toBe('Default');
    } finally {
      await guarded.close();
    }
  });
});

describe('Python mldesk_client', () => {
  it('example_train.py creates a FINISHED run with params, 20 metric steps, a dataset input and model.json', async () => {
    const r = await python([EXAMPLE], { MLFLOW_EXPERIMENT_NAME: 'py-example' });
    expect(r.code, r.stderr).toBe(0);
    const runId = /run_id=(\w+) attached=False/.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeTruthy();
    const exp = await client.getExperimentByName('py-example');
    expect(exp).not.toBeNull();
    const runs = await client.searchRuns({ experimentIds: [exp!.experiment_id] });
    expect(runs.map((x) => x.info.run_id)).toEqual([runId]);

    const run = await client.getRun(runId!);
    expect(run.info).toMatchObject({ status: 'FINISHED', run_name: 'logreg-example', experiment_id: exp!.experiment_id });
    expect(run.info.end_time).toBeGreaterThanOrEqual(run.info.start_time!);
    expect(Object.fromEntries(run.data.params.map((p) => [p.key, p.value]))).toEqual({ lr: '0.1', epochs: '20', n_samples: '400', seed: '7', model: 'logreg' });
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ example: 'logreg', 'mlflow.source.name': 'example_train.py', 'mlflow.source.type': 'LOCAL' });
    expect(run.data.metrics.map((m) => m.key).sort()).toEqual(['train_accuracy', 'train_loss', 'val_accuracy', 'val_loss']);
    for (const key of ['train_loss', 'val_accuracy']) {
      const h = await client.getMetricHistory(runId!, key);
      expect(h.map((m) => m.step)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    const loss = await client.getMetricHistory(runId!, 'train_loss');
    expect(loss.at(-1)!.value).toBeLessThan(loss[0]!.value);
    expect(run.inputs.dataset_inputs[0]).toMatchObject({ dataset: { name: 'synthetic-blobs' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] });

    expect(await client.listArtifacts(runId!)).toEqual([{ path: 'model.json', is_dir: false, file_size: expect.any(Number) }]);
    const model = JSON.parse(await client.downloadArtifactText(runId!, 'model.json')) as { weights: number[]; bias: number; val_accuracy: number };
    expect(model.weights).toHaveLength(2);
    expect(model.val_accuracy).toBeGreaterThan(0.8);
  });

  it('attaches to MLFLOW_RUN_ID (no new run) and leaves it RUNNING for the launcher', async () => {
    const exp = await client.getOrCreateExperiment('py-attach');
    const launched = await client.createRun(exp.experiment_id, { runName: 'launched-by-mldesk-run' });
    const id = launched.info.run_id;
    const r = await python([EXAMPLE], { MLFLOW_RUN_ID: id, MLFLOW_EXPERIMENT_ID: exp.experiment_id });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`run_id=${id} attached=True`);
    const runs = await client.searchRuns({ experimentIds: [exp.experiment_id] });
    expect(runs.map((x) => x.info.run_id)).toEqual([id]);
    const run = await client.getRun(id);
    expect(run.info.status).toBe('RUNNING');
    expect(run.info.end_time).toBeUndefined();
    expect(run.info.run_name).toBe('launched-by-mldesk-run');
    expect(run.data.params).toHaveLength(5);
    expect(await client.getMetricHistory(id, 'val_loss')).toHaveLength(20);
    expect((await client.listArtifacts(id)).map((f) => f.path)).toEqual(['model.json']);
  });

  it('fluent runs end FAILED on an exception and KILLED on KeyboardInterrupt', async () => {
    const exp = await client.getOrCreateExperiment('py-status');
    const env = { MLFLOW_EXPERIMENT_ID: exp.experiment_id };
    const failed = await pythonCode("import mldesk_client as m\nwith m.start_run(run_name='boom'):\n    m.log_metric('x', 1)\n    raise ValueError('boom')", env);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/ValueError: boom/);
    const killed = await pythonCode("import mldesk_client as m\nm.start_run(run_name='ctrl-c')\nm.log_param('a', 1)\nraise KeyboardInterrupt", env);
    expect(killed.code).not.toBe(0);
    const auto = await pythonCode("import mldesk_client as m\nm.log_metric('auto', 1.0)", env);
    expect(auto.code, auto.stderr).toBe(0);
    const runs = await client.searchRuns({ experimentIds: [exp.experiment_id], orderBy: ['attributes.start_time ASC'] });
    expect(runs.map((x) => x.info.status)).toEqual(['FAILED', 'KILLED', 'FINISHED']);
    expect(runs.slice(0, 2).map((x) => x.info.run_name)).toEqual(['boom', 'ctrl-c']);
    expect(runs.every((x) => x.info.end_time !== undefined)).toBe(true);
  });

  it('records the OS user like MLflow (mlflow.user from getpass.getuser()) unless the caller gives one', async () => {
    const exp = await client.getOrCreateExperiment('py-user');
    const env = { MLFLOW_EXPERIMENT_ID: exp.experiment_id, LOGNAME: 'ada', USER: 'ada', LNAME: 'ada', USERNAME: 'ada' };
    const own = await pythonCode("import mldesk_client as m\nwith m.start_run(run_name='who'):\n    pass", env);
    expect(own.code, own.stderr).toBe(0);
    const given = await pythonCode("import mldesk_client as m\nwith m.start_run(run_name='given', tags={'mlflow.user': 'grace'}):\n    pass", env);
    expect(given.code, given.stderr).toBe(0);
    const runs = await client.searchRuns({ experimentIds: [exp.experiment_id], orderBy: ['attributes.start_time ASC'] });
    const user = (r: (typeof runs)[number]) => [r.info.user_id, r.data.tags.find((t) => t.key === 'mlflow.user')?.value];
    expect(runs.map((r) => r.info.run_name)).toEqual(['who', 'given']);
    expect(user(runs[0]!)).toEqual(['ada', 'ada']);
    expect(user(runs[1]!)).toEqual(['grace', 'grace']);
  });

  it('sends NaN/Infinity and splits a 2500-metric / 250-param log_batch', async () => {
    const exp = await client.getOrCreateExperiment('py-batch');
    const id = (await client.createRun(exp.experiment_id)).info.run_id;
    const code = [
      'import mldesk_client as m, math',
      'c = m.MldeskClient()',
      `rid = ${JSON.stringify(id)}`,
      "c.log_metric(rid, 'weird', float('nan'), step=0)",
      "c.log_metric(rid, 'weird', math.inf, step=1)",
      "c.log_metrics(rid, {'down': -math.inf}, step=2)",
      "n = c.log_batch(rid, metrics=[{'key': 'm', 'value': i, 'step': i} for i in range(2500)], params={'p%d' % i: i for i in range(250)})",
      "h = c.get_metric_history(rid, 'weird')",
      "print(n, len(c.get_metric_history(rid, 'm', page_size=1000)), math.isnan(h[0]['value']), h[1]['value'])",
    ].join('\n');
    const r = await pythonCode(code);
    expect(r.stderr).toBe('');
    const [requests, count, isNan, inf] = r.stdout.trim().split(' ');
    expect(Number(requests)).toBeGreaterThanOrEqual(4);
    expect([count, isNan, inf]).toEqual(['2500', 'True', 'inf']);
    const run = await client.getRun(id);
    expect(run.data.params).toHaveLength(250);
    expect(run.data.metrics.find((m) => m.key === 'down')?.value).toBe(-Infinity);
    expect(await client.getMetricHistory(id, 'm')).toHaveLength(2500);
  });

  it('raises MldeskError with the MLflow error code (changing a param)', async () => {
    const code = [
      'import json, mldesk_client as m',
      'c = m.MldeskClient()',
      "rid = c.create_run(c.get_or_create_experiment('py-errors')['experiment_id'])['info']['run_id']",
      "c.log_param(rid, 'lr', '0.1')",
      'try:',
      "    c.log_param(rid, 'lr', '0.2')",
      'except m.MldeskError as e:',
      "    print(json.dumps({'error_code': e.error_code, 'status': e.status, 'message': e.message}))",
      'try:',
      "    c.get_run('deadbeef')",
      'except m.MldeskError as e:',
      "    print(json.dumps({'error_code': e.error_code, 'status': e.status}))",
      "print(c.get_experiment_by_name('py-nope'))",
    ].join('\n');
    const r = await pythonCode(code);
    expect(r.stderr).toBe('');
    const [changed, missing, none] = r.stdout.trim().split('\n');
    expect(JSON.parse(changed!)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', status: 400, message: expect.stringMatching(/Changing param values is not allowed/) });
    expect(JSON.parse(missing!)).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(none).toBe('None');
  });

  it('uploads a folder, lists it and downloads it back', async () => {
    const code = [
      'import os, tempfile, mldesk_client as m',
      'c = m.MldeskClient()',
      "rid = c.create_run('0')['info']['run_id']",
      'src = tempfile.mkdtemp()',
      "os.makedirs(os.path.join(src, 'sub'))",
      "open(os.path.join(src, 'a.txt'), 'w').write('A')",
      "open(os.path.join(src, 'sub', 'b.bin'), 'wb').write(bytes(range(256)))",
      "print(c.log_artifacts(rid, src, 'tree'))",
      "print(sorted(f['path'] for f in c.list_artifacts(rid, 'tree')))",
      'dst = tempfile.mkdtemp()',
      "c.download_artifact(rid, 'tree', dst)",
      "print(open(os.path.join(dst, 'tree', 'sub', 'b.bin'), 'rb').read() == bytes(range(256)))",
      'print(rid)',
    ].join('\n');
    const r = await pythonCode(code);
    expect(r.stderr).toBe('');
    const [n, listed, same, rid] = r.stdout.trim().split('\n');
    expect(n).toBe('2');
    expect(listed).toBe("['tree/a.txt', 'tree/sub']");
    expect(same).toBe('True');
    expect(await client.downloadArtifact(rid!, 'tree/sub/b.bin')).toEqual(Uint8Array.from({ length: 256 }, (_, i) => i));
  });
});
