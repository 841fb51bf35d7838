// mldesk serving runtime: a small standalone HTTP server (no engine code) around onnxruntime-node.
// Open Inference Protocol V2 + MLflow-style /invocations + Prometheus /metrics + a records ring, and ground truth
// (POST /mldesk/feedback) in a second ring. Every inference answers with its request id in `x-request-id` (an OIP
// body's `id`, else the request's own `x-request-id` header, else a new UUID): the id feedback refers to.
// Config: MLDESK_MODEL_PATH, MLDESK_MODEL_NAME, HOST (127.0.0.1), PORT (8080), MLDESK_RECORDS_DIR,
// MLDESK_RECORDS_MAX_BYTES, MLDESK_RECORDS_SEGMENT_BYTES, MLDESK_RECORDS_MAX_SEGMENTS, MLDESK_MAX_BODY_BYTES,
// MLDESK_FEEDBACK_DIR (<records dir>-feedback), MLDESK_FEEDBACK_MAX_BYTES, MLDESK_PORT_BASE + MLDESK_SLOT (a swarm
// replica's port: base + task slot, instead of PORT);
// or args --model/--name/--host/--port/--records.
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inferRequest, invocationsRequest, type InferInputTensor, type InferOutputTensor, type TensorMeta } from '../../shared/runtime';
import { RecordRing } from './ring';
import { FEEDBACK_MAX_BODY, FeedbackError, FeedbackStore, feedbackDirOf } from './feedback';
import { infer, loadModel, RequestError, shapeOf, unflatten, type LoadedModel } from './model';
import { Metrics } from './metrics';
import { GracefulDrain } from './drain';

declare const __MLDESK_VERSION__: string;
const VERSION = typeof __MLDESK_VERSION__ === 'string' ? __MLDESK_VERSION__ : '0.0.0';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);

const modelPath = arg('model') ?? process.env.MLDESK_MODEL_PATH;
if (!modelPath) {
  process.stderr.write('mldesk-runtime: set MLDESK_MODEL_PATH (or --model) to a .onnx file or an MLflow model dir\n');
  process.exit(2);
}
const modelName = arg('name') ?? process.env.MLDESK_MODEL_NAME ?? path.basename(modelPath).replace(/\.onnx$/, '');
const host = arg('host') ?? process.env.HOST ?? '127.0.0.1';
/** Under an orchestrator with host networking (swarm) each replica listens on MLDESK_PORT_BASE + MLDESK_SLOT (its task slot). */
function slotPort(): string | undefined {
  const base = Number(process.env.MLDESK_PORT_BASE ?? NaN);
  const slot = Number(process.env.MLDESK_SLOT ?? NaN);
  return Number.isInteger(base) && Number.isInteger(slot) && base > 0 && slot > 0 && base + slot <= 65535 ? String(base + slot) : undefined;
}
const port = num(arg('port') ?? slotPort() ?? process.env.PORT, 8080);
const maxBody = num(process.env.MLDESK_MAX_BODY_BYTES, 100 * 1024 * 1024);
const recordsDir = arg('records') ?? process.env.MLDESK_RECORDS_DIR ?? path.join(process.cwd(), 'mldesk-records');
const RECORD_FIELD_MAX = 64 * 1024;

