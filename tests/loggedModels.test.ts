import { parseRoute } from './helpers';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Engine } from '../electron/core/engine';
import { LoggedModelsService, parseLoggedModelStatus, type LoggedModelJson } from '../electron/core/tracking/loggedModels';
import { loggedModelRoutes } from '../electron/host/mlflow/loggedModelRoutes';
import type { HttpMethod, MlflowRequest } from '../electron/host/mlflow/router';
import { mlflowErr as err, tmpDir } from './helpers';

const engine = new Engine({ dataDir: path.join(tmpDir(), 'data'), host: 'web' });
const db = engine.ctx.store.db;
const lm = new LoggedModelsService(engine.ctx);
afterAll(() => engine.close());

let runSeq = 0;
function insertRun(opts: { lifecycle?: string; experimentId?: number } = {}): string {
  const id = `${String(++runSeq).padStart(8, '0')}abcdef0123456789abcdef01`;
  db.prepare('INSERT INTO runs (run_uuid, experiment_id, name, status, start_time, artifact_uri, lifecycle_stage) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    id,
    opts.experimentId ?? 0,
    `run-${runSeq}`,
    'FINISHED',
    Date.now(),
    `mlflow-artifacts:/0/${id}/artifacts`,
    opts.lifecycle ?? 'active',
  );
  return id;
}

let expSeq = 100;
function insertExperiment(lifecycle = 'active'): string {
  const id = ++expSeq;
  db.prepare('INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, 0, 0)').run(
    id,
    `exp-${id}`,
    `mlflow-artifacts:/${id}/`,
    lifecycle,
  );
  return String(id);
}

let clock = 1_700_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
});
afterEach(() => vi.useRealTimers());
const tick = (ms = 1000) => {
  clock += ms;
  vi.setSystemTime(clock);
};

