import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { MldeskError, type ErrorCode, errorCodes } from '../../../../shared/contract/errors';
import { SHA_RE, type RemoteStore } from './types';

/** Where a team server keeps objects in its HTTP API (electron/host/objects.ts). */
export const OBJECTS_API = '/api/mldesk/objects';
const STAT_BATCH = 1000;

/**
 * Objects larger than `partBytes` go up in parts of that size, one request each: a request stays well inside the
 * server's time limit for receiving one, and an interrupted push resumes at the last part the server has.
 */
export const mldeskTuning = { partBytes: 64 * 1024 * 1024 };

/** `mldesk://host:port[/base]` → `http://host:port[/base]`; `mldesk+https://…` → `https://…`; http(s) as given. */
export function httpBaseOf(u: URL): string {
  const scheme = u.protocol === 'mldesk:' ? 'http:' : u.protocol === 'mldesk+https:' ? 'https:' : u.protocol;
  const base = new URL(`${scheme}//${u.host}${u.pathname}`);
  return base.toString().replace(/\/+$/, '');
}

const codeOfStatus = (status: number): ErrorCode => {
  const hit = (Object.entries(errorCodes) as Array<[ErrorCode, number]>).find(([, s]) => s === status);
  return hit ? hit[0] : status >= 500 ? 'UNAVAILABLE' : 'INVALID_INPUT';
};

/** A team's `mldesk serve` as a remote: HEAD/GET/PUT /api/mldesk/objects/<sha256> with a user token (role member). */
export class MldeskRemote implements RemoteStore {
  readonly kind = 'mldesk' as const;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  /** The caller's partial uploads on the server, from the last `stat` (sha → bytes it has). */
  private readonly uploads = new Map<string, number>();

  constructor(
    readonly base: string,
    private readonly token: string | undefined,
  ) {
    this.mod = base.startsWith('https:') ? https : http;
    this.agent = new this.mod.Agent({ keepAlive: true, maxSockets: 8 });
  }

  private request(method: string, pathname: string, headers: Record<string, string | number>, body?: Buffer | Readable): Promise<http.IncomingMessage> {
    const url = new URL(this.base + pathname);
    return new Promise((resolve, reject) => {
      const req = this.mod.request(
        url,
        { method, agent: this.agent, headers: { ...headers, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } },
        resolve,
      );
      req.on('error', (e) => reject(new MldeskError('UNAVAILABLE', `${method} ${this.base}${pathname.slice(0, 60)}: ${e.message}`)));
      if (body instanceof Readable) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else req.end(body);
    });
  }

  /** A non-2xx answer as an MldeskError with the server's own message (it never echoes a token). */
  private async fail(res: http.IncomingMessage, what: string): Promise<never> {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    let message = `HTTP ${res.statusCode}`;
    try {
      const j = JSON.parse(Buffer.concat(chunks).toString('utf8').slice(0, 10_000)) as { message?: string };
      if (typeof j.message === 'string') message = j.message;
    } catch {
      // not JSON
    }
    const status = res.statusCode ?? 500;
    if (status === 401) throw new MldeskError('UNAUTHORIZED', `${what}: the server wants a token — store one with \`mldesk data remote login <name> --token-stdin\``);
    throw new MldeskError(codeOfStatus(status), `${what}: ${message}`);
  }

