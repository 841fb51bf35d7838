// mldesk deployment proxy: owns a deployment's stable port and forwards every request to the current serving
// container. A redeploy starts the new container beside the old one, then switches the upstream here; requests
// already on the old upstream finish there, new ones go to the new one. It runs as its own container (restart
// policy unless-stopped), so the endpoint keeps serving when the app is closed. node:http only, no dependencies.
//
// Config (env): MLDESK_PROXY_PORT (required), MLDESK_PROXY_HOST (127.0.0.1), MLDESK_PROXY_TOKEN (guards the admin
// routes), MLDESK_PROXY_UPSTREAM ("host:port", the first upstream; may be empty), MLDESK_PROXY_READY_PATH
// (/v2/health/ready), MLDESK_PROXY_STATE (a file remembering the current upstream across restarts of this container),
// MLDESK_PROXY_NAME (the deployment, shown by the health route).
//
// Pool mode (a swarm deployment: one replica per port): MLDESK_PROXY_UPSTREAMS="host:port,host:port,…" replaces the
// single upstream. Each is probed on the ready path every MLDESK_PROXY_CHECK_MS (500) and only ready ones get
// requests (the least busy first). A request whose upstream refuses or resets the connection before answering is sent
// to another ready one (bodies up to 1 MiB are kept for that), and a request that finds none ready waits up to
// MLDESK_PROXY_WAIT_MS (5000) for one: so replicas replaced one at a time by a rolling update lose no request.
//
// Routes of its own (everything else is forwarded):
//   GET /mldesk/proxy/health            → 200 {ok, deployment, upstream, upstreams:[{address, inflight, current}], requests}
//   PUT /mldesk/proxy/upstream          → switch (Authorization: Bearer <token>), body {host?, port, readyPath?, force?};
//                                          probes the new upstream's readiness first (409 when not ready), answers once
//                                          new requests go to it.
//   DELETE /mldesk/proxy/upstream       → no upstream (requests get 503 until the next PUT)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GracefulDrain } from './drain';

const env = process.env;
const PORT = Number(env.MLDESK_PROXY_PORT ?? env.PORT ?? NaN);
const HOST = env.MLDESK_PROXY_HOST ?? '127.0.0.1';
const TOKEN = env.MLDESK_PROXY_TOKEN ?? '';
const NAME = env.MLDESK_PROXY_NAME ?? '';
const DEFAULT_READY = env.MLDESK_PROXY_READY_PATH ?? '/v2/health/ready';
const STATE = env.MLDESK_PROXY_STATE ?? path.join(process.cwd(), 'mldesk-proxy-upstream.json');
/** Bodies up to this size are kept while streaming so a request can be retried once on a stale keep-alive socket. */
const REPLAY_MAX = 1 << 20;
const ADMIN_BODY_MAX = 64 * 1024;
const CHECK_MS = Math.max(50, Number(env.MLDESK_PROXY_CHECK_MS ?? 500) || 500);
const WAIT_MS = Math.max(0, Number(env.MLDESK_PROXY_WAIT_MS ?? 5000) || 0);

if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  process.stderr.write('mldesk-proxy: set MLDESK_PROXY_PORT to the stable port\n');
  process.exit(2);
}

interface Upstream {
  host: string;
  port: number;
  address: string;
  agent: http.Agent;
  inflight: number;
  retired: boolean;
  /** Pool mode: the last readiness probe answered 2xx (and no request met a refused connection since). */
  ready: boolean;
  note: string;
}

const upstreams = new Set<Upstream>();
let current: Upstream | null = null;
let switchedAt: number | null = null;
let requests = 0;
const drain = new GracefulDrain(() => inflightTotal, Number(env.MLDESK_DRAIN_TIMEOUT_MS ?? 10_000));
let inflightTotal = 0;

function makeUpstream(host: string, port: number): Upstream {
  // A free keep-alive socket is closed after 2 s idle, well before the runtime's 5 s keep-alive timeout,
  // so a request rarely meets a socket the server is closing (and is retried once when it does).
  const up: Upstream = { host, port, address: `${host}:${port}`, agent: new http.Agent({ keepAlive: true, timeout: 2000, maxFreeSockets: 64 }), inflight: 0, retired: false, ready: false, note: 'not probed yet' };
  upstreams.add(up);
  return up;
}

