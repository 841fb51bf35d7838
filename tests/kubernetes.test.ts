import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tar from 'tar-stream';
import YAML from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { MldeskError } from '../shared/contract/errors';
import type { ClusterSpec } from '../electron/core/deploy/cluster';
import type { JobReporter } from '../electron/core/jobs';
import {
  KubernetesBackend,
  adoptEdited,
  helmChart,
  jobFor,
  manifestsFor,
  manifestsToApply,
  validateManifest,
  validateManifests,
} from '../electron/core/deploy/kubernetes';
import { startKubeStandin, type KubeStandin } from './kubeStandin';
import { helmTemplate } from './helmRender';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NS = 'default';

function spec(over: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    deployment: 'iris',
    store: 'store-0f3a',
    model: 'Iris classifier',
    version: '1',
    runId: 'abc123',
    image: 'registry.local/mldesk/iris:1',
    proxyImage: 'mldesk/runtime:1',
    replicas: 2,
    port: 9000,
    cpus: 0.5,
    memoryMb: 256,
    env: { LOG_LEVEL: 'debug', PORT: '1' },
    builtin: true,
    readyPath: '/v2/health/ready',
    readyTimeoutSec: 60,
    health: { intervalSec: 2, timeoutSec: 2, retries: 3, startPeriodSec: 10 },
    canary: null,
    ...over,
  };
}

const SPECS: Array<[string, ClusterSpec]> = [
  ['plain', spec()],
  ['ingress', spec({ kubernetes: { ingress: { host: 'iris.example.com', path: '/', className: 'nginx' } } })],
  ['hpa', spec({ cpus: null, kubernetes: { hpa: { minReplicas: 2, maxReplicas: 5, cpuPercent: 70 } } })],
  ['ingress+hpa, user image', spec({ deployment: '7up', builtin: false, readyPath: '/ping', memoryMb: null, env: { A: 'yes', B: '0012', C: 'two\nlines "q"' }, kubernetes: { ingress: { host: 'seven.example.org', path: '/api' }, hpa: { minReplicas: 1, maxReplicas: 3, cpuPercent: 80 }, progressDeadlineSec: 30 } })],
];

function reporter(): JobReporter & { lines: string[]; phases: string[] } {
  const lines: string[] = [];
  const phases: string[] = [];
  return { id: 'test', lines, phases, phase: (p) => void phases.push(p), fraction: () => undefined, log: (...l) => void lines.push(...l) };
}

function refusal(fn: () => unknown): MldeskError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MldeskError);
    return e as MldeskError;
  }
  throw new Error('expected a refusal');
}

