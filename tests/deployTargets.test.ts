// Deploying to targets through the engine (issue 14), against real engines this test starts on this machine:
// - a remote Docker engine over mutual TLS (a second dockerd on a loopback TCP port, its own data-root): deploy,
//   infer, records pulled through the target, undeploy; a wrong certificate is a clear error; no secret leaks into
//   the database, job logs or errors;
// - Kubernetes through a stand-in of the API server's HTTP surface (no API server can run here): plan (validated
//   manifests), Helm chart rendering to them, apply, a failing version rolled back, the CLI exiting 1;
// - a one-node swarm (a second dockerd, `swarm init --advertise-addr 127.0.0.1`): v1 with 2 replicas serving; an
//   update to a version that fails its health check rolls back by itself while a client loop sees no failed request,
//   and `mldesk deploy … --target` exits 1 with the reason.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { callOk, dockerSuite, runCli, tmpDir } from './helpers';
import { clientLoop } from './clientLoop';
import { ensureNodeBuild, startDeployServer, type DeployServer } from './deployFixture';
import { makeTestModels } from './testModels';
import { startTestDockerd, type TestDockerd } from './dockerd';
import { startKubeStandin, type KubeStandin } from './kubeStandin';
import { helmTemplate } from './helmRender';
import type { Served } from '../electron/host/serve';
import type { Deployment, DeployPlan, InferenceRecordRow, TargetTest } from '../shared/contract';

const { suite } = await dockerSuite('deployTargets');