function retire(up: Upstream): void {
  up.retired = true;
  if (up.inflight === 0) {
    up.agent.destroy();
    upstreams.delete(up);
  }
}

function setUpstream(host: string | null, port: number | null): void {
  const prev = current;
  current = host && port ? makeUpstream(host, port) : null;
  switchedAt = Date.now();
  if (prev && prev !== current) retire(prev);
  try {
    fs.writeFileSync(STATE, JSON.stringify(current ? { host: current.host, port: current.port } : { host: null, port: null }));
  } catch (e) {
    process.stderr.write(`mldesk-proxy: cannot remember the upstream (${(e as Error).message})\n`);
  }
}

function parseAddress(s: string | undefined): { host: string; port: number } | null {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(s ?? '');
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1] || '127.0.0.1', port } : null;
}

/** Pool mode's upstreams (empty: the single switchable upstream). */
const pool: Upstream[] = [];
let rr = 0;

/** A ready pool member not in `tried`: the least busy, ties taken in turn. */
function choose(tried: Set<Upstream>): Upstream | null {
  const ready = pool.filter((u) => u.ready && !tried.has(u));
  if (!ready.length) return null;
  const least = Math.min(...ready.map((u) => u.inflight));
  const best = ready.filter((u) => u.inflight === least);
  return best[rr++ % best.length]!;
}

function markDown(up: Upstream, note: string): void {
  if (up.ready) process.stdout.write(`mldesk-proxy: ${up.address} not ready (${note})\n`);
  up.ready = false;
  up.note = note;
}

function checkPool(): void {
  for (const up of pool) {
    void probe(up.host, up.port, DEFAULT_READY, Math.max(500, Math.min(2000, CHECK_MS))).then((p) => {
      const ok = p.status >= 200 && p.status < 300;
      if (ok && !up.ready) process.stdout.write(`mldesk-proxy: ${up.address} ready\n`);
      if (!ok) markDown(up, p.note);
      else {
        up.ready = true;
        up.note = p.note;
      }
    });
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(drain.draining ? { connection: 'close' } : {}) });
  res.end(text);
}

function authorized(req: http.IncomingMessage): boolean {
  if (!TOKEN) return false;
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(TOKEN).digest();
  return timingSafeEqual(a, b);
}

function readSmall(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > ADMIN_BODY_MAX) {
        reject(new Error('body too large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** GET host:port+path with a short timeout; resolves with the status (0 when unreachable) and a short note. */
function probe(host: string, port: number, p: string, timeoutMs = 2000): Promise<{ status: number; note: string }> {
  return new Promise((resolve) => {
    const r = http.get({ host, port, path: p, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, note: `GET ${p} → ${res.statusCode}` }));
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, note: `GET ${p} → ${e.code ?? e.message}` }));
  });
}

function health(): unknown {
  return {
    ok: true,
    deployment: NAME,
    upstream: current?.address ?? null,
    switchedAt,
    requests,
    inflight: inflightTotal,
    upstreams: [...upstreams].map((u) => ({ address: u.address, inflight: u.inflight, current: u === current, ...(pool.length ? { ready: u.ready, note: u.note } : {}) })),
  };
}

