/**
 * Hostile input (issue 10, parts 4 and 5): thousands of malformed requests (tests/hostileGen.ts) against in-process
 * servers. Every answer must be < 500, a 4xx must be JSON with its error code, and no answer may show the server's
 * paths or a stack trace; afterwards the server still answers and its database is intact. Then one test per finding.
 *
 * The fuzzed server runs with HOME and the working directory moved into a temp sandbox: relative and `~` paths in the
 * generated input (projects.open "~", projects.create "C:\\Windows") land there, not in the repo or the real home.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { methodNames } from '../shared/contract';
import { mlflowRoutes } from '../electron/host/mlflow/routes';
import { startServer, type Served } from '../electron/host/serve';
import { JsonTooDeep, parseJsonLimited } from '../electron/host/respond';
import { serveInProcess, tmpDir, request } from './helpers';
import { deepArray, deepObject, generate, hostRequests, MIB, mlflowRoutePaths, sample, type GenContext, type HostileRequest } from './hostileGen';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type S = Served & { dataDir: string };

const SEED = 1045; // issue 10, parts 4 and 5
const CONCURRENCY = 16;
const TOKEN = 'hostile-suite-token-0123456789abcdef';

// ── sending ──────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Set when the request failed at the socket level (reset, timeout). */
  error?: string;
}

/** One request as the generator wrote it: the raw path is sent unnormalised, the body as given. */
function send(base: URL, agent: http.Agent, r: Pick<HostileRequest, 'method' | 'path' | 'headers' | 'body'>, timeoutMs = 30_000): Promise<Answer> {
  return new Promise((resolve) => {
    const body = r.body === undefined ? undefined : typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    const headers: Record<string, string | number> = { ...r.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    const req = http.request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: 0, headers: {}, text: '', error: e.message }));
    req.end(body);
  });
}

/** Sends every request with at most `concurrency` in flight; answers in request order. */
async function sendAll(base: string, reqs: HostileRequest[], concurrency = CONCURRENCY): Promise<Answer[]> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const out = new Array<Answer>(reqs.length);
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const i = next++;
      out[i] = await send(url, agent, reqs[i]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return out;
}

// ── checking ─────────────────────────────────────────────────────────────────

interface Violation {
  kind: string;
  req: HostileRequest;
  answer: Answer;
}

/** Where a request ends up once the server's URL parser has normalised it. */
function routedFamily(p: string): 'mlflow' | 'other' {
  let pathname: string;
  try {
    pathname = new URL(p, 'http://localhost').pathname;
  } catch {
    return 'other';
  }
  return /^\/(ajax-)?api\/2\.0\/(preview\/)?mlflow(-artifacts)?\//.test(pathname) ? 'mlflow' : 'other';
}

const STACK = /\bat [^\n"]*?\.(?:[cm]?[jt]sx?):\d+/;

/** The server-side paths no answer may contain. */
interface Secrets {
  dataDirs: string[];
  cwds: string[];
  tmp: string;
}

/** 2xx bodies that show a path by design: the owner's app.info (data dir) and the projects a caller opened. */
const PATHS_BY_DESIGN = /^rpc (app\.info|projects\.)/;

function check(req: HostileRequest, a: Answer, secrets: Secrets, extra?: (req: HostileRequest, a: Answer) => string | null): string[] {
  const kinds: string[] = [];
  if (a.error) return [`network error (${a.error.replace(/\d+/g, 'N').slice(0, 60)})`];
  if (a.status >= 500) {
    let message = a.text;
    try {
      message = String((JSON.parse(a.text) as J).message ?? a.text);
    } catch {
      /* not JSON */
    }
    kinds.push(`${a.status} "${message.replace(/\d+/g, 'N').slice(0, 60)}"`);
  }
  if (a.status >= 400 && req.method !== 'HEAD') {
    let body: unknown;
    try {
      body = JSON.parse(a.text);
    } catch {
      body = undefined;
    }
    if (body === undefined || body === null || typeof body !== 'object') kinds.push(`${Math.floor(a.status / 100)}xx body is not JSON`);
    else {
      const b = body as J;
      const mlflow = routedFamily(req.path) === 'mlflow';
      // The host's own guards (cross-site, token, cookie) answer before any route, in the host's shape.
      const credentials = ['cookie', 'authorization', 'origin', 'referer'].some((h) => h in req.headers);
      const hostGuard = a.status === 401 || a.status === 403 || (a.status === 400 && credentials);
      if (mlflow && !hostGuard ? typeof b.error_code !== 'string' : typeof (b.code ?? b.error_code) !== 'string') {
        kinds.push(mlflow ? 'MLflow error without error_code' : 'error without code');
      }
    }
  }
  const designed = a.status < 300 && PATHS_BY_DESIGN.test(req.target);
  if (!designed) {
    if (secrets.dataDirs.some((d) => a.text.includes(d))) kinds.push('leaks the data dir');
    else if (secrets.cwds.some((d) => a.text.includes(d))) kinds.push('leaks process.cwd()');
    else if (a.text.includes(secrets.tmp)) kinds.push('leaks a tmpdir path');
  }
  if (STACK.test(a.text)) kinds.push('stack trace');
  const more = extra?.(req, a);
  if (more) kinds.push(more);
  return kinds;
}

/** Groups violations by kind with two example requests each, for the failure message and the report. */
function report(vs: Violation[]): string {
  const byKind = new Map<string, Violation[]>();
  for (const v of vs) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v]);
  const preview = (s: string | Buffer | undefined, n: number) => (s === undefined ? '' : (typeof s === 'string' ? s : s.toString('latin1')).slice(0, n).replace(/[\u0000-\u001f]/g, '·'));
  const lines: string[] = [];
  for (const [kind, list] of [...byKind].sort((a, b) => b[1].length - a[1].length)) {
    const targets = new Set(list.map((v) => v.req.target));
    lines.push(`✘ ${kind}: ${list.length} requests, ${targets.size} targets (${[...targets].slice(0, 6).join(', ')}${targets.size > 6 ? ', …' : ''})`);
    // Two examples from different targets when there are.
    const examples = [list[0]!, list.find((v) => v.req.target !== list[0]!.req.target) ?? list[1]].filter((v): v is Violation => v !== undefined);
    for (const v of examples) {
      lines.push(`    ${v.req.method} ${v.req.path.slice(0, 100)} [${v.req.variant.slice(0, 60)}] ${preview(v.req.body, 80)}`);
      lines.push(`      → ${v.answer.status} ${preview(v.answer.error ?? v.answer.text, 200)}`);
    }
  }
  return lines.join('\n');
}

