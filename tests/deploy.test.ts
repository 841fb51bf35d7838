// The local deployment target against the real dockerd (issue 12, points 5–9): deploy, infer through the stable port
// (OIP V2 and /invocations equal in-process onnxruntime), records pulled into the store, zero-downtime redeploy under
// a client loop, a broken version that never becomes ready (the old one keeps answering, the reason is reported),
// malformed payloads, a container removed outside the app, stop/start, undeploy, and the CLI.
// Without dockerd the suite fails in CI (process.env.CI) and is skipped with a printed reason elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { callOk, dockerSuite, request, runCli, tmpDir } from './helpers';
import { clientLoop } from './clientLoop';
import { freeTcpPort } from './dockerd';
import { ensureNodeBuild, startDeployServer, type DeployServer } from './deployFixture';
import { logregProbs, makeTestModels } from './testModels';
import type { Served } from '../electron/host/serve';
import type { Deployment, DeploymentStats, DeployPlan, InferenceRecordRow, JobInfo, ModelLineage, ModelVersion, RolloutReport } from '../shared/contract';
import { LABEL } from '../electron/core/deploy/local';
import { histogramQuantile, parsePrometheus, runtimeFigures } from '../electron/core/deploy/metrics';
import { parseMemory } from '../electron/host/deployCli';
import { createDemoProject, seedDemoRuns } from '../electron/core/projects/demo';

const { docker, suite } = await dockerSuite('deploy');

// ── pure pieces (no Docker) ──────────────────────────────────────────────────────────────────────────────────────

describe('deploy: metrics and CLI parsing', () => {
  it('reads the runtime’s Prometheus text: inference requests, latency quantiles from buckets, errors by code', () => {
    const text = [
      '# TYPE mldesk_requests_total counter',
      'mldesk_requests_total{route="/invocations",code="200"} 6',
      'mldesk_requests_total{route="/v2/models/{name}/infer",code="400"} 2',
      'mldesk_requests_total{route="/v2/health/ready",code="200"} 100',
      'mldesk_errors_total{code="400"} 2',
      'mldesk_request_duration_seconds_bucket{route="/invocations",le="0.001"} 2',
      'mldesk_request_duration_seconds_bucket{route="/invocations",le="0.005"} 6',
      'mldesk_request_duration_seconds_bucket{route="/invocations",le="+Inf"} 6',
      'mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="0.001"} 2',
      'mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="0.005"} 2',
      'mldesk_request_duration_seconds_bucket{route="/v2/models/{name}/infer",le="+Inf"} 2',
    ].join('\n');
    const f = runtimeFigures(parsePrometheus(text));
    expect(f.requests).toBe(8);
    expect(f.errors).toEqual({ '400': 2 });
    // 8 observations: 4 ≤ 1 ms, 4 in (1, 5] ms → the median is 1 ms, p99 near 5 ms.
    expect(f.p50Ms).toBeCloseTo(1, 6);
    expect(f.p99Ms!).toBeGreaterThan(4.8);
    expect(f.p99Ms!).toBeLessThanOrEqual(5);
    expect(histogramQuantile(0.5, [])).toBeNull();
  });

  it('memory sizes for --memory', () => {
    expect(parseMemory('512')).toBe(512);
    expect(parseMemory('512m')).toBe(512);
    expect(parseMemory('1g')).toBe(1024);
    expect(parseMemory('1.5GiB')).toBe(1536);
    expect(parseMemory('lots')).toBeNull();
  });
});

// ── against dockerd ──────────────────────────────────────────────────────────────────────────────────────────────

