import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../../core/engine';
import { toMlflowError } from '../../core/tracking/errors';
import { invalidParam } from '../../core/tracking/errors';
import { assertJsonDepth, BodyTooLarge, readBody } from '../respond';
import type { RouteAdapter } from '../http';
import type { HttpMethod, MlflowRoute } from './router';
import { jsonName, parseMessage, queryToDict } from './protoJson';
import { roleAllows, type Role } from '../../../shared/contract/roles';
import { currentPrincipal } from '../../core/principal';
import { artifactProxy } from './artifactProxy';

const PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/', '/api/2.0/preview/mlflow/', '/ajax-api/2.0/preview/mlflow/'];
const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts/', '/ajax-api/2.0/mlflow-artifacts/'];
const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** proto3 JSON: non-finite doubles travel as strings. */
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v);

export function sendMlflowJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {}, replacer);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendMlflowError(res: ServerResponse, e: unknown): void {
  const { status, body } = toMlflowError(e);
  if (status === 500) console.error('[mldesk mlflow]', e);
  sendMlflowJson(res, status, body);
}

/** Python's json.dumps writes bare NaN/Infinity; accept them outside strings. */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        out += ch;
        if (ch === '\\') out += text[++i] ?? '';
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') {
        inString = true;
        out += ch;
        continue;
      }
      const rest = text.slice(i, i + 9);
      if (rest.startsWith('NaN')) {
        out += '"NaN"';
        i += 2;
      } else if (rest.startsWith('-Infinity')) {
        out += '"-Infinity"';
        i += 8;
      } else if (rest.startsWith('Infinity')) {
        out += '"Infinity"';
        i += 7;
      } else out += ch;
    }
    try {
      return JSON.parse(out);
    } catch {
      throw first;
    }
  }
}

interface Compiled {
  route: MlflowRoute;
  parts: string[];
}

/**
 * The JSON object of a request body, as MLflow's handler reads it: an empty body is `fallback()`, and a body that is
 * a JSON string holding the object (older clients double-encode) is decoded a second time.
 */