const ring = new RecordRing({
  dir: recordsDir,
  maxBytes: num(process.env.MLDESK_RECORDS_MAX_BYTES, 256 * 1024 * 1024),
  segmentBytes: num(process.env.MLDESK_RECORDS_SEGMENT_BYTES, 8 * 1024 * 1024),
  maxSegments: num(process.env.MLDESK_RECORDS_MAX_SEGMENTS, 64),
});
const feedback = new FeedbackStore({
  dir: process.env.MLDESK_FEEDBACK_DIR || feedbackDirOf(recordsDir),
  maxBytes: num(process.env.MLDESK_FEEDBACK_MAX_BYTES, 32 * 1024 * 1024),
  segmentBytes: 2 * 1024 * 1024,
  maxSegments: 64,
});
const metrics = new Metrics();
let model: LoadedModel | null = null;
const drain = new GracefulDrain(
  () => metrics.inflight,
  num(process.env.MLDESK_DRAIN_TIMEOUT_MS, 30_000),
  (clean) => {
    ring.close();
    feedback.close();
    if (clean) process.stdout.write('mldesk-runtime: drained, exiting\n');
  },
);

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // A 413 keeps the connection: the rest of that body is read and discarded (never buffered), so the
  // client can finish sending and read the answer instead of hitting EPIPE.
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers, ...(drain.draining ? { connection: 'close' } : {}) });
  res.end(text);
}

