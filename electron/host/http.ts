import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_EVENTS_PATH, HTTP_RPC_PREFIX } from '../../shared/contract/bridge';
import { errorCodes, isTopic, MldeskError, type TopicName } from '../../shared/contract';
import type { Engine } from '../core/engine';
import { hostHeaderAllowed, isLoopbackHost, MalformedCookie, requestToken, sameOriginRequest, TOKEN_COOKIE, tokenMatches } from './auth';
import { OWNER, type Principal } from '../../shared/contract/roles';
import { runAs } from '../core/principal';
import { toMlflowError } from '../core/tracking/errors';
import { BodyTooLarge, parseJsonLimited, readBody, sendError, sendJson } from './respond';
import { serveStatic } from './static';
import { prometheusText } from '../core/monitor';

/** A route adapter (e.g. the MLflow REST API) that claims a request by returning true. */
export type RouteAdapter = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface HttpHostOptions {
  engine: Engine;
  host?: string;
  port?: number;
  token?: string;
  /** Folder with the built renderer; omit to serve no UI. */
  uiDir?: string;
  adapters?: RouteAdapter[];
  rpcBodyLimit?: number;
}

/** A server reachable from the network must demand a token: the single admin --token, or users' tokens. */
export function assertBindAllowed(host: string, token: string | undefined, hasUsers = false): void {
  if (!isLoopbackHost(host) && !token && !hasUsers) {
    throw new MldeskError(
      'FAILED_PRECONDITION',
      `Refusing to listen on ${host} without a token: anyone on the network could read and change your runs. ` +
        'Add users (mldesk users add <name> --role viewer|member|admin) or pass --token <secret> (or set MLDESK_TOKEN), or bind 127.0.0.1.',
    );
  }
}

export const DEFAULT_RPC_BODY_LIMIT = 16 * 1024 * 1024;