describe('Kubernetes manifests', () => {
  it.each(SPECS)('every generated manifest validates against the Kubernetes schemas (%s)', (_name, s) => {
    const ms = manifestsFor(s, NS);
    expect(() => validateManifests(ms, NS)).not.toThrow();
    const kinds = ms.map((m) => m.kind);
    expect(kinds.slice(0, 2)).toEqual(['Service', 'Deployment']);
    expect(kinds.includes('Ingress')).toBe(s.kubernetes?.ingress !== undefined);
    expect(kinds.includes('HorizontalPodAutoscaler')).toBe(s.kubernetes?.hpa !== undefined);
    const dep = ms.find((m) => m.kind === 'Deployment') as Obj;
    const svc = ms.find((m) => m.kind === 'Service') as Obj;
    for (const m of ms as Obj[]) {
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
      expect(m.metadata.namespace).toBe(NS);
      expect(m.metadata.labels['app.kubernetes.io/managed-by']).toBe('mldesk');
      expect(m.metadata.labels['mldesk.deployment']).toBe(s.deployment);
      expect(m.metadata.labels['mldesk.store']).toBe('store-0f3a');
    }
    expect(svc.metadata.name).toMatch(/^[a-z]/); // a Service name is a DNS-1035 label
    expect(svc.spec.ports[0]).toMatchObject({ port: s.port, targetPort: 'http' });
    const c = dep.spec.template.spec.containers[0];
    expect(c.ports[0].containerPort).toBe(8080);
    expect(c.image).toBe(s.image);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expect(env.PORT).toBe('8080');
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.MLDESK_MODEL_NAME).toBe(s.builtin ? s.model : undefined);
    expect(c.readinessProbe.httpGet.path).toBe(s.readyPath);
    expect(c.livenessProbe.initialDelaySeconds).toBe(s.health.startPeriodSec);
    expect(dep.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(dep.spec.progressDeadlineSeconds).toBe(s.kubernetes?.progressDeadlineSec ?? 120);
    expect(dep.spec.replicas).toBe(s.kubernetes?.hpa ? undefined : s.replicas);
    expect(dep.spec.template.metadata.labels['mldesk.model_version']).toBe(s.version);
    expect(dep.metadata.annotations['mldesk.model']).toBe(s.model);
    for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) expect(dep.spec.template.metadata.labels[k]).toBe(v);
  });

  it('a manifest with containerPort as a string is refused, naming the manifest and the JSON path', () => {
    const dep = structuredClone(manifestsFor(spec(), NS)[1]) as Obj;
    dep.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    const e = refusal(() => validateManifest(dep, NS));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('Deployment "iris"');
    expect(e.message).toContain('spec.template.spec.containers[0].ports[0].containerPort');
    expect((e.details as Obj).issues[0].path).toBe('spec.template.spec.containers[0].ports[0].containerPort');
  });

  it('a Deployment without a selector, or whose selector misses the template, is refused with the path', () => {
    const dep = structuredClone(manifestsFor(spec(), NS)[1]) as Obj;
    delete dep.spec.selector;
    const e = refusal(() => validateManifest(dep, NS));
    expect(e.message).toContain('spec.selector');
    const dep2 = structuredClone(manifestsFor(spec(), NS)[1]) as Obj;
    dep2.spec.selector.matchLabels.tier = 'web';
    expect(refusal(() => validateManifest(dep2, NS)).message).toContain('spec.selector.matchLabels["tier"]');
    const svc = structuredClone(manifestsFor(spec(), NS)[0]) as Obj;
    svc.metadata.namespace = 'kube-system';
    expect(refusal(() => validateManifest(svc, NS)).message).toContain('metadata.namespace');
    svc.metadata.namespace = NS;
    svc.metadata.name = 'Bad_Name';
    expect(refusal(() => validateManifest(svc, NS)).message).toContain('metadata.name');
    expect(refusal(() => validateManifest({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, NS)).message).toContain('kind');
  });

  it('edited manifests are validated the same way and get the mldesk labels back', () => {
    const s = spec();
    const edited = manifestsFor(s, NS).map((m) => structuredClone(m) as Obj);
    const dep = edited[1]!;
    delete dep.metadata.labels['app.kubernetes.io/managed-by'];
    delete dep.metadata.labels['mldesk.store'];
    delete dep.spec.template.metadata.labels['mldesk.model_version'];
    dep.spec.template.spec.containers[0].resources = { limits: { cpu: '2' } };
    delete edited[0]!.metadata.namespace;
    const out = adoptEdited(edited, s, NS) as Obj[];
    const d = out.find((m) => m.kind === 'Deployment')!;
    expect(d.metadata.labels['app.kubernetes.io/managed-by']).toBe('mldesk');
    expect(d.metadata.labels['mldesk.store']).toBe('store-0f3a');
    expect(d.spec.template.metadata.labels['mldesk.model_version']).toBe('1');
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '2' } }); // the edit is kept
    expect(out[0]!.metadata.namespace).toBe(NS);
    const viaSpec = manifestsToApply({ ...s, kubernetes: { manifests: edited } }, NS) as Obj[];
    expect(viaSpec[1]!.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '2' } });
    const broken = manifestsFor(s, NS).map((m) => structuredClone(m) as Obj);
    broken[1]!.spec.replicas = 'two';
    const e = refusal(() => adoptEdited(broken, s, NS));
    expect(e.message).toContain('spec.replicas');
    const renamed = manifestsFor(s, NS).map((m) => structuredClone(m) as Obj);
    renamed[1]!.metadata.name = 'other';
    expect(refusal(() => adoptEdited(renamed, s, NS)).message).toContain('exactly one Deployment named "iris"');
  });
});