suite('deploy: the local Docker target', () => {
  const tag = Math.random().toString(36).slice(2, 7);
  const MODEL = `deploytest-${tag}`;
  const DEP = `dt-${tag}`;
  const root = tmpDir('mldesk-deploy-');
  const models = path.join(root, 'models');
  let s: Served;
  let dataDir: string;
  let port: number;
  let register: DeployServer['register'];
  const X = [
    [1, 2, 3, 4],
    [0, 0, 0, 0],
    [-1.5, 0.25, 3.75, -2],
  ];
  const expected: Record<string, number[]> = {};
  let storeId = '';

  const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  const oip = (rows: number[][]) => ({ inputs: [{ name: 'x', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });
  const near = (got: number[], want: number[]) => {
    expect(got).toHaveLength(want.length);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-6));
  };
  const predict = async (): Promise<number[]> => {
    const r = await request(url(`/v2/models/${MODEL}/infer`), 'POST', oip(X));
    expect(r.status, r.text).toBe(200);
    return r.body.outputs[0].data as number[];
  };
  async function waitJob(jobId: string): Promise<{ ok: boolean; error?: Error & { details?: unknown } }> {
    try {
      await s.engine.jobs.wait(jobId);
      return { ok: true };
    } catch (e) {
      return { ok: false, error: e as Error };
    }
  }

  /** `n` clients posting X[0] to the stable port until stopped, with the first output value of each 200 answer. */
  const clients = (n: number) => clientLoop({ port, path: `/v2/models/${MODEL}/infer`, body: JSON.stringify(oip([X[0]!])), clients: n, answers: true });

  beforeAll(async () => {
    ensureNodeBuild();
    // v2: the same graph with other weights; broken: bytes that are not ONNX.
    makeTestModels(models);
    expected['1'] = await logregProbs(path.join(models, 'logreg.onnx'), X);
    expected['2'] = await logregProbs(path.join(models, 'logreg_v2.onnx'), X);
    ({ s, dataDir, register } = await startDeployServer(root, MODEL));
    expect(await register(path.join(models, 'logreg.onnx'))).toBe('1');
    expect(await register(path.join(models, 'logreg_v2.onnx'))).toBe('2');
    expect(await register(path.join(models, 'broken.onnx'))).toBe('3');
    port = await freeTcpPort();
    storeId = s.engine.deploy.target.storeId;
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    // Every container of this data dir (the CLI's too: same data dir), and the model images built for MODEL (the base/runtime images stay cached).
    const ours = await docker.listContainers({ all: true, filters: { label: [`${LABEL.store}=${storeId}`] } });
    for (const c of ours) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    const imgs = await docker.listImages({ filters: { label: ['mldesk.kind=model'] } } as Docker.ListImagesOptions);
    for (const img of imgs) if (img.Labels?.['mldesk.model'] === MODEL || img.Labels?.['mldesk.model'] === `${MODEL}-demo`) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }, 120_000);

  it('plans a deploy: Dockerfile, container config (host network, 127.0.0.1), endpoint', async () => {
    const plan = await call<DeployPlan>('deploy.plan', { model: MODEL, version: '1', name: DEP, port, cpus: 1, memoryMb: 256, env: { SECRET: 'hunter2' } });
    expect(plan).toMatchObject({ name: DEP, model: MODEL, version: '1', runtime: 'onnx', port, url: `http://127.0.0.1:${port}`, redeploy: false });
    expect(plan.dockerfile).toMatch(/FROM /);
    const hc = plan.container.HostConfig as Record<string, unknown>;
    expect(hc).toMatchObject({ NetworkMode: 'host', NanoCpus: 1e9, Memory: 256 * 1024 * 1024 });
    expect(JSON.stringify(plan.container)).not.toContain('hunter2');
    expect(plan.container.Env).toContain('HOST=127.0.0.1');
  }, 60_000);

  it('deploys v1 (image built once), ready behind the stable port; OIP and /invocations equal in-process onnxruntime', async () => {
    const t0 = Date.now();
    const { jobId, name } = await call<{ jobId: string; name: string }>('deploy.apply', { model: MODEL, version: '1', name: DEP, port, cpus: 1, memoryMb: 512 });
    expect(name).toBe(DEP);
    const during = await call<Deployment>('deploy.get', { name: DEP });
    expect(during.status).toBe('starting');
    const j = await waitJob(jobId);
    expect(j.ok, j.error?.message).toBe(true);
    console.log(`deploy v1 (incl. image build if needed): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const d = await call<Deployment>('deploy.get', { name: DEP });
    expect(d).toMatchObject({ name: DEP, model: MODEL, version: '1', status: 'running', reason: null, port, url: `http://127.0.0.1:${port}` });
    expect(d.image.digest).toMatch(/^sha256:/);
    expect(d.startedAt).toBeGreaterThan(0);
    expect(d.lastRollout).toMatchObject({ ok: true, version: '1' });

    near(await predict(), expected['1']!);
    const inv = await request(url('/invocations'), 'POST', { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: X } });
    expect(inv.status, inv.text).toBe(200);
    near((inv.body.predictions as number[][]).flat(), expected['1']!);
    const recs = await request(url('/invocations'), 'POST', { dataframe_records: X.map((r) => ({ a: r[0], b: r[1], c: r[2], d: r[3] })) });
    near((recs.body.predictions as number[][]).flat(), expected['1']!);

    // A redeploy of the same version with the image in place: deploy → ready within the 3 s goal.
    const t1 = Date.now();
    const again = await call<{ jobId: string }>('deploy.apply', { model: MODEL, version: '1', name: DEP });
    expect((await waitJob(again.jobId)).ok).toBe(true);
    const warm = Date.now() - t1;
    console.log(`redeploy v1 with its image present: ${(warm / 1000).toFixed(2)} s`);
    expect(warm).toBeLessThan(10_000);
    near(await predict(), expected['1']!);
  }, 600_000);

  it('pulls the inference records into the store (deploy.records)', async () => {
    const r = await call<{ records: InferenceRecordRow[]; next: number }>('deploy.records', { name: DEP, limit: 1000 });
    const infer = r.records.filter((x) => x.route !== '/mldesk/records');
    expect(infer.length).toBeGreaterThanOrEqual(3);
    expect(infer.some((x) => x.route === '/invocations' && x.status === 200)).toBe(true);
    expect(infer.some((x) => x.route === '/v2/models/{name}/infer' && x.status === 200 && x.version === '1')).toBe(true);
    const rows = s.engine.ctx.store.db.prepare('SELECT COUNT(*) FROM inference_records WHERE deployment = ?').pluck().get(DEP) as number;
    expect(rows).toBe(r.records.length);
    // Nothing twice on the next read.
    const more = await call<{ records: InferenceRecordRow[] }>('deploy.records', { name: DEP, after: r.next });
    expect(more.records).toEqual([]);
  }, 30_000);

  it('"Try it": an example from the signature and a training row, sent through deploy.invoke', async () => {
    const ex = await call<{ oip: { inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }> }; invocations: Record<string, unknown>; source: string }>('deploy.example', {
      model: MODEL,
      version: '1',
    });
    expect(ex.source).toMatch(/row 1 of data\/train\.csv/);
    expect(ex.oip.inputs).toEqual([{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0.5, 1.5, -2, 3.25] }]);
    expect(ex.invocations).toEqual({ dataframe_records: [{ f0: 0.5, f1: 1.5, f2: -2, f3: 3.25 }] });
    const a = await call<{ status: number; latencyMs: number; body: { outputs: Array<{ data: number[] }> } }>('deploy.invoke', { name: DEP, protocol: 'oip', body: ex.oip });
    expect(a.status).toBe(200);
    expect(a.latencyMs).toBeGreaterThan(0);
    const b = await call<{ status: number; body: { predictions: number[][] } }>('deploy.invoke', { name: DEP, protocol: 'invocations', body: ex.invocations });
    expect(b.status).toBe(200);
    expect(Math.abs(b.body.predictions[0]![0]! - a.body.outputs[0]!.data[0]!)).toBeLessThan(1e-6);
    const bad = await call<{ status: number; body: { error: string } }>('deploy.invoke', { name: DEP, protocol: 'oip', body: { inputs: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/missing input 'x'/);
  }, 30_000);

  it('stats (CPU/memory from the container, rate and latency from /metrics) and logs', async () => {
    const first = await call<DeploymentStats>('deploy.stats', { name: DEP });
    expect(first.memoryBytes).toBeGreaterThan(0);
    expect(first.cpuPercent).not.toBeNull();
    expect(first.requests).toBeGreaterThanOrEqual(3);
    expect(first.p50Ms).not.toBeNull();
    expect(first.uptimeSec).not.toBeNull();
    for (let i = 0; i < 5; i++) await predict();
    const second = await call<DeploymentStats>('deploy.stats', { name: DEP });
    expect(second.requests).toBeGreaterThanOrEqual(first.requests! + 5);
    expect(second.requestsPerSec).toBeGreaterThan(0);
    expect(second.errors['400']).toBeGreaterThanOrEqual(1);
    const logs = await call<string[]>('deploy.logs', { name: DEP, lines: 50 });
    expect(logs.join('\n')).toMatch(/mldesk-runtime: serving/);
  }, 30_000);

  it('malformed payloads through the stable port → 4xx with a message, and it keeps serving (150 MB → 413)', async () => {
    const cases: Array<[string, unknown, number]> = [
      ['wrong shape', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, 400],
      ['wrong type', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: ['a', 'b', 'c', 'd'] }] }, 400],
      ['missing input', { inputs: [] }, 400],
      ['non-JSON', '{"inputs": [', 400],
    ];
    for (const [label, body, status] of cases) {
      const r = await request(url(`/v2/models/${MODEL}/infer`), 'POST', body);
      expect(r.status, label).toBe(status);
      expect(typeof r.body.error, label).toBe('string');
    }
    const unknown = await request(url('/v2/models/nope/infer'), 'POST', oip(X));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/unknown model/);
    const big = await new Promise<number>((resolve, reject) => {
      const total = 150 * 1024 * 1024;
      const req = http.request({ host: '127.0.0.1', port, path: '/invocations', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': total } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(big).toBe(413);
    near(await predict(), expected['1']!);
  }, 60_000);

  it('redeploys v2 while clients hit the stable port: zero failed requests, answers switch to v2, the old container goes', async () => {
    const before = await call<Deployment>('deploy.get', { name: DEP });
    const loop = clients(2);
    await new Promise((r) => setTimeout(r, 300));
    const { jobId } = await call<{ jobId: string }>('deploy.apply', { model: MODEL, version: '2', name: DEP });
    await new Promise((r) => setTimeout(r, 100));
    expect((await call<Deployment>('deploy.get', { name: DEP })).status).toBe('updating');
    const j = await waitJob(jobId);
    await new Promise((r) => setTimeout(r, 300));
    await loop.stop();
    expect(j.ok, j.error?.message).toBe(true);
    console.log(`redeploy v1 → v2 under 2 clients: ${loop.total()} requests, ${loop.failures()} failed (${loop.report()})`);
    expect(loop.failures(), loop.report()).toBe(0);
    expect(loop.total()).toBeGreaterThan(20);
    expect(loop.answers.at(0)).toBeCloseTo(expected['1']![0]!, 6);
    expect(loop.answers.at(-1)).toBeCloseTo(expected['2']![0]!, 6);
    near(await predict(), expected['2']!);
    const after = await call<Deployment>('deploy.get', { name: DEP });
    expect(after).toMatchObject({ version: '2', status: 'running', port });
    expect(after.containers.server).not.toBe(before.containers.server);
    expect(after.containers.proxy).toBe(before.containers.proxy);
    const servers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.deployment}=${DEP}`, `${LABEL.role}=server`] } });
    expect(servers.map((c) => c.Id)).toEqual([after.containers.server]);
  }, 300_000);

  it('a version that never becomes ready: the job fails with the probe and the log tail, v2 keeps answering throughout', async () => {
    const loop = clients(2);
    const { jobId } = await call<{ jobId: string }>('deploy.apply', { model: MODEL, version: '3', name: DEP, readyTimeoutSec: 20 });
    const j = await waitJob(jobId);
    await loop.stop();
    expect(j.ok).toBe(false);
    expect(j.error!.message).toMatch(/v3 did not become ready: .*v2 keeps serving/);
    const report = j.error!.details as RolloutReport;
    expect(report.probe).toMatch(/GET \/v2\/health\/ready → /);
    expect(report.logTail.join('\n')).toMatch(/cannot load/);
    expect(loop.failures(), loop.report()).toBe(0);
    expect(loop.answers.every((v) => Math.abs(v - expected['2']![0]!) < 1e-6)).toBe(true);
    const d = await call<Deployment>('deploy.get', { name: DEP });
    expect(d).toMatchObject({ status: 'running', version: '2' });
    expect(d.lastRollout).toMatchObject({ ok: false, version: '3' });
    const job = await call<JobInfo & { log: string[] }>('jobs.get', { id: jobId });
    expect(job.state).toBe('failed');
    expect(job.log.join('\n')).toMatch(/probe: GET/);
    const servers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.deployment}=${DEP}`, `${LABEL.role}=server`] } });
    expect(servers).toHaveLength(1);
  }, 120_000);

  it('lineage: model version → image digest → deployments', async () => {
    const l = await call<ModelLineage>('models.lineage', { name: MODEL, version: '2' });
    const d = await call<Deployment>('deploy.get', { name: DEP });
    expect(l.image?.map((i) => i.digest)).toContain(d.image.digest);
    expect(l.deployments).toEqual([{ id: DEP, target: 'local', status: 'running', url: `http://127.0.0.1:${port}` }]);
    const l1 = await call<ModelLineage>('models.lineage', { name: MODEL, version: '1' });
    expect(l1.deployments).toBeUndefined();
  }, 30_000);

  it('stop / start / restart', async () => {
    await call('deploy.control', { name: DEP, action: 'stop' });
    expect((await call<Deployment>('deploy.get', { name: DEP })).status).toBe('stopped');
    await expect(fetch(url('/v2/health/ready'))).rejects.toThrow();
    await call('deploy.control', { name: DEP, action: 'start' });
    expect((await call<Deployment>('deploy.get', { name: DEP })).status).toBe('running');
    near(await predict(), expected['2']!);
    const before = (await call<Deployment>('deploy.get', { name: DEP })).containers.server;
    await call('deploy.control', { name: DEP, action: 'restart' });
    const after = await call<Deployment>('deploy.get', { name: DEP });
    expect(after).toMatchObject({ status: 'running', version: '2' });
    expect(after.containers.server).not.toBe(before);
    near(await predict(), expected['2']!);
  }, 120_000);

  it('Docker unreachable: the list keeps its rows with status unknown and how to fix it; apply is refused (503)', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freeTcpPort()}`;
    try {
      const list = await call<Deployment[]>('deploy.list', {});
      const d = list.find((x) => x.name === DEP)!;
      expect(d.status).toBe('unknown');
      expect(d.reason).toMatch(/Docker engine unavailable/);
      const r = await s.engine.call('deploy.apply', { model: MODEL, version: '2', name: DEP });
      expect(!r.ok && r.error.code).toBe('UNAVAILABLE');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  }, 30_000);

  it('a serving container removed outside the app (docker rm -f) shows as gone; undeploy removes the rest', async () => {
    const d = await call<Deployment>('deploy.get', { name: DEP });
    await docker.getContainer(d.containers.server!).remove({ force: true });
    const list = await call<Deployment[]>('deploy.list', {});
    const gone = list.find((x) => x.name === DEP)!;
    expect(gone.status).toBe('gone');
    expect(gone.reason).toMatch(/removed outside mldesk/);
    const r = await request(url('/v2/health/ready'), 'GET');
    expect(r.status).toBe(502);
    await call('deploy.remove', { name: DEP });
    expect(await call<Deployment[]>('deploy.list', {})).toEqual([]);
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL.deployment}=${DEP}`] } });
    expect(left).toEqual([]);
    const missing = await s.engine.call('deploy.get', { name: DEP });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  }, 60_000);

  it('the demo model (one input per raw column, numbers and strings): the example is a training row, and the endpoint answers it', async () => {
    const project = await createDemoProject(s.engine, path.join(root, 'demo'));
    const [runId] = await seedDemoRuns(s.engine, project.id, undefined, [{ name: 'quick', args: ['--model', 'logreg', '--epochs', '2'] }]);
    const demoModel = `${MODEL}-demo`;
    const mv = await call<ModelVersion>('models.register', { name: demoModel, runId, path: 'model' });
    const ex = await call<{ oip: { inputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }> }; invocations: { dataframe_records: Array<Record<string, unknown>> }; source: string }>(
      'deploy.example',
      { model: demoModel, version: mv.version },
    );
    expect(ex.source).toMatch(/row 1 of data\/train\.csv/);
    expect(ex.oip.inputs.length).toBeGreaterThan(3);
    expect(new Set(ex.oip.inputs.map((i) => i.datatype))).toEqual(new Set(['FP64', 'BYTES']));
    for (const i of ex.oip.inputs) expect(i.shape).toEqual([1, 1]);
    expect(ex.oip.inputs.some((i) => i.datatype === 'BYTES' && typeof i.data[0] === 'string' && i.data[0] !== '')).toBe(true);
    expect(Object.keys(ex.invocations.dataframe_records[0]!).sort()).toEqual(ex.oip.inputs.map((i) => i.name).sort());
    const name = `demo-${tag}`;
    const { jobId } = await call<{ jobId: string }>('deploy.apply', { model: demoModel, version: mv.version, name });
    const j = await waitJob(jobId);
    expect(j.ok, j.error?.message).toBe(true);
    try {
      const a = await call<{ status: number; body: { outputs: Array<{ name: string }> } }>('deploy.invoke', { name, protocol: 'oip', body: ex.oip });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.outputs.map((o) => o.name).sort()).toEqual(['label', 'probabilities']);
      const b = await call<{ status: number; body: { predictions: Record<string, unknown> } }>('deploy.invoke', { name, protocol: 'invocations', body: ex.invocations });
      expect(b.status, JSON.stringify(b.body)).toBe(200);
      expect(Object.keys(b.body.predictions).sort()).toEqual(['label', 'probabilities']);
    } finally {
      await call('deploy.remove', { name });
    }
  }, 180_000);

  it('a model served by the user’s own Dockerfile, ready when its readinessPath answers', async () => {
    const ctxDir = path.join(root, 'custom');
    fs.mkdirSync(ctxDir, { recursive: true });
    fs.writeFileSync(
      path.join(ctxDir, 'serve.js'),
      `require('http').createServer((q, r) => r.end(q.url === '/healthz' ? 'ok' : JSON.stringify({ custom: true, url: q.url }))).listen(+process.env.PORT, process.env.HOST);\n`,
    );
    const runtime = await s.engine.containers.runtimeImage();
    fs.writeFileSync(path.join(ctxDir, 'Dockerfile'), `FROM ${runtime}\nCOPY serve.js /app/custom.js\nCMD ["/usr/local/bin/node", "/app/custom.js"]\n`);
    const name = `custom-${tag}`;
    const runtimeChoice = { kind: 'dockerfile', context: ctxDir, readinessPath: '/healthz' };
    const plan = await call<DeployPlan>('deploy.plan', { model: MODEL, version: '1', name, runtime: runtimeChoice });
    expect(plan.dockerfile).toContain('COPY serve.js');
    const { jobId } = await call<{ jobId: string }>('deploy.apply', { model: MODEL, version: '1', name, runtime: runtimeChoice });
    const j = await waitJob(jobId);
    expect(j.ok, j.error?.message).toBe(true);
    try {
      const d = await call<Deployment>('deploy.get', { name });
      expect(d).toMatchObject({ runtime: 'dockerfile', status: 'running' });
      const r = await request(`${d.url}/anything`, 'GET');
      expect(r.body).toEqual({ custom: true, url: '/anything' });
    } finally {
      await call('deploy.remove', { name });
    }
    const bad = await s.engine.call('deploy.apply', { model: MODEL, version: '1', name, runtime: { kind: 'dockerfile', context: path.join(root, 'no-such-dir') } });
    expect(!bad.ok && bad.error.code).toMatch(/NOT_FOUND|INVALID_INPUT/);
  }, 120_000);

  it('refuses garbage with 4xx (unknown model or deployment, a model without ONNX, a taken port)', async () => {
    const codes = async (name: string, input: unknown) => {
      const r = await s.engine.call(name, input);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(await codes('deploy.apply', { model: 'no-such-model', version: '1' })).toBe('NOT_FOUND');
    expect(await codes('deploy.apply', { model: MODEL, version: '99' })).toBe('NOT_FOUND');
    expect(await codes('deploy.apply', { model: MODEL })).toBe('INVALID_INPUT');
    expect(await codes('deploy.apply', { model: MODEL, version: '1', name: 'Bad_Name' })).toBe('INVALID_INPUT');
    expect(await codes('deploy.get', { name: 'nope' })).toBe('NOT_FOUND');
    expect(await codes('deploy.invoke', { name: 'nope', protocol: 'oip', body: {} })).toBe('NOT_FOUND');
    expect(await codes('deploy.records', { name: 'nope' })).toBe('NOT_FOUND');
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    try {
      expect(await codes('deploy.apply', { model: MODEL, version: '1', name: `busy-${tag}`, port: (busy.address() as net.AddressInfo).port })).toBe('ALREADY_EXISTS');
    } finally {
      busy.close();
    }
  }, 30_000);

  describe('CLI', () => {
    const name = `cli-${tag}`;
    it('mldesk deploy prints the endpoint (exit 0), deployments lists it, undeploy removes it; failures exit 1', async () => {
      const cliPort = await freeTcpPort();
      const dep = await runCli(['deploy', MODEL, '--version', '1', '--name', name, '--port', String(cliPort), '--memory', '512m', '--data-dir', dataDir], {}, 180_000);
      expect(dep.code, dep.out).toBe(0);
      expect(dep.out).toContain(`http://127.0.0.1:${cliPort}`);
      const r = await request(`http://127.0.0.1:${cliPort}/v2/models/${MODEL}/infer`, 'POST', oip(X));
      near(r.body.outputs[0].data as number[], expected['1']!);

      const ls = await runCli(['deployments', '--json', '--data-dir', dataDir]);
      expect(ls.code, ls.out).toBe(0);
      const list = JSON.parse(ls.out) as Deployment[];
      expect(list.find((d) => d.name === name)).toMatchObject({ status: 'running', version: '1', port: cliPort, memoryMb: 512 });
      const table = await runCli(['deployments', '--data-dir', dataDir]);
      expect(table.out).toMatch(new RegExp(`${name}\\s+local\\s+running\\s+${MODEL}\\s+v1\\s+1/1`));

      const broken = await runCli(['deploy', MODEL, '--version', '3', '--name', name, '--ready-timeout', '15', '--data-dir', dataDir], {}, 120_000);
      expect(broken.code, broken.out).toBe(1);
      expect(broken.out).toMatch(/deploy failed: v3 did not become ready/);
      expect(broken.out).toMatch(/readiness probe: GET/);
      expect(broken.out).toMatch(/last log lines/);

      const unknown = await runCli(['deploy', 'no-such-model', '--version', '1', '--data-dir', dataDir]);
      expect(unknown.code, unknown.out).toBe(1);
      const usage = await runCli(['deploy', MODEL, '--data-dir', dataDir]);
      expect(usage.code, usage.out).toBe(2);

      const un = await runCli(['undeploy', name, '--data-dir', dataDir]);
      expect(un.code, un.out).toBe(0);
      expect((await docker.listContainers({ all: true, filters: { label: [`${LABEL.deployment}=${name}`] } })).length).toBe(0);
      const again = await runCli(['undeploy', name, '--data-dir', dataDir]);
      expect(again.code).toBe(1);
      expect(again.out).toMatch(/No deployment named/);
    }, 400_000);

    it('Docker unreachable: deploy fails fast with the reason and how to fix it (exit 1)', async () => {
      const env = { DOCKER_HOST: `tcp://127.0.0.1:${await freeTcpPort()}` };
      const t0 = Date.now();
      const r = await runCli(['deploy', MODEL, '--version', '1', '--name', name, '--data-dir', dataDir], env, 30_000);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(/Docker engine is not available/);
      expect(r.out).toMatch(/how to fix:/);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const ls = await runCli(['deployments', '--data-dir', dataDir], env, 30_000);
      expect(ls.code, ls.out).toBe(1);
      expect(ls.out).toMatch(/how to fix:/);
    }, 60_000);
  });
});