function statusClasses(answers: Answer[]): string {
  const c: Record<string, number> = {};
  for (const a of answers) {
    const k = a.error ? 'err' : `${Math.floor(a.status / 100)}xx`;
    c[k] = (c[k] ?? 0) + 1;
  }
  return Object.keys(c)
    .sort()
    .map((k) => `${k} ${c[k]}`)
    .join(', ');
}

function polluted(): boolean {
  return ({} as J).polluted !== undefined || Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted');
}

// ── sandbox and servers ──────────────────────────────────────────────────────

const origCwd = process.cwd();
const origHome = process.env.HOME;
let sandbox: string;
let s: S;
let ctx: GenContext;
const totals = { requests: 0, ms: 0, answers: [] as Answer[] };

const mlflow = (method: string, p: string, body?: unknown, srv: S = s) => request(`${srv.url}/api/2.0/mlflow/${p}`, method, body);
const rpc = (name: string, body: unknown, srv: S = s) => request(`${srv.url}/rpc/${name}`, 'POST', body);

/** A run, an experiment, a logged model and a registered model to aim at, twice (the second set for deleting routes). */
async function makeContext(srv: S, tag: string): Promise<GenContext> {
  const one = async (suffix: string) => {
    const exp = await mlflow('POST', 'experiments/create', { name: `hostile-${tag}-${suffix}` }, srv);
    const experimentId = exp.body.experiment_id as string;
    const run = await mlflow('POST', 'runs/create', { experiment_id: experimentId, run_name: `hostile-${suffix}` }, srv);
    const model = await mlflow('POST', 'logged-models', { experiment_id: experimentId, name: `hostile-${suffix}` }, srv);
    const registeredModel = `hostile-model-${tag}-${suffix}`;
    await mlflow('POST', 'registered-models/create', { name: registeredModel }, srv);
    expect(run.status, run.text).toBe(200);
    expect(model.status, model.text).toBe(200);
    return { runId: run.body.run.info.run_id as string, experimentId, modelId: model.body.model.info.model_id as string, registeredModel };
  };
  const main = await one('main');
  return { ...main, scratch: await one('scratch') };
}

beforeAll(async () => {
  sandbox = path.join(tmpDir('mldesk-hostile-'), 'a', 'b', 'c', 'd');
  fs.mkdirSync(path.join(sandbox, 'home'), { recursive: true });
  fs.mkdirSync(path.join(sandbox, 'cwd'), { recursive: true });
  process.env.HOME = path.join(sandbox, 'home');
  process.chdir(path.join(sandbox, 'cwd'));
  s = await serveInProcess();
  ctx = await makeContext(s, 'loopback');
});

afterAll(async () => {
  await s?.close();
  process.chdir(origCwd);
  if (origHome === undefined) delete process.env.HOME;
  else process.env.HOME = origHome;
  if (totals.requests > 0) {
    console.log(`hostile total: ${totals.requests} requests in ${(totals.ms / 1000).toFixed(1)} s — ${statusClasses(totals.answers)}`);
  }
});

