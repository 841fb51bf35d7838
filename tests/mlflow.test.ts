import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { serveInProcess } from './helpers';
import type { Served } from '../electron/host/serve';

let s: Served & { dataDir: string };
let api: string;
beforeAll(async () => {
  s = await serveInProcess();
  api = `${s.url}/api/2.0/mlflow`;
});
afterAll(async () => {
  await s.close();
});

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(method: string, p: string, body?: unknown, base = api): Promise<{ status: number; body: J }> {
  const url = method === 'GET' && body ? `${base}/${p}?${new URLSearchParams(toQuery(body as J))}` : `${base}/${p}`;
  const res = await fetch(url, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' || body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as J) : {} };
}
function toQuery(o: J): Array<[string, string]> {
  return Object.entries(o).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, String(x)]) : [[k, String(v)] as [string, string]]));
}
const post = (p: string, b?: unknown) => call('POST', p, b ?? {});
const get = (p: string, b?: unknown) => call('GET', p, b);
function expectError(r: { status: number; body: J }, status: number, code: string, msg?: RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error_code).toBe(code);
  expect(typeof r.body.message).toBe('string');
  if (msg) expect(r.body.message).toMatch(msg);
}

describe('experiments', () => {
  it('Default experiment 0 exists', async () => {
    const r = await get('experiments/get', { experiment_id: '0' });
    expect(r.status).toBe(200);
    expect(r.body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
  });

  it('create, get-by-name, duplicate, rename, tag, delete, restore, search, list', async () => {
    const c = await post('experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'risk' }] });
    expect(c.status).toBe(200);
    const id = c.body.experiment_id as string;
    expect(id).toMatch(/^\d+$/);
    expectError(await post('experiments/create', { name: 'exp-a' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expectError(await post('experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE', /name/);
    const byName = await get('experiments/get-by-name', { experiment_name: 'exp-a' });
    expect(byName.body.experiment.tags).toEqual([{ key: 'team', value: 'risk' }]);
    expectError(await get('experiments/get-by-name', { experiment_name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await get('experiments/get', { experiment_id: '999' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await get('experiments/get', { experiment_id: 'abc' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await post('experiments/update', { experiment_id: id, new_name: 'exp-b' })).status).toBe(200);
    expect((await get('experiments/get', { experiment_id: id })).body.experiment.name).toBe('exp-b');
    expect((await post('experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value: 'dev' })).status).toBe(200);

    const search = await post('experiments/search', { filter: "name LIKE 'exp-%'", max_results: 10 });
    expect(search.body.experiments.map((e: J) => e.name)).toEqual(['exp-b']);
    const byTag = await post('experiments/search', { filter: "tags.stage = 'dev'" });
    expect(byTag.body.experiments.map((e: J) => e.experiment_id)).toEqual([id]);
    expectError(await post('experiments/search', { filter: 'name ==== x' }), 400, 'INVALID_PARAMETER_VALUE');

    expect((await post('experiments/delete', { experiment_id: id })).status).toBe(200);
    const active = await get('experiments/list');
    expect(active.body.experiments.some((e: J) => e.experiment_id === id)).toBe(false);
    const deleted = await get('experiments/search', { view_type: 'DELETED_ONLY' });
    expect(deleted.body.experiments.map((e: J) => e.experiment_id)).toContain(id);
    expectError(await post('experiments/update', { experiment_id: id, new_name: 'x' }), 400, 'INVALID_STATE');
    expect((await post('experiments/restore', { experiment_id: id })).status).toBe(200);
    expect((await get('experiments/get', { experiment_id: id })).body.experiment.lifecycle_stage).toBe('active');
  });

  it('pages experiments with page_token', async () => {
    for (let i = 0; i < 5; i++) await post('experiments/create', { name: `page-${i}` });
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const r = await post('experiments/search', { filter: "name LIKE 'page-%'", max_results: 2, order_by: ['name ASC'], ...(token ? { page_token: token } : {}) });
      seen.push(...r.body.experiments.map((e: J) => e.name));
      token = r.body.next_page_token;
    } while (token);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expectError(await post('experiments/search', { page_token: '%%%' }), 400, 'INVALID_PARAMETER_VALUE', /page token/i);
  });
});

describe('runs', () => {
  let exp: string;
  let runId: string;
  beforeAll(async () => {
    exp = (await post('experiments/create', { name: 'runs-exp' })).body.experiment_id;
    const r = await post('runs/create', { experiment_id: exp, start_time: 1000, run_name: 'first', tags: [{ key: 'mlflow.user', value: 'ana' }] });
    runId = r.body.run.info.run_id;
  });

  it('create returns MLflow run JSON with an mlflow-artifacts URI', async () => {
    const r = await get('runs/get', { run_id: runId });
    expect(r.body.run.info).toMatchObject({ run_id: runId, run_uuid: runId, run_name: 'first', experiment_id: exp, status: 'RUNNING', start_time: 1000, user_id: 'ana', lifecycle_stage: 'active' });
    expect(r.body.run.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${runId}/artifacts`);
    expect(r.body.run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first' });
    // 1.x clients use run_uuid
    expect((await get('runs/get', { run_uuid: runId })).body.run.info.run_id).toBe(runId);
    expectError(await get('runs/get', { run_id: 'deadbeef' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await get('runs/get', {}), 400, 'INVALID_PARAMETER_VALUE', /run_id/);
    expectError(await post('runs/create', { experiment_id: '12345' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('params are immutable, metrics append, tags overwrite', async () => {
    expect((await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expectError(await post('runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE', /Changing param values is not allowed/);
    await post('runs/log-metric', { run_id: runId, key: 'loss', value: 1.5, timestamp: 10, step: 0 });
    await post('runs/log-metric', { run_id: runId, key: 'loss', value: 0.5, timestamp: 20, step: 1 });
    await post('runs/set-tag', { run_id: runId, key: 'note', value: 'a' });
    await post('runs/set-tag', { run_id: runId, key: 'note', value: 'b' });
    const run = (await get('runs/get', { run_id: runId })).body.run;
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.data.metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 20, step: 1 }]);
    expect(run.data.tags).toContainEqual({ key: 'note', value: 'b' });
    const h = await get('metrics/get-history', { run_id: runId, metric_key: 'loss' });
    expect(h.body.metrics.map((m: J) => m.value)).toEqual([1.5, 0.5]);
    expect((await post('runs/delete-tag', { run_id: runId, key: 'note' })).status).toBe(200);
    expectError(await post('runs/delete-tag', { run_id: runId, key: 'note' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('stores and returns NaN and ±Infinity; accepts proto3 strings and int64 as strings', async () => {
    const r = await post('runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'weird', value: 'NaN', timestamp: '30', step: '0' },
        { key: 'weird', value: 'Infinity', timestamp: 31, step: 1 },
        { key: 'weird', value: '-Infinity', timestamp: 32, step: 2 },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const raw = await fetch(`${api}/metrics/get-history?run_id=${runId}&metric_key=weird`).then((x) => x.text());
    expect(raw).toContain('"value":"NaN"');
    expect(raw).toContain('"value":"Infinity"');
    expect(raw).toContain('"value":"-Infinity"');
    // Python json.dumps emits bare NaN tokens
    const bare = await post('runs/log-metric', `{"run_id":"${runId}","key":"bare","value":NaN,"timestamp":1,"step":0}`);
    expect(bare.status).toBe(200);
  });

  it('log-batch enforces MLflow limits with MLflow messages, all-or-nothing', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    expectError(await post('runs/log-batch', { run_id: runId, metrics }), 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics\. Got 1001 metrics/);
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expectError(await post('runs/log-batch', { run_id: runId, params }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 params/);
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    expectError(await post('runs/log-batch', { run_id: runId, tags }), 400, 'INVALID_PARAMETER_VALUE', /at most 100 tags/);
    const mixed = { run_id: runId, metrics: metrics.slice(0, 950), params: params.slice(0, 60) };
    expectError(await post('runs/log-batch', mixed), 400, 'INVALID_PARAMETER_VALUE', /at most 1000 metrics, params, and tags\. Got 1010/);
    expectError(await post('runs/log-batch', { run_id: runId, params: [{ key: 'k'.repeat(251), value: 'v' }] }), 400, 'INVALID_PARAMETER_VALUE', /250/);
    expectError(await post('runs/log-batch', { run_id: runId, params: [{ key: 'big', value: 'v'.repeat(6001) }] }), 400, 'INVALID_PARAMETER_VALUE', /6000/);
    expectError(await post('runs/log-batch', { run_id: runId, metrics: [{ key: '../x', value: 1, timestamp: 1 }] }), 400, 'INVALID_PARAMETER_VALUE', /resolve/);
    expectError(await post('runs/log-batch', { run_id: runId, metrics: [{ key: 'x', value: 'abc', timestamp: 1 }] }), 400, 'INVALID_PARAMETER_VALUE', /metrics\[0\]\.value/);
    // A param conflict rolls back the metrics of the same batch.
    const conflict = await post('runs/log-batch', { run_id: runId, metrics: [{ key: 'atomic', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: '9' }] });
    expectError(conflict, 400, 'INVALID_PARAMETER_VALUE');
    expect((await get('metrics/get-history', { run_id: runId, metric_key: 'atomic' })).body.metrics ?? []).toEqual([]);
  });

  it('bodies over 1 MB for log-batch and malformed JSON get INVALID_PARAMETER_VALUE; server keeps serving', async () => {
    const huge = JSON.stringify({ run_id: runId, tags: [{ key: 'x', value: 'y'.repeat(10 * 1024 * 1024) }] });
    expectError(await post('runs/log-batch', huge), 400, 'INVALID_PARAMETER_VALUE', /at most 1000000 bytes/);
    expectError(await post('runs/log-batch', '{"run_id": '), 400, 'INVALID_PARAMETER_VALUE', /Malformed JSON/);
    expectError(await post('runs/log-batch', '[1,2]'), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await post('runs/log-batch', { run_id: 42 }), 400, 'INVALID_PARAMETER_VALUE', /run_id/);
    expect((await get('runs/get', { run_id: runId })).status).toBe(200);
  });

  it('update ends a run; delete/restore; logging to a deleted run is refused', async () => {
    const r = (await post('runs/create', { experiment_id: exp })).body.run.info.run_id;
    const u = await post('runs/update', { run_id: r, status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
    expect(u.body.run_info).toMatchObject({ status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
    expectError(await post('runs/update', { run_id: r, status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE', /status/);
    await post('runs/delete', { run_id: r });
    expect((await get('runs/get', { run_id: r })).body.run.info.lifecycle_stage).toBe('deleted');
    expectError(await post('runs/log-metric', { run_id: r, key: 'x', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', /must be in the 'active' state/);
    await post('runs/restore', { run_id: r });
    expect((await get('runs/get', { run_id: r })).body.run.info.lifecycle_stage).toBe('active');
  });

  it('log-inputs records datasets; log-model appends to the history tag', async () => {
    const ds = { name: 'train', digest: 'abc123', source_type: 'local', source: 'data/train.csv', schema: '{"a":"int"}' };
    expect((await post('runs/log-inputs', { run_id: runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: ds }] })).status).toBe(200);
    const run = (await get('runs/get', { run_id: runId })).body.run;
    expect(run.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: ds }]);
    await post('runs/log-model', { run_id: runId, model_json: JSON.stringify({ artifact_path: 'model', flavors: { python_function: {} } }) });
    const hist = (await get('runs/get', { run_id: runId })).body.run.data.tags.find((t: J) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(hist.value)[0].artifact_path).toBe('model');
    expectError(await post('runs/log-model', { run_id: runId, model_json: '{nope' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('searches with the MLflow grammar, order_by and paging', async () => {
    const e = (await post('experiments/create', { name: 'search-exp' })).body.experiment_id;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = (await post('runs/create', { experiment_id: e, start_time: 100 + i, run_name: `r${i}` })).body.run.info.run_id;
      ids.push(r);
      await post('runs/log-batch', { run_id: r, metrics: [{ key: 'acc', value: i / 10, timestamp: 1, step: 0 }], params: [{ key: 'model', value: i % 2 ? 'gbt' : 'logreg' }] });
    }
    const r1 = await post('runs/search', { experiment_ids: [e], filter: "metrics.acc >= 0.2 and params.model = 'logreg'", order_by: ['metrics.acc DESC'] });
    expect(r1.body.runs.map((r: J) => r.info.run_name)).toEqual(['r4', 'r2']);
    const r2 = await post('runs/search', { experiment_ids: [e], filter: "attributes.run_name LIKE 'r%' AND tags.`mlflow.runName` != 'r0'", max_results: 2, order_by: ['attributes.start_time ASC'] });
    expect(r2.body.runs.map((r: J) => r.info.run_name)).toEqual(['r1', 'r2']);
    const r3 = await post('runs/search', { experiment_ids: [e], filter: "attributes.run_name LIKE 'r%' AND tags.`mlflow.runName` != 'r0'", max_results: 2, order_by: ['attributes.start_time ASC'], page_token: r2.body.next_page_token });
    expect(r3.body.runs.map((r: J) => r.info.run_name)).toEqual(['r3', 'r4']);
    const bad = await post('runs/search', { experiment_ids: [e], filter: 'metrics.acc >' });
    expectError(bad, 400, 'INVALID_PARAMETER_VALUE', /position/);
    const none = await post('runs/search', { experiment_ids: [e], filter: 'metrics.acc > 5' });
    expect(none.body.runs).toBeUndefined();
    // GET form (some 1.x clients)
    const g = await get('runs/search', { experiment_ids: e, max_results: 1 });
    expect(g.body.runs).toHaveLength(1);
  });

  it('get-history pages; get-history-bulk-interval samples evenly and keeps the ends', async () => {
    const r = (await post('runs/create', { experiment_id: exp })).body.run.info.run_id;
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'curve', value: Math.sin(i / 50), timestamp: 1000 + i, step: i }));
    await post('runs/log-batch', { run_id: r, metrics });
    const p1 = await get('metrics/get-history', { run_id: r, metric_key: 'curve', max_results: 400 });
    expect(p1.body.metrics).toHaveLength(400);
    const p2 = await get('metrics/get-history', { run_id: r, metric_key: 'curve', max_results: 400, page_token: p1.body.next_page_token });
    const p3 = await get('metrics/get-history', { run_id: r, metric_key: 'curve', max_results: 400, page_token: p2.body.next_page_token });
    expect(p3.body.next_page_token).toBeUndefined();
    expect([...p1.body.metrics, ...p2.body.metrics, ...p3.body.metrics].map((m: J) => m.step)).toEqual(metrics.map((m) => m.step));
    const b = await get('metrics/get-history-bulk-interval', { run_ids: [r, runId], metric_key: 'curve', max_results: 10 });
    const steps = b.body.metrics.filter((m: J) => m.run_id === r).map((m: J) => m.step);
    expect(steps).toHaveLength(10);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(999);
    const ranged = await get('metrics/get-history-bulk-interval', { run_ids: [r], metric_key: 'curve', start_step: 100, end_step: 200, max_results: 1000 });
    expect(ranged.body.metrics).toHaveLength(101);
    expectError(await get('metrics/get-history-bulk-interval', { run_ids: [r], metric_key: 'curve', start_step: 5 }), 400, 'INVALID_PARAMETER_VALUE');
  });
});

describe('artifacts', () => {
  it('PUT/GET/DELETE through the proxy, list via both APIs', async () => {
    const exp = (await post('experiments/create', { name: 'art-exp' })).body.experiment_id;
    const run = (await post('runs/create', { experiment_id: exp })).body.run.info;
    const base = `${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts`;
    const put = await fetch(`${base}/model/model.json`, { method: 'PUT', body: '{"w":[1,2]}' });
    expect(put.status).toBe(200);
    await fetch(`${base}/notes.txt`, { method: 'PUT', body: 'hello' });
    const got = await fetch(`${base}/model/model.json`);
    expect(await got.text()).toBe('{"w":[1,2]}');
    const list = await get('artifacts/list', { run_id: run.run_id });
    expect(list.body.root_uri).toBe(run.artifact_uri);
    expect(list.body.files).toEqual([
      { path: 'model', is_dir: true },
      { path: 'notes.txt', is_dir: false, file_size: 5 },
    ]);
    const sub = await get('artifacts/list', { run_id: run.run_id, path: 'model' });
    expect(sub.body.files).toEqual([{ path: 'model/model.json', is_dir: false, file_size: 11 }]);
    const proxyList = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${exp}/${run.run_id}/artifacts/model`).then((r) => r.json());
    expect(proxyList).toEqual({ files: [{ path: 'model.json', is_dir: false, file_size: 11 }] });
    expect((await fetch(`${base}/notes.txt`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${base}/notes.txt`)).status).toBe(404);
    // ajax-api alias
    expect((await fetch(`${s.url}/ajax-api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts/model/model.json`)).status).toBe(200);
  });

  it('rejects path traversal (../, absolute, encoded) and writes nothing outside the root', async () => {
    const root = path.join(s.dataDir, 'artifacts');
    const before = fs.readdirSync(s.dataDir).sort();
    // %2E%2E/ segments are resolved by URL parsing itself (WHATWG), so those never reach the proxy: 404, nothing written.
    for (const evil of ['%2E%2E/%2E%2E/escape.txt', '.%2e/escape.txt']) {
      const r = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${evil}`, { method: 'PUT', body: 'pwn' });
      expect(r.status, evil).toBe(404);
    }
    for (const evil of ['..%2F..%2Fescape.txt', '%2Fetc%2Fescape.txt', 'a/..%2F..%2F..%2Fescape.txt', 'a%5C..%5Cescape.txt', 'x%00y', '%E0%A4%A']) {
      const r = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${evil}`, { method: 'PUT', body: 'pwn' });
      const body = (await r.json()) as J;
      expect(r.status, evil).toBe(400);
      expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    // Raw ../ in the URL is normalised by URL parsing before it reaches us; it still cannot leave the root.
    const raw = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/../../escape.txt`, { method: 'PUT', body: 'pwn' });
    expect([400, 404]).toContain(raw.status);
    expect(fs.readdirSync(s.dataDir).sort()).toEqual(before);
    expect(fs.existsSync(path.join(path.dirname(root), 'escape.txt'))).toBe(false);
    expectError(await get('artifacts/list', { run_id: 'nope-run' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('protocol', () => {
  it('answers MLflow health and version probes', async () => {
    expect(await fetch(`${s.url}/health`).then((r) => r.text())).toBe('OK');
    expect((await fetch(`${s.url}/version`)).status).toBe(200);
  });

  it('unknown endpoints are ENDPOINT_NOT_FOUND (404); ajax-api serves the same API', async () => {
    expectError(await get('runs/nope'), 404, 'ENDPOINT_NOT_FOUND');
    const ajax = await call('GET', 'experiments/get', { experiment_id: '0' }, `${s.url}/ajax-api/2.0/mlflow`);
    expect(ajax.body.experiment.name).toBe('Default');
  });
});

describe('model registry over REST', () => {
  it('register → version from a run → stage transition → alias → download URI → search', async () => {
    const exp = (await post('experiments/create', { name: 'reg-exp' })).body.experiment_id;
    const run = (await post('runs/create', { experiment_id: exp })).body.run.info;
    expect((await post('registered-models/create', { name: 'credit', tags: [{ key: 'team', value: 'risk' }] })).status).toBe(200);
    expectError(await post('registered-models/create', { name: 'credit' }), 400, 'RESOURCE_ALREADY_EXISTS');
    const v1 = await post('model-versions/create', { name: 'credit', source: `runs:/${run.run_id}/model`, run_id: run.run_id });
    expect(v1.body.model_version).toMatchObject({ name: 'credit', version: '1', current_stage: 'None', run_id: run.run_id });
    const v2 = await post('model-versions/create', { name: 'credit', source: `runs:/${run.run_id}/model`, run_id: run.run_id });
    expect(v2.body.model_version.version).toBe('2');
    await post('model-versions/transition-stage', { name: 'credit', version: '1', stage: 'Production', archive_existing_versions: false });
    const t2 = await post('model-versions/transition-stage', { name: 'credit', version: '2', stage: 'production', archive_existing_versions: true });
    expect(t2.body.model_version.current_stage).toBe('Production');
    expect((await get('model-versions/get', { name: 'credit', version: '1' })).body.model_version.current_stage).toBe('Archived');
    expectError(await post('model-versions/transition-stage', { name: 'credit', version: '1', stage: 'Live', archive_existing_versions: false }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await post('registered-models/alias', { name: 'credit', alias: 'champion', version: '2' })).status).toBe(200);
    expect((await get('registered-models/alias', { name: 'credit', alias: 'champion' })).body.model_version.version).toBe('2');
    const uri = await get('model-versions/get-download-uri', { name: 'credit', version: '2' });
    expect(uri.body.artifact_uri).toBe(`${run.artifact_uri}/model`);
    const latest = await post('registered-models/get-latest-versions', { name: 'credit', stages: ['Production'] });
    expect(latest.body.model_versions.map((v: J) => v.version)).toEqual(['2']);
    const search = await get('model-versions/search', { filter: `run_id = '${run.run_id}'` });
    expect(search.body.model_versions).toHaveLength(2);
    const models = await get('registered-models/search', { filter: "name LIKE 'cre%'" });
    expect(models.body.registered_models.map((m: J) => m.name)).toEqual(['credit']);
    expectError(await get('registered-models/get', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expect((await post('registered-models/rename', { name: 'credit', new_name: 'credit-risk' })).status).toBe(200);
    expect((await get('model-versions/get', { name: 'credit-risk', version: '2' })).body.model_version.name).toBe('credit-risk');
  });

  it('MLflow 3 logged models: create → upload artifacts → finalize → run outputs', async () => {
    const exp = (await post('experiments/create', { name: 'lm-exp' })).body.experiment_id;
    const run = (await post('runs/create', { experiment_id: exp })).body.run.info;
    const created = await post('logged-models', { experiment_id: exp, name: 'model', source_run_id: run.run_id, model_type: 'sklearn', params: [{ key: 'C', value: '1.0' }] });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const info = created.body.model.info;
    expect(info.status).toBe('LOGGED_MODEL_PENDING');
    expect(info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/models/${info.model_id}/artifacts`);
    const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/models/${info.model_id}/artifacts/MLmodel`, { method: 'PUT', body: 'flavors: {}\n' });
    expect(put.status).toBe(200);
    const fin = await call('PATCH', `logged-models/${info.model_id}`, { status: 'LOGGED_MODEL_READY' });
    expect(fin.body.model.info.status).toBe('LOGGED_MODEL_READY');
    expect((await post('runs/outputs', { run_id: run.run_id, models: [{ model_id: info.model_id, step: 0 }] })).status).toBe(200);
    const got = await get('runs/get', { run_id: run.run_id });
    expect(got.body.run.outputs.model_outputs).toEqual([{ model_id: info.model_id, step: 0 }]);
    const found = await post('logged-models/search', { experiment_ids: [exp] });
    expect(found.body.models.map((m: J) => m.info.model_id)).toEqual([info.model_id]);
    expectError(await get(`logged-models/m-doesnotexist`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});
