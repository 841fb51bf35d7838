import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { MldeskError } from '../../shared/contract/errors';
import type { Engine } from '../core/engine';
import { callerIs, currentPrincipal } from '../core/principal';
import { OBJECTS_API } from '../core/data/remotes';
import { BodyTooLarge, parseJsonLimited, readBody, sendError, sendJson } from './respond';
import type { RouteAdapter } from './http';

const SHA_RE = /^[0-9a-f]{64}$/;
const STAT_LIMIT = 10_000;
/** Partial uploads untouched this long are abandoned: removed when the server starts. */
const STALE_MS = 7 * 24 * 3600 * 1000;

function cleanStale(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    try {
      if (Date.now() - fs.statSync(path.join(dir, n)).mtimeMs > STALE_MS) fs.rmSync(path.join(dir, n), { force: true });
    } catch {
      // gone
    }
  }
}

/**
 * A team server as a data remote: the content-addressed store `<dataDir>/objects/<sha[0:2]>/<rest>`.
 *
 *   POST /api/mldesk/objects/stat      {"objects": [sha, …]} → {"objects": {sha: size}} (the ones present)
 *   HEAD /api/mldesk/objects/<sha256>  200 + Content-Length, or 404
 *   GET  /api/mldesk/objects/<sha256>  the bytes (Range: bytes=N- resumes, 206)
 *   PUT  /api/mldesk/objects/<sha256>  the bytes; stored only if they hash to the name (else 400, nothing kept)
 *   PUT  /api/mldesk/objects/<sha256>?offset=N&total=T  one part of a big object, appended to the caller's partial
 *        upload (N must be its current size, else 409 with the size to resume from); the part that completes it is
 *        answered only after the whole object hashed to its name. Parts keep each request short (HTTP servers cut long
 *        requests) and make uploads resumable: `stat` reports the caller's partial sizes.
 *
 * Every route needs the member role (viewers are refused with 403 and the refusal is audited), as the HTTP host
 * has already authenticated the caller. Uploads are audited.
 */
export function objectsAdapter(engine: Engine): RouteAdapter {
  const root = path.join(engine.ctx.dataDir, 'objects');
  const fileOf = (sha: string) => path.join(root, sha.slice(0, 2), sha.slice(2));
  // An upload in parts, per user (two teammates pushing one object do not interleave): resumed by the next push.
  const partialOf = (sha: string) => path.join(root, 'tmp', `${sha}.${createHash('sha256').update(currentPrincipal().name).digest('hex').slice(0, 16)}.upload`);
  cleanStale(path.join(root, 'tmp'));

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== OBJECTS_API && !url.pathname.startsWith(`${OBJECTS_API}/`)) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const rest = url.pathname.slice(OBJECTS_API.length + 1);
    if (!callerIs('member')) {
      const who = currentPrincipal();
      engine.ctx.audit('denied', `objects ${method}`, { role: who.role, needs: 'member' });
      req.resume();
      sendError(res, new MldeskError('FORBIDDEN', `Data objects need the member role; ${who.name} is a ${who.role}`));
      return true;
    }
    if (rest === 'stat') {
      if (method !== 'POST') return notAllowed(req, res, 'POST');
      await stat(req, res, fileOf, partialOf);
      return true;
    }
    if (!SHA_RE.test(rest)) {
      req.resume();
      sendError(res, new MldeskError(rest === '' ? 'NOT_FOUND' : 'INVALID_INPUT', rest === '' ? 'Name an object: /api/mldesk/objects/<sha256>' : 'An object is named by its sha256 (64 lowercase hex digits)'));
      return true;
    }
    const file = fileOf(rest);
    switch (method) {
      case 'HEAD':
      case 'GET':
        get(req, res, file, method === 'HEAD');
        return true;
      case 'PUT':
        if (url.searchParams.has('offset')) await putPart(engine, req, res, url, rest, file, partialOf(rest));
        else await put(engine, req, res, root, rest, file);
        return true;
      default:
        return notAllowed(req, res, 'GET, HEAD, PUT');
    }
  };
}

function notAllowed(req: IncomingMessage, res: ServerResponse, allow: string): true {
  req.resume();
  res.setHeader('allow', allow);
  sendJson(res, 405, { code: 'INVALID_INPUT', message: `Use ${allow}` });
  return true;
}

