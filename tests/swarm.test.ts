// The Docker Swarm backend (issue 14, point 3) against a real second dockerd in swarm mode, started by this test
// (its own data-root, `swarm init` on 127.0.0.1; services on the host network, bound to 127.0.0.1): v1 with 2
// replicas serves through the proxy service's stable port; an update to a version that fails its health check rolls
// back by itself while a client loop (a request every ~20 ms) sees no failed request; a canary that answers errors
// is rolled back with its numbers, a good one completes; logs, scale, remove. The runtime and model images are built
// on the local engine / the test engine (a model layer FROM the runtime image) — nothing is pulled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar-stream';
import os from 'node:os';
import Dockerode from 'dockerode';
import { copyImage, freeTcpPort, startTestDockerd, type TestDockerd } from './dockerd';
import { clientLoop } from './clientLoop';
import { reporter } from './reporter';
import { logregProbs, makeTestModels } from './testModels';
import { Containers, type ContainersDeps } from '../electron/core/containers';
import type { EngineContext } from '../electron/core/context';
import type { ClusterSpec } from '../electron/core/deploy/cluster';
import { SwarmBackend } from '../electron/core/deploy/swarm';
import { delta, verdict, windowOfText } from '../electron/core/deploy/swarm/canary';
import { HEALTH_JS, monitorSec, servingSpec } from '../electron/core/deploy/swarm/spec';

// Not tests/helpers.ts: it loads the whole engine, and this suite needs only the containers build and the backend.
const repoRoot = path.resolve(__dirname, '..');
const local = new Dockerode();
const haveDocker = await local.ping().then(
  () => true,
  () => false,
);
if (!haveDocker && !process.env.CI) console.log('swarm.test: skipped — dockerd is not reachable (/var/run/docker.sock)');
const suite = (title: string, body: () => void) =>
  (haveDocker || process.env.CI ? describe : describe.skip)(title, () => {
    if (!haveDocker) it('needs dockerd', () => expect.fail('dockerd is not reachable: the swarm suite cannot run (CI must provide dockerd)'));
    else body();
  });
const tmpDirs: string[] = [];
function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

// ── pure pieces ──────────────────────────────────────────────────────────────────────────────────────────────────