async function admin(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
  if (pathname === '/mldesk/proxy/health' && (req.method === 'GET' || req.method === 'HEAD')) return sendJson(res, 200, health());
  if (pathname !== '/mldesk/proxy/upstream') return sendJson(res, 404, { error: `no proxy route ${pathname}` });
  if (req.method !== 'PUT' && req.method !== 'DELETE' && req.method !== 'GET') return sendJson(res, 405, { error: `${req.method} not allowed on ${pathname}` });
  if (!authorized(req)) {
    req.resume();
    return sendJson(res, 401, { error: 'the proxy admin routes need Authorization: Bearer <token>' });
  }
  if (req.method === 'GET') return sendJson(res, 200, health());
  if (pool.length) {
    req.resume();
    return sendJson(res, 409, { error: 'this proxy balances over a fixed pool (MLDESK_PROXY_UPSTREAMS); its upstream cannot be switched' });
  }
  if (req.method === 'DELETE') {
    req.resume();
    const previous = current?.address ?? null;
    setUpstream(null, null);
    return sendJson(res, 200, { ok: true, upstream: null, previous });
  }
  let body: { host?: unknown; port?: unknown; readyPath?: unknown; force?: unknown };
  try {
    body = JSON.parse(await readSmall(req)) as typeof body;
  } catch (e) {
    return sendJson(res, 400, { error: `body is not JSON: ${(e as Error).message}` });
  }
  const host = typeof body.host === 'string' && body.host ? body.host : '127.0.0.1';
  const port = Number(body.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return sendJson(res, 400, { error: 'port must be an integer 1–65535' });
  const readyPath = typeof body.readyPath === 'string' && body.readyPath.startsWith('/') ? body.readyPath : DEFAULT_READY;
  if (body.force !== true) {
    const p = await probe(host, port, readyPath);
    if (p.status < 200 || p.status >= 300) return sendJson(res, 409, { error: `the new upstream ${host}:${port} is not ready (${p.note}); still serving ${current?.address ?? 'nothing'}`, probe: p.note });
  }
  const previous = current;
  const previousInflight = previous?.inflight ?? 0;
  if (!previous || previous.address !== `${host}:${port}`) setUpstream(host, port);
  process.stdout.write(`mldesk-proxy: upstream ${previous?.address ?? 'none'} → ${host}:${port}\n`);
  sendJson(res, 200, { ok: true, upstream: current?.address ?? null, previous: previous?.address ?? null, previousInflight });
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function forwardHeaders(h: http.IncomingHttpHeaders, extra: Record<string, string> = {}): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const named = new Set((h.connection ?? '').split(',').map((s) => s.trim().toLowerCase()));
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k) && !named.has(k)) out[k] = v;
  return { ...out, ...extra };
}

function forward(req: http.IncomingMessage, res: http.ServerResponse): void {
  const first = pool.length ? choose(new Set()) : current;
  if (!first && !pool.length) {
    req.resume();
    sendJson(res, 503, { error: `no serving container behind ${NAME ? `deployment '${NAME}'` : 'this endpoint'} (stopped, or not started yet)` });
    return;
  }
  requests++;
  inflightTotal++;
  let up: Upstream | null = null;
  const use = (u: Upstream | null) => {
    if (up) {
      up.inflight--;
      if (up.retired && up.inflight === 0) retire(up);
    }
    up = u;
    if (u) u.inflight++;
  };
  let finished = false;
  const done = () => {
    if (finished) return;
    finished = true;
    inflightTotal--;
    use(null);
    drain.settled();
  };
  res.on('close', done);

  // The body streams through; the first REPLAY_MAX bytes are kept so a request that meets a stale socket (or, in pool
  // mode, a replica going away) can be sent again.
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let replayable = true;
  let ended = false;
  const sinks = new Set<http.ClientRequest>();
  req.on('data', (c: Buffer) => {
    if (replayable) {
      keptBytes += c.length;
      if (keptBytes > REPLAY_MAX) {
        replayable = false;
        kept.length = 0;
      } else kept.push(c);
    }
  });
  req.on('end', () => (ended = true));

  const headers = forwardHeaders(req.headers, { 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': req.headers.host ?? '' });
  const tried = new Set<Upstream>();
  const started = Date.now();
  /** Sends the request to `target`; `replay`: the body so far is resent from `kept` (a retry, or after waiting). */
  const attempt = (target: Upstream, fresh: boolean, replay: boolean) => {
    use(target);
    tried.add(target);
    const upReq = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: fresh ? false : target.agent });
    sinks.add(upReq);
    let answered = false;
    upReq.on('response', (upRes) => {
      answered = true;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.headers) as http.OutgoingHttpHeaders);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    let failed = false;
    upReq.on('error', (e: NodeJS.ErrnoException) => {
      if (failed) return;
      failed = true;
      sinks.delete(upReq);
      req.unpipe(upReq);
      if (answered) return void res.destroy();
      // A reused keep-alive socket the server closed meanwhile (ECONNRESET / EPIPE before any answer): once more on a new socket.
      const stale = upReq.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
      if (stale && !fresh && replayable) return void attempt(target, true, true);
      if (pool.length && replayable && !res.destroyed) {
        // The replica went away (stopped by a rolling update, crashed): the next ready one gets the request.
        if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE') markDown(target, `${req.method} ${req.url} → ${e.code}`);
        return void next(`${target.address}: ${e.code ?? e.message}`);
      }
      req.resume();
      sendJson(res, 502, { error: `upstream ${target.address} did not answer: ${e.code ?? e.message}` });
    });
    if (!replay) req.pipe(upReq);
    else if (ended) upReq.end(Buffer.concat(kept));
    else {
      // Still arriving: resend what we have and keep streaming into the new request.
      upReq.write(Buffer.concat(kept));
      req.pipe(upReq);
    }
  };
  /** Pool mode: another ready upstream (waiting up to WAIT_MS for one), or 502/503 with why. */
  const next = (why: string | null) => {
    const tick = () => {
      if (res.destroyed || finished) return;
      const u = choose(tried) ?? (tried.size && pool.every((p) => tried.has(p)) ? (tried.clear(), choose(tried)) : null);
      if (u && replayable) return void attempt(u, false, true);
      if (!replayable) {
        req.resume();
        return void sendJson(res, 503, { error: `no ready replica could take this request (${why ?? 'none ready'}); it is too large to be held while waiting` });
      }
      if (Date.now() - started >= WAIT_MS) {
        req.resume();
        use(null);
        const states = pool.map((p) => `${p.address}: ${p.note}`).join('; ');
        return void sendJson(res, why ? 502 : 503, { error: `no ready replica behind ${NAME ? `deployment '${NAME}'` : 'this endpoint'} within ${WAIT_MS} ms${why ? ` (last: ${why})` : ''}; ${states}` });
      }
      setTimeout(tick, 25);
    };
    tick();
  };
  if (first) attempt(first, false, false);
  else next(null);
  res.on('close', () => {
    if (!res.writableFinished) for (const s of sinks) s.destroy();
  });
}