async function untar(tgz: Buffer): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (h.type === 'file') files[h.name] = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([gunzipSync(tgz)]).pipe(ex);
  await done;
  return files;
}

describe('Helm chart export (rendered by the helm template stand-in)', () => {
  it.each(SPECS)('the chart renders to exactly the applied manifests (%s)', async (_name, s) => {
    const chart = await helmChart(s, NS);
    expect(YAML.parse(chart.files['Chart.yaml']!)).toMatchObject({ apiVersion: 'v2', name: chart.name, appVersion: s.version });
    for (const f of ['values.yaml', 'templates/deployment.yaml', 'templates/service.yaml', 'templates/ingress.yaml', 'templates/hpa.yaml']) expect(chart.files[f]).toBeTruthy();
    expect(chart.files['templates/ingress.yaml']).toContain('{{- if .Values.ingress.enabled }}');
    const rendered = helmTemplate(chart.files, NS);
    const expected = manifestsFor(s, NS);
    const byKey = (ms: Array<Record<string, unknown>>) => Object.fromEntries(ms.map((m) => [`${String(m.kind)}`, m]));
    expect(byKey(rendered)).toEqual(byKey(expected));
    expect(rendered).toHaveLength(expected.length);
    // Another namespace at install time: only metadata.namespace changes.
    const other = helmTemplate(chart.files, 'prod');
    expect(byKey(other)).toEqual(byKey(manifestsFor(s, 'prod')));
    // The .tgz is the chart folder under <name>/.
    const packed = await untar(chart.tgz);
    for (const [f, text] of Object.entries(chart.files)) expect(packed[`${chart.name}/${f}`]).toBe(text);
  });

  it('flipping the ingress toggle in values.yaml renders the Ingress (values drive the templates)', async () => {
    const chart = await helmChart(spec(), NS);
    const values = YAML.parse(chart.files['values.yaml']!) as Obj;
    values.ingress.enabled = true;
    values.ingress.host = 'flip.example.com';
    const rendered = helmTemplate({ ...chart.files, 'values.yaml': YAML.stringify(values) }, NS);
    expect(rendered.map((m) => m.kind)).toContain('Ingress');
    expect(rendered.find((m) => m.kind === 'Ingress')).toEqual(manifestsFor(spec({ kubernetes: { ingress: { host: 'flip.example.com', path: '/' } } }), NS)[2]);
  });

  it('a chart of wizard-edited manifests renders to those manifests', async () => {
    const s = spec();
    const edited = manifestsFor(s, NS).map((m) => structuredClone(m) as Obj);
    edited[1]!.spec.template.spec.containers[0].resources = { limits: { cpu: '3' } };
    const chart = await helmChart({ ...s, kubernetes: { manifests: edited } }, NS);
    const rendered = helmTemplate(chart.files, 'staging');
    const expected = adoptEdited(edited, s, NS).map((m) => ({ ...m, metadata: { ...(m.metadata as Obj), namespace: 'staging' } }));
    const byKind = (ms: Array<Record<string, unknown>>) => [...ms].sort((a, b) => String(a.kind).localeCompare(String(b.kind)));
    expect(byKind(rendered)).toEqual(byKind(expected));
  });
});

