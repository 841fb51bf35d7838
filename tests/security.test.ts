/**
 * Issue 10's findings, each as a request that used to succeed (or 500) and must now be refused:
 * cross-site requests, team-server roles, open redirect, malformed cookies, the data dir in app.info.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { request, serveInProcess, tmpDir } from './helpers';
import type { Served } from '../electron/host/serve';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type S = Served & { dataDir: string };

const req = (base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => request(base + p, method, body, headers);

describe('cross-site requests', () => {
  let s: S;
  beforeAll(async () => {
    s = await serveInProcess();
  });
  afterAll(async () => s.close());

  it('a foreign Origin is refused on every route family (rpc, MLflow, artifacts, events, UI host)', async () => {
    const evil = { origin: 'https://evil.example' };
    const before = (await req(s.url, 'POST', '/api/2.0/mlflow/experiments/search', { max_results: 100 })).body.experiments.length;
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/rpc/tracking.createExperiment', { name: 'csrf' }],
      ['POST', '/api/2.0/mlflow/experiments/create', { name: 'csrf' }],
      ['POST', '/api/2.0/mlflow/experiments/delete', { experiment_id: '0' }],
      ['PUT', '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt', 'pwn'],
      ['GET', '/events?topics=app.notice', undefined],
      ['GET', '/api/2.0/mlflow/experiments/get?experiment_id=0', undefined],
    ];
    for (const [method, p, body] of cases) {
      const r = await req(s.url, method, p, body, evil);
      expect(r.status, `${method} ${p}`).toBe(403);
      expect(r.body.code ?? r.body.error_code, p).toBeTruthy();
      // No Referer fallback bypass either, and the literal "null" origin of sandboxed frames is foreign too.
      expect((await req(s.url, method, p, body, { referer: 'https://evil.example/page' })).status, `${p} referer`).toBe(403);
      expect((await req(s.url, method, p, body, { origin: 'null' })).status, `${p} null`).toBe(403);
    }
    const after = (await req(s.url, 'POST', '/api/2.0/mlflow/experiments/search', { max_results: 100 })).body.experiments.length;
    expect(after).toBe(before);
    expect((await req(s.url, 'GET', '/api/2.0/mlflow/experiments/get?experiment_id=0')).body.experiment.lifecycle_stage).toBe('active');
  });

  it('simple (no-preflight) MLflow posts are refused with 415: text/plain, form-urlencoded, no content type', async () => {
    for (const ctype of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const res = await fetch(`${s.url}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: ctype ? { 'content-type': ctype } : {},
        body: JSON.stringify({ name: `simple-${ctype}` }),
      });
      expect(res.status, String(ctype)).toBe(415);
      expect(((await res.json()) as J).error_code).toBe('BAD_REQUEST');
    }
    const listed = (await req(s.url, 'POST', '/api/2.0/mlflow/experiments/search', { filter: "name LIKE 'simple-%'" })).body;
    expect(listed.experiments ?? []).toEqual([]);
  });

  it('the server’s own origin and clients that send no Origin (MLflow clients, curl) still work', async () => {
    const own = await req(s.url, 'POST', '/rpc/tracking.createExperiment', { name: 'same-origin' }, { origin: s.url });
    expect(own.status).toBe(200);
    const mlflowClient = await req(s.url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'no-origin' });
    expect(mlflowClient.status).toBe(200);
    // Following a link to the UI from another site is a top-level navigation, not an attack surface.
    // (fetch sets its own sec-fetch-mode, so this one goes through node:http as a browser would send it.)
    const status = await new Promise<number>((resolve, reject) =>
      http.get(`${s.url}/healthz`, { headers: { referer: 'https://wiki.example/', 'sec-fetch-mode': 'navigate' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(status).toBe(200);
  });
});

describe('team server roles', () => {
  let s: S;
  const tokens: Record<string, string> = {};
  let runId: string;
  let projectDir: string;
  const ADMIN = 'the-admin-token-0123456789';
  beforeAll(async () => {
    s = await serveInProcess({ token: ADMIN });
    for (const role of ['viewer', 'member', 'admin'] as const) tokens[role] = s.engine.users.add(`${role}-user`, role).token;
    runId = s.engine.tracking.runs.create({ experimentId: '0', runName: 'r' }).info.run_id;
    projectDir = path.join(tmpDir(), 'proj');
    const p = await s.engine.call('projects.create', { path: projectDir });
    expect(p.ok).toBe(true);
    fs.writeFileSync(path.join(projectDir, 'data.csv'), 'a,b\n1,2\n');
  });
  afterAll(async () => s.close());

  const as = (who: string, method: string, p: string, body?: unknown) => req(s.url, method, p, body, { authorization: `Bearer ${tokens[who] ?? who}` });
  const rpc = (who: string, name: string, input: unknown) => as(who, 'POST', `/rpc/${name}`, input);
  const launch = { command: [process.execPath, '-e', 'console.log(1)'], experimentName: 'launched' };

  it('without a token, or with a revoked one: 401', async () => {
    expect((await req(s.url, 'POST', '/rpc/projects.list', {})).status).toBe(401);
    const gone = s.engine.users.add('leaver', 'admin').token;
    expect((await rpc(gone, 'projects.list', {})).status).toBe(200);
    s.engine.users.revoke('leaver');
    expect((await rpc(gone, 'projects.list', {})).status).toBe(401);
  });

  it('a viewer reads, but cannot launch, open projects, read data files or delete runs', async () => {
    expect((await rpc('viewer', 'tracking.getRun', { runId })).status).toBe(200);
    expect((await as('viewer', 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`)).status).toBe(200);
    for (const [name, input] of [
      ['launcher.start', launch],
      ['projects.open', { path: projectDir }],
      ['projects.create', { path: path.join(tmpDir(), 'x') }],
      ['data.profile', { ref: { file: path.join(projectDir, 'data.csv') } }],
      ['tracking.deleteRun', { runId }],
      ['users.add', { name: 'eve', role: 'admin' }],
    ] as const) {
      const r = await rpc('viewer', name, input);
      expect(r.status, name).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
    }
    const del = await as('viewer', 'POST', '/api/2.0/mlflow/runs/delete', { run_id: runId });
    expect(del.status).toBe(403);
    expect(del.body.error_code).toBe('PERMISSION_DENIED');
    expect((await as('viewer', 'PUT', '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt', 'x')).status).toBe(403);
    expect(s.engine.tracking.runs.get(runId).info.lifecycle_stage).toBe('active');
  });

  it('a member logs runs, tags and registers models, but cannot launch or manage users', async () => {
    const created = await as('member', 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0' });
    expect(created.status).toBe(200);
    expect((await as('member', 'POST', '/api/2.0/mlflow/registered-models/create', { name: 'm' })).status).toBe(200);
    expect((await rpc('member', 'tracking.setTag', { runId, key: 'k', value: 'v' })).status).toBe(200);
    expect((await rpc('member', 'launcher.start', launch)).status).toBe(403);
    expect((await rpc('member', 'users.list', {})).status).toBe(403);
  });

  it('an admin launches processes and opens projects; the single --token is an admin', async () => {
    const r = await rpc('admin', 'launcher.start', launch);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await s.engine.launcher.wait(r.body.runId);
    expect((await rpc(ADMIN, 'users.whoami', {})).body).toEqual({ name: 'admin', role: 'admin' });
    expect((await rpc('admin', 'users.list', {})).body.map((u: J) => u.name)).toContain('viewer-user');
  });

  it('every refusal is audited with the user; changes record the user too', () => {
    const db = new Database(path.join(s.dataDir, 'mldesk.sqlite'), { readonly: true });
    try {
      const denied = db.prepare("SELECT actor, subject FROM audit_log WHERE action = 'denied'").all() as Array<{ actor: string; subject: string }>;
      expect(denied).toContainEqual({ actor: 'viewer-user', subject: 'launcher.start' });
      expect(denied).toContainEqual({ actor: 'member-user', subject: 'launcher.start' });
      expect(denied.some((d) => d.actor === 'viewer-user' && d.subject.includes('runs/delete'))).toBe(true);
      const changes = db.prepare("SELECT actor FROM audit_log WHERE action LIKE 'mlflow.%'").pluck().all();
      expect(changes).toContain('member-user');
    } finally {
      db.close();
    }
  });

  it('app.info shows the data dir to the owner only', async () => {
    expect((await rpc('admin', 'app.info', {})).body.dataDir).toBe('');
    const owner = await s.engine.call('app.info', {});
    expect(owner.ok && (owner.value as J).dataDir).toBe(s.dataDir);
  });

  it('users are stored as hashes: the token text is nowhere in the database', () => {
    const raw = fs.readFileSync(path.join(s.dataDir, 'mldesk.sqlite'));
    for (const t of Object.values(tokens)) expect(raw.includes(Buffer.from(t))).toBe(false);
  });

  it('no open redirect from the ?token= login, and a malformed cookie is a 400', async () => {
    const r = await req(s.url, 'GET', `/.//evil.example/?token=${tokens.viewer}`);
    expect(r.status).toBe(302);
    const loc = r.headers.get('location')!;
    expect(loc.startsWith('/')).toBe(true);
    expect(loc.startsWith('//')).toBe(false);
    expect(new URL(loc, s.url).origin).toBe(new URL(s.url).origin);
    const bad = await req(s.url, 'GET', '/rpc/app.info', undefined, { cookie: 'mldesk_token=%E0%A4%A' });
    expect(bad.status).toBe(400);
  });
});

describe('binding', () => {
  it('a server off loopback starts with users and no --token (refused with neither)', async () => {
    const { startServer } = await import('../electron/host/serve');
    const dataDir = path.join(tmpDir(), 'data');
    await expect(startServer({ dataDir, host: '0.0.0.0', port: 0, uiDir: null })).rejects.toThrow(/without a token/);
    // Users live in the data dir: with one, the same bind is allowed (not started here: tests stay on loopback).
    const { assertBindAllowed } = await import('../electron/host/http');
    expect(() => assertBindAllowed('0.0.0.0', undefined, true)).not.toThrow();
  });
});