/** Reads a body up to `limit` bytes, counting while streaming; never buffers past the limit. */
function readBody(req: http.IncomingMessage, limit = maxBody): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      req.resume(); // discard without buffering so the client can read the 413
      reject(new RequestError(413, `body of ${declared} bytes exceeds the ${limit}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      n += c.length;
      if (n > limit) {
        over = true;
        chunks.length = 0;
        reject(new RequestError(413, `body exceeds the ${limit}-byte limit`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !over && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: http.IncomingMessage, limit = maxBody): Promise<unknown> {
  const buf = await readBody(req, limit);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new RequestError(400, `body is not JSON: ${(e as Error).message}`);
  }
}

function clip(v: unknown): unknown {
  const s = JSON.stringify(v);
  return s !== undefined && s.length > RECORD_FIELD_MAX ? { truncated: true, bytes: s.length } : v;
}

function record(route: string, id: string, inputs: unknown, outputs: unknown, started: number, status: number, error?: string): void {
  ring.append({ id, time: new Date().toISOString(), route, inputs: clip(inputs), outputs: clip(outputs), latency_ms: Number((performance.now() - started).toFixed(3)), status, ...(error ? { error } : {}) });
}

/** A caller's own request id (x-request-id): printable, at most 256 characters; anything else is ignored. */
function headerId(req: http.IncomingMessage): string | null {
  const h = req.headers['x-request-id'];
  const v = Array.isArray(h) ? h[0] : h;
  return v && v.length <= 256 && /^[\x21-\x7e]+$/.test(v) ? v : null;
}

/** The x-request-id answer header, when the id can be one (an OIP body's id may hold anything). */
function idHeader(id: string): Record<string, string> {
  return id.length <= 256 && /^[\x21-\x7e]+$/.test(id) ? { 'x-request-id': id } : {};
}

function zodMessage(e: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return e.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
}

/** MLflow scoring-server bodies → OIP input tensors typed by the signature. */
export function invocationsToInputs(m: LoadedModel, body: unknown): InferInputTensor[] {
  const parsed = invocationsRequest.safeParse(body);
  if (!parsed.success) throw new RequestError(400, `expected one of dataframe_split, dataframe_records, instances, inputs: ${zodMessage(parsed.error)}`);
  const b = parsed.data;
  const single = m.inputs.length === 1 ? m.inputs[0]! : null;
  const tensor = (meta: TensorMeta, data: unknown): InferInputTensor => {
    let d = Array.isArray(data) ? data : [data];
    let shape = shapeOf(d, meta.name);
    // A dataframe column for a [-1, 1] input, or a one-column frame for a [-1] input.
    if (meta.shape.length === shape.length + 1 && meta.shape.at(-1) === 1) {
      d = d.map((v) => [v]);
      shape = [...shape, 1];
    } else if (meta.shape.length === shape.length - 1 && shape.at(-1) === 1) {
      d = d.map((v) => (Array.isArray(v) ? v[0] : v));
      shape = shape.slice(0, -1);
    }
    return { name: meta.name, shape, datatype: meta.datatype, data: d };
  };
  const byColumns = (columns: string[], rows: unknown[][]): InferInputTensor[] => {
    if (single && !columns.every((c) => m.inputs.some((i) => i.name === c))) return [tensor(single, rows)];
    return m.inputs.map((meta) => {
      const j = columns.indexOf(meta.name);
      if (j < 0) throw new RequestError(400, `missing input '${meta.name}' (no such column)`);
      return tensor(meta, rows.map((r) => r[j]));
    });
  };
  if ('dataframe_split' in b) {
    const rows = b.dataframe_split.data;
    return byColumns(b.dataframe_split.columns ?? (rows[0] ?? []).map((_, i) => String(i)), rows);
  }
  if ('dataframe_records' in b) {
    const cols = Object.keys(b.dataframe_records[0] ?? {});
    return byColumns(cols, b.dataframe_records.map((r) => cols.map((c) => r[c])));
  }
  if ('instances' in b) {
    const first = b.instances[0];
    if (first && typeof first === 'object' && !Array.isArray(first)) {
      const recs = b.instances as Array<Record<string, unknown>>;
      return m.inputs.map((meta) => tensor(meta, recs.map((r) => r[meta.name])));
    }
    if (!single) throw new RequestError(400, `instances: the model takes ${m.inputs.length} inputs; send a list of {name: value} objects`);
    return [tensor(single, b.instances)];
  }
  const inp = b.inputs;
  if (Array.isArray(inp)) {
    if (!single) throw new RequestError(400, `inputs: the model takes ${m.inputs.length} inputs; send {name: tensor}`);
    return [tensor(single, inp)];
  }
  return Object.entries(inp).map(([name, v]) => {
    const meta = m.inputs.find((i) => i.name === name);
    if (!meta) throw new RequestError(400, `unknown input '${name}'`);
    return tensor(meta, v);
  });
}

function predictions(outs: InferOutputTensor[]): unknown {
  if (outs.length === 1) return unflatten(outs[0]!.data, outs[0]!.shape);
  return Object.fromEntries(outs.map((o) => [o.name, unflatten(o.data, o.shape)]));
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<[string, number]> {
  const p = url.pathname;
  const method = req.method ?? 'GET';
  if (method === 'GET' && p === '/v2/health/live') return [p, (send(res, 200, { live: true }), 200)];
  if (method === 'GET' && (p === '/v2/health/ready' || p === '/ping')) {
    const ok = model !== null && !drain.draining;
    send(res, ok ? 200 : 503, p === '/ping' ? (ok ? '\n' : 'not ready\n') : { ready: ok }, p === '/ping' ? 'text/plain' : 'application/json');
    return [p, ok ? 200 : 503];
  }
  if (method === 'GET' && p === '/v2') return [p, (send(res, 200, { name: 'mldesk-runtime', version: VERSION, extensions: ['mldesk_records'] }), 200)];
  if (method === 'GET' && p === '/metrics') return [p, (send(res, 200, metrics.render(), 'text/plain; version=0.0.4'), 200)];
  if (method === 'GET' && p === '/mldesk/records') {
    const after = Math.max(0, Math.floor(num(url.searchParams.get('after') ?? undefined, 0)));
    const limit = Math.min(10_000, Math.max(1, Math.floor(num(url.searchParams.get('limit') ?? undefined, 1000))));
    return [p, (send(res, 200, ring.read(after, limit)), 200)];
  }
  if (p === '/mldesk/feedback') {
    if (method === 'GET') {
      const after = Math.max(0, Math.floor(num(url.searchParams.get('after') ?? undefined, 0)));
      const limit = Math.min(10_000, Math.max(1, Math.floor(num(url.searchParams.get('limit') ?? undefined, 1000))));
      return [p, (send(res, 200, feedback.read(after, limit)), 200)];
    }
    if (method === 'POST') {
      const body = await readJson(req, FEEDBACK_MAX_BODY);
      try {
        return [p, (send(res, 200, { accepted: feedback.accept(body) }), 200)];
      } catch (e) {
        if (e instanceof FeedbackError) throw new RequestError(e.status, e.message);
        throw e;
      }
    }
    throw Object.assign(new RequestError(405, `use GET or POST for ${p}`), { route: p });
  }
  const mm = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?(\/ready|\/infer)?$/.exec(p);
  if (mm) {
    const name = decodeURIComponent(mm[1]!);
    const tmpl = `/v2/models/{name}${mm[2] ?? ''}`;
    if (!model || name !== model.name) throw Object.assign(new RequestError(404, `unknown model '${name}'`), { route: tmpl });
    const m = model;
    if (method === 'GET' && !mm[2]) {
      send(res, 200, { name: m.name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: m.inputs, outputs: m.outputs });
      return [tmpl, 200];
    }
    if (method === 'GET' && mm[2] === '/ready') return [tmpl, (send(res, 200, { name: m.name, ready: !drain.draining }), 200)];
    if (method === 'POST' && mm[2] === '/infer') {
      const started = performance.now();
      let id: string = headerId(req) ?? randomUUID();
      let inputs: unknown = null;
      try {
        const body = await readJson(req);
        const parsed = inferRequest.safeParse(body);
        if (!parsed.success) throw new RequestError(400, `bad inference request: ${zodMessage(parsed.error)}`);
        id = parsed.data.id ?? id;
        inputs = parsed.data.inputs;
        const outputs = await infer(m, parsed.data.inputs, parsed.data.outputs?.map((o) => o.name));
        send(res, 200, { model_name: m.name, model_version: '1', id, outputs }, 'application/json', idHeader(id));
        record(tmpl, id, inputs, outputs, started, 200);
        return [tmpl, 200];
      } catch (e) {
        const status = e instanceof RequestError ? e.status : 500;
        record(tmpl, id, inputs, null, started, status, (e as Error).message);
        throw Object.assign(e as Error, { route: tmpl });
      }
    }
  }
  if (method === 'POST' && p === '/invocations') {
    if (!model) throw new RequestError(503, 'model not loaded');
    const started = performance.now();
    const id = headerId(req) ?? randomUUID();
    let body: unknown = null;
    try {
      body = await readJson(req);
      const outs = await infer(model, invocationsToInputs(model, body));
      const preds = predictions(outs);
      send(res, 200, { predictions: preds }, 'application/json', idHeader(id));
      record(p, id, body, preds, started, 200);
      return [p, 200];
    } catch (e) {
      const status = e instanceof RequestError ? e.status : 500;
      record(p, id, body, null, started, status, (e as Error).message);
      throw e;
    }
  }
  throw Object.assign(new RequestError(404, `no route ${method} ${p}`), { route: 'other' });
}

const server = http.createServer((req, res) => {
  const started = performance.now();
  metrics.inflight++;
  const url = new URL(req.url ?? '/', 'http://localhost');
  route(req, res, url)
    .then(([r, code]) => metrics.observe(r, code, performance.now() - started))
    .catch((e: Error & { route?: string }) => {
      const status = e instanceof RequestError ? e.status : 500;
      if (!res.headersSent) send(res, status, { error: e.message });
      metrics.observe(e.route ?? url.pathname, status, performance.now() - started);
    })
    .finally(() => {
      metrics.inflight--;
      drain.settled();
    });
});
server.keepAliveTimeout = 5000;

drain.install(server);

loadModel(modelPath, modelName)
  .then((m) => {
    model = m;
    server.listen(port, host, () => {
      const a = server.address();
      process.stdout.write(`mldesk-runtime: serving '${m.name}' on http://${host}:${typeof a === 'object' && a ? a.port : port}\n`);
    });
  })
  .catch((e: Error) => {
    process.stderr.write(`mldesk-runtime: cannot load ${modelPath}: ${e.message}\n`);
    process.exit(1);
  });
