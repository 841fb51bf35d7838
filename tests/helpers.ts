import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startServer, type Served } from '../electron/host/serve';
import { toMlflowError } from '../electron/core/tracking/errors';
import type { Engine } from '../electron/core/engine';
import { MldeskError } from '../shared/contract/errors';
import type { MlflowRoute } from '../electron/host/mlflow/router';
import { parseMessage, queryToDict } from '../electron/host/mlflow/protoJson';

const dirs: string[] = [];
/** A temp dir removed after the file's tests. */
export function tmpDir(prefix = 'mldesk-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** In-process engine + HTTP host on a free loopback port, no UI. */
export async function serveInProcess(opts: { token?: string; host?: string } = {}): Promise<Served & { dataDir: string }> {
  const dataDir = path.join(tmpDir(), 'data');
  const served = await startServer({ dataDir, port: 0, uiDir: null, ...opts });
  return Object.assign(served, { dataDir });
}

export async function post(base: string, pathname: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, unknown> & Record<string, never> };
}

export const repoRoot = path.resolve(__dirname, '..');

/** Runs the built CLI (bin/mldesk.js); resolves with exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(repoRoot, 'bin', 'mldesk.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { // 'close' comes after stdout/stderr are drained; 'exit' may come first
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** The MLflow error body a call throws (fails the test when it does not throw). */
export function mlflowErr(fn: () => unknown): { error_code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return toMlflowError(e).body;
  }
  throw new Error('expected the call to throw');
}

/** A route's body parsed as the HTTP adapter parses it: GET bodies travel as query strings. */
export function parseRoute(r: MlflowRoute, body: Record<string, unknown>): unknown {
  if (r.method !== 'GET') return parseMessage(r.message, body);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
  return parseMessage(r.message, queryToDict(r.message, q));
}

/** One HTTP request with an optional JSON body (a string is sent as is); the body comes back parsed when it is JSON. */
export async function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

/** A contract call through the engine that throws the engine's error (as an MldeskError) instead of returning it. */
export async function callOk<T>(engine: Engine, name: string, input: unknown): Promise<T> {
  const r = await engine.call(name, input);
  if (!r.ok) throw MldeskError.from(r.error);
  return r.value as T;
}

/**
 * A suite that needs dockerd: without it the suite is skipped locally (with a note) and fails in CI (which must
 * provide dockerd). `docker` is the client the suite's own checks and cleanup use.
 */
export async function dockerSuite(name: string): Promise<{ docker: Docker; suite: (title: string, body: () => void) => void }> {
  const docker = new Docker();
  const up = await docker.ping().then(
    () => true,
    () => false,
  );
  const why = 'dockerd is not reachable (DOCKER_HOST or /var/run/docker.sock)';
  if (!up && !process.env.CI) console.log(`${name}.test: skipped — ${why}`);
  const run = up || process.env.CI ? describe : describe.skip;
  const suite = (title: string, body: () => void) =>
    run(title, () => {
      if (!up) {
        it('needs dockerd', () => {
          expect.fail(`${why}: the ${name} suite cannot run (CI must provide dockerd)`);
        });
        return;
      }
      body();
    });
  return { docker, suite };
}
