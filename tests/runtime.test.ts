// The serving runtime (resources/runtime → dist/runtime/server.js) as a child process on a loopback port,
// with real ONNX models made by tests/fixtures/make_models.py (Debian's python3-onnx).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { feedbackPage, inferResponse, modelMetadata, recordsResponse, type InferRequest } from '../shared/runtime';

const root = path.resolve(__dirname, '..');
const server = path.join(root, 'dist/runtime/server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-runtime-'));
const models = path.join(tmp, 'models');
const children = new Set<ChildProcess>();

interface Runtime {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function start(model: string, name: string, env: Record<string, string> = {}): Promise<Runtime> {
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, MLDESK_MODEL_PATH: model, MLDESK_MODEL_NAME: name, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (children.delete(child), resolve(code))));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`runtime exited ${code}: ${err}`)));
  });
  return { child, base, exited };
}

async function json(base: string, p: string, body?: unknown, raw?: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(base + p, body === undefined && raw === undefined ? {} : { method: 'POST', body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text body
  }
  return { status: r.status, body: parsed };
}

/** POST `total` bytes in 1 MiB chunks, with or without a Content-Length; resolves with the status and body. */
function bigPost(base: string, p: string, total: number, withLength: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(base + p);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: withLength ? { 'content-length': String(total) } : {} }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const X = [
  [1, 2, 3, 4],
  [0, 0, 0, 0],
  [-1.5, 0.25, 3.75, -2],
];
let expected: number[] = [];
let rt: Runtime;

beforeAll(async () => {
  if (!fs.existsSync(server)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), 'node'], { cwd: root, stdio: 'inherit' });
  execFileSync('/usr/bin/python3', [path.join(root, 'tests/fixtures/make_models.py'), models]);
  const s = await ort.InferenceSession.create(path.join(models, 'logreg.onnx'));
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from(X.flat()), [X.length, 4]) });
  expected = Array.from(out.prob!.data as Float32Array);
  rt = await start(path.join(models, 'mlflow_logreg'), 'logreg', { MLDESK_RECORDS_DIR: path.join(tmp, 'rec-main') });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const close = (got: number[]) => {
  expect(got).toHaveLength(expected.length);
  got.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-6));
};