  async stat(shas: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < shas.length; i += STAT_BATCH) {
      const body = Buffer.from(JSON.stringify({ objects: shas.slice(i, i + STAT_BATCH) }));
      const res = await this.request('POST', `${OBJECTS_API}/stat`, { 'content-type': 'application/json', 'content-length': body.length }, body);
      if (res.statusCode !== 200) await this.fail(res, `Listing objects on ${this.base}`);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { objects: Record<string, number>; uploads?: Record<string, number> };
      for (const [sha, size] of Object.entries(j.objects ?? {})) if (SHA_RE.test(sha) && typeof size === 'number') out.set(sha, size);
      for (const [sha, size] of Object.entries(j.uploads ?? {})) if (SHA_RE.test(sha) && typeof size === 'number') this.uploads.set(sha, size);
    }
    return out;
  }

  async put(sha: string, body: Readable, size: number): Promise<void> {
    if (size > mldeskTuning.partBytes) return this.putParts(sha, body, size);
    const res = await this.request('PUT', `${OBJECTS_API}/${sha}`, { 'content-type': 'application/octet-stream', 'content-length': size }, body);
    if (res.statusCode !== 200 && res.statusCode !== 201) await this.fail(res, `Uploading ${sha.slice(0, 12)}… to ${this.base}`);
    res.resume();
  }

  /**
   * An upload in parts, continuing where the server's partial upload stops (the bytes before it are still read and
   * hashed locally). The part that completes the object carries the body's last chunk, which the body only gives
   * once the whole object hashed to its name.
   */
  private async putParts(sha: string, body: Readable, size: number): Promise<void> {
    const what = `Uploading ${sha.slice(0, 12)}… to ${this.base}`;
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let pending: Buffer | null = null;
    const next = async (): Promise<Buffer | null> => {
      if (pending) {
        const p = pending;
        pending = null;
        return p;
      }
      const r = await it.next();
      return r.done ? null : r.value;
    };
    let pos = 0;
    const had = this.uploads.get(sha) ?? 0;
    const resumeAt = had < size ? had : 0;
    while (pos < resumeAt) {
      const c = await next();
      if (!c) throw new MldeskError('INTERNAL', `${what}: the local object ended early`);
      if (pos + c.length <= resumeAt) pos += c.length;
      else {
        pending = c.subarray(resumeAt - pos);
        pos = resumeAt;
      }
    }
    while (pos < size) {
      const len = Math.min(mldeskTuning.partBytes, size - pos);
      const part = new PassThrough();
      const answer = this.request('PUT', `${OBJECTS_API}/${sha}?offset=${pos}&total=${size}`, { 'content-type': 'application/octet-stream', 'content-length': len }, part);
      answer.catch(() => {});
      try {
        for (let sent = 0; sent < len; ) {
          let c = await next();
          if (!c) throw new MldeskError('INTERNAL', `${what}: the local object ended early`);
          if (sent + c.length > len) {
            pending = c.subarray(len - sent);
            c = c.subarray(0, len - sent);
          }
          sent += c.length;
          if (!part.write(c)) await once(part, 'drain');
        }
        part.end();
      } catch (e) {
        part.destroy(e as Error);
        throw e;
      }
      const res = await answer;
      if (res.statusCode === 409) {
        res.resume();
        this.uploads.delete(sha);
        throw new MldeskError('CONFLICT', `${what}: the server's partial upload changed meanwhile; run push again to resume`);
      }
      if (res.statusCode !== 200 && res.statusCode !== 201 && res.statusCode !== 202) await this.fail(res, what);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      pos += len;
      this.uploads.set(sha, pos);
      if ((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { complete?: boolean }).complete) {
        while (await next()); // someone else completed it: read (and verify) the rest, send nothing
        break;
      }
    }
    this.uploads.delete(sha);
  }

  async get(sha: string, offset: number): Promise<Readable> {
    const res = await this.request('GET', `${OBJECTS_API}/${sha}`, offset > 0 ? { range: `bytes=${offset}-` } : {});
    if (res.statusCode === 206 || (res.statusCode === 200 && offset === 0)) return res;
    if (res.statusCode === 200) {
      // The server sent everything: skip what we already have.
      let skip = offset;
      async function* rest(): AsyncGenerator<Buffer> {
        for await (const c of res) {
          const b = c as Buffer;
          if (skip >= b.length) skip -= b.length;
          else {
            yield skip ? b.subarray(skip) : b;
            skip = 0;
          }
        }
      }
      return Readable.from(rest(), { objectMode: false });
    }
    return this.fail(res, `Downloading ${sha.slice(0, 12)}… from ${this.base}`);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