async function readJsonObject(req: IncomingMessage, bodyLimit: number | undefined, fallback: () => Record<string, unknown>): Promise<Record<string, unknown>> {
  const limit = bodyLimit ?? DEFAULT_BODY_LIMIT;
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      const size = Number(req.headers['content-length'] ?? NaN);
      throw invalidParam(
        bodyLimit
          ? `Batched logging API requests must be at most ${limit} bytes, got a request of size ${Number.isFinite(size) ? size : `more than ${limit}`}.`
          : `Request body exceeds the limit of ${limit} bytes.`,
      );
    }
    throw e;
  }
  if (raw.length === 0) return fallback();
  let parsed: unknown;
  try {
    // Depth is checked before parsing (a deep body would overflow the stack), again inside a double-encoded one.
    const text = raw.toString('utf8');
    assertJsonDepth(text);
    parsed = parseLenientJson(text);
    if (typeof parsed === 'string') {
      assertJsonDepth(parsed);
      parsed = parseLenientJson(parsed);
    }
  } catch (e) {
    throw invalidParam(`Malformed JSON request body: ${(e as Error).message}`);
  }
  if (parsed === null) return fallback();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParam('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

const isJson = (req: IncomingMessage) => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

/** The route's role check (answers 403 PERMISSION_DENIED itself, audited). */
function permitted(engine: Engine, need: Role, what: string, res: ServerResponse, req: IncomingMessage): boolean {
  const who = currentPrincipal();
  if (roleAllows(who.role, need)) return true;
  req.resume();
  engine.ctx.audit('denied', what, { role: who.role, needs: need });
  sendMlflowJson(res, 403, { error_code: 'PERMISSION_DENIED', message: `${what} needs the ${need} role; ${who.name} is a ${who.role}` });
  return false;
}

/** MLflow REST (/api/2.0/mlflow/… and /ajax-api/…) over the engine's services. */
export function mlflowAdapter(engine: Engine, routes: MlflowRoute[]): RouteAdapter {
  const compiled: Compiled[] = routes.map((route) => ({ route, parts: route.path.split('/') }));

  const match = (method: string, rel: string): { hit?: { c: Compiled; params: Record<string, string> }; pathKnown: boolean } => {
    const segs = rel.split('/');
    let pathKnown = false;
    for (const c of compiled) {
      if (c.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length && ok; i++) {
        const p = c.parts[i]!;
        if (p.startsWith('{') && p.endsWith('}')) {
          try {
            params[p.slice(1, -1)] = decodeURIComponent(segs[i]!);
          } catch {
            ok = false;
          }
        } else ok = p === segs[i];
      }
      if (!ok) continue;
      pathKnown = true;
      if (c.route.method === method) return { hit: { c, params }, pathKnown };
    }
    return { pathKnown };
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const p = url.pathname;
    // MLflow server liveness/version probes (used by load balancers and some clients).
    if ((p === '/health' || p === '/version') && req.method === 'GET') {
      const text = p === '/health' ? 'OK' : engine.ctx.version;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    }
    const artifactPrefix = ARTIFACT_PREFIXES.find((x) => p.startsWith(x));
    if (artifactPrefix) {
      if (!permitted(engine, req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'member', `mlflow-artifacts ${req.method}`, res, req)) return true;
      await artifactProxy(engine, req, res, url, p.slice(artifactPrefix.length)).catch((e: unknown) => sendMlflowError(res, e));
      return true;
    }
    const prefix = PREFIXES.find((x) => p.startsWith(x));
    if (!prefix) return false;
    const rel = p.slice(prefix.length).replace(/\/+$/, '');
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const { hit, pathKnown } = match(method, rel);
    if (!hit) {
      req.resume();
      sendMlflowJson(res, pathKnown ? 405 : 404, {
        error_code: 'ENDPOINT_NOT_FOUND',
        message: pathKnown ? `Method ${method} is not allowed for ${p}` : `No API endpoint found for path ${p}`,
      });
      return true;
    }
    if (!permitted(engine, hit.c.route.role, `mlflow ${method} ${hit.c.route.path}`, res, req)) return true;
    // MLflow's server refuses bodies that are not JSON (it checks the Content-Type of POST/PUT); so do we for every
    // body-carrying route: a cross-site form or text/plain post cannot set application/json without a preflight.
    if ((method === 'POST' || method === 'PATCH') && !isJson(req)) {
      req.resume();
      sendMlflowJson(res, 415, { error_code: 'BAD_REQUEST', message: "Bad Request. Content-Type must be 'application/json'." });
      return true;
    }
    try {
      const msg = hit.c.route.message;
      // MLflow reads a GET's query string when it has one, and the JSON body otherwise.
      const dict =
        method === 'GET' && url.search.length > 1
          ? (req.resume(), queryToDict(msg, url.searchParams))
          : await readJsonObject(req, hit.c.route.bodyLimit, () => (url.search.length > 1 ? queryToDict(msg, url.searchParams) : {}));
      // Path parameters (logged-models/{model_id}) win over the same field in the body, under either of its names.
      for (const [k, v] of Object.entries(hit.params)) {
        delete dict[jsonName(k)];
        dict[k] = v;
      }
      const body = parseMessage(msg, dict);
      const out = await hit.c.route.handler(body, { params: hit.params, query: url.searchParams, req, res, engine });
      if (hit.c.route.role !== 'viewer' && currentPrincipal().role !== 'owner') engine.ctx.audit(`mlflow.${hit.c.route.path}`, null, { method });
      if (!res.headersSent) sendMlflowJson(res, 200, out ?? {});
    } catch (e) {
      if (!res.headersSent) sendMlflowError(res, e);
      else res.destroy();
    }
    return true;
  };
}