suite('deploy to targets: a remote engine over TLS, a swarm', () => {
  const tag = Math.random().toString(36).slice(2, 7);
  const MODEL = `tgt-${tag}`;
  const root = tmpDir('mldesk-deploy-targets-');
  const models = path.join(root, 'models');
  let s: Served;
  let dataDir: string;
  let register: DeployServer['register'];
  let tls: TestDockerd | null = null;
  let swarm: TestDockerd | null = null;
  let kube: KubeStandin | null = null;
  const X = [[1, 2, 3, 4]];
  const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
  const oip = (rows: number[][]) => ({ inputs: [{ name: 'x', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });

  async function deploy(input: Record<string, unknown>): Promise<{ ok: boolean; error?: Error; lines: string[] }> {
    const { jobId } = await call<{ jobId: string }>('deploy.apply', input);
    try {
      await s.engine.jobs.wait(jobId);
      return { ok: true, lines: s.engine.jobs.get(jobId)?.log ?? [] };
    } catch (e) {
      return { ok: false, error: e as Error, lines: s.engine.jobs.get(jobId)?.log ?? [] };
    }
  }

  beforeAll(async () => {
    ensureNodeBuild();
    makeTestModels(models);
    ({ s, dataDir, register } = await startDeployServer(root, MODEL));
    expect(await register(path.join(models, 'logreg.onnx'))).toBe('1');
    expect(await register(path.join(models, 'broken.onnx'))).toBe('2');
    // The swarm engine waits for other test files' swarms (one at a time per machine): hence the long timeout.
    [tls, swarm, kube] = await Promise.all([startTestDockerd({ tls: true }), startTestDockerd({ swarm: true }), startKubeStandin({ deadlineScale: 0.05 })]);
  }, 900_000);

  afterAll(async () => {
    for (const d of (await s?.engine.deploy.list().catch(() => [] as Deployment[])) ?? []) await s.engine.deploy.remove(d.name).catch(() => undefined);
    await s?.close();
    await Promise.all([tls?.stop(), swarm?.stop(), kube?.close()]);
    // The model images built on this machine's engine for MODEL (the base and runtime images stay cached).
    const local = new Docker();
    const imgs = await local.listImages({ filters: { label: [`mldesk.model=${MODEL}`] } } as Docker.ListImagesOptions);
    for (const img of imgs) await local.getImage(img.Id).remove({ force: true }).catch(() => undefined);
    expect(fs.existsSync(tls!.dir)).toBe(false);
    expect(fs.existsSync(swarm!.dir)).toBe(false);
  }, 120_000);

  it('a remote engine over mutual TLS: deploy (the image streamed to it), infer, records pulled, undeploy', async () => {
    const c = tls!.certs!;
    await call('targets.add', { kind: 'docker', name: 'tls-engine', host: tls!.host, tls: { ca: c.ca, cert: c.cert, key: c.key } });
    const test = await call<TargetTest>('targets.test', { name: 'tls-engine' });
    expect(test.ok, JSON.stringify(test.error)).toBe(true);
    const res = await deploy({ model: MODEL, version: '1', name: 'on-tls', target: 'tls-engine' });
    expect(res.ok, String(res.error?.message)).toBe(true);
    expect(res.lines.join('\n')).toMatch(/stream|sent/i);
    // The containers run on the remote engine, not on this machine's.
    const remote = await tls!.docker.listContainers({ filters: { label: ['mldesk.deployment=on-tls'] } });
    expect(remote.map((x) => x.Labels['mldesk.role']).sort()).toEqual(['proxy', 'server']);
    const d = await call<Deployment>('deploy.get', { name: 'on-tls' });
    expect(d).toMatchObject({ status: 'running', target: 'tls-engine', targetKind: 'docker', version: '1' });
    const inv = await call<{ status: number; body: { outputs: Array<{ data: number[] }> } }>('deploy.invoke', { name: 'on-tls', protocol: 'oip', body: oip(X) });
    expect(inv.status).toBe(200);
    expect(inv.body.outputs[0]!.data).toHaveLength(1);
    const recs = await call<{ records: InferenceRecordRow[] }>('deploy.records', { name: 'on-tls', after: 0, limit: 10 });
    expect(recs.records.length).toBeGreaterThanOrEqual(1);
    await call('deploy.remove', { name: 'on-tls' });
    expect(await tls!.docker.listContainers({ all: true, filters: { label: ['mldesk.deployment=on-tls'] } })).toHaveLength(0);
  }, 240_000);

  it('a wrong client certificate is a clear error, and no secret reaches the database, job logs or errors', async () => {
    const c = tls!.certs!;
    await call('targets.add', { kind: 'docker', name: 'tls-wrong', host: tls!.host, tls: { ca: c.ca, cert: c.wrongCert, key: c.wrongKey } });
    const test = await call<TargetTest>('targets.test', { name: 'tls-wrong' });
    expect(test.ok).toBe(false);
    expect(test.error!.message).toMatch(/certificate|TLS/i);
    const r = await s.engine.call('deploy.apply', { model: MODEL, version: '1', name: 'wrong', target: 'tls-wrong' });
    let message = r.ok ? '' : r.error.message;
    if (r.ok) {
      const res = await s.engine.jobs.wait((r.value as { jobId: string }).jobId).then(
        () => null,
        (e: Error) => e,
      );
      expect(res).not.toBeNull();
      message = res!.message;
    }
    expect(message).toMatch(/certificate|TLS|tls-wrong/i);
    const keyBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[1]!;
    const leaks = [keyBody(c.key), keyBody(c.wrongKey)];
    for (const f of fs.readdirSync(dataDir).filter((x) => /\.db/.test(x))) {
      const bytes = fs.readFileSync(path.join(dataDir, f)).toString('latin1');
      for (const l of leaks) expect(bytes.includes(l), `${f} holds a key`).toBe(false);
    }
    for (const l of leaks) expect(message.includes(l)).toBe(false);
    for (const j of s.engine.jobs.list()) for (const l of leaks) expect(JSON.stringify(s.engine.jobs.get(j.id)).includes(l)).toBe(false);
    await call('targets.remove', { name: 'tls-wrong' });
  }, 120_000);

  it('Kubernetes (API stand-in): validated manifests, a Helm chart rendering to them, apply, a failing version rolled back, CLI exit 1', async () => {
    await call('targets.add', { kind: 'kubernetes', name: 'kube', kubeconfig: kube!.kubeconfig, namespace: 'default' });
    const input = { model: MODEL, version: '1', name: 'on-kube', target: 'kube', replicas: 2, kubernetes: { ingress: { host: 'risk.example.test' } } };
    const plan = await call<DeployPlan>('deploy.plan', input);
    expect(plan.targetKind).toBe('kubernetes');
    expect(plan.manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'Ingress', 'Service']);
    const chart = await call<{ files: Record<string, string> }>('deploy.helmChart', input);
    expect(Object.keys(chart.files)).toEqual(expect.arrayContaining(['Chart.yaml', 'values.yaml', 'templates/deployment.yaml']));
    const byKind = (ms: Array<Record<string, unknown>>) => [...ms].sort((a, b) => String(a.kind).localeCompare(String(b.kind)));
    expect(byKind(helmTemplate(chart.files, 'default'))).toEqual(byKind(plan.manifests));
    const res = await deploy(input);
    expect(res.ok, String(res.error?.message)).toBe(true);
    const applied = kube!.requests.filter((r) => r.method === 'PATCH' && /deployments\/on-kube/.test(r.path));
    expect(applied.length).toBeGreaterThanOrEqual(1);
    expect(applied[0]!.path).toContain('fieldManager=mldesk');
    const d = await call<Deployment>('deploy.get', { name: 'on-kube' });
    expect(d).toMatchObject({ status: 'running', targetKind: 'kubernetes', version: '1' });
    expect(d.replicas.desired).toBe(2);
    expect(d.tasks.length).toBe(2);
    // v2's image fails on the cluster: the rollout stalls past its progress deadline and goes back to v1's template.
    const v2 = await s.engine.containers.buildModelImage({ model: MODEL, version: '2' });
    kube!.failImage(v2.ref);
    const cli = await runCli(['deploy', MODEL, '--version', '2', '--name', 'on-kube', '--target', 'kube', '--data-dir', dataDir], {}, 240_000);
    expect(cli.code, cli.out).toBe(1);
    expect(cli.out).toMatch(/roll(ed)? back/i);
    const after = await call<Deployment>('deploy.get', { name: 'on-kube' });
    expect(after.version).toBe('1');
    const dep = kube!.objects('Deployment').find((o) => (o.metadata as { name: string }).name === 'on-kube') as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
    expect(dep.spec.template.spec.containers[0]!.image).not.toBe(v2.ref);
    await call('deploy.remove', { name: 'on-kube' });
    expect(kube!.objects('Deployment').filter((o) => (o.metadata as { name: string }).name === 'on-kube')).toHaveLength(0);
  }, 300_000);

  it('a swarm: v1 with 2 replicas; a version failing its health check rolls back by itself with no failed request; the CLI exits 1', async () => {
    await call('targets.add', { kind: 'docker', name: 'swarm', host: swarm!.host, swarm: true });
    const test = await call<TargetTest>('targets.test', { name: 'swarm' });
    expect(test.ok, JSON.stringify(test.error)).toBe(true);
    expect(test.nodes[0]?.role).toMatch(/manager/);
    const res = await deploy({ model: MODEL, version: '1', name: 'on-swarm', target: 'swarm', replicas: 2, readyTimeoutSec: 90, health: { intervalSec: 1, timeoutSec: 2, retries: 2, startPeriodSec: 5 } });
    expect(res.ok, String(res.error?.message)).toBe(true);
    let d = await call<Deployment>('deploy.get', { name: 'on-swarm' });
    expect(d).toMatchObject({ status: 'running', targetKind: 'swarm', version: '1' });
    expect(d.replicas).toMatchObject({ desired: 2, running: 2 });
    expect(d.tasks.filter((t) => t.state === 'running')).toHaveLength(2);

    // Two clients, a request each every ~20 ms.
    const loop = clientLoop({ port: d.port, path: `/v2/models/${MODEL}/infer`, body: JSON.stringify(oip(X)), clients: 2, pauseMs: 20 });
    await new Promise((r) => setTimeout(r, 1000));
    const cli = await runCli(['deploy', MODEL, '--version', '2', '--name', 'on-swarm', '--target', 'swarm', '--data-dir', dataDir], {}, 240_000);
    await new Promise((r) => setTimeout(r, 1000));
    await loop.stop();
    expect(cli.code, cli.out).toBe(1);
    expect(cli.out).toMatch(/roll(ed)? back/i);
    expect(loop.total()).toBeGreaterThan(20);
    expect(loop.failures(), loop.report()).toBe(0);
    d = await call<Deployment>('deploy.get', { name: 'on-swarm' });
    expect(d.version).toBe('1');
    expect(d.lastRollout?.ok).toBe(false);
    const inv = await call<{ status: number }>('deploy.invoke', { name: 'on-swarm', protocol: 'oip', body: oip(X) });
    expect(inv.status).toBe(200);
    // Records come from both replicas through the target.
    const recs = await call<{ records: InferenceRecordRow[] }>('deploy.records', { name: 'on-swarm', after: 0, limit: 5000 });
    expect(recs.records.length).toBeGreaterThan(10);
    await call('deploy.remove', { name: 'on-swarm' });
    expect(await swarm!.docker.listServices()).toHaveLength(0);
  }, 480_000);
});