describe('Kubernetes backend (Kubernetes API stand-in)', () => {
  let standin: KubeStandin;
  let backend: KubernetesBackend;
  let kc: KubeConfig;

  beforeAll(async () => {
    standin = await startKubeStandin({ deadlineScale: 0.05, podStartMs: 100 });
    kc = new KubeConfig();
    kc.loadFromString(standin.kubeconfig);
    backend = new KubernetesBackend(kc, { namespace: NS, storeId: 'store-0f3a', endpointHost: '127.0.0.1', pollMs: 50 });
  });
  afterAll(async () => {
    await standin?.close();
  });

  const deployments = () => standin.objects('Deployment').filter((d) => d.metadata.name === 'iris');
  const imageOf = (d: Obj) => d.spec.template.spec.containers[0].image as string;

  it('describe gives the validated manifests (Kubernetes API stand-in)', async () => {
    const ms = await backend.describe(spec());
    expect(ms).toEqual(manifestsFor(spec(), NS));
    await expect(backend.describe(spec({ kubernetes: { manifests: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'iris' }, spec: { ports: [{ port: 'x' }] } }] } }))).rejects.toThrow(/spec\.ports\[0\]\.port/);
  });

  it('apply uses server-side apply as field manager mldesk and the watch completes for a good image (Kubernetes API stand-in)', async () => {
    const before = standin.requests.length;
    const r = reporter();
    const out = await backend.apply(spec(), r);
    expect(out.ok).toBe(true);
    expect(out.rolledBack).toBe(false);
    expect(out.state.version).toBe('1');
    expect(out.state.available).toBe(2);
    expect(out.state.tasks).toHaveLength(2);
    const patches = standin.requests.slice(before).filter((q) => q.method === 'PATCH');
    expect(patches.length).toBe(2); // Service, Deployment
    for (const p of patches) {
      expect(p.contentType).toBe('application/apply-patch+yaml');
      expect(p.path).toContain('fieldManager=mldesk');
      expect(p.path).toContain('force=true');
    }
    expect(patches.map((p) => p.path.split('?')[0])).toEqual(['/api/v1/namespaces/default/services/iris', '/apis/apps/v1/namespaces/default/deployments/iris']);
    const dep = deployments()[0]!;
    expect(dep.metadata.managedFields[0]).toMatchObject({ manager: 'mldesk', operation: 'Apply' });
    expect(r.lines.some((l) => /2\/2 updated, 2 ready, 2 available/.test(l))).toBe(true);
    const state = await backend.observe('iris');
    expect(state.rollout.state).toBe('completed');
    expect(state.tasks.every((t) => t.version === '1' && t.state === 'Running')).toBe(true);
  });

  it('replicas, invoke, logs and endpoint go through the API server (Kubernetes API stand-in)', async () => {
    const reps = await backend.replicas('iris');
    expect(reps).toHaveLength(2);
    const got = await reps[0]!.get('/metrics?x=1', 5000);
    expect(got.status).toBe(200);
    const body = JSON.parse(got.body.toString()) as Obj;
    expect(body).toMatchObject({ standin: true, via: 'pod proxy', pod: reps[0]!.id, version: '1', path: '/metrics?x=1' });
    const inv = await backend.invoke('iris', 9000, '/invocations', '{"inputs":[[1,2]]}');
    expect(inv.status).toBe(200);
    expect(JSON.parse(inv.body.toString())).toMatchObject({ via: 'service proxy', method: 'POST', path: '/invocations', body: '{"inputs":[[1,2]]}', version: '1' });
    expect(standin.requests.some((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/default/services/iris:9000/proxy/invocations')).toBe(true);
    expect(backend.endpoint('iris', 9000)).toBe(`${standin.url}/api/v1/namespaces/default/services/iris:9000/proxy`);
    const lines = await backend.logs('iris', 50);
    expect(lines.some((l) => l.includes('listening on 0.0.0.0:8080'))).toBe(true);
    expect(lines[0]).toMatch(/^\[iris-[0-9a-f]{10}-[0-9a-f]{5}\] /);
  });

  it('a new good version rolls out as a new ReplicaSet revision (Kubernetes API stand-in)', async () => {
    const out = await backend.apply(spec({ version: '2', image: 'registry.local/mldesk/iris:2' }), reporter());
    expect(out.ok).toBe(true);
    expect(out.state.version).toBe('2');
    const rss = standin.objects('ReplicaSet').filter((rs) => rs.metadata.labels['mldesk.deployment'] === 'iris');
    expect(rss.map((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision']).sort()).toEqual(['1', '2']);
    expect(standin.objects('Pod').filter((p) => p.metadata.labels['mldesk.deployment'] === 'iris').every((p) => p.metadata.labels['mldesk.model_version'] === '2')).toBe(true);
  });

  it('a failing image rolls back to the previous ReplicaSet template, with the reason (Kubernetes API stand-in)', async () => {
    const bad = 'registry.local/mldesk/iris:3';
    standin.failImage(bad);
    const r = reporter();
    const t0 = Date.now();
    const out = await backend.apply(spec({ version: '3', image: bad, kubernetes: { progressDeadlineSec: 20 } }), r);
    const ms = Date.now() - t0;
    expect(out.ok).toBe(false);
    expect(out.rolledBack).toBe(true);
    expect(out.message).toMatch(/Version 3 did not become ready within the 20 s progress deadline/);
    expect(out.message).toMatch(/timed out progressing|ContainersNotReady|CrashLoopBackOff/);
    expect(out.message).toContain('Readiness probe failed');
    expect(out.message).toContain('rolled back to version 2');
    expect(out.logTail.some((l) => l.includes('cannot load the model'))).toBe(true);
    // The Deployment's template is the old one again, and only version 2 pods serve.
    const dep = deployments()[0]!;
    expect(imageOf(dep)).toBe('registry.local/mldesk/iris:2');
    expect(dep.metadata.labels['mldesk.model_version']).toBe('2');
    expect(dep.metadata.annotations['deployment.kubernetes.io/revision']).toBe('4');
    expect(out.state.version).toBe('2');
    expect(out.state.rollout.state).toBe('completed');
    const pods = standin.objects('Pod').filter((p) => p.metadata.labels['mldesk.deployment'] === 'iris');
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual([dep.spec.template.spec.containers[0].image, dep.spec.template.spec.containers[0].image]);
    // The v2 pods kept serving during the failed rollout (maxUnavailable 0): never fewer than 2 available.
    expect(r.lines.filter((l) => l.startsWith('Rolling out version 3')).every((l) => / 2 available/.test(l))).toBe(true);
    console.log(`[measure] failed rollout + rollback against the stand-in: ${ms} ms (deadline 20 s × 0.05): ${out.message}`);
  });

  it('a failing first version has nothing to roll back to and says so (Kubernetes API stand-in)', async () => {
    const bad = 'registry.local/mldesk/broken:1';
    standin.failImage(bad);
    const out = await backend.apply(spec({ deployment: 'broken', image: bad, replicas: 1, kubernetes: { progressDeadlineSec: 10 } }), reporter());
    expect(out.ok).toBe(false);
    expect(out.rolledBack).toBe(false);
    expect(out.message).toContain('no previous version to roll back to');
    expect(out.state.rollout.state).toBe('failed');
    await backend.remove('broken');
  });

  it('scale to 0 and back through the scale subresource (Kubernetes API stand-in)', async () => {
    await backend.scale('iris', 0);
    expect(standin.requests.at(-1)).toMatchObject({ method: 'PATCH', path: '/apis/apps/v1/namespaces/default/deployments/iris/scale', contentType: 'application/merge-patch+json' });
    await waitFor(async () => (await backend.observe('iris')).tasks.length === 0);
    expect((await backend.observe('iris')).desired).toBe(0);
    await backend.scale('iris', 2);
    await waitFor(async () => (await backend.observe('iris')).available === 2);
    expect(deployments()[0]!.spec.template.spec.containers[0].image).toBe('registry.local/mldesk/iris:2');
  });

  it('Ingress and HPA are applied, the Ingress is the endpoint, and turning them off removes them (Kubernetes API stand-in)', async () => {
    const s = spec({ version: '2', image: 'registry.local/mldesk/iris:2', kubernetes: { ingress: { host: 'iris.example.com', path: '/' }, hpa: { minReplicas: 2, maxReplicas: 4, cpuPercent: 60 } } });
    const out = await backend.apply(s, reporter());
    expect(out.ok).toBe(true);
    expect(standin.objects('Ingress').map((i) => i.spec.rules[0].host)).toEqual(['iris.example.com']);
    expect(standin.objects('HorizontalPodAutoscaler')[0]).toMatchObject({ spec: { minReplicas: 2, maxReplicas: 4 } });
    expect(backend.endpoint('iris', 9000)).toBe('http://iris.example.com');
    const off = await backend.apply(spec({ version: '2', image: 'registry.local/mldesk/iris:2' }), reporter());
    expect(off.ok).toBe(true);
    expect(standin.objects('Ingress')).toEqual([]);
    expect(standin.objects('HorizontalPodAutoscaler')).toEqual([]);
    expect(backend.endpoint('iris', 9000)).toContain('/services/iris:9000/proxy');
  });

  it('remove deletes the Deployment, Service, Ingress and HPA, and their ReplicaSets and pods go (Kubernetes API stand-in)', async () => {
    await backend.apply(spec({ version: '2', image: 'registry.local/mldesk/iris:2', kubernetes: { ingress: { host: 'iris.example.com', path: '/' }, hpa: { minReplicas: 2, maxReplicas: 3, cpuPercent: 60 } } }), reporter());
    await backend.remove('iris');
    for (const kind of ['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler', 'ReplicaSet', 'Pod']) expect(standin.objects(kind)).toEqual([]);
    const state = await backend.observe('iris');
    expect(state.exists).toBe(false);
    await expect(backend.remove('iris')).resolves.toBeUndefined(); // removing again is not an error
  });

  it('another store’s Deployment of the same name is not taken over (Kubernetes API stand-in)', async () => {
    await backend.apply(spec({ deployment: 'shared', replicas: 1 }), reporter());
    const other = new KubernetesBackend(kc, { namespace: NS, storeId: 'another-store', endpointHost: '127.0.0.1', pollMs: 50 });
    await expect(other.apply(spec({ deployment: 'shared', store: 'another-store', replicas: 1 }), reporter())).rejects.toMatchObject({ code: 'CONFLICT' });
    await backend.remove('shared');
  });

  it('Job helpers: a validated Job runs, logs, finishes and is deleted (Kubernetes API stand-in)', async () => {
    const job = jobFor({ name: 'train-run-1', namespace: NS, image: 'mldesk/project:abc', command: ['python', 'train.py', '--lr', '0.1'], env: { MLFLOW_TRACKING_URI: 'http://10.0.0.5:5000', MLFLOW_RUN_ID: 'r1' }, cpus: 1, memoryMb: 512, gpus: 1, labels: { 'mldesk.run': 'r1', 'mldesk.store': 'store-0f3a' } }) as Obj;
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '1000m', memory: '512Mi', 'nvidia.com/gpu': 1 });
    expect(() => jobFor({ name: 'x', namespace: NS, image: 'i', command: ['a'], env: {}, cpus: null, memoryMb: null, gpus: 0, labels: { 'bad key!': 'v' } })).toThrow(MldeskError);

    await backend.applyJob(job);
    expect(standin.requests.at(-1)).toMatchObject({ method: 'PATCH', contentType: 'application/apply-patch+yaml' });
    await waitFor(async () => (await backend.jobState('train-run-1')).state === 'running');
    const st = await backend.jobState('train-run-1');
    expect(st).toMatchObject({ exists: true, active: 1, succeeded: 0, failed: 0 });
    expect(st.pod).toMatch(/^train-run-1-/);
    standin.writeLog('train-run-1', ['epoch 1 loss=0.5', 'epoch 2 loss=0.3']);
    const first = await backend.jobLogs('train-run-1');
    expect(first.lines).toEqual(['+ python train.py --lr 0.1', 'epoch 1 loss=0.5', 'epoch 2 loss=0.3']);
    standin.writeLog('train-run-1', ['done']);
    const more = await backend.jobLogs('train-run-1', first.next);
    expect(more).toEqual({ lines: ['done'], next: 4 });
    standin.completeJob('train-run-1', true);
    expect(await backend.jobState('train-run-1')).toMatchObject({ state: 'succeeded', succeeded: 1, active: 0 });
    expect(await backend.deleteJob('train-run-1')).toBe(true);
    expect(standin.requests.at(-1)!.path).toContain('propagationPolicy=Background');
    expect(standin.objects('Job')).toEqual([]);
    expect(standin.objects('Pod').filter((p) => p.metadata.labels['job-name'] === 'train-run-1')).toEqual([]);
    expect(await backend.jobState('train-run-1')).toMatchObject({ exists: false, state: 'missing' });
    expect(await backend.deleteJob('train-run-1')).toBe(false);

    await backend.applyJob(jobFor({ name: 'train-run-2', namespace: NS, image: 'mldesk/project:abc', command: ['false'], env: {}, cpus: null, memoryMb: null, gpus: 0, labels: {} }));
    await waitFor(async () => (await backend.jobState('train-run-2')).pod !== null);
    standin.completeJob('train-run-2', false);
    const failed = await backend.jobState('train-run-2');
    expect(failed.state).toBe('failed');
    expect(failed.message).toContain('BackoffLimitExceeded');
    await backend.deleteJob('train-run-2');
  });

  it('the stand-in answers like the API server: 404 Status, 415/422 for a patch that is not a proper apply, 401 for a wrong token (Kubernetes API stand-in)', async () => {
    expect(await backend.client.rawJson('GET', '/version')).toMatchObject({ major: '1', gitVersion: expect.stringContaining('standin') });
    const nodes = await backend.client.rawJson('GET', '/api/v1/nodes');
    expect((nodes.items as Obj[])[0]!.status.allocatable).toMatchObject({ cpu: '3800m' });
    await expect(backend.client.rawJson('GET', '/api/v1/namespaces/absent')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const missing = await backend.client.raw('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    const body = JSON.stringify(manifestsFor(spec({ deployment: 'raw' }), NS)[0]);
    const noManager = await backend.client.raw('PATCH', '/api/v1/namespaces/default/services/raw', { body, contentType: 'application/apply-patch+yaml' });
    expect(noManager.status).toBe(422);
    const wrongType = await backend.client.raw('PATCH', '/api/v1/namespaces/default/services/raw?fieldManager=mldesk', { body, contentType: 'application/json' });
    expect(wrongType.status).toBe(415);
    // A wrong token: the cluster's 401 (a precondition of the target, not the caller's own 401), and the token
    // appears nowhere in the error.
    const badKc = new KubeConfig();
    const wrong = 'wrong-token-7f1e2d3c4b5a';
    badKc.loadFromString(standin.kubeconfig.replace(standin.token, wrong));
    const bad = new KubernetesBackend(badKc, { namespace: NS, storeId: 'store-0f3a', endpointHost: '127.0.0.1' });
    const err = (await bad.observe('iris').catch((e: unknown) => e)) as MldeskError;
    expect(err).toBeInstanceOf(MldeskError);
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect((err.details as { status?: number }).status).toBe(401);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(wrong);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(standin.token);
  });

  it('an unreachable API server is UNAVAILABLE with the server named (Kubernetes API stand-in)', async () => {
    const deadKc = new KubeConfig();
    deadKc.loadFromString(standin.kubeconfig.replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1'));
    const dead = new KubernetesBackend(deadKc, { namespace: NS, storeId: 's', endpointHost: '127.0.0.1' });
    const err = (await dead.observe('iris').catch((e: unknown) => e)) as MldeskError;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('https://127.0.0.1:1');
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
