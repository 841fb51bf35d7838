/**
 * MLflow wire compatibility as real clients exercise it: every endpoint is driven twice, on two fresh servers —
 * once with the canonical request, once as an MLflow 1.x client sends it (the `/preview/` prefix, experiment ids
 * as JSON numbers, `null` for unset optionals, unknown fields, int64 as strings, lowerCamelCase names) — and the
 * two must give the same answers. The variant is derived from the proto field tables, so it covers every field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveInProcess } from './helpers';
import type { Served } from '../electron/host/serve';
import * as M from '../electron/host/mlflow/messages';
import { REST_MESSAGES } from '../electron/host/mlflow/messages';
import { mlflowRoutes } from '../electron/host/mlflow/routes';
import { parseMessage, queryToDict } from '../electron/host/mlflow/protoJson';
import type { Fields, MessageDef } from '../electron/host/mlflow/proto';
import { toMlflowError } from '../electron/core/tracking/errors';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function send(base: string, prefix: string, method: Method, path: string, body: J | undefined, query?: Array<[string, string]>) {
  const qs = query?.length ? `?${new URLSearchParams(query)}` : '';
  const res = await fetch(`${base}${prefix}${path}${qs}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as J };
}

function messageFor(method: Method, path: string): MessageDef {
  const route = mlflowRoutes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return route.message;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** The request as a 1.x-era client sends it, derived from the message's field table. */
function oneXBody(msg: MessageDef, body: J, depth = 0): J {
  const out: J = {};
  let i = 0;
  for (const [name, field] of Object.entries(msg.fields as Fields)) {
    const key = depth === 0 && i++ % 3 === 2 ? camel(name) : name; // some fields by their JSON (camelCase) name
    if (!(name in body)) {
      if (!field.isRequired) out[key] = null; // "not set"
      continue;
    }
    const v = body[name];
    const t = field.type;
    const conv = (x: unknown): unknown => {
      if ((name === 'experiment_id' || name === 'experiment_ids') && typeof x === 'string' && /^\d+$/.test(x)) return Number(x);
      if (typeof t === 'string' && /int64/.test(t) && typeof x === 'number') return String(x);
      if (typeof t === 'object' && 'fields' in t) return oneXBody(t, x as J, depth + 1);
      return x;
    };
    out[key] = Array.isArray(v) ? v.map(conv) : conv(v);
  }
  out.client_request_id = { unknown: ['fields', 'are', 'ignored'] };
  out.some_future_field = 42;
  return out;
}

function oneXQuery(msg: MessageDef, body: J): Array<[string, string]> {
  const q: Array<[string, string]> = [['unknown_param', 'ignored']];
  for (const [name, field] of Object.entries(msg.fields as Fields)) {
    if (!(name in body)) continue;
    const v = body[name];
    if (field.repeated) (v as unknown[]).forEach((x, i) => q.push([i % 2 ? `${name}[]` : name, String(x)]));
    else q.push([name, field.type === 'bool' ? String(v).toUpperCase() : String(v)]);
  }
  return q;
}

const canonicalQuery = (body: J): Array<[string, string]> =>
  Object.entries(body).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, String(x)]) : [[k, String(v)] as [string, string]]));

const VOLATILE = /(^|_)(time|timestamp)(_ms)?$/;
/** Replaces server-generated values (uuids, clock times) by stable placeholders. */
function normalize(v: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => normalize(x, ids));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as J).map(([k, x]) => [k, VOLATILE.test(k) && typeof x === 'number' && x > 1e12 ? '<clock>' : normalize(x, ids)]));
  }
  if (typeof v === 'string') {
    let s = v;
    for (const [id, ph] of ids) s = s.split(id).join(ph);
    return s;
  }
  return v;
}

interface Step {
  method: Method;
  path: string;
  body: (ctx: J) => J;
  /** Remember values of the response for later steps. */
  keep?: (res: J, ctx: J) => void;
}