describe('swarm: canary verdict and service specs', () => {
  const metrics = (ok: number, bad: number, fast: number, slow: number) =>
    [
      `mldesk_requests_total{route="/v2/models/{name}/infer",code="200"} ${ok}`,
      `mldesk_requests_total{route="/v2/models/{name}/infer",code="400"} ${bad}`,
      `mldesk_requests_total{route="/v2/health/ready",code="200"} 1000`,
      `mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="0.001"} ${fast}`,
      `mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="0.1"} ${fast + slow}`,
      `mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="+Inf"} ${fast + slow}`,
    ].join('\n');
  const c = { windowSec: 5, maxErrorRateDelta: 0.05, maxLatencyRatio: 2 };
  const names = { canary: 'canary v2', others: 'v1' };

  it('compares window deltas: an error-rate jump fails with the numbers, a slow p50 fails, equal figures pass', () => {
    const before = windowOfText(metrics(100, 0, 100, 0));
    const after = windowOfText(metrics(150, 0, 150, 0));
    const d = delta(after, before);
    expect(d.requests).toBe(50);
    expect(d.errors).toBe(0);
    const bad = verdict(windowOfText(metrics(10, 10, 20, 0)), d, c, names);
    expect(bad.ok).toBe(false);
    expect(bad.canary.errorRate).toBeCloseTo(0.5);
    expect(bad.summary).toMatch(/canary v2: 20 requests, error rate 50\.0%.*v1: 50 requests, error rate 0\.0%.*50\.0 points above/);
    const slow = verdict(windowOfText(metrics(20, 0, 0, 20)), d, c, names);
    expect(slow.ok).toBe(false);
    expect(slow.summary).toMatch(/p50 latency is [\d.]+× the others'/);
    const good = verdict(windowOfText(metrics(20, 0, 20, 0)), d, c, names);
    expect(good.ok).toBe(true);
    expect(good.summary).toMatch(/within limits/);
    expect(verdict(windowOfText(metrics(2, 2, 4, 0)), d, c, names)).toMatchObject({ ok: true, summary: expect.stringMatching(/too little traffic/) });
    // A replica that restarted (counters lower than before) counts from zero.
    expect(delta(before, after).requests).toBe(100);
  });

  it('the service spec: host network, slot port templates, CMD (not shell) health check, rollback on failure, monitor long enough', () => {
    const spec = clusterSpec({ deployment: 'd', version: '3', image: 'img', proxyImage: 'rt', port: 9000, replicas: 2, cpus: 0.5, memoryMb: 256 });
    const s = servingSpec(spec, 9000, 8);
    const t = s.TaskTemplate as Dockerode.ContainerTaskSpec;
    expect(t.Networks).toEqual([{ Target: 'host' }]);
    expect(t.ContainerSpec!.Env).toEqual(expect.arrayContaining(['MLDESK_PORT_BASE=9000', 'MLDESK_SLOT={{.Task.Slot}}', 'MLDESK_MODEL_NAME=m', 'HOST=127.0.0.1']));
    expect(t.ContainerSpec!.HealthCheck!.Test!.slice(0, 3)).toEqual(['CMD', '/usr/local/bin/node', '-e']);
    expect(t.Resources!.Limits).toEqual({ NanoCPUs: 5e8, MemoryBytes: 256 * 1024 * 1024 });
    const h = spec.health;
    expect(s.UpdateConfig).toMatchObject({ Parallelism: 1, FailureAction: 'rollback', Order: 'stop-first' });
    expect(s.UpdateConfig!.Monitor!).toBeGreaterThan((h.startPeriodSec + h.intervalSec * h.retries) * 1e9);
    expect(monitorSec(h)).toBeGreaterThan(h.startPeriodSec + h.intervalSec * h.retries);
    expect(s.RollbackConfig).toMatchObject({ Parallelism: 1, FailureAction: 'pause', Order: 'stop-first' });
    expect(s.Labels).toMatchObject({ 'mldesk.deployment': 'd', 'mldesk.store': 'store-1', 'mldesk.model': 'm', 'mldesk.model_version': '3', 'mldesk.role': 'server', 'mldesk.port_base': '9000' });
    // The health script parses as JavaScript.
    expect(() => new Function(HEALTH_JS)).not.toThrow();
  });
});

function clusterSpec(o: Partial<ClusterSpec> & Pick<ClusterSpec, 'deployment' | 'version' | 'image' | 'proxyImage' | 'port'>): ClusterSpec {
  return {
    store: 'store-1',
    model: 'm',
    runId: null,
    replicas: 2,
    cpus: null,
    memoryMb: null,
    env: {},
    builtin: true,
    readyPath: '/v2/health/ready',
    readyTimeoutSec: 60,
    health: { intervalSec: 1, timeoutSec: 1, retries: 2, startPeriodSec: 3 },
    canary: null,
    ...o,
  };
}

// ── against a swarm engine ───────────────────────────────────────────────────────────────────────────────────────

suite('swarm: services on a test engine in swarm mode', () => {
  const root = tmpDir('mldesk-swarm-');
  const models = path.join(root, 'models');
  const MODEL = 'swarmtest';
  const DEP = 'sw1';
  const STORE = `store-${Math.random().toString(36).slice(2, 8)}`;
  let engine: TestDockerd | null = null;
  let sd: Dockerode;
  let runtimeRef = '';
  let backend: SwarmBackend;
  let port = 0;
  const X = [[1, 2, 3, 4]];
  const expected: Record<string, number> = {};
  const images: Record<string, string> = {};
  const figures: Record<string, number> = {};
  const messages: string[] = [];

  const spec = (version: string, image: string, more: Partial<ClusterSpec> = {}) =>
    clusterSpec({ deployment: DEP, store: STORE, model: MODEL, version, image, proxyImage: runtimeRef, port, replicas: 2, ...more });
  const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X.flat() }] });

  /** One client posting through the proxy every ~20 ms until stopped (a request stuck 15 s counts as a timeout). */
  const clients = () => clientLoop({ port, path: `/v2/models/${MODEL}/infer`, body, pauseMs: 20, timeoutMs: 15_000, answers: true });
  const CANARY = { windowSec: 5, maxErrorRateDelta: 0.05, maxLatencyRatio: 3 };

  /** Applies `version` (its image), noting the outcome's message and the seconds it took as `figures[figure]`. */
  async function timedApply(version: string, figure: string, more: Partial<ClusterSpec> = {}) {
    const r = reporter();
    const t = Date.now();
    const out = await backend.apply(spec(version, images[version]!, more), r);
    messages.push(out.message);
    figures[figure] = (Date.now() - t) / 1000;
    return { out, r };
  }

  async function infer(): Promise<{ status: number; value: number | null }> {
    const a = await backend.invoke(DEP, port, `/v2/models/${MODEL}/infer`, body);
    return { status: a.status, value: a.status === 200 ? (JSON.parse(a.body.toString()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data[0]! : null };
  }

  /** A model image on the swarm engine: the runtime image plus one .onnx (and optionally another CMD). */
  async function modelImage(tag: string, onnx: string, cmd?: string[]): Promise<string> {
    const pack = tar.pack();
    const dockerfile = [`FROM ${runtimeRef}`, 'COPY model.onnx /model/model.onnx', 'ENV MLDESK_MODEL_PATH=/model/model.onnx', ...(cmd ? [`CMD ${JSON.stringify(cmd)}`] : [])].join('\n');
    pack.entry({ name: 'Dockerfile' }, dockerfile);
    pack.entry({ name: 'model.onnx' }, fs.readFileSync(onnx));
    pack.finalize();
    const ref = `mldesk-test/swarm-model:${tag}`;
    const stream = await sd.buildImage(pack as unknown as NodeJS.ReadableStream, { t: ref });
    await new Promise<void>((resolve, reject) =>
      sd.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const bad = out?.find((o) => o.error);
        if (err || bad) reject(err ?? new Error(bad!.error));
        else resolve();
      }),
    );
    return ref;
  }

  beforeAll(async () => {
    // The runtime programs (server.js with slot ports, proxy.js with the pool mode) baked into the runtime image.
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'runtime'], { cwd: repoRoot, stdio: 'inherit' });
    // Only the runtime build is used: no model registry or tracking behind it.
    const containers = new Containers({ version: pkg.version } as EngineContext, {} as ContainersDeps);
    runtimeRef = await containers.runtimeImage();
    makeTestModels(models);
    expected['1'] = (await logregProbs(path.join(models, 'logreg.onnx'), X))[0]!;
    expected['4'] = (await logregProbs(path.join(models, 'logreg_v2.onnx'), X))[0]!;
    engine = await startTestDockerd({ swarm: true });
    sd = engine.docker;
    let t = Date.now();
    await copyImage(local, sd, runtimeRef);
    figures.copyRuntimeSec = (Date.now() - t) / 1000;
    t = Date.now();
    images['1'] = await modelImage('v1', path.join(models, 'logreg.onnx'));
    // v2 listens on another port than its slot's (a wrong CMD): the process runs, its health check never passes.
    images['2'] = await modelImage('v2-unhealthy', path.join(models, 'logreg.onnx'), ['/usr/local/bin/node', '/app/server.js', '--port', '0']);
    // v3 loads and is ready, but its inputs are a, b, flag: every request with x gets a 400 (a canary that answers errors).
    images['3'] = await modelImage('v3-errors', path.join(models, 'mixed.onnx'));
    images['4'] = await modelImage('v4', path.join(models, 'logreg_v2.onnx'));
    figures.buildImagesSec = (Date.now() - t) / 1000;
    port = await freeTcpPort();
    backend = new SwarmBackend(sd, { storeId: STORE, endpointHost: '127.0.0.1' });
  }, 600_000);

  afterAll(async () => {
    console.log('swarm figures:', JSON.stringify(figures), '\noutcomes:\n' + messages.join('\n'));
    if (!engine) return;
    try {
      await backend?.remove(DEP).catch(() => undefined);
    } finally {
      await engine.stop();
    }
    // Nothing of the test engine is left: no daemon socket, no data dir.
    expect(fs.existsSync(engine.dir)).toBe(false);
  }, 180_000);

  it('v1 with 2 replicas: both healthy, serving through the proxy service on the stable port', async () => {
    const { out, r } = await timedApply('1', 'createSec');
    expect(out.ok, out.message).toBe(true);
    expect(out.state).toMatchObject({ exists: true, version: '1', desired: 2, running: 2 });
    expect(r.lines.some((l) => /2\/2 running \(v1 ×2\)/.test(l))).toBe(true);
    const a = await infer();
    expect(a.status).toBe(200);
    expect(Math.abs(a.value! - expected['1']!)).toBeLessThan(1e-6);
    expect(backend.endpoint(DEP, port)).toBe(`http://127.0.0.1:${port}`);
    const reps = await backend.replicas(DEP);
    expect(reps).toHaveLength(2);
    for (const rep of reps) {
      expect(rep.version).toBe('1');
      expect((await rep.get('/v2/health/ready', 2000)).status).toBe(200);
    }
    // The services: replicas, limits and update policy as the engine holds them.
    const svc = (await sd.getService(`mldesk-${DEP}`).inspect()) as Dockerode.Service;
    expect(svc.Spec!.Mode!.Replicated!.Replicas).toBe(2);
    expect(svc.Spec!.UpdateConfig).toMatchObject({ FailureAction: 'rollback', Parallelism: 1, Order: 'stop-first' });
    // The engine answers with Go's field name (Healthcheck); it took ours (HealthCheck) case-insensitively.
    const cs = (svc.Spec!.TaskTemplate as Dockerode.ContainerTaskSpec).ContainerSpec as Dockerode.ContainerSpec & { Healthcheck?: Dockerode.HealthConfig };
    expect((cs.Healthcheck ?? cs.HealthCheck)!.Test!.slice(0, 2)).toEqual(['CMD', '/usr/local/bin/node']);
    expect((svc.Spec!.TaskTemplate as Dockerode.ContainerTaskSpec).Networks).toHaveLength(1);
    const services = (await sd.listServices()).map((s) => s.Spec!.Name).sort();
    expect(services).toEqual([`mldesk-${DEP}`, `mldesk-${DEP}-proxy`]);
    const described = await backend.describe(spec('1', images['1']!));
    expect(described.map((d) => d.Name)).toEqual([`mldesk-${DEP}`, `mldesk-${DEP}-proxy`]);
    const lines = await backend.logs(DEP, 50);
    expect(lines.join('\n')).toMatch(/mldesk-runtime: serving 'swarmtest'/);
  }, 240_000);

  it('an update to a version failing its health check rolls back by itself; a client loop sees no failed request', async () => {
    const loop = clients();
    await new Promise((r) => setTimeout(r, 500));
    const { out, r } = await timedApply('2', 'failedUpdateAndRollbackSec');
    await new Promise((res) => setTimeout(res, 1000));
    await loop.stop();
    figures.loopRequestsDuringRollback = loop.total();
    expect(out.ok).toBe(false);
    expect(out.rolledBack, out.message).toBe(true);
    expect(out.message).toMatch(/v2 failed and swarm rolled back to v1/);
    // The reason: swarm's words and the failing task's health check output.
    expect(out.message).toMatch(/slot \d v2 failed its health check \(GET \/v2\/health\/ready on port \d+ → ECONNREFUSED\)/);
    expect(out.logTail.join('\n')).toMatch(/serving 'swarmtest' on http:\/\/127\.0\.0\.1:\d+/);
    expect(out.state.version).toBe('1');
    expect(out.state.rollout.state).toBe('rolled_back');
    // Per-task progress was reported (the slot swarm picked, starting v2).
    expect(r.lines.some((l) => /slot \d: v2 starting/.test(l))).toBe(true);
    expect(loop.counts, loop.report()).toEqual({ '200': expect.any(Number) });
    expect(loop.total()).toBeGreaterThan(50);
    expect(loop.answers.every((v) => Math.abs(v - expected['1']!) < 1e-6)).toBe(true);
    const after = await infer();
    expect(after.status).toBe(200);
    const st = await backend.observe(DEP);
    expect(st).toMatchObject({ version: '1', running: 2 });
  }, 300_000);

  it('canary: a version answering errors is rolled back after its window, with the numbers', async () => {
    const loop = clients();
    const { out, r } = await timedApply('3', 'canaryRollbackSec', { canary: CANARY });
    await loop.stop();
    expect(out.rolledBack, out.message).toBe(true);
    expect(out.ok).toBe(false);
    expect(out.message).toMatch(/^Canary v3 rolled back to v1/);
    expect(out.message).toMatch(/canary v3: \d+ requests, error rate 100\.0%/);
    expect(out.message).toMatch(/v1 \(1 replica\): \d+ requests, error rate 0\.0%/);
    expect(r.lines.some((l) => /canary verdict: roll back/.test(l))).toBe(true);
    // Only the canary's answers failed (400 from the bad model), never the connection.
    expect(Object.keys(loop.counts).sort(), loop.report()).toEqual(['200', '400']);
    expect((await backend.observe(DEP)).version).toBe('1');
    expect((await infer()).value).toBeCloseTo(expected['1']!, 6);
  }, 300_000);

  it('canary: a good version passes its window and the update completes', async () => {
    const loop = clients();
    const { out } = await timedApply('4', 'canaryCompleteSec', { canary: CANARY });
    await loop.stop();
    expect(out.ok, out.message).toBe(true);
    expect(out.message).toMatch(/v4 rolled out to 2 replicas/);
    expect(out.message).toMatch(/Canary: canary v4: \d+ requests, error rate 0\.0%.*within limits/);
    expect(loop.failures(), loop.report()).toBe(0);
    expect(out.state).toMatchObject({ version: '4', running: 2, updated: 2 });
    expect((await infer()).value).toBeCloseTo(expected['4']!, 6);
  }, 300_000);

  it('scale to 0 and back; remove leaves no service, task or container', async () => {
    await backend.scale(DEP, 0);
    expect((await backend.observe(DEP)).running).toBe(0);
    expect((await infer()).status).toBe(503);
    await backend.scale(DEP, 2);
    const deadline = Date.now() + 60_000;
    while ((await infer().catch(() => ({ status: 0 }))).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect((await infer()).status).toBe(200);
    const t = Date.now();
    await backend.remove(DEP);
    figures.removeSec = (Date.now() - t) / 1000;
    expect(await sd.listServices()).toEqual([]);
    expect(await sd.listContainers({ all: true })).toEqual([]);
    expect((await backend.observe(DEP)).exists).toBe(false);
    await expect(backend.scale(DEP, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 240_000);
});