async function stat(req: IncomingMessage, res: ServerResponse, fileOf: (sha: string) => string, partialOf: (sha: string) => string): Promise<void> {
  const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ctype !== 'application/json') {
    req.resume();
    return sendError(res, new MldeskError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
  }
  let body: unknown;
  try {
    body = parseJsonLimited((await readBody(req, 2 * 1024 * 1024)).toString('utf8'));
  } catch (e) {
    if (e instanceof BodyTooLarge) return sendError(res, new MldeskError('PAYLOAD_TOO_LARGE', e.message));
    return sendError(res, new MldeskError('INVALID_INPUT', `Malformed JSON body: ${(e as Error).message.slice(0, 200)}`));
  }
  const list = (body as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(list) || list.length > STAT_LIMIT || !list.every((s) => typeof s === 'string' && SHA_RE.test(s))) {
    return sendError(res, new MldeskError('INVALID_INPUT', `Body must be {"objects": [sha256, …]} with at most ${STAT_LIMIT} names`));
  }
  const out: Record<string, number> = {};
  const uploads: Record<string, number> = {};
  for (const sha of list as string[]) {
    try {
      out[sha] = fs.statSync(fileOf(sha)).size;
    } catch {
      try {
        uploads[sha] = fs.statSync(partialOf(sha)).size;
      } catch {
        // absent
      }
    }
  }
  sendJson(res, 200, { objects: out, uploads });
}

function get(req: IncomingMessage, res: ServerResponse, file: string, headOnly: boolean): void {
  req.resume();
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return sendError(res, new MldeskError('NOT_FOUND', 'No such object on this server'));
  }
  let start = 0;
  const range = req.headers.range;
  if (range !== undefined) {
    const m = /^bytes=(\d+)-$/.exec(range.trim());
    if (!m || Number(m[1]) >= Math.max(size, 1)) {
      res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: 'INVALID_INPUT', message: 'Only "Range: bytes=N-" within the object is supported' }));
      return;
    }
    start = Number(m[1]);
  }
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'content-length': size - start,
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
  res.writeHead(range !== undefined ? 206 : 200, headers);
  if (headOnly || start >= size) return void res.end();
  const s = fs.createReadStream(file, { start, highWaterMark: 1 << 20 });
  s.on('error', () => res.destroy());
  s.pipe(res);
}

/** Streams the body to a temp file while hashing; renames it into place only when it hashes to `sha`. */
async function put(engine: Engine, req: IncomingMessage, res: ServerResponse, root: string, sha: string, file: string): Promise<void> {
  const tmpDir = path.join(root, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${sha}.${randomUUID()}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(req, tap, fs.createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 }));
  } catch {
    // The client went away mid-upload: nothing is kept (its next push sends the object again).
    fs.rmSync(tmp, { force: true });
    if (!res.headersSent && !res.destroyed) sendError(res, new MldeskError('INVALID_INPUT', 'The upload was interrupted'));
    return;
  }
  const digest = hash.digest('hex');
  if (digest !== sha) {
    fs.rmSync(tmp, { force: true });
    return sendError(res, new MldeskError('INVALID_INPUT', `sha256 mismatch: the body (${bytes} bytes) hashes to ${digest}, not ${sha}; nothing was stored`));
  }
  const existed = fs.existsSync(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.renameSync(tmp, file);
  engine.ctx.audit('data.objects.put', sha, { bytes, existed });
  sendJson(res, existed ? 200 : 201, { sha256: sha, size: bytes });
}

/** One part of an upload in parts (see objectsAdapter). */
async function putPart(engine: Engine, req: IncomingMessage, res: ServerResponse, url: URL, sha: string, file: string, partial: string): Promise<void> {
  const offset = Number(url.searchParams.get('offset'));
  const total = Number(url.searchParams.get('total'));
  const length = Number(req.headers['content-length']);
  if (![offset, total, length].every((n) => Number.isSafeInteger(n) && n >= 0) || offset + length > total) {
    req.resume();
    return sendError(res, new MldeskError('INVALID_INPUT', 'A part needs ?offset=N&total=T and a Content-Length with offset + length <= total'));
  }
  if (fs.existsSync(file)) {
    req.resume();
    return sendJson(res, 200, { sha256: sha, size: fs.statSync(file).size, complete: true });
  }
  fs.mkdirSync(path.dirname(partial), { recursive: true });
  let have = 0;
  try {
    have = fs.statSync(partial).size;
  } catch {
    // a new upload
  }
  if (offset === 0 && have > 0) {
    fs.rmSync(partial, { force: true });
    have = 0;
  }
  if (offset !== have) {
    req.resume();
    return sendJson(res, 409, { code: 'CONFLICT', message: `This upload continues at byte ${have}`, details: { offset: have } });
  }
  try {
    await pipeline(req, fs.createWriteStream(partial, { flags: 'a', highWaterMark: 1 << 20 }));
  } catch {
    // What arrived stays: the next push resumes from the partial's size.
    if (!res.headersSent && !res.destroyed) sendError(res, new MldeskError('INVALID_INPUT', 'The upload was interrupted'));
    return;
  }
  const size = fs.statSync(partial).size;
  if (size < total) return sendJson(res, 202, { sha256: sha, offset: size });
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(partial, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (digest !== sha || size !== total) {
    fs.rmSync(partial, { force: true });
    return sendError(res, new MldeskError('INVALID_INPUT', `sha256 mismatch: the upload (${size} bytes) hashes to ${digest}, not ${sha}; nothing was stored`));
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.renameSync(partial, file);
  engine.ctx.audit('data.objects.put', sha, { bytes: size, parts: true });
  sendJson(res, 201, { sha256: sha, size });
}