const secretsOf = (...servers: S[]): Secrets => ({
  dataDirs: servers.map((x) => x.dataDir),
  cwds: [origCwd, process.cwd()],
  tmp: os.tmpdir() + path.sep,
});

// ── the fuzz ─────────────────────────────────────────────────────────────────

describe('hostile input', () => {
  it('the checker itself flags a 500, a non-JSON 4xx, a missing error code, a leaked path and a stack trace', () => {
    const secrets = secretsOf(s);
    const r = (path_: string, target = 'rpc app.ping'): HostileRequest => ({ family: 'rpc', target, variant: 'test', method: 'POST', path: path_, headers: {} });
    const a = (status: number, text: string): Answer => ({ status, headers: {}, text });
    expect(check(r('/rpc/app.ping'), a(400, '{"code":"INVALID_INPUT","message":"x"}'), secrets)).toEqual([]);
    expect(check(r('/rpc/app.ping'), a(500, '{"code":"INTERNAL","message":"boom 42"}'), secrets)).toEqual(['500 "boom N"']);
    expect(check(r('/rpc/app.ping'), a(404, 'Not found'), secrets)).toEqual(['4xx body is not JSON']);
    expect(check(r('/api/2.0/mlflow/runs/get'), a(400, '{"code":"INVALID_INPUT"}'), secrets)).toEqual(['MLflow error without error_code']);
    expect(check(r('/rpc/app.ping'), a(400, JSON.stringify({ code: 'X', message: `no ${s.dataDir}/mldesk.sqlite` })), secrets)).toEqual(['leaks the data dir']);
    expect(check(r('/rpc/app.ping'), a(400, JSON.stringify({ code: 'X', message: `${origCwd}/x` })), secrets)).toEqual(['leaks process.cwd()']);
    expect(check(r('/rpc/app.ping'), a(400, JSON.stringify({ code: 'X', message: `${os.tmpdir()}${path.sep}x` })), secrets)).toEqual(['leaks a tmpdir path']);
    expect(check(r('/rpc/app.ping'), a(400, JSON.stringify({ code: 'X', message: 'e\n    at f (/srv/app/electron/core/x.ts:12:3)' })), secrets)).toEqual(['stack trace']);
    // The owner's app.info shows the data dir by design.
    expect(check(r('/rpc/app.info', 'rpc app.info'), a(200, JSON.stringify({ dataDir: s.dataDir })), secrets)).toEqual([]);
  });

  it('the generated set is deterministic and covers every contract method and MLflow route', () => {
    const a = generate(SEED, ctx);
    const b = generate(SEED, ctx);
    expect(a.length).toBe(b.length);
    const digest = (xs: HostileRequest[]) => {
      const h = createHash('sha256');
      for (const r of xs) h.update(`${r.method} ${r.path} ${r.variant} ${JSON.stringify(r.headers)}\n`).update(r.body ?? '').update('\0');
      return h.digest('hex');
    };
    expect(digest(a)).toBe(digest(b));
    expect(digest(generate(SEED + 1, ctx))).not.toBe(digest(a));
    const targets = new Set(a.map((r) => r.target));
    for (const m of methodNames()) expect(targets, m).toContain(`rpc ${m}`);
    for (const r of mlflowRoutes) expect(targets, r.path).toContain(`mlflow ${r.method} ${r.path}`);
  });

  it(
    'loopback server: ≥ 10,000 malformed requests in under a minute, every answer < 500, JSON errors with a code, no paths or stacks, still healthy',
    async () => {
      const reqs = generate(SEED, ctx);
      expect(reqs.length).toBeGreaterThanOrEqual(10_000);
      const started = Date.now();
      const answers = await sendAll(s.url, reqs);
      const ms = Date.now() - started;
      totals.requests += reqs.length;
      totals.ms += ms;
      totals.answers.push(...answers);
      console.log(`hostile loopback: ${reqs.length} requests in ${(ms / 1000).toFixed(1)} s — ${statusClasses(answers)}`);

      const secrets = secretsOf(s);
      const violations: Violation[] = [];
      reqs.forEach((req, i) => {
        for (const kind of check(req, answers[i]!, secrets)) violations.push({ kind, req, answer: answers[i]! });
      });
      if (violations.length) console.log(`hostile loopback findings:\n${report(violations)}`);

      // Still serving, same database, no prototype pollution in this (the server's) process.
      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(200);
      const search = await mlflow('GET', 'experiments/search?max_results=1');
      expect(search.status, search.text).toBe(200);
      expect(search.body.experiments).toHaveLength(1);
      const db = new Database(path.join(s.dataDir, 'mldesk.sqlite'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
      expect(polluted()).toBe(false);
      // The generator never sends a valid body to launcher.start or projects.createDemo: nothing was started.
      expect(s.engine.launcher.list()).toEqual([]);
      expect(ms, 'the whole run takes under a minute').toBeLessThan(60_000);
      expect(violations.length, `\n${report(violations)}`).toBe(0);
    },
    180_000,
  );

  it('token-mode server: a few hundred requests without or with a wrong token are refused (400/401/403), never served', async () => {
    const t = await serveInProcess({ token: TOKEN });
    try {
      const tctx = await (async () => {
        // The context comes from the owner's engine (the token server refuses us without one).
        const authed = async (method: string, p: string, body: unknown) => {
          const res = await fetch(`${t.url}/api/2.0/mlflow/${p}`, {
            method,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify(body),
          });
          return (await res.json()) as J;
        };
        const exp = (await authed('POST', 'experiments/create', { name: 'hostile-token' })).experiment_id as string;
        const run = (await authed('POST', 'runs/create', { experiment_id: exp })).run.info.run_id as string;
        return { runId: run, experimentId: exp, modelId: 'm-00000000000000000000000000000000', registeredModel: 'hostile-token-model', scratch: { runId: run, experimentId: exp, modelId: 'm-0', registeredModel: 'x' } };
      })();
      const creds: Array<[string, Record<string, string>, string]> = [
        ['no token', {}, ''],
        ['wrong bearer', { authorization: 'Bearer wrong-token' }, ''],
        ['empty bearer', { authorization: 'Bearer ' }, ''],
        ['basic auth', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }, ''],
        ['wrong cookie', { cookie: 'mldesk_token=wrong-token' }, ''],
        ['malformed cookie', { cookie: 'mldesk_token=%E0%A4%A' }, ''],
        ['cookie percent alone', { cookie: 'mldesk_token=%' }, ''],
        ['cookie with NUL', { cookie: 'mldesk_token=%00' }, ''],
        ['wrong ?token=', {}, 'token=wrong-token'],
        ['bad-percent ?token=', {}, 'token=%E0%A4%A'],
      ];
      const pool = generate(SEED + 1, tctx).filter((r) => !/^(deep|huge|many|wide)/.test(r.variant));
      const picked = sample(pool, 40, SEED);
      const reqs: HostileRequest[] = [];
      for (const [label, headers, query] of creds) {
        for (const r of picked) {
          const { authorization: _a, cookie: _c, ...rest } = r.headers;
          const p = query ? `${r.path}${r.path.includes('?') ? '&' : '?'}${query}` : r.path;
          reqs.push({ ...r, variant: `${label}/${r.variant}`, path: p, headers: { ...rest, ...headers } });
        }
      }
      const started = Date.now();
      const answers = await sendAll(t.url, reqs);
      const ms = Date.now() - started;
      totals.requests += reqs.length;
      totals.ms += ms;
      totals.answers.push(...answers);
      console.log(`hostile token mode: ${reqs.length} requests in ${(ms / 1000).toFixed(1)} s — ${statusClasses(answers)}`);
      const secrets = secretsOf(s, t);
      const violations: Violation[] = [];
      reqs.forEach((req, i) => {
        const refused = (_r: HostileRequest, a: Answer) => ([400, 401, 403].includes(a.status) ? null : `served without a valid token (${a.status})`);
        for (const kind of check(req, answers[i]!, secrets, refused)) violations.push({ kind, req, answer: answers[i]! });
      });
      if (violations.length) console.log(`hostile token-mode findings:\n${report(violations)}`);
      expect(reqs.length).toBeGreaterThanOrEqual(300);
      expect((await fetch(`${t.url}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect(violations.length, `\n${report(violations)}`).toBe(0);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('UI host: malformed static paths (NUL, bad percent-encoding, traversal, other verbs) are 4xx JSON, never 500', async () => {
    const ui = await uiServer();
    try {
      const reqs = hostRequests('ui');
      const answers = await sendAll(ui.url, reqs);
      totals.requests += reqs.length;
      totals.answers.push(...answers);
      const secrets = { ...secretsOf(ui), dataDirs: [ui.dataDir, ui.uiDir] };
      const violations: Violation[] = [];
      reqs.forEach((req, i) => {
        for (const kind of check(req, answers[i]!, secrets)) violations.push({ kind, req, answer: answers[i]! });
      });
      console.log(`hostile UI host: ${reqs.length} requests — ${statusClasses(answers)}`);
      if (violations.length) console.log(`hostile UI-host findings:\n${report(violations)}`);
      expect(violations.length, `\n${report(violations)}`).toBe(0);
    } finally {
      await ui.close();
    }
  }, 60_000);
});

/** A loopback server with a tiny UI folder (index.html, app.js). */
async function uiServer(): Promise<Served & { dataDir: string; uiDir: string }> {
  const root = tmpDir('mldesk-hostile-ui-');
  const uiDir = path.join(root, 'ui');
  fs.mkdirSync(path.join(uiDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>mldesk</title><script src="/assets/app.js"></script>');
  fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log("ui")');
  const dataDir = path.join(root, 'data');
  const served = await startServer({ dataDir, port: 0, uiDir });
  return Object.assign(served, { dataDir, uiDir });
}

// ── findings, one test each ──────────────────────────────────────────────────

describe('findings', () => {
  const api = (p: string) => `/api/2.0/mlflow/${p}`;

  it('parseJsonLimited: refuses nesting past maxDepth before parsing (brackets inside strings do not count)', () => {
    expect(parseJsonLimited('{"a":[1,{"b":"[[[[{{{{"}]}', { maxDepth: 3 })).toEqual({ a: [1, { b: '[[[[{{{{' }] });
    expect(parseJsonLimited('{"a":"\\"[[[["}', { maxDepth: 1 })).toEqual({ a: '"[[[[' });
    expect(() => parseJsonLimited(deepArray(101))).toThrow(JsonTooDeep);
    expect(parseJsonLimited(deepArray(100))).toBeInstanceOf(Array);
    expect(() => parseJsonLimited(deepObject(100_000))).toThrow(/deeper than 100 levels/);
    expect(() => parseJsonLimited('{"a":', { maxDepth: 5 })).toThrow(SyntaxError);
    const e = (() => {
      try {
        parseJsonLimited(deepArray(10), { maxDepth: 4 });
      } catch (x) {
        return x as JsonTooDeep;
      }
    })();
    expect(e).toMatchObject({ code: 'JSON_TOO_DEEP', maxDepth: 4, offset: 4 });
  });

  it('JSON nested 5,000 and 100,000 deep to every MLflow route and views.save → 400 (not 500, no stack overflow)', async () => {
    const bad: string[] = [];
    const agent = new http.Agent({ keepAlive: true });
    const routes = mlflowRoutePaths(ctx);
    let sent = 0;
    for (const r of routes) {
      for (const depth of [5000, 100_000]) {
        // In a field the route reads, and in one it ignores (an ignored field must not make it through either).
        const field = r.fields[0] ?? 'x';
        for (const [where, body] of [
          [field, `{"${field}":${deepArray(depth)}}`],
          ['unknown', `{"hostile_unknown":${deepObject(depth)}}`],
          // MLflow decodes a body that is a JSON string once more: the depth check must see the inner text too.
          ['double-encoded', JSON.stringify(`{"hostile_unknown":${deepArray(depth)}}`)],
        ] as const) {
          const res = await send(new URL(s.url), agent, { method: r.method, path: r.path, headers: { 'content-type': 'application/json' }, body });
          sent++;
          if (res.status !== 400 || /call stack/i.test(res.text)) bad.push(`${r.route} depth ${depth} in ${where} → ${res.status} ${res.text.slice(0, 100)}`);
        }
      }
    }
    // JSON inside a JSON string field: runs/log-model parses model_json and writes it back into the history tag.
    for (const depth of [5000, 100_000]) {
      const res = await send(new URL(s.url), agent, {
        method: 'POST',
        path: api('runs/log-model'),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ run_id: ctx.runId, model_json: `{"flavors":${deepObject(depth)}}` }),
      });
      sent++;
      if (res.status !== 400 || /call stack/i.test(res.text)) bad.push(`runs/log-model model_json depth ${depth} → ${res.status} ${res.text.slice(0, 100)}`);
    }
    for (const depth of [5000, 100_000]) {
      for (const state of [`{"a":${deepArray(depth)}}`, deepObject(depth)]) {
        const res = await rpc('views.save', `{"experimentId":"0","name":"deep","state":${state}}`);
        sent++;
        if (res.status !== 400 || /call stack/i.test(res.text)) bad.push(`views.save depth ${depth} → ${res.status} ${res.text.slice(0, 100)}`);
      }
    }
    agent.destroy();
    console.log(`deep nesting: ${sent} requests to ${routes.length} MLflow routes and views.save, ${bad.length} not a clean 400`);
    const byStatus = new Map<string, number>();
    for (const b of bad) {
      const k = / → (\d+)/.exec(b)?.[1] ?? '?';
      byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
    }
    const hist = [...byStatus].map(([k, n]) => `${n}× ${k}`).join(', ');
    expect(bad.length, `${bad.length} of ${sent} not a clean 400 (${hist}):\n${bad.slice(0, 12).join('\n')}${bad.length > 12 ? '\n…' : ''}`).toBe(0);
  }, 60_000);

  it('/rpc/%E0%A4%A (malformed percent-encoding in the method name) → 400 JSON', async () => {
    const r = await send(new URL(s.url), new http.Agent(), { method: 'POST', path: '/rpc/%E0%A4%A', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).code).toBe('INVALID_INPUT');
    const q = await send(new URL(s.url), new http.Agent(), { method: 'GET', path: '/api/2.0/mlflow/runs/get?run_id=%E0%A4%A', headers: {} });
    expect(q.status).toBe(400);
    expect(JSON.parse(q.text).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('a malformed percent-encoded token cookie in token mode → 400 or 401, never 500', async () => {
    const t = await serveInProcess({ token: TOKEN });
    try {
      for (const cookie of ['mldesk_token=%E0%A4%A', 'mldesk_token=%', 'mldesk_token=%zz', 'other=1; mldesk_token=%C0%AF', `mldesk_token=${'%'.repeat(2000)}`]) {
        for (const p of ['/rpc/app.info', '/api/2.0/mlflow/experiments/search', '/events?topics=app.notice', '/']) {
          const r = await send(new URL(t.url), new http.Agent(), { method: p.startsWith('/rpc') ? 'POST' : 'GET', path: p, headers: { cookie, 'content-type': 'application/json' }, body: p.startsWith('/rpc') ? '{}' : undefined });
          expect([400, 401], `${cookie} ${p} → ${r.status} ${r.text}`).toContain(r.status);
          expect(JSON.parse(r.text).code, r.text).toBeTruthy();
        }
      }
    } finally {
      await t.close();
    }
  });

  it('GET /index.html%00.js → 4xx (UI host and no-UI host), never 500', async () => {
    const ui = await uiServer();
    try {
      for (const base of [ui.url, s.url]) {
        for (const p of ['/index.html%00.js', '/%00', '/assets/app.js%00', '/%E0%A4%A', '/x%E0%A4%A.js']) {
          for (const method of ['GET', 'HEAD']) {
            const r = await send(new URL(base), new http.Agent(), { method, path: p, headers: {} });
            expect(r.status, `${method} ${base}${p} → ${r.text}`).toBeGreaterThanOrEqual(400);
            expect(r.status, `${method} ${base}${p} → ${r.text}`).toBeLessThan(500);
            if (method === 'GET') expect(JSON.parse(r.text).code, r.text).toBeTruthy();
          }
        }
      }
      // The UI itself still loads.
      expect((await fetch(`${ui.url}/`)).status).toBe(200);
      expect((await fetch(`${ui.url}/assets/app.js`)).status).toBe(200);
      const post = await fetch(`${ui.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(post.status).toBe(405);
      expect(((await post.json()) as J).code).toBeTruthy();
    } finally {
      await ui.close();
    }
  });

  it('artifact proxy PUT with a 300-character path segment → 4xx (not a 500 from the file system)', async () => {
    for (const seg of [`0/${'s'.repeat(300)}/a.txt`, `0/x/${'f'.repeat(300)}`, `0/${'ü'.repeat(200)}/a.txt`]) {
      const path_ = `/api/2.0/mlflow-artifacts/artifacts/${seg.split('/').map(encodeURIComponent).join('/')}`;
      const r = await send(new URL(s.url), new http.Agent(), { method: 'PUT', path: path_, headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
      expect(r.status, `${seg.slice(0, 20)}… → ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text.slice(0, 200)).toBeLessThan(500);
      expect(JSON.parse(r.text).error_code).toBeTruthy();
      expect(r.text).not.toContain(s.dataDir);
    }
  });

  it('artifact proxy GET of a file with a non-ASCII name → 200 download (not a 500 from the Content-Disposition header)', async () => {
    const agent = new http.Agent();
    for (const name of ['😀.txt', 'résumé.txt', 'a"b.txt']) {
      const p = `/api/2.0/mlflow-artifacts/artifacts/0/hostile-names/${encodeURIComponent(name)}`;
      const put = await send(new URL(s.url), agent, { method: 'PUT', path: p, headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
      expect(put.status, `PUT ${name} → ${put.text}`).toBe(200);
      const got = await send(new URL(s.url), agent, { method: 'GET', path: p, headers: {} });
      expect(got.status, `GET ${name} → ${got.status} ${got.text.slice(0, 200)}`).toBe(200);
      expect(got.text).toBe('x');
    }
  });

  it('concurrent projects.open (and create) of one folder → 200 or 4xx, never 500 "UNIQUE constraint failed"', async () => {
    const dir = path.join(tmpDir('mldesk-hostile-open-'), 'proj');
    fs.mkdirSync(dir);
    const answers = await Promise.all(Array.from({ length: 8 }, () => rpc('projects.open', { path: dir })));
    const statuses = answers.map((a) => a.status);
    expect(
      statuses.every((st) => st === 200 || st === 409),
      answers.map((a) => `${a.status} ${a.text.slice(0, 100)}`).join('\n'),
    ).toBe(true);
    expect((await rpc('projects.list', {})).body.filter((p: J) => p.path === dir)).toHaveLength(1);
    // The same race on create: one wins, the others are told the folder exists.
    const fresh = path.join(path.dirname(dir), 'fresh');
    const created = await Promise.all(Array.from({ length: 8 }, () => rpc('projects.create', { path: fresh })));
    expect(
      created.every((a) => a.status < 500),
      created.map((a) => `${a.status} ${a.text.slice(0, 100)}`).join('\n'),
    ).toBe(true);
  });

  it('runs/set-tag of mlflow.log-model.history with a non-JSON value → 400, nothing stored, and runs/log-model still works', async () => {
    // A fresh experiment: the fuzz above may have deleted Default (experiment_id 0 is one of its wrong-type values).
    const exp = (await mlflow('POST', 'experiments/create', { name: 'hostile-log-model-history' })).body.experiment_id as string;
    const created = await mlflow('POST', 'runs/create', { experiment_id: exp });
    expect(created.status, created.text).toBe(200);
    const run = created.body.run.info.run_id as string;
    for (const value of ['not json', '{"a":1}', '42', '', '[1,', 'null']) {
      const r = await mlflow('POST', 'runs/set-tag', { run_id: run, key: 'mlflow.log-model.history', value });
      expect(r.status, `${JSON.stringify(value)} → ${r.text}`).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    // Same rule through log-batch, create-run tags and the UI's tracking.setTag.
    expect((await mlflow('POST', 'runs/log-batch', { run_id: run, tags: [{ key: 'mlflow.log-model.history', value: 'x' }] })).status).toBe(400);
    expect((await mlflow('POST', 'runs/create', { experiment_id: exp, tags: [{ key: 'mlflow.log-model.history', value: 'x' }] })).status).toBe(400);
    expect((await rpc('tracking.setTag', { runId: run, key: 'mlflow.log-model.history', value: 'x' })).status).toBe(400);
    expect((await mlflow('POST', 'runs/set-tag', { run_id: run, key: 'mlflow.parentRunId', value: '../../etc/passwd' })).status).toBe(400);
    const stored = (await mlflow('GET', `runs/get?run_id=${run}`)).body.run.data.tags as Array<{ key: string }>;
    expect(stored.map((x) => x.key)).not.toContain('mlflow.log-model.history');

    const model = { artifact_path: 'model', flavors: { python_function: {} }, run_id: run, utc_time_created: '2026-01-01 00:00:00.000000' };
    const logged = await mlflow('POST', 'runs/log-model', { run_id: run, model_json: JSON.stringify(model) });
    expect(logged.status, logged.text).toBe(200);
    expect((await mlflow('POST', 'runs/log-model', { run_id: run, model_json: JSON.stringify({ ...model, artifact_path: 'm2' }) })).status).toBe(200);
    // A valid history (what MLflow's client writes) is still accepted as a plain tag.
    expect((await mlflow('POST', 'runs/set-tag', { run_id: run, key: 'mlflow.log-model.history', value: JSON.stringify([model]) })).status).toBe(200);
    const tags = (await mlflow('GET', `runs/get?run_id=${run}`)).body.run.data.tags as Array<{ key: string; value: string }>;
    expect(JSON.parse(tags.find((x) => x.key === 'mlflow.log-model.history')!.value)).toHaveLength(1);
  });

  it('GET /.//evil.example/?token=… in token mode does not redirect off-site (Location is a same-origin path with one leading /)', async () => {
    const t = await serveInProcess({ token: TOKEN });
    try {
      for (const p of ['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/%2F%2Fevil.example/', '/./\\/evil.example/', '/..//evil.example/']) {
        const r = await send(new URL(t.url), new http.Agent(), { method: 'GET', path: `${p}?token=${TOKEN}`, headers: {} });
        expect(r.status, `${p} → ${r.status}`).toBeLessThan(500);
        const loc = r.headers.location;
        if (r.status >= 300 && r.status < 400) {
          expect(loc, p).toBeDefined();
          expect(loc!.startsWith('/') && !loc!.startsWith('//') && !loc!.startsWith('/\\'), `${p} → Location ${loc}`).toBe(true);
          expect(new URL(loc!, t.url).origin, `${p} → Location ${loc}`).toBe(new URL(t.url).origin);
        }
      }
    } finally {
      await t.close();
    }
  });

  it('a 1 MiB key or name in an MLflow body → 4xx whose body stays under 4 KiB (the value is not echoed, let alone twice)', async () => {
    const run = ctx.runId;
    const k = 'k'.repeat(MIB);
    const cases: Array<[string, string, unknown, number?]> = [
      ['log-param key', 'runs/log-parameter', { run_id: run, key: k, value: 'v' }, 400],
      ['log-param key with a slash', 'runs/log-parameter', { run_id: run, key: `/${k}`, value: 'v' }, 400],
      ['log-param key with ..', 'runs/log-parameter', { run_id: run, key: `../${k}`, value: 'v' }, 400],
      ['log-param key with a bad char', 'runs/log-parameter', { run_id: run, key: `${k}!`, value: 'v' }, 400],
      ['log-param value', 'runs/log-parameter', { run_id: run, key: 'p', value: k }, 400],
      ['set-tag key', 'runs/set-tag', { run_id: run, key: `./${k}`, value: 'v' }, 400],
      ['log-metric key, bad timestamp', 'runs/log-metric', { run_id: run, key: k, value: 1, timestamp: -1 }, 400],
      ['delete-tag key', 'runs/delete-tag', { run_id: run, key: k }],
      ['log-batch tag key', 'runs/log-batch', { run_id: run, tags: [{ key: k.slice(0, 900_000), value: 'v' }] }, 400],
      ['experiment name', 'experiments/create', { name: `${k}` }],
      ['experiment tag key', 'experiments/set-experiment-tag', { experiment_id: ctx.experimentId, key: `${k}!`, value: 'v' }],
      ['run name vs runName tag', 'runs/create', { experiment_id: ctx.experimentId, run_name: k, tags: [{ key: 'mlflow.runName', value: 'other' }] }],
      ['registered model name', 'registered-models/create', { name: `${k}` }],
      ['model version name', 'model-versions/create', { name: k, source: 'x' }],
      ['dataset name', 'runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: k, digest: 'd', source_type: 'local', source: 's' } }] }],
      ['unknown field name', 'runs/log-parameter', { run_id: run, key: `/x`, [k]: 'v' }, 400],
      ['run id', 'runs/log-parameter', { run_id: k, key: 'x', value: 'v' }, 400],
      ['experiment id', 'experiments/get?experiment_id=' + 'e'.repeat(6000), undefined, 400],
    ];
    const bad: string[] = [];
    for (const [label, p, body, status] of cases) {
      const r = await mlflow(body === undefined ? 'GET' : 'POST', p, body);
      const ok = r.status >= 400 && r.status < 500 && (status === undefined || r.status === status) && r.text.length < 4096;
      if (!ok) bad.push(`${label} (${p}) → ${r.status}, ${r.text.length} bytes: ${r.text.slice(0, 160)}…`);
    }
    expect(bad, bad.join('\n')).toEqual([]);
  }, 60_000);

  it('a foreign Origin → 403 on every route family (rpc, MLflow, artifact proxy, events, UI host)', async () => {
    const ui = await uiServer();
    try {
      const evil = { origin: 'https://evil.example' };
      const cases: Array<[S, string, string, string | undefined]> = [
        [s, 'POST', '/rpc/tracking.createExperiment', '{"name":"csrf-hostile"}'],
        [s, 'POST', '/api/2.0/mlflow/experiments/create', '{"name":"csrf-hostile"}'],
        [s, 'POST', '/api/2.0/mlflow/runs/delete', JSON.stringify({ run_id: ctx.runId })],
        [s, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/0/csrf/a.txt', 'pwn'],
        [s, 'GET', '/events?topics=app.notice', undefined],
        [s, 'GET', `/api/2.0/mlflow/runs/get?run_id=${ctx.runId}`, undefined],
        [ui, 'POST', '/', '{}'],
      ];
      for (const [srv, method, p, body] of cases) {
        const r = await send(new URL(srv.url), new http.Agent(), { method, path: p, headers: { ...evil, 'content-type': 'application/json' }, body });
        expect(r.status, `${method} ${p} → ${r.status} ${r.text.slice(0, 100)}`).toBe(403);
      }
      expect((await mlflow('GET', `runs/get?run_id=${ctx.runId}`)).body.run.info.lifecycle_stage).toBe('active');
    } finally {
      await ui.close();
    }
  });

  it('MLflow POST with text/plain (or form, or no content type) → 415', async () => {
    for (const ctype of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      for (const p of ['experiments/create', 'runs/create', 'runs/set-tag', 'registered-models/create']) {
        const r = await send(new URL(s.url), new http.Agent(), {
          method: 'POST',
          path: api(p),
          headers: ctype ? { 'content-type': ctype } : {},
          body: JSON.stringify({ name: 'simple-hostile', experiment_id: '0', run_id: ctx.runId, key: 'k', value: 'v' }),
        });
        expect(r.status, `${p} ${ctype} → ${r.status} ${r.text.slice(0, 100)}`).toBe(415);
        expect(JSON.parse(r.text).error_code).toBeTruthy();
      }
    }
  });
});