describe('serving runtime', () => {
  it('health, server and model metadata (signature from MLmodel)', async () => {
    expect((await json(rt.base, '/v2/health/live')).status).toBe(200);
    expect((await json(rt.base, '/v2/health/ready')).status).toBe(200);
    expect((await json(rt.base, '/ping')).status).toBe(200);
    expect((await json(rt.base, '/v2/models/logreg/ready')).status).toBe(200);
    const srv = await json(rt.base, '/v2');
    expect(srv.body).toMatchObject({ name: 'mldesk-runtime' });
    const md = modelMetadata.parse((await json(rt.base, '/v2/models/logreg')).body);
    expect(md.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
    expect(md.outputs).toEqual([{ name: 'prob', datatype: 'FP32', shape: [-1, 1] }]);
  });

  it('OIP infer matches onnxruntime in-process', async () => {
    const req: InferRequest = { id: 'r1', inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: X.flat() }] };
    const r = await json(rt.base, '/v2/models/logreg/infer', req);
    expect(r.status).toBe(200);
    const res = inferResponse.parse(r.body);
    expect(res).toMatchObject({ model_name: 'logreg', id: 'r1' });
    expect(res.outputs[0]).toMatchObject({ name: 'prob', datatype: 'FP32', shape: [3, 1] });
    close(res.outputs[0]!.data as number[]);
    // nested data is accepted too
    const nested = await json(rt.base, '/v2/models/logreg/infer', { inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: X }] });
    close(inferResponse.parse(nested.body).outputs[0]!.data as number[]);
  });

  it('/invocations: dataframe_split, dataframe_records, instances, inputs', async () => {
    const cols = ['f0', 'f1', 'f2', 'f3'];
    const bodies = [
      { dataframe_split: { columns: cols, data: X } },
      { dataframe_records: X.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))) },
      { instances: X },
      { inputs: X },
      { inputs: { x: X } },
    ];
    for (const b of bodies) {
      const r = await json(rt.base, '/invocations', b);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      close(((r.body as { predictions: number[][] }).predictions).map((p) => p[0]!));
    }
  });

  it('mixed datatypes (FP64, INT64, BOOL) with a raw .onnx signature', async () => {
    const m = await start(path.join(models, 'mixed.onnx'), 'mixed', { MLDESK_RECORDS_DIR: path.join(tmp, 'rec-mixed') });
    const md = modelMetadata.parse((await json(m.base, '/v2/models/mixed')).body);
    expect(md.inputs).toEqual([
      { name: 'a', datatype: 'FP64', shape: [-1, 2] },
      { name: 'b', datatype: 'INT64', shape: [-1, 1] },
      { name: 'flag', datatype: 'BOOL', shape: [-1] },
    ]);
    const r = await json(m.base, '/v2/models/mixed/infer', {
      inputs: [
        { name: 'a', shape: [2, 2], datatype: 'FP64', data: [0.1, 0.2, 1, 2] },
        { name: 'b', shape: [2, 1], datatype: 'INT64', data: [10, -3] },
        { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const outs = inferResponse.parse(r.body).outputs;
    expect(outs[0]!.data[0]).toBeCloseTo(10.3, 12);
    expect(outs[0]!.data[1]).toBeCloseTo(0, 12);
    expect(outs[1]).toMatchObject({ name: 'flag_out', datatype: 'BOOL', data: [false, true] });
    const inv = await json(m.base, '/invocations', { dataframe_records: [{ a: [0.1, 0.2], b: 10, flag: true }] });
    expect(inv.status, JSON.stringify(inv.body)).toBe(200);
    expect(inv.body).toMatchObject({ predictions: { flag_out: [false] } });
    const bad = await json(m.base, '/v2/models/mixed/infer', {
      inputs: [
        { name: 'a', shape: [1, 2], datatype: 'FP64', data: [0.1, 0.2] },
        { name: 'b', shape: [1, 1], datatype: 'INT64', data: [1.5] },
        { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] },
      ],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/input 'b'.*wrong type/);
    m.child.kill('SIGTERM');
    expect(await m.exited).toBe(0);
  });

  it('malformed payloads → 4xx naming the problem; the server keeps serving; /metrics counts them', async () => {
    const infer = (inputs: unknown) => json(rt.base, '/v2/models/logreg/infer', { inputs });
    const cases: Array<[Promise<{ status: number; body: unknown }>, number, RegExp]> = [
      [infer([{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }]), 400, /input 'x': wrong shape/],
      [infer([{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }]), 400, /input 'x': 3 values/],
      [infer([{ name: 'x', shape: [1, 4], datatype: 'INT64', data: [1, 2, 3, 4] }]), 400, /input 'x': wrong datatype INT64/],
      [infer([{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 'a', 3, 4] }]), 400, /input 'x': wrong type at element 1/],
      [infer([]), 400, /missing input 'x'/],
      [infer([{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }, { name: 'z', shape: [1], datatype: 'FP32', data: [1] }]), 400, /unknown input 'z'/],
      [json(rt.base, '/v2/models/nope/infer', { inputs: [] }), 404, /unknown model 'nope'/],
      [json(rt.base, '/v2/models/nope'), 404, /unknown model 'nope'/],
      [json(rt.base, '/v2/models/logreg/infer', undefined, '{"inputs": [nope'), 400, /not JSON/],
      [json(rt.base, '/invocations', undefined, 'a,b\n1,2'), 400, /not JSON/],
      [json(rt.base, '/invocations', { something: [] }), 400, /dataframe_split/],
      [json(rt.base, '/invocations', { inputs: [[1, 2]] }), 400, /input 'x': wrong shape/],
    ];
    for (const [p, status, msg] of cases) {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect((r.body as { error: string }).error).toMatch(msg);
    }
    const big = await bigPost(rt.base, '/v2/models/logreg/infer', 150 * 1024 * 1024, true);
    expect(big.status).toBe(413);
    expect(big.body).toMatch(/exceeds the 104857600-byte limit/);
    const chunked = await bigPost(rt.base, '/invocations', 150 * 1024 * 1024, false);
    expect(chunked.status).toBe(413);
    const ok = await json(rt.base, '/v2/models/logreg/infer', { inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: X.flat() }] });
    expect(ok.status).toBe(200);
    const metrics = (await json(rt.base, '/metrics')).body as string;
    expect(metrics).toMatch(/mldesk_requests_total\{route="\/v2\/models\/\{name\}\/infer",code="400"\} 7/);
    expect(metrics).toMatch(/mldesk_requests_total\{route="\/invocations",code="400"\} 3/);
    expect(metrics).toMatch(/mldesk_errors_total\{code="404"\} 2/);
    expect(metrics).toMatch(/mldesk_errors_total\{code="413"\} 2/);
    expect(metrics).toMatch(/mldesk_request_duration_seconds_bucket\{route="\/invocations",le="\+Inf"\} \d+/);
    expect(metrics).toMatch(/mldesk_inflight_requests 1/); // the /metrics request itself
  });

  it('records: after= paging, bounded ring drops oldest, seq continues after restart', async () => {
    const dir = path.join(tmp, 'rec-ring');
    const env = { MLDESK_RECORDS_DIR: dir, MLDESK_RECORDS_SEGMENT_BYTES: '4000', MLDESK_RECORDS_MAX_SEGMENTS: '3' };
    let r = await start(path.join(models, 'logreg.onnx'), 'logreg', env);
    const one = (i: number) => json(r.base, '/v2/models/logreg/infer', { id: `q${i}`, inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [i, 0, 0, 0] }] });
    for (let i = 0; i < 5; i++) await one(i);
    const p1 = recordsResponse.parse((await json(r.base, '/mldesk/records?after=0&limit=2')).body);
    expect(p1.records.map((x) => x.seq)).toEqual([1, 2]);
    expect(p1.records[0]).toMatchObject({ id: 'q0', status: 200, route: '/v2/models/{name}/infer' });
    expect(p1.records[0]!.latency_ms).toBeGreaterThan(0);
    const p2 = recordsResponse.parse((await json(r.base, `/mldesk/records?after=${p1.next}&limit=10`)).body);
    expect(p2.records.map((x) => x.seq)).toEqual([3, 4, 5]);
    expect(p2.dropped_before).toBe(0);
    for (let i = 5; i < 80; i++) await one(i);
    const all = recordsResponse.parse((await json(r.base, '/mldesk/records?after=0&limit=1000')).body);
    expect(all.dropped_before).toBeGreaterThan(1);
    expect(all.records[0]!.seq).toBe(all.dropped_before);
    expect(all.records.at(-1)!.seq).toBe(80);
    expect(all.records.length).toBeLessThan(80);
    expect(fs.readdirSync(dir).length).toBeLessThanOrEqual(3);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    r = await start(path.join(models, 'logreg.onnx'), 'logreg', env);
    await one(999);
    const after = recordsResponse.parse((await json(r.base, '/mldesk/records?after=80')).body);
    expect(after.records.map((x) => [x.seq, x.id])).toEqual([[81, 'q999']]);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it('SIGTERM drains: in-flight requests complete, new ones refused, records flushed, exit 0', async () => {
    const dir = path.join(tmp, 'rec-drain');
    const r = await start(path.join(models, 'logreg.onnx'), 'logreg', { MLDESK_RECORDS_DIR: dir });
    const u = new URL(r.base);
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [3, 4], datatype: 'FP32', data: X.flat() }] }));
    // Three slow uploads: half the body now, the rest after the SIGTERM.
    const reqs = [0, 1, 2].map(() => {
      let req!: http.ClientRequest;
      const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req = http.request({ host: u.hostname, port: u.port, path: '/v2/models/logreg/infer', method: 'POST', headers: { 'content-length': String(body.length) } }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => (b += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
      });
      req.write(body.subarray(0, 10));
      return { req, done };
    });
    await new Promise((res) => setTimeout(res, 200));
    r.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 200));
    await expect(fetch(r.base + '/v2/health/live')).rejects.toThrow();
    for (const { req } of reqs) req.end(body.subarray(10));
    for (const { done } of reqs) {
      const res = await done;
      expect(res.status).toBe(200);
      close(inferResponse.parse(JSON.parse(res.body)).outputs[0]!.data as number[]);
    }
    expect(await r.exited).toBe(0);
    const lines = fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n'));
    expect(lines).toHaveLength(3);
  });

  it('x-request-id: the OIP id, the caller’s header, or a new one, on both routes', async () => {
    const body = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X[0] }] };
    const withId = await fetch(rt.base + '/v2/models/logreg/infer', { method: 'POST', body: JSON.stringify({ id: 'oip-7', ...body }), headers: { 'content-type': 'application/json' } });
    expect(withId.headers.get('x-request-id')).toBe('oip-7');
    const header = await fetch(rt.base + '/invocations', { method: 'POST', body: JSON.stringify({ inputs: [X[0]] }), headers: { 'content-type': 'application/json', 'x-request-id': 'mine-1' } });
    expect(header.status).toBe(200);
    expect(header.headers.get('x-request-id')).toBe('mine-1');
    const fresh = await fetch(rt.base + '/invocations', { method: 'POST', body: JSON.stringify({ inputs: [X[0]] }), headers: { 'content-type': 'application/json' } });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // An OIP id that cannot be a header value is answered in the body only.
    const odd = await fetch(rt.base + '/v2/models/logreg/infer', { method: 'POST', body: JSON.stringify({ id: 'a b\n', ...body }), headers: { 'content-type': 'application/json' } });
    expect(odd.status).toBe(200);
    expect(odd.headers.get('x-request-id')).toBeNull();
    const recs = recordsResponse.parse((await json(rt.base, '/mldesk/records?after=0&limit=10000')).body);
    expect(recs.records.some((r) => r.id === 'mine-1' && r.route === '/invocations')).toBe(true);
  });

  it('feedback: single and batch labels are stored and paged; bad bodies → 4xx; the ring is bounded', async () => {
    const dir = path.join(tmp, 'rec-feedback');
    const r = await start(path.join(models, 'logreg.onnx'), 'logreg', { MLDESK_RECORDS_DIR: dir, MLDESK_FEEDBACK_MAX_BYTES: '6000' });
    const one = await json(r.base, '/mldesk/feedback', { id: 'q1', label: 1 });
    expect(one).toEqual({ status: 200, body: { accepted: 1 } });
    const batch = await json(r.base, '/mldesk/feedback', { feedback: [{ id: 'q2', label: 'yes' }, { id: 'q3', row: 2, label: false }, { id: 'q4', label: 0.25 }] });
    expect(batch).toEqual({ status: 200, body: { accepted: 3 } });
    const page = feedbackPage.parse((await json(r.base, '/mldesk/feedback?after=0&limit=2')).body);
    expect(page.feedback.map((f) => [f.seq, f.id, f.row, f.label])).toEqual([
      [1, 'q1', 0, 1],
      [2, 'q2', 0, 'yes'],
    ]);
    const rest = feedbackPage.parse((await json(r.base, `/mldesk/feedback?after=${page.next}`)).body);
    expect(rest.feedback.map((f) => [f.id, f.row, f.label])).toEqual([
      ['q3', 2, false],
      ['q4', 0, 0.25],
    ]);
    expect(Date.parse(rest.feedback[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
    const bad: Array<[unknown, number]> = [
      [{}, 400],
      [{ id: 'q' }, 400],
      [{ label: 1 }, 400],
      [{ id: '', label: 1 }, 400],
      [{ id: 'q', label: null }, 400],
      [{ id: 'q', label: { a: 1 } }, 400],
      [{ id: 'q', label: [1] }, 400],
      [{ id: 'q', label: 1, extra: true }, 400],
      [{ id: 'q', row: -1, label: 1 }, 400],
      [{ id: 'q', row: 1.5, label: 1 }, 400],
      [{ id: 'x'.repeat(300), label: 1 }, 400],
      [{ id: 'q', label: 'x'.repeat(2000) }, 400],
      [{ feedback: [] }, 400],
      [{ feedback: [{ id: 'ok', label: 1 }, { id: 'bad' }] }, 400],
      [{ feedback: Array.from({ length: 10_001 }, (_, i) => ({ id: `i${i}`, label: 1 })) }, 400],
      [[{ id: 'q', label: 1 }], 400],
      ['nope', 400],
    ];
    for (const [body, status] of bad) {
      const a = await json(r.base, '/mldesk/feedback', body);
      expect(a.status, JSON.stringify(body).slice(0, 100)).toBe(status);
      expect(typeof (a.body as { error: string }).error).toBe('string');
    }
    expect((await json(r.base, '/mldesk/feedback', undefined, '{"id": ')).status).toBe(400);
    // Nothing of a refused batch was kept (the partly valid one included).
    const all = feedbackPage.parse((await json(r.base, '/mldesk/feedback?after=0&limit=10000')).body);
    expect(all.feedback).toHaveLength(4);
    const big = await bigPost(r.base, '/mldesk/feedback', 3 * 1024 * 1024, true);
    expect(big.status).toBe(413);
    const del = await fetch(r.base + '/mldesk/feedback', { method: 'DELETE' });
    expect(del.status).toBe(405);
    // Bounded: old segments go once the ring holds more than MLDESK_FEEDBACK_MAX_BYTES (segments of 2 MiB: write past two).
    for (let k = 0; k < 3; k++) {
      const items = Array.from({ length: 10_000 }, (_, i) => ({ id: `bulk-${k}-${i}-${'p'.repeat(60)}`, label: i % 2 }));
      expect((await json(r.base, '/mldesk/feedback', { feedback: items })).status).toBe(200);
    }
    const after = feedbackPage.parse((await json(r.base, '/mldesk/feedback?after=0&limit=10')).body);
    expect(after.dropped_before).toBeGreaterThan(1);
    const files = fs.readdirSync(`${dir}-feedback`);
    const bytes = files.reduce((n, f) => n + fs.statSync(path.join(`${dir}-feedback`, f)).size, 0);
    expect(bytes).toBeLessThan(8 * 1024 * 1024);
    expect(recordsResponse.parse((await json(r.base, '/mldesk/records?after=0')).body).records).toEqual([]);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });
});