const T0 = 1_700_000_000_000;
const STEPS: Step[] = [
  { method: 'POST', path: 'experiments/create', body: () => ({ name: 'compat', artifact_location: 'mlflow-artifacts:/compat', tags: [{ key: 'team', value: 'risk' }] }), keep: (r, c) => (c.exp = r.experiment_id) },
  { method: 'POST', path: 'experiments/create', body: () => ({ name: 'compat-2' }), keep: (r, c) => (c.exp2 = r.experiment_id) },
  { method: 'GET', path: 'experiments/get', body: (c) => ({ experiment_id: c.exp }) },
  { method: 'GET', path: 'experiments/get-by-name', body: () => ({ experiment_name: 'compat' }) },
  { method: 'POST', path: 'experiments/update', body: (c) => ({ experiment_id: c.exp, new_name: 'compat-renamed' }) },
  { method: 'POST', path: 'experiments/set-experiment-tag', body: (c) => ({ experiment_id: c.exp, key: 'stage', value: 'dev' }) },
  { method: 'POST', path: 'experiments/set-experiment-tag', body: (c) => ({ experiment_id: c.exp, key: 'tmp', value: 'x' }) },
  { method: 'POST', path: 'experiments/delete-experiment-tag', body: (c) => ({ experiment_id: c.exp, key: 'tmp' }) },
  { method: 'POST', path: 'experiments/search', body: () => ({ filter: "name LIKE 'compat%'", max_results: 10, order_by: ['name ASC'], view_type: 'ALL' }) },
  { method: 'GET', path: 'experiments/search', body: () => ({ max_results: 5, view_type: 'ACTIVE_ONLY' }) },
  { method: 'GET', path: 'experiments/list', body: () => ({ view_type: 'ALL' }) },
  { method: 'POST', path: 'experiments/delete', body: (c) => ({ experiment_id: c.exp2 }) },
  { method: 'POST', path: 'experiments/restore', body: (c) => ({ experiment_id: c.exp2 }) },
  {
    method: 'POST',
    path: 'runs/create',
    body: (c) => ({ experiment_id: c.exp, user_id: 'ana', start_time: T0, run_name: 'r1', tags: [{ key: 'k', value: 'v' }] }),
    keep: (r, c) => (c.run = r.run.info.run_id),
  },
  { method: 'POST', path: 'runs/create', body: (c) => ({ experiment_id: c.exp, start_time: T0 + 1, run_name: 'r2' }), keep: (r, c) => (c.run2 = r.run.info.run_id) },
  { method: 'GET', path: 'runs/get', body: (c) => ({ run_id: c.run }) },
  { method: 'POST', path: 'runs/log-metric', body: (c) => ({ run_id: c.run, key: 'loss', value: 0.5, timestamp: T0 + 10, step: 1 }) },
  { method: 'POST', path: 'runs/log-metric', body: (c) => ({ run_id: c.run, key: 'loss', value: 0.25, timestamp: T0 + 20, step: 2 }) },
  { method: 'POST', path: 'runs/log-parameter', body: (c) => ({ run_id: c.run, key: 'lr', value: '0.1' }) },
  { method: 'POST', path: 'runs/set-tag', body: (c) => ({ run_id: c.run, key: 'note', value: 'hello' }) },
  { method: 'POST', path: 'runs/delete-tag', body: (c) => ({ run_id: c.run, key: 'note' }) },
  {
    method: 'POST',
    path: 'runs/log-batch',
    body: (c) => ({
      run_id: c.run2,
      metrics: [
        { key: 'acc', value: 0.9, timestamp: T0 + 30, step: 0 },
        { key: 'acc', value: 0.95, timestamp: T0 + 31, step: 1 },
      ],
      params: [{ key: 'lr', value: '0.2' }],
      tags: [{ key: 'phase', value: 'b' }],
    }),
  },
  { method: 'POST', path: 'runs/log-model', body: (c) => ({ run_id: c.run, model_json: JSON.stringify({ artifact_path: 'model', flavors: { python_function: {} } }) }) },
  {
    method: 'POST',
    path: 'runs/log-inputs',
    body: (c) => ({
      run_id: c.run,
      datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'train', digest: 'abc123', source_type: 'local', source: '{"uri":"data/train.csv"}' } }],
    }),
  },
  { method: 'POST', path: 'runs/update', body: (c) => ({ run_id: c.run, status: 'FINISHED', end_time: T0 + 100 }) },
  { method: 'POST', path: 'runs/search', body: (c) => ({ experiment_ids: [c.exp], filter: 'metrics.loss < 1', order_by: ['metrics.loss DESC'], max_results: 10, run_view_type: 'ACTIVE_ONLY' }) },
  { method: 'GET', path: 'runs/search', body: (c) => ({ experiment_ids: [c.exp, c.exp2], max_results: 10 }) },
  { method: 'GET', path: 'metrics/get-history', body: (c) => ({ run_id: c.run, metric_key: 'loss', max_results: 1 }), keep: (r, c) => (c.token = r.next_page_token) },
  { method: 'GET', path: 'metrics/get-history', body: (c) => ({ run_id: c.run, metric_key: 'loss', max_results: 1, page_token: c.token }) },
  { method: 'GET', path: 'metrics/get-history-bulk-interval', body: (c) => ({ run_ids: [c.run, c.run2], metric_key: 'loss', max_results: 10 }) },
  { method: 'GET', path: 'artifacts/list', body: (c) => ({ run_id: c.run }) },
  { method: 'POST', path: 'runs/delete', body: (c) => ({ run_id: c.run2 }) },
  { method: 'POST', path: 'runs/restore', body: (c) => ({ run_id: c.run2 }) },

  { method: 'POST', path: 'registered-models/create', body: () => ({ name: 'churn', description: 'd', tags: [{ key: 'owner', value: 'ana' }] }) },
  { method: 'GET', path: 'registered-models/get', body: () => ({ name: 'churn' }) },
  { method: 'PATCH', path: 'registered-models/update', body: () => ({ name: 'churn', description: 'updated' }) },
  { method: 'POST', path: 'registered-models/set-tag', body: () => ({ name: 'churn', key: 'k', value: 'v' }) },
  { method: 'DELETE', path: 'registered-models/delete-tag', body: () => ({ name: 'churn', key: 'k' }) },
  { method: 'POST', path: 'model-versions/create', body: (c) => ({ name: 'churn', source: `runs:/${c.run}/model`, run_id: c.run, description: 'v1' }) },
  { method: 'POST', path: 'model-versions/create', body: () => ({ name: 'churn', source: 'mlflow-artifacts:/x/model', tags: [{ key: 't', value: '1' }] }) },
  { method: 'GET', path: 'model-versions/get', body: () => ({ name: 'churn', version: '1' }) },
  { method: 'PATCH', path: 'model-versions/update', body: () => ({ name: 'churn', version: '2', description: 'second' }) },
  { method: 'POST', path: 'model-versions/set-tag', body: () => ({ name: 'churn', version: '1', key: 'vk', value: 'vv' }) },
  { method: 'DELETE', path: 'model-versions/delete-tag', body: () => ({ name: 'churn', version: '1', key: 'vk' }) },
  { method: 'POST', path: 'model-versions/transition-stage', body: () => ({ name: 'churn', version: '1', stage: 'production', archive_existing_versions: false }) },
  { method: 'POST', path: 'model-versions/transition-stage', body: () => ({ name: 'churn', version: '2', stage: 'Production', archive_existing_versions: true }) },
  { method: 'POST', path: 'registered-models/get-latest-versions', body: () => ({ name: 'churn', stages: ['production', 'Archived'] }) },
  { method: 'GET', path: 'registered-models/get-latest-versions', body: () => ({ name: 'churn' }) },
  { method: 'POST', path: 'registered-models/alias', body: () => ({ name: 'churn', alias: 'champion', version: '2' }) },
  { method: 'GET', path: 'registered-models/alias', body: () => ({ name: 'churn', alias: 'champion' }) },
  { method: 'DELETE', path: 'registered-models/alias', body: () => ({ name: 'churn', alias: 'champion' }) },
  { method: 'GET', path: 'model-versions/search', body: (c) => ({ filter: `run_id='${c.run}'`, max_results: 10 }) },
  { method: 'GET', path: 'model-versions/search', body: () => ({ filter: "name='churn'", order_by: ['version_number DESC'] }) },
  { method: 'GET', path: 'model-versions/get-download-uri', body: () => ({ name: 'churn', version: '2' }) },
  { method: 'GET', path: 'registered-models/search', body: () => ({ filter: "name LIKE 'ch%'", max_results: 5 }) },
  { method: 'GET', path: 'registered-models/list', body: () => ({ max_results: 5 }) },
  { method: 'POST', path: 'registered-models/rename', body: () => ({ name: 'churn', new_name: 'churn-v2' }) },
  { method: 'DELETE', path: 'model-versions/delete', body: () => ({ name: 'churn-v2', version: '1' }) },
  { method: 'DELETE', path: 'registered-models/delete', body: () => ({ name: 'churn-v2' }) },

  {
    method: 'POST',
    path: 'logged-models',
    body: (c) => ({ experiment_id: c.exp, name: 'm', model_type: 'sklearn', source_run_id: c.run, params: [{ key: 'a', value: '1' }], tags: [{ key: 't', value: 'x' }] }),
    keep: (r, c) => (c.model = r.model.info.model_id),
  },
  { method: 'POST', path: 'logged-models/search', body: (c) => ({ experiment_ids: [c.exp], max_results: 10, order_by: [{ field_name: 'name', ascending: true }] }) },
  { method: 'PATCH', path: 'logged-models/{model_id}', body: () => ({ status: 'LOGGED_MODEL_READY' }) },
  { method: 'PATCH', path: 'logged-models/{model_id}/tags', body: () => ({ tags: [{ key: 'u', value: 'y' }] }) },
  { method: 'DELETE', path: 'logged-models/{model_id}/tags/{tag_key}', body: () => ({}) },
  { method: 'POST', path: 'logged-models/{model_id}/params', body: () => ({ params: [{ key: 'b', value: '2' }] }) },
  { method: 'GET', path: 'logged-models/{model_id}', body: () => ({}) },
  { method: 'POST', path: 'runs/outputs', body: (c) => ({ run_id: c.run, models: [{ model_id: c.model, step: 3 }] }) },
  { method: 'DELETE', path: 'logged-models/{model_id}', body: () => ({}) },
];