describe('create / get', () => {
  it('creates a PENDING model with an id, artifact uri, params and tags in MLflow shape', () => {
    const runId = insertRun();
    const m = lm.create({
      experiment_id: '0',
      name: 'my-model',
      model_type: 'Classifier',
      source_run_id: runId,
      params: [{ key: 'alpha', value: '0.5' }],
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(m.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(m).toEqual({
      info: {
        model_id: m.info.model_id,
        experiment_id: '0',
        name: 'my-model',
        creation_timestamp_ms: clock,
        last_updated_timestamp_ms: clock,
        artifact_uri: `mlflow-artifacts:/0/models/${m.info.model_id}/artifacts`,
        status: 'LOGGED_MODEL_PENDING',
        model_type: 'Classifier',
        source_run_id: runId,
        tags: [{ key: 'team', value: 'ml' }],
      },
      data: { params: [{ key: 'alpha', value: '0.5' }], metrics: [] },
    });
    expect(lm.get(m.info.model_id)).toEqual(m);
  });

  it('generates a name, omits unset optional fields, uses the experiment artifact location', () => {
    const exp = insertExperiment();
    const m = lm.create({ experiment_id: exp });
    expect(m.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(m.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/models/${m.info.model_id}/artifacts`);
    for (const k of ['model_type', 'source_run_id', 'status_message', 'creator_id']) expect(m.info).not.toHaveProperty(k);
    expect(m.info.experiment_id).toBe(exp);
  });

  it('rejects unknown, deleted and malformed experiments and bad params', () => {
    expect(err(() => lm.create({ experiment_id: '999999' }))).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=999999 exists' });
    const deleted = insertExperiment('deleted');
    expect(err(() => lm.create({ experiment_id: deleted })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.create({ experiment_id: 'abc' })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(
      err(() =>
        lm.create({
          experiment_id: '0',
          params: [
            { key: 'a', value: '1' },
            { key: 'a', value: '2' },
          ],
        }),
      ).error_code,
    ).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.create({ experiment_id: '0', tags: [{ key: '', value: 'x' }] })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('get of an unknown model is RESOURCE_DOES_NOT_EXIST', () => {
    expect(err(() => lm.get('m-nope'))).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Logged model with ID 'm-nope' not found." });
  });
});

describe('finalize / delete', () => {
  it('finalize sets READY or UPLOAD_FAILED (names or enum numbers)', () => {
    const m = lm.create({ experiment_id: '0' });
    tick();
    const ready = lm.finalize(m.info.model_id, 'LOGGED_MODEL_READY');
    expect(ready.info.status).toBe('LOGGED_MODEL_READY');
    expect(ready.info.last_updated_timestamp_ms).toBe(clock);
    expect(lm.finalize(m.info.model_id, 3).info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    expect(lm.finalize(m.info.model_id, '2').info.status).toBe('LOGGED_MODEL_READY');
    expect(err(() => lm.finalize(m.info.model_id, 'DONE')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.finalize(m.info.model_id, 'LOGGED_MODEL_STATUS_UNSPECIFIED')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.finalize('m-nope', 'LOGGED_MODEL_READY')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(parseLoggedModelStatus('ready')).toBe('LOGGED_MODEL_READY');
  });

  it('delete is soft: get 404s (unless allowDeleted), search skips it, a second delete 404s', () => {
    const exp = insertExperiment();
    const m = lm.create({ experiment_id: exp });
    lm.delete(m.info.model_id);
    expect(err(() => lm.get(m.info.model_id)).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(lm.get(m.info.model_id, true).info.model_id).toBe(m.info.model_id);
    expect(lm.search({ experiment_ids: [exp] }).models).toEqual([]);
    expect(err(() => lm.delete(m.info.model_id)).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => lm.finalize(m.info.model_id, 'LOGGED_MODEL_READY')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => lm.setTags(m.info.model_id, [{ key: 'a', value: 'b' }])).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('tags / params / metrics', () => {
  it('setTags upserts; deleteTag removes, 404 for a missing tag or model', () => {
    const m = lm.create({ experiment_id: '0', tags: [{ key: 'a', value: '1' }] });
    lm.setTags(m.info.model_id, [
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    expect(lm.get(m.info.model_id).info.tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    lm.deleteTag(m.info.model_id, 'a');
    expect(lm.get(m.info.model_id).info.tags).toEqual([{ key: 'b', value: '3' }]);
    expect(err(() => lm.deleteTag(m.info.model_id, 'a'))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: `No tag with key 'a' found for model with ID '${m.info.model_id}'.`,
    });
    expect(err(() => lm.deleteTag('m-nope', 'a')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => lm.setTags('m-nope', [])).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('logParams adds params; same value is idempotent, a changed value is refused', () => {
    const m = lm.create({ experiment_id: '0', params: [{ key: 'a', value: '1' }] });
    lm.logParams(m.info.model_id, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    expect(lm.get(m.info.model_id).data.params).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    const e = err(() => lm.logParams(m.info.model_id, [{ key: 'a', value: '9' }]));
    expect(e.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toMatch(/Changing param values is not allowed/);
    expect(lm.get(m.info.model_id).data.params[0]).toEqual({ key: 'a', value: '1' });
    expect(err(() => lm.logParams('m-nope', [{ key: 'a', value: '1' }])).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('metrics appear in data.metrics as proto3 JSON (NaN as a string)', () => {
    const runId = insertRun();
    const m = lm.create({ experiment_id: '0' });
    lm.logMetrics(m.info.model_id, [
      { key: 'acc', value: 0.9, timestamp: 5, step: 1, run_id: runId, dataset_name: 'test', dataset_digest: 'd1' },
      { key: 'loss', value: NaN, timestamp: 5 },
    ]);
    expect(lm.get(m.info.model_id).data.metrics).toEqual([
      { key: 'acc', value: 0.9, timestamp: 5, step: 1, run_id: runId, dataset_name: 'test', dataset_digest: 'd1', model_id: m.info.model_id },
      { key: 'loss', value: 'NaN', timestamp: 5, step: 0, model_id: m.info.model_id },
    ]);
  });
});

describe('run outputs', () => {
  it('links models to a run; unknown run/model 404, deleted run refused', () => {
    const runId = insertRun();
    const a = lm.create({ experiment_id: '0' });
    const b = lm.create({ experiment_id: '0' });
    lm.logOutputs(runId, [{ model_id: a.info.model_id, step: 3 }, { model_id: b.info.model_id }]);
    expect(lm.runOutputs(runId)).toEqual(
      [
        { model_id: b.info.model_id, step: 0 },
        { model_id: a.info.model_id, step: 3 },
      ],
    );
    lm.logOutputs(runId, [{ model_id: a.info.model_id, step: 7 }]);
    expect(db.prepare('SELECT step FROM run_outputs WHERE run_uuid = ? AND model_id = ?').pluck().get(runId, a.info.model_id)).toBe(7);
    expect(err(() => lm.logOutputs('ffffffffffffffffffffffffffffffff', [{ model_id: a.info.model_id }]))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=ffffffffffffffffffffffffffffffff not found',
    });
    expect(err(() => lm.logOutputs(runId, [{ model_id: 'm-nope', step: 0 }])).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const deletedRun = insertRun({ lifecycle: 'deleted' });
    expect(err(() => lm.logOutputs(deletedRun, [{ model_id: a.info.model_id }])).error_code).toBe('INVALID_PARAMETER_VALUE');
    // A failed batch writes nothing.
    const c = lm.create({ experiment_id: '0' });
    expect(err(() => lm.logOutputs(runId, [{ model_id: c.info.model_id }, { model_id: 'm-nope' }])).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(lm.runOutputs(runId).map((o) => o.model_id)).not.toContain(c.info.model_id);
  });
});

describe('search', () => {
  const exp = insertExperiment();
  const other = insertExperiment();
  const ids: Record<string, string> = {};
  const names = (r: { models: LoggedModelJson[] }) => r.models.map((m) => m.info.name);

  it('setup', () => {
    const run1 = insertRun();
    const run2 = insertRun();
    const specs = [
      { name: 'alpha', model_type: 'LLM', run: run1, params: { lr: '0.1' }, tags: { env: 'prod' }, acc: 0.7, ready: true },
      { name: 'beta', model_type: 'Classifier', run: run2, params: { lr: '0.2' }, tags: { env: 'dev' }, acc: 0.9, ready: false },
      { name: 'Gamma', model_type: 'Classifier', run: run1, params: { lr: '0.1' }, tags: { env: 'prod' }, acc: 0.8, ready: true },
      { name: 'delta', model_type: 'LLM', run: run2, params: {}, tags: {}, acc: undefined, ready: false },
    ];
    for (const s of specs) {
      tick();
      const m = lm.create({
        experiment_id: exp,
        name: s.name,
        model_type: s.model_type,
        source_run_id: s.run,
        params: Object.entries(s.params).map(([key, value]) => ({ key, value })),
        tags: Object.entries(s.tags).map(([key, value]) => ({ key, value })),
      });
      ids[s.name] = m.info.model_id;
      if (s.ready) lm.finalize(m.info.model_id, 'LOGGED_MODEL_READY');
      if (s.acc !== undefined) {
        // An older value on the eval set that the latest one supersedes, plus a value on another dataset.
        lm.logMetrics(m.info.model_id, [
          { key: 'acc', value: 0.1, timestamp: 1, dataset_name: 'eval' },
          { key: 'acc', value: s.acc, timestamp: 2, dataset_name: 'eval' },
          { key: 'acc', value: 1 - s.acc, timestamp: 3, dataset_name: 'train' },
        ]);
      }
    }
    lm.create({ experiment_id: other, name: 'elsewhere' });
  });

  it('default order is newest first; experiment_ids scope the search and are required', () => {
    expect(names(lm.search({ experiment_ids: [exp] }))).toEqual(['delta', 'Gamma', 'beta', 'alpha']);
    expect(names(lm.search({ experiment_ids: [exp, other] }))).toHaveLength(5);
    expect(err(() => lm.search({ experiment_ids: [] }))).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'experiment_ids'." });
  });

  it('filters on attributes, params, tags and metrics', () => {
    const f = (filter: string, extra: object = {}) => names(lm.search({ experiment_ids: [exp], filter, order_by: [{ field_name: 'name' }], ...extra }));
    expect(f("name = 'alpha'")).toEqual(['alpha']);
    expect(f("name != 'alpha'")).toEqual(['Gamma', 'beta', 'delta']);
    expect(f("name LIKE 'g%'")).toEqual([]);
    expect(f("name ILIKE 'g%'")).toEqual(['Gamma']);
    expect(f("model_type = 'LLM'")).toEqual(['alpha', 'delta']);
    expect(f("status = 'LOGGED_MODEL_READY'")).toEqual(['Gamma', 'alpha']);
    expect(f(`source_run_id IN ('${lm.get(ids.alpha as string).info.source_run_id}')`)).toEqual(['Gamma', 'alpha']);
    expect(f(`attributes.model_id = '${ids.beta}'`)).toEqual(['beta']);
    expect(f("params.lr = '0.1'")).toEqual(['Gamma', 'alpha']);
    expect(f("params.lr != '0.1'")).toEqual(['beta']);
    expect(f("tags.env = 'prod' AND model_type = 'Classifier'")).toEqual(['Gamma']);
    expect(f("tags.`env` LIKE 'd%'")).toEqual(['beta']);
    // Latest value per dataset, any dataset: eval {0.7, 0.9, 0.8}, train {0.3, 0.1, 0.2}.
    expect(f('metrics.acc > 0.75')).toEqual(['Gamma', 'beta']);
    expect(f('metrics.acc < 0.15')).toEqual(['beta']);
    expect(f('metrics.acc < 0.15', { datasets: [{ dataset_name: 'eval' }] })).toEqual([]);
    expect(f('metrics.acc <= 0.31', { datasets: [{ dataset_name: 'train' }] })).toEqual(['Gamma', 'alpha', 'beta']);
    expect(f(`creation_timestamp > ${lm.get(ids.beta as string).info.creation_timestamp_ms}`)).toEqual(['Gamma', 'delta']);
  });

  it('rejects bad filters with INVALID_PARAMETER_VALUE', () => {
    for (const filter of ["name = 'a' OR name = 'b'", "bogus = 'x'", 'metrics.acc > ', "metrics.acc = 'x'", 'name = 3', "foo.bar = 'x'", "name IS 'x'"]) {
      expect(err(() => lm.search({ experiment_ids: [exp], filter })).error_code, filter).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  it('order_by attributes and metrics (with dataset), missing values last', () => {
    expect(names(lm.search({ experiment_ids: [exp], order_by: [{ field_name: 'name', ascending: false }] }))).toEqual(['delta', 'beta', 'alpha', 'Gamma']);
    expect(names(lm.search({ experiment_ids: [exp], order_by: [{ field_name: 'creation_timestamp', ascending: true }] }))).toEqual(['alpha', 'beta', 'Gamma', 'delta']);
    expect(names(lm.search({ experiment_ids: [exp], order_by: [{ field_name: 'metrics.acc', ascending: false, dataset_name: 'eval' }] }))).toEqual([
      'beta',
      'Gamma',
      'alpha',
      'delta',
    ]);
    expect(names(lm.search({ experiment_ids: [exp], order_by: [{ field_name: 'metrics.acc', ascending: true, dataset_name: 'train' }] }))).toEqual([
      'beta',
      'Gamma',
      'alpha',
      'delta',
    ]);
    expect(err(() => lm.search({ experiment_ids: [exp], order_by: [{ field_name: 'nope' }] })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('pages with tokens tied to the search', () => {
    const req = { experiment_ids: [exp], max_results: 3, order_by: [{ field_name: 'name' }] };
    const p1 = lm.search(req);
    expect(names(p1)).toEqual(['Gamma', 'alpha', 'beta']);
    expect(p1.next_page_token).toBeTruthy();
    const p2 = lm.search({ ...req, page_token: p1.next_page_token });
    expect(names(p2)).toEqual(['delta']);
    expect(p2.next_page_token).toBeUndefined();
    expect(err(() => lm.search({ ...req, filter: "name = 'x'", page_token: p1.next_page_token })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.search({ ...req, experiment_ids: [other], page_token: p1.next_page_token })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.search({ ...req, page_token: 'garbage' })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => lm.search({ experiment_ids: [exp], max_results: 0 })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('audit', () => {
  it('records writes', () => {
    const m = lm.create({ experiment_id: '0' });
    lm.finalize(m.info.model_id, 'LOGGED_MODEL_READY');
    lm.delete(m.info.model_id);
    expect(db.prepare('SELECT action FROM audit_log WHERE subject = ? ORDER BY id').pluck().all(m.info.model_id)).toEqual([
      'loggedModels.create',
      'loggedModels.finalize',
      'loggedModels.delete',
    ]);
  });
});

describe('REST routes', () => {
  const fakeEngine = { loggedModels: lm } as unknown as MlflowRequest['engine'];
  const call = (method: HttpMethod, p: string, body: Record<string, unknown>, params: Record<string, string> = {}, query = '') => {
    const r = loggedModelRoutes.find((x) => x.method === method && x.path === p);
    if (!r) throw new Error(`no route ${method} ${p}`);
    return r.handler(parseRoute(r, { ...body, ...params }), { params, query: new URLSearchParams(query), req: {} as IncomingMessage, res: {} as ServerResponse, engine: fakeEngine }) as Record<
      string,
      unknown
    >;
  };

  it('declares the service.proto paths and methods', () => {
    expect(loggedModelRoutes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST logged-models',
      'POST logged-models/search',
      'GET logged-models/{model_id}',
      'PATCH logged-models/{model_id}',
      'DELETE logged-models/{model_id}',
      'PATCH logged-models/{model_id}/tags',
      'DELETE logged-models/{model_id}/tags/{tag_key}',
      'POST logged-models/{model_id}/params',
      'POST runs/outputs',
    ]);
  });

  it('round-trips a model through the handlers', () => {
    const exp = insertExperiment();
    const created = call('POST', 'logged-models', { experiment_id: exp, name: 'rest', params: [{ key: 'p', value: '1' }] }).model as LoggedModelJson;
    const id = created.info.model_id;
    expect(created.info.status).toBe('LOGGED_MODEL_PENDING');
    expect(call('GET', 'logged-models/{model_id}', {}, { model_id: id }).model).toEqual(created);
    expect((call('PATCH', 'logged-models/{model_id}', { model_id: id, status: 'LOGGED_MODEL_READY' }, { model_id: id }).model as LoggedModelJson).info.status).toBe(
      'LOGGED_MODEL_READY',
    );
    expect(call('PATCH', 'logged-models/{model_id}/tags', { tags: [{ key: 'k', value: 'v' }] }, { model_id: id })).toEqual({});
    expect(call('POST', 'logged-models/{model_id}/params', { params: [{ key: 'q', value: '2' }] }, { model_id: id })).toEqual({});
    const found = call('POST', 'logged-models/search', { experiment_ids: [exp], filter: "tags.k = 'v' AND params.q = '2'", order_by: [{ field_name: 'name', ascending: true }] });
    expect((found.models as LoggedModelJson[]).map((m) => m.info.model_id)).toEqual([id]);
    expect(call('DELETE', 'logged-models/{model_id}/tags/{tag_key}', {}, { model_id: id, tag_key: 'k' })).toEqual({});
    const runId = insertRun();
    expect(call('POST', 'runs/outputs', { run_id: runId, models: [{ model_id: id, step: '4' }] })).toEqual({});
    expect(lm.runOutputs(runId)).toEqual([{ model_id: id, step: 4 }]);
    expect(call('DELETE', 'logged-models/{model_id}', {}, { model_id: id })).toEqual({});
    expect(err(() => call('GET', 'logged-models/{model_id}', {}, { model_id: id })).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((call('GET', 'logged-models/{model_id}', {}, { model_id: id }, 'allow_deleted=true').model as LoggedModelJson).info.model_id).toBe(id);
    expect(err(() => call('POST', 'runs/outputs', { models: [] }))).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters." });
  });
});
