import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { post, serveInProcess, tmpDir } from './helpers';
import type { Served } from '../electron/host/serve';
import { methodNames } from '../shared/contract';

let s: Served & { dataDir: string };
beforeAll(async () => {
  s = await serveInProcess();
});
afterAll(async () => {
  await s.close();
});

describe('contract over HTTP', () => {
  it('every contract method is routable (no 404 for a known name)', async () => {
    // createDemo would start six background trainings; it has its own tests.
    for (const name of methodNames().filter((n) => n !== 'projects.createDemo')) {
      const r = await post(s.url, `/rpc/${name}`, {});
      expect(r.status, name).not.toBe(404);
    }
  });

  it('answers a valid call', async () => {
    const r = await post(s.url, '/rpc/app.ping', { value: 'hi' });
    expect(r.status).toBe(200);
    expect(r.body.value).toBe('hi');
    const info = await post(s.url, '/rpc/app.info', {});
    expect(info.body).toMatchObject({ name: 'mldesk', host: 'web', dataDir: s.dataDir, trackingUri: s.url });
  });

  it('invalid input → 400 INVALID_INPUT naming the bad field', async () => {
    const r = await post(s.url, '/rpc/projects.open', { path: 42 });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_INPUT');
    expect(r.body.message).toMatch(/^Invalid input for projects\.open: path — /);
    const extra = await post(s.url, '/rpc/app.ping', { value: 'x', bogus: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toMatch(/bogus/);
  });

  it('unknown method → 404 NOT_FOUND; malformed JSON → 400; wrong verb → 405; non-JSON content type → 415', async () => {
    const r = await post(s.url, '/rpc/projects.nope', {});
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'NOT_FOUND' });
    expect((await post(s.url, '/rpc/__proto__.toString', {})).status).toBe(404);
    const bad = await post(s.url, '/rpc/app.ping', '{"value":');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/Malformed JSON/);
    expect((await fetch(`${s.url}/rpc/app.info`)).status).toBe(405);
    const form = await fetch(`${s.url}/rpc/app.ping`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"value":"x"}' });
    expect(form.status).toBe(415);
  });

  it('oversized bodies are refused with 413 and the server keeps serving', async () => {
    const big = JSON.stringify({ value: 'x'.repeat(17 * 1024 * 1024) });
    const r = await post(s.url, '/rpc/app.ping', big);
    expect(r.status).toBe(413);
    expect((await post(s.url, '/rpc/app.ping', { value: 'still here' })).body.value).toBe('still here');
  });

  it('not-found errors from the engine map to 404', async () => {
    const r = await post(s.url, '/rpc/projects.get', { id: '00000000-0000-0000-0000-000000000000' });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('NOT_FOUND');
  });

  it('pushes topics over SSE', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = http.get(`${s.url}/events?topics=projects.changed`, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        res.on('data', (b: Buffer) => {
          buf += b.toString();
          if (buf.includes('event: projects.changed')) {
            req.destroy();
            resolve(buf);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('aborted') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 100));
    const dir = path.join(tmpDir(), 'sse-project');
    const created = await post(s.url, '/rpc/projects.create', { path: dir });
    expect(created.status).toBe(200);
    const text = await received;
    expect(text).toContain(`"id":"${created.body.id}"`);
    const unknown = await fetch(`${s.url}/events?topics=nope`);
    expect(unknown.status).toBe(400);
  });

  it('refuses requests whose Host header is not loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(s.url);
      http
        .get({ host: u.hostname, port: u.port, path: '/healthz', headers: { host: 'evil.example:80' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(403);
  });
});

describe('token auth', () => {
  it('requires Bearer on every request when a token is set; the printed URL sets a cookie for the browser', async () => {
    const t = await serveInProcess({ token: 's3cret' });
    try {
      expect((await post(t.url, '/rpc/app.ping', { value: 'x' })).status).toBe(401);
      expect((await post(t.url, '/rpc/app.ping', { value: 'x' }, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await post(t.url, '/rpc/app.ping', { value: 'x' }, { authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(401);
      const login = await fetch(`${t.url}/?token=s3cret`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/);
      const viaCookie = await post(t.url, '/rpc/app.ping', { value: 'y' }, { cookie: cookie.split(';')[0]! });
      expect(viaCookie.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('refuses a non-loopback host without a token (and creates no data dir)', async () => {
    const { startServer } = await import('../electron/host/serve');
    const dataDir = path.join(tmpDir(), 'never');
    await expect(startServer({ dataDir, host: '0.0.0.0', port: 0, uiDir: null })).rejects.toThrow(/Refusing to listen on 0\.0\.0\.0 without a token/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