const fillPath = (p: string, ctx: J) => p.replace('{model_id}', encodeURIComponent(ctx.model ?? '')).replace('{tag_key}', 't');

let canonical: Served;
let variant: Served;
const results: Array<{ step: Step; a: { status: number; body: J }; b: { status: number; body: J }; idsA: Map<string, string>; idsB: Map<string, string> }> = [];

beforeAll(async () => {
  canonical = await serveInProcess();
  variant = await serveInProcess();
  const ctxA: J = {};
  const ctxB: J = {};
  const idsA = new Map<string, string>();
  const idsB = new Map<string, string>();
  for (const step of STEPS) {
    const msg = messageFor(step.method, step.path);
    const bodyA = step.body(ctxA);
    const bodyB = step.body(ctxB);
    const a =
      step.method === 'GET'
        ? await send(canonical.url, '/api/2.0/mlflow/', 'GET', fillPath(step.path, ctxA), undefined, canonicalQuery(bodyA))
        : await send(canonical.url, '/api/2.0/mlflow/', step.method, fillPath(step.path, ctxA), bodyA);
    const b =
      step.method === 'GET'
        ? await send(variant.url, '/api/2.0/preview/mlflow/', 'GET', fillPath(step.path, ctxB), undefined, oneXQuery(msg, bodyB))
        : await send(variant.url, '/api/2.0/preview/mlflow/', step.method, fillPath(step.path, ctxB), oneXBody(msg, bodyB));
    if (a.status === 200 && step.keep) step.keep(a.body, ctxA);
    if (b.status === 200 && step.keep) step.keep(b.body, ctxB);
    for (const [k, v] of Object.entries(ctxA)) if (typeof v === 'string' && v.length > 8) idsA.set(v, `<${k}>`);
    for (const [k, v] of Object.entries(ctxB)) if (typeof v === 'string' && v.length > 8) idsB.set(v, `<${k}>`);
    results.push({ step, a, b, idsA: new Map(idsA), idsB: new Map(idsB) });
  }
}, 60_000);
afterAll(async () => {
  await canonical?.close();
  await variant?.close();
});