const server = http.createServer((req, res) => {
  let pathname = '/';
  try {
    pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    req.resume();
    return sendJson(res, 400, { error: 'malformed request target' });
  }
  if (pathname.startsWith('/mldesk/proxy/')) {
    admin(req, res, pathname).catch((e: Error) => sendJson(res, 500, { error: e.message }));
    return;
  }
  forward(req, res);
});
server.keepAliveTimeout = 5000;
server.on('clientError', (_e, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"malformed request"}');
  else socket.destroy();
});

drain.install(server);

const poolSpec = (env.MLDESK_PROXY_UPSTREAMS ?? '').trim();
if (poolSpec) {
  for (const part of poolSpec.split(',')) {
    const a = parseAddress(part.trim());
    if (!a) {
      process.stderr.write(`mldesk-proxy: MLDESK_PROXY_UPSTREAMS: '${part}' is not host:port\n`);
      process.exit(2);
    }
    pool.push(makeUpstream(a.host, a.port));
  }
  checkPool();
  setInterval(checkPool, CHECK_MS).unref();
} else {
  // The upstream remembered by this container (a restart keeps its file system) wins over the one it was created with.
  let initial = parseAddress(env.MLDESK_PROXY_UPSTREAM);
  try {
    const saved = JSON.parse(fs.readFileSync(STATE, 'utf8')) as { host: string | null; port: number | null };
    initial = saved.host && saved.port ? { host: saved.host, port: saved.port } : null;
  } catch {
    // first start
  }
  if (initial) setUpstream(initial.host, initial.port);
}
server.listen(PORT, HOST, () => {
  const to = pool.length ? `pool of ${pool.length} (${pool.map((u) => u.address).join(', ')})` : (current?.address ?? 'no upstream');
  process.stdout.write(`mldesk-proxy: listening on http://${HOST}:${PORT} → ${to}\n`);
});
server.on('error', (e: NodeJS.ErrnoException) => {
  process.stderr.write(`mldesk-proxy: cannot listen on ${HOST}:${PORT}: ${e.code ?? e.message}\n`);
  process.exit(1);
});