/** The host's own refusals (auth, cross-site, rebinding): MLflow paths also get MLflow's `error_code` for its clients. */
function refuse(res: ServerResponse, url: URL, err: MldeskError): void {
  if (/^\/(ajax-)?api\//.test(url.pathname)) sendJson(res, err.status, { ...err.toJSON(), error_code: toMlflowError(err).body.error_code });
  else sendError(res, err);
}

/** Exposes every contract method as POST /rpc/<feature.method> and every topic over SSE at /events. */
export class HttpHost {
  private server: http.Server | null = null;
  private readonly streams = new Set<ServerResponse>();
  readonly host: string;
  private readonly loopback: boolean;

  constructor(private readonly opts: HttpHostOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.loopback = isLoopbackHost(this.host);
    assertBindAllowed(this.host, opts.token, opts.engine.users.hasActive());
  }

  async listen(): Promise<{ url: string; port: number }> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) sendError(res, new MldeskError('INTERNAL', (e as Error).message));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const shownHost = this.host.includes(':') ? `[${this.host}]` : this.host === '0.0.0.0' ? '127.0.0.1' : this.host;
    return { url: `http://${shownHost}:${port}`, port };
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Tokens are needed when one is configured or the server is reachable from the network; otherwise the caller is the local owner. */
  private get needsToken(): boolean {
    return Boolean(this.opts.token) || !this.loopback;
  }

  /** The caller: the owner on a token-less loopback server, else whoever the bearer token (or cookie) belongs to. */
  private principal(token: string | undefined): Principal | null {
    if (!this.needsToken) return OWNER;
    if (token === undefined || token === '') return null;
    if (this.opts.token && tokenMatches(token, this.opts.token)) return { name: 'admin', role: 'admin' };
    return this.opts.engine.users.authenticate(token);
  }

  /** Resolves the caller, or answers the request itself (login redirect, 401) and returns null. */
  private authorize(req: IncomingMessage, res: ServerResponse, url: URL): Principal | null {
    // Opening the printed URL (?token=…) once sets an HttpOnly cookie for the browser UI, then drops the token from the URL.
    const q = url.searchParams.get('token');
    if (this.needsToken && req.method === 'GET' && q !== null && this.principal(q)) {
      res.writeHead(302, {
        // Always a path on this server: "//evil.example/" would be a protocol-relative URL (open redirect).
        location: `/${url.pathname.replace(/^[/\\]+/, '')}`,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(q)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return null;
    }
    const who = this.principal(requestToken(req));
    if (who) return who;
    res.setHeader('www-authenticate', 'Bearer realm="mldesk"');
    refuse(res, url, new MldeskError('UNAUTHORIZED', 'A token is required: send "Authorization: Bearer <token>" or open the URL mldesk printed.'));
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, new MldeskError('INVALID_INPUT', 'Malformed URL'));
    }
    if (!hostHeaderAllowed(req, this.loopback)) {
      refuse(res, url, new MldeskError('FORBIDDEN', `Host header "${req.headers.host}" is not allowed for a loopback server`));
      return;
    }
    // Cross-site requests: a page on another origin may send "simple" requests (no preflight) to a local server.
    if (!sameOriginRequest(req)) {
      req.resume();
      return refuse(res, url, new MldeskError('FORBIDDEN', 'Cross-origin requests are refused: this server only answers its own pages and API clients'));
    }
    let who: Principal | null;
    try {
      who = this.authorize(req, res, url);
    } catch (e) {
      if (e instanceof MalformedCookie) return refuse(res, url, new MldeskError('INVALID_INPUT', e.message));
      throw e;
    }
    if (!who) return;
    await runAs(who, () => this.route(req, res, url));
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    if (url.pathname.startsWith(HTTP_RPC_PREFIX)) {
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(HTTP_RPC_PREFIX.length));
      } catch {
        req.resume();
        return sendError(res, new MldeskError('INVALID_INPUT', 'Malformed method name in the URL (bad percent-encoding)'));
      }
      return this.rpc(req, res, name);
    }
    if (url.pathname === HTTP_EVENTS_PATH) return this.events(req, res, url);
    // Prometheus: drift, performance and health gauges per deployment (authorized like every API route above).
    if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      const text = prometheusText(this.opts.engine.monitor);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    for (const adapter of this.opts.adapters ?? []) if (await adapter(req, res, url)) return;
    if (this.opts.uiDir) return serveStatic(this.opts.uiDir, req, res, url.pathname);
    sendError(res, new MldeskError('NOT_FOUND', `No route for ${req.method} ${url.pathname.slice(0, 200)}`));
  }

  private async rpc(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { code: 'INVALID_INPUT', message: `Use POST for ${HTTP_RPC_PREFIX}${name}` });
    }
    // Requiring JSON keeps cross-site "simple" form posts out (they cannot set this content type).
    const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ctype !== 'application/json') {
      req.resume();
      return sendError(res, new MldeskError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.opts.rpcBodyLimit ?? DEFAULT_RPC_BODY_LIMIT);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendError(res, new MldeskError('PAYLOAD_TOO_LARGE', e.message));
      throw e;
    }
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = parseJsonLimited(body.toString('utf8'));
      } catch (e) {
        return sendError(res, new MldeskError('INVALID_INPUT', `Malformed JSON body: ${(e as Error).message}`));
      }
    }
    const result = await this.opts.engine.call(name, input);
    if (result.ok) sendJson(res, 200, result.value ?? null);
    else sendJson(res, errorCodes[result.error.code], result.error);
  }

  private events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const requested = (url.searchParams.get('topics') ?? '').split(',').filter(Boolean);
    const unknown = requested.filter((t) => !isTopic(t));
    if (requested.length === 0 || unknown.length > 0) {
      return sendError(
        res,
        new MldeskError('INVALID_INPUT', requested.length === 0 ? 'topics: give at least one topic' : `topics: unknown topic(s) ${unknown.join(', ')}`),
      );
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const offs = (requested as TopicName[]).map((topic) =>
      this.opts.engine.events.subscribe(topic, (payload) => {
        res.write(`event: ${topic}\ndata: ${JSON.stringify(payload)}\n\n`);
      }),
    );
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    this.streams.add(res);
    const cleanup = () => {
      clearInterval(heartbeat);
      offs.forEach((off) => off());
      this.streams.delete(res);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  }
}