describe('every endpoint, canonical vs 1.x-style request', () => {
  it('the step table covers every MLflow route mldesk serves', () => {
    const covered = new Set(STEPS.map((s) => `${s.method} ${s.path}`));
    const missingRoutes = mlflowRoutes.map((r) => `${r.method} ${r.path}`).filter((k) => !covered.has(k));
    expect(missingRoutes).toEqual([]);
  });

  it.each(STEPS.map((s, i) => [`${i}: ${s.method} ${s.path}`, i] as const))('%s', (_name, i) => {
    const { a, b, idsA, idsB } = results[i]!;
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(normalize(b.body, idsB)).toEqual(normalize(a.body, idsA));
  });

  it('every route parses with the field table of its proto message', () => {
    for (const r of mlflowRoutes) {
      const declared = REST_MESSAGES.find((m) => m.path === r.path && m.method === r.method) ?? REST_MESSAGES.find((m) => m.path === r.path);
      expect(declared, `${r.method} ${r.path} is not in the protos`).toBeDefined();
      expect(r.message.name, `${r.method} ${r.path}`).toBe(declared!.message.name);
    }
  });

  it('answers under /api/2.0/mlflow, /api/2.0/preview/mlflow and /ajax-api/2.0/mlflow, registry included', async () => {
    for (const prefix of ['/api/2.0/mlflow/', '/api/2.0/preview/mlflow/', '/ajax-api/2.0/mlflow/']) {
      const e = await send(variant.url, prefix, 'GET', 'experiments/get', undefined, [['experiment_id', '0']]);
      expect(e.body.experiment?.name, prefix).toBe('Default');
      const m = await send(variant.url, prefix, 'GET', 'registered-models/search', undefined, [['max_results', '5']]);
      expect(m.status, prefix).toBe(200);
    }
  });
});

const errOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return toMlflowError(e).body;
  }
  throw new Error('expected a parse error');
};

describe('the parser follows protobuf ParseDict as MLflow calls it', () => {
  it('experiment ids as numbers, null as unset, unknown fields ignored, camelCase names', () => {
    expect(parseMessage(M.CreateRun, { experiment_id: 3, run_name: null, startTime: '12', whatever: { a: 1 } })).toEqual({ experiment_id: '3', start_time: 12, tags: [] });
    expect(parseMessage(M.SearchRuns, { experiment_ids: [1, '2'] })).toMatchObject({ experiment_ids: ['1', '2'], run_view_type: 'ACTIVE_ONLY', max_results: 1000 });
    expect(errOf(() => parseMessage(M.CreateRun, { run_name: 'a', runName: 'b' })).message).toMatch(/multiple "run_name" fields/);
  });

  it('int64: numbers, integral floats and decimal strings; fractions, bools and junk refused', () => {
    expect(parseMessage(M.LogMetric, { run_id: 'r', key: 'k', value: 1, timestamp: '-5', step: 2.0 })).toMatchObject({ timestamp: -5, step: 2 });
    for (const bad of ['1.5', 1.5, true, '1e3', ' 7', 'x', [1]]) {
      const e = errOf(() => parseMessage(M.LogMetric, { run_id: 'r', key: 'k', value: 1, timestamp: bad }));
      expect(e.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(e.message).toMatch(/parameter 'timestamp'/);
    }
    expect(errOf(() => parseMessage(M.SearchRuns, { max_results: 2 ** 31 })).message).toMatch(/int32 range/);
  });

  it('doubles: numbers and Python float() strings ("NaN", "Infinity", "1e-3"); "nan" refused like protobuf does', () => {
    const v = (value: unknown) => parseMessage(M.LogMetric, { run_id: 'r', key: 'k', value, timestamp: 1 }).value;
    expect(v('1e-3')).toBe(0.001);
    expect(v('NaN')).toBeNaN();
    expect(v('-Infinity')).toBe(-Infinity);
    expect(v('inf')).toBe(Infinity);
    expect(errOf(() => v('nan')).message).toMatch(/"NaN"/);
    expect(errOf(() => v('abc')).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('enums by name or number; bools only as JSON booleans in a body', () => {
    expect(parseMessage(M.SearchRuns, { run_view_type: 3 }).run_view_type).toBe('ALL');
    expect(parseMessage(M.SearchRuns, { run_view_type: '2' }).run_view_type).toBe('DELETED_ONLY');
    expect(errOf(() => parseMessage(M.SearchRuns, { run_view_type: 'all' })).message).toMatch(/ACTIVE_ONLY, DELETED_ONLY, ALL/);
    expect(errOf(() => parseMessage(M.SearchRuns, { run_view_type: 9 })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(errOf(() => parseMessage(M.TransitionModelVersionStage, { name: 'm', version: '1', stage: 'Staging', archive_existing_versions: 'true' })).message).toMatch(
      /archive_existing_versions/,
    );
  });

  it('repeated fields need a list, without null elements; messages need an object', () => {
    expect(errOf(() => parseMessage(M.SearchRuns, { experiment_ids: '1' })).message).toMatch(/experiment_ids/);
    expect(errOf(() => parseMessage(M.SearchRuns, { order_by: ['a', null] })).message).toMatch(/order_by\[1\]/);
    expect(errOf(() => parseMessage(M.LogBatch, { run_id: 'r', metrics: [5] })).message).toMatch(/metrics\[0\]/);
  });

  it('required: missing, null and "" are refused with MLflow\'s message; run_uuid stands in for run_id', () => {
    for (const name of [undefined, null, '']) {
      expect(errOf(() => parseMessage(M.CreateExperiment, name === undefined ? {} : { name }))).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
      });
    }
    expect(parseMessage(M.GetRun, { run_uuid: 'abc' })).toMatchObject({ run_uuid: 'abc' });
    expect(errOf(() => parseMessage(M.GetRun, {})).message).toMatch(/'run_id'/);
  });

  it('GET query strings: repeated keys (also x[] and x[N]), bools in any case, unknown params ignored', () => {
    const q = new URLSearchParams('experiment_ids=1&experiment_ids[]=2&experiment_ids[2]=3&max_results=7&junk=1');
    expect(parseMessage(M.SearchRuns, queryToDict(M.SearchRuns, q))).toMatchObject({ experiment_ids: ['1', '2', '3'], max_results: 7 });
    const t = queryToDict(M.TransitionModelVersionStage, new URLSearchParams('archive_existing_versions=TRUE'));
    expect(t.archive_existing_versions).toBe(true);
    expect(errOf(() => queryToDict(M.TransitionModelVersionStage, new URLSearchParams('archive_existing_versions=yes'))).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('over HTTP', () => {
  it('double-encoded JSON bodies (older clients) are decoded a second time', async () => {
    const r = await send(variant.url, '/api/2.0/mlflow/', 'POST', 'experiments/create', JSON.stringify({ name: 'double-encoded' }) as unknown as J);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.experiment_id).toMatch(/^\d+$/);
  });

  it('a negative or zero max_results is INVALID_PARAMETER_VALUE on every paged endpoint', async () => {
    const paged: Array<[Method, string, J]> = [
      ['POST', 'experiments/search', {}],
      ['GET', 'experiments/list', {}],
      ['POST', 'runs/search', { experiment_ids: ['0'] }],
      ['GET', 'metrics/get-history', { run_id: 'abc', metric_key: 'k' }],
      ['GET', 'metrics/get-history-bulk-interval', { run_ids: ['abc'], metric_key: 'k' }],
      ['GET', 'registered-models/search', {}],
      ['GET', 'registered-models/list', {}],
      ['GET', 'model-versions/search', {}],
      ['POST', 'logged-models/search', { experiment_ids: ['0'] }],
    ];
    for (const [method, path, body] of paged) {
      for (const max of [-1, 0]) {
        const r =
          method === 'GET'
            ? await send(variant.url, '/api/2.0/mlflow/', 'GET', path, undefined, canonicalQuery({ ...body, max_results: max }))
            : await send(variant.url, '/api/2.0/mlflow/', method, path, { ...body, max_results: max });
        expect(r.status, `${path} ${max}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.error_code, path).toBe('INVALID_PARAMETER_VALUE');
        expect(r.body.message, path).toMatch(/max_results/);
      }
    }
  });

  it('type errors name the field and never reach the store', async () => {
    const before = (await send(variant.url, '/api/2.0/mlflow/', 'GET', 'experiments/search', undefined, [['max_results', '1000']])).body.experiments.length;
    const r = await send(variant.url, '/api/2.0/mlflow/', 'POST', 'experiments/create', { name: ['not', 'a', 'string'] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect(r.body.message).toMatch(/parameter 'name'.*type 'list'/);
    const after = (await send(variant.url, '/api/2.0/mlflow/', 'GET', 'experiments/search', undefined, [['max_results', '1000']])).body.experiments.length;
    expect(after).toBe(before);
  });
});

/** A client written against the MLflow 1.x REST API, as the issue describes one. */
class OneXClient {
  constructor(private readonly base: string) {}
  async call(method: Method, path: string, body: J = {}): Promise<J> {
    const r =
      method === 'GET'
        ? await send(this.base, '/api/2.0/preview/mlflow/', 'GET', path, undefined, canonicalQuery(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null))))
        : await send(this.base, '/api/2.0/preview/mlflow/', method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

describe('a scripted MLflow 1.x client session', () => {
  it('experiments → runs → metrics → registry stages → cleanup', async () => {
    const s = await serveInProcess();
    try {
      const c = new OneXClient(s.url);
      const expId = Number((await c.call('POST', 'experiments/create', { name: 'legacy', artifact_location: null })).experiment_id);
      expect((await c.call('GET', 'experiments/get-by-name', { experiment_name: 'legacy' })).experiment.experiment_id).toBe(String(expId));
      await c.call('POST', 'experiments/update', { experiment_id: expId, new_name: 'legacy-2' });
      await c.call('POST', 'experiments/set-experiment-tag', { experiment_id: expId, key: 'team', value: 'risk' });
      const exp = (await c.call('GET', 'experiments/get', { experiment_id: expId })).experiment;
      expect(exp).toMatchObject({ name: 'legacy-2', tags: [{ key: 'team', value: 'risk' }] });

      const runs: string[] = [];
      for (const [i, losses] of [
        [0, [0.9, 0.6, 0.4]],
        [1, [0.8, 0.7, 0.65]],
      ] as const) {
        const run = (await c.call('POST', 'runs/create', { experiment_id: expId, user_id: 'legacy-user', start_time: String(T0 + i), run_name: null, tags: [{ key: 'i', value: String(i) }] }))
          .run.info;
        expect(run.experiment_id).toBe(String(expId));
        const id = run.run_uuid as string;
        runs.push(id);
        for (const [step, loss] of losses.entries()) {
          await c.call('POST', 'runs/log-metric', { run_uuid: id, run_id: id, key: 'loss', value: loss, timestamp: String(T0 + step), step: String(step) });
        }
        await c.call('POST', 'runs/log-parameter', { run_uuid: id, key: 'lr', value: String(0.1 * (i + 1)) });
        await c.call('POST', 'runs/log-batch', {
          run_id: id,
          metrics: [{ key: 'acc', value: 0.5 + i / 10, timestamp: String(T0), step: '0' }],
          params: [{ key: 'depth', value: '3' }],
          tags: [{ key: 'tmp', value: 'x' }],
        });
        await c.call('POST', 'runs/set-tag', { run_uuid: id, key: 'note', value: 'kept' });
        await c.call('POST', 'runs/delete-tag', { run_id: id, key: 'tmp' });
        await c.call('POST', 'runs/update', { run_uuid: id, status: 'FINISHED', end_time: String(T0 + 1000) });
      }
      const found = await c.call('POST', 'runs/search', { experiment_ids: [expId], filter: 'metrics.loss < 0.7 and params.depth = "3"', order_by: ['metrics.loss ASC'], max_results: '10' });
      expect(found.runs.map((r: J) => r.info.run_id)).toEqual([runs[0], runs[1]]);
      expect(found.runs[0].info.status).toBe('FINISHED');
      expect(found.runs[0].data.tags).toContainEqual({ key: 'note', value: 'kept' });
      expect(found.runs[0].data.tags.some((t: J) => t.key === 'tmp')).toBe(false);

      const history: number[] = [];
      let token: string | undefined;
      do {
        const page = await c.call('GET', 'metrics/get-history', { run_uuid: runs[0], metric_key: 'loss', max_results: 2, page_token: token ?? null });
        expect(page.metrics.length).toBeLessThanOrEqual(2);
        history.push(...page.metrics.map((m: J) => m.value));
        token = page.next_page_token;
      } while (token);
      expect(history).toEqual([0.9, 0.6, 0.4]);

      await c.call('POST', 'runs/delete', { run_id: runs[1] });
      expect((await c.call('POST', 'runs/search', { experiment_ids: [expId] })).runs.map((r: J) => r.info.run_id)).toEqual([runs[0]]);
      expect((await c.call('POST', 'runs/search', { experiment_ids: [expId], run_view_type: 'DELETED_ONLY' })).runs.map((r: J) => r.info.run_id)).toEqual([runs[1]]);
      await c.call('POST', 'runs/restore', { run_id: runs[1] });
      expect((await c.call('POST', 'runs/search', { experiment_ids: [expId], run_view_type: 1 })).runs).toHaveLength(2);

      // Registry: four versions; v1 walks None → Staging → Production → Archived.
      await c.call('POST', 'registered-models/create', { name: 'legacy-model', tags: null, description: null });
      for (const run of [runs[0], runs[1], null, null]) {
        await c.call('POST', 'model-versions/create', { name: 'legacy-model', source: run ? `runs:/${run}/model` : 'mlflow-artifacts:/m', run_id: run, run_link: null });
      }
      const stageOf = async (v: number) => (await c.call('GET', 'model-versions/get', { name: 'legacy-model', version: String(v) })).model_version.current_stage;
      expect(await stageOf(1)).toBe('None');
      await c.call('POST', 'model-versions/transition-stage', { name: 'legacy-model', version: '1', stage: 'staging', archive_existing_versions: false });
      expect(await stageOf(1)).toBe('Staging');
      await c.call('POST', 'model-versions/transition-stage', { name: 'legacy-model', version: '1', stage: 'PRODUCTION', archive_existing_versions: false });
      await c.call('POST', 'model-versions/transition-stage', { name: 'legacy-model', version: '2', stage: 'Staging', archive_existing_versions: false });
      await c.call('POST', 'model-versions/transition-stage', { name: 'legacy-model', version: '3', stage: 'Staging', archive_existing_versions: false });
      const promoted = await c.call('POST', 'model-versions/transition-stage', { name: 'legacy-model', version: '2', stage: 'production', archive_existing_versions: true });
      expect(promoted.model_version.current_stage).toBe('Production');
      expect(await stageOf(1)).toBe('Archived');
      expect(await stageOf(3)).toBe('Staging'); // only the target stage is archived

      const latest = async (stages?: string[]) =>
        ((await c.call('POST', 'registered-models/get-latest-versions', { name: 'legacy-model', stages: stages ?? null })).model_versions as J[])
          .map((v) => `${v.version}:${v.current_stage}`)
          .sort();
      expect(await latest(['Production'])).toEqual(['2:Production']);
      expect(await latest(['staging', 'archived'])).toEqual(['1:Archived', '3:Staging']);
      expect(await latest()).toEqual(['1:Archived', '2:Production', '3:Staging', '4:None']);
      const getLatest = await c.call('GET', 'registered-models/get-latest-versions', { name: 'legacy-model', stages: ['None'] });
      expect(getLatest.model_versions.map((v: J) => v.version)).toEqual(['4']);
      const byRun = await c.call('GET', 'model-versions/search', { filter: `run_id='${runs[0]}'` });
      expect(byRun.model_versions.map((v: J) => v.version)).toEqual(['1']);
      const byName = await c.call('GET', 'model-versions/search', { filter: "name='legacy-model'" });
      expect(byName.model_versions).toHaveLength(4);
      await c.call('POST', 'registered-models/alias', { name: 'legacy-model', alias: 'champion', version: '2' });
      expect((await c.call('GET', 'registered-models/get', { name: 'legacy-model' })).registered_model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
      expect((await c.call('GET', 'registered-models/list', { max_results: 10 })).registered_models.map((m: J) => m.name)).toEqual(['legacy-model']);

      // Delete everything.
      for (const v of ['1', '2', '3', '4']) await c.call('DELETE', 'model-versions/delete', { name: 'legacy-model', version: v });
      await c.call('DELETE', 'registered-models/delete', { name: 'legacy-model' });
      for (const id of runs) await c.call('POST', 'runs/delete', { run_id: id });
      await c.call('POST', 'experiments/delete', { experiment_id: expId });
      expect((await c.call('GET', 'registered-models/list', {})).registered_models ?? []).toEqual([]);
      expect((await c.call('GET', 'experiments/list', {})).experiments.map((e: J) => e.name)).toEqual(['Default']);
      expect((await c.call('GET', 'experiments/list', { view_type: 'DELETED_ONLY' })).experiments.map((e: J) => e.name)).toEqual(['legacy-2']);
    } finally {
      await s.close();
    }
  });
});
