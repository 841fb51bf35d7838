import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Service } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { makeCerts } from './dockerd';

/**
 * KUBERNETES API STAND-IN — a test double, not Kubernetes. No API server can run on this machine, so this serves the
 * part of the Kubernetes API's HTTP surface the mldesk backend uses, over HTTPS on 127.0.0.1 with a test CA and a
 * bearer token (the kubeconfig it hands out is what a real cluster's looks like):
 *
 * - discovery (/api/v1, /apis/<group>/<version>), /version, nodes, namespaces;
 * - Deployments, ReplicaSets, Services, Ingresses, HPAs, Jobs, Pods, Events: GET (get / list with labelSelector and
 *   fieldSelector), POST (create), PATCH (server-side apply: content-type application/apply-patch+yaml and a
 *   fieldManager, else 415 / 422 as the real server; merge patch), DELETE with cascade to dependents;
 * - the scale subresource, pod logs, the pod and service proxies (a fixed JSON naming the pod and its image's version);
 * - a simulated deployment controller: a new pod template makes a ReplicaSet with the next
 *   `deployment.kubernetes.io/revision` (a template equal to an old ReplicaSet's re-uses it, as `rollout undo` does),
 *   pods surge one at a time (maxSurge 1 / maxUnavailable 0), become ready unless their image was marked failing,
 *   and a rollout that makes no progress for progressDeadlineSeconds × `deadlineScale` gets Progressing=False,
 *   reason ProgressDeadlineExceeded;
 * - a simulated job controller: one pod per Job, finished by the test (`completeJob`).
 *
 * Errors are Status objects shaped like the real API's. What it does not do: field ownership conflicts, admission,
 * scheduling, watches, real networking. Requests are logged (method, path, content-type) for the tests to assert on.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StandinRequest {
  method: string;
  path: string;
  contentType: string | null;
}

export interface KubeStandin {
  url: string;
  /** A kubeconfig (YAML) for the stand-in: its CA, a bearer token, context `standin`, namespace `default`. */
  kubeconfig: string;
  token: string;
  /** Objects of a kind ('Deployment', 'ReplicaSet', 'Pod', …) in all namespaces (copies). */
  objects(kind: string): Obj[];
  requests: StandinRequest[];
  /** Pods of this image start but never become ready (their log says why). */
  failImage(image: string): void;
  /** Ends a Job: its pod Succeeded / Failed. */
  completeJob(name: string, ok: boolean, namespace?: string): void;
  /** Appends lines to a pod's log (a job's pod: the job's name works too). */
  writeLog(podOrJob: string, lines: string[], namespace?: string): void;
  close(): Promise<void>;
}

export interface KubeStandinOptions {
  /** progressDeadlineSeconds is multiplied by this (0.02: 120 s → 2.4 s) so a test sees a deadline pass quickly. */
  deadlineScale?: number;
  /** How long a pod takes from created to running/ready. */
  podStartMs?: number;
}

interface Resource {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const RESOURCES: Resource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, verbs: ['get', 'list'] },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, verbs: ['get', 'list', 'delete'] },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, verbs: ['get', 'list'] },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, verbs: ['get', 'list', 'delete'] },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true, verbs: ['get', 'list', 'create', 'patch', 'delete'] },
];

/** The real API server validates too (422 Invalid); the same OpenAPI schemas stand in for its validation. */
const VALIDATORS: Record<string, new (d: never) => { validate(): void }> = {
  Deployment: Deployment as never,
  Service: Service as never,
  Ingress: Ingress as never,
  HorizontalPodAutoscaler: HorizontalPodAutoscaler as never,
  Job: Job as never,
};

const SUBRESOURCES = new Set(['deployments/scale', 'pods/log', 'pods/proxy', 'services/proxy', 'deployments/status']);

const apiVersionOf = (r: Resource) => (r.group ? `${r.group}/${r.version}` : r.version);
const clone = <T>(v: T): T => structuredClone(v);
const now = () => new Date().toISOString();
const rand5 = () => randomBytes(4).toString('hex').slice(0, 5);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function statusObj(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, ...(details ? { details } : {}), code };
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

/** labelSelector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-joined (set-based `in` is not needed here). */
function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  return selector.split(',').every((term) => {
    const t = term.trim();
    if (!t) return true;
    let m = /^([^!=]+)!=(.*)$/.exec(t);
    if (m) return l[m[1]!.trim()] !== m[2]!.trim();
    m = /^([^=]+)==?(.*)$/.exec(t);
    if (m) return l[m[1]!.trim()] === m[2]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in l);
    return t in l;
  });
}

function matchesFields(o: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(term.trim());
    if (!m) return true;
    const v = m[1]!.split('.').reduce<unknown>((x, k) => (isObj(x) ? x[k] : undefined), o);
    return m[2] === '!=' ? String(v) !== m[3] : String(v) === m[3];
  });
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isObj(base) || !isObj(patch)) return clone(patch);
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(base[k], v);
  }
  return out;
}

function intOrPercent(v: unknown, of: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) / 100) * of;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return roundUp ? 1 : 0;
}

export async function startKubeStandin(opts: KubeStandinOptions = {}): Promise<KubeStandin> {
  const deadlineScale = opts.deadlineScale ?? 0.02;
  const podStartMs = opts.podStartMs ?? 150;
  const token = randomBytes(24).toString('hex');
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-kube-standin-'));
  const certs = makeCerts(certDir);

  const store = new Map<string, Obj>(); // `${kind}/${ns}/${name}`
  const logs = new Map<string, Array<{ t: string; line: string }>>(); // `${ns}/${pod}`
  const failing = new Set<string>();
  /** Per Deployment: the template hash last seen, ready pods of it, and when it last made progress. */
  const progress = new Map<string, { hash: string; ready: number; oldTotal: number; since: number }>();
  const requests: StandinRequest[] = [];
  let rv = 1000;
  const key = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
  const list = (kind: string, ns?: string) => [...store.entries()].filter(([k]) => k.startsWith(`${kind}/${ns === undefined ? '' : `${ns}/`}`)).map(([, v]) => v);
  const get = (kind: string, ns: string, name: string) => store.get(key(kind, ns, name));
  const put = (o: Obj) => {
    o.metadata.resourceVersion = String(++rv);
    store.set(key(o.kind, o.metadata.namespace ?? '', o.metadata.name), o);
  };
  const drop = (o: Obj) => store.delete(key(o.kind, o.metadata.namespace ?? '', o.metadata.name));
  const log = (ns: string, pod: string, ...lines: string[]) => {
    const k = `${ns}/${pod}`;
    const arr = logs.get(k) ?? [];
    for (const line of lines) arr.push({ t: now(), line });
    logs.set(k, arr);
  };
  const event = (ns: string, pod: Obj, type: string, reason: string, message: string) => {
    const name = `${pod.metadata.name}.${rand5()}`;
    put({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns, uid: rand5(), creationTimestamp: now() },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: ns, uid: pod.metadata.uid },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
    });
  };

  put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', uid: rand5(), creationTimestamp: now() }, status: { phase: 'Active' } });
  put({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'standin-node-1', uid: rand5(), creationTimestamp: now(), labels: { 'kubernetes.io/hostname': 'standin-node-1', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' } },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      nodeInfo: { kubeletVersion: 'v1.30.0-standin', containerRuntimeVersion: 'containerd://1.7.0', osImage: 'stand-in', architecture: 'amd64', operatingSystem: 'linux' },
    },
  });

  // ── controllers ──────────────────────────────────────────────────────────

  /** Like the controller's hash: of the template's content, not of the JSON's key order or absent (null) fields. */
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : isObj(v)
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => v[k] !== null && v[k] !== undefined && !k.startsWith('__'))
              .sort()
              .map((k) => [k, canonical(v[k])]),
          )
        : v;
  const templateHash = (tpl: unknown) => createHash('sha256').update(JSON.stringify(canonical(tpl))).digest('hex').slice(0, 10);

  function makePod(ns: string, owner: Obj, ownerKind: string, labels: Obj, podSpec: Obj, annotations: Obj = {}): Obj {
    const name = `${owner.metadata.name}-${rand5()}`;
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: ns,
        uid: randomBytes(8).toString('hex'),
        creationTimestamp: now(),
        labels: clone(labels),
        annotations: clone(annotations),
        ownerReferences: [{ apiVersion: ownerKind === 'Job' ? 'batch/v1' : 'apps/v1', kind: ownerKind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }],
      },
      spec: { ...clone(podSpec), nodeName: 'standin-node-1' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now() }],
        containerStatuses: (podSpec.containers ?? []).map((c: Obj) => ({ name: c.name, image: c.image, ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } })),
      },
    };
    (pod as Obj).__created = Date.now();
    put(pod);
    return pod;
  }

  function advancePod(pod: Obj, serving: boolean): void {
    if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return;
    if (Date.now() - pod.__created < podStartMs) return;
    const ns = pod.metadata.namespace;
    const image: string = pod.spec.containers?.[0]?.image ?? '';
    const bad = failing.has(image);
    if (pod.status.phase === 'Pending') {
      pod.status.phase = 'Running';
      pod.status.startTime = now();
      pod.status.podIP = `10.1.0.${(rv % 250) + 2}`;
      if (serving) log(ns, pod.metadata.name, `mldesk runtime: loading model for ${image}`, bad ? `Error: cannot load the model in ${image}: Invalid model file` : 'listening on 0.0.0.0:8080');
    }
    const ready = !bad;
    const wasReady = pod.status.containerStatuses?.[0]?.ready === true;
    pod.status.containerStatuses = (pod.spec.containers ?? []).map((c: Obj, i: number) => {
      const prev = pod.status.containerStatuses?.[i] ?? {};
      if (!serving || ready) return { name: c.name, image: c.image, ready: serving ? true : false, started: true, restartCount: prev.restartCount ?? 0, state: { running: { startedAt: pod.status.startTime } } };
      const restarts = Math.floor((Date.now() - pod.__created) / 1000);
      return {
        name: c.name,
        image: c.image,
        ready: false,
        started: true,
        restartCount: restarts,
        state: restarts > 0 ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${pod.metadata.name}` } } : { running: { startedAt: pod.status.startTime } },
        ...(restarts > 0 ? { lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: now() } } } : {}),
      };
    });
    const conds = [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      serving && !ready
        ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${pod.spec.containers?.[0]?.name}]` }
        : { type: 'ContainersReady', status: 'True' },
      serving && !ready
        ? { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${pod.spec.containers?.[0]?.name}]` }
        : { type: 'Ready', status: serving || pod.status.phase === 'Running' ? 'True' : 'False' },
    ];
    pod.status.conditions = conds;
    if (serving && !ready && !pod.__warned) {
      pod.__warned = true;
      const probe = pod.spec.containers?.[0]?.readinessProbe?.httpGet?.path ?? '/';
      event(ns, pod, 'Warning', 'Unhealthy', `Readiness probe failed: Get "http://${pod.status.podIP}:8080${probe}": dial tcp ${pod.status.podIP}:8080: connect: connection refused`);
      event(ns, pod, 'Warning', 'BackOff', `Back-off restarting failed container ${pod.spec.containers?.[0]?.name} in pod ${pod.metadata.name}`);
    }
    if (serving && ready && !wasReady) pod.status.conditions.find((c: Obj) => c.type === 'Ready').lastTransitionTime = now();
    pod.metadata.resourceVersion = String(++rv);
  }

  const podReady = (p: Obj) => p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True') === true;
  const ownedBy = (o: Obj, owner: Obj) => (o.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === owner.metadata.uid);

  function reconcileDeployment(dep: Obj): void {
    const ns = dep.metadata.namespace;
    const depKey = key('Deployment', ns, dep.metadata.name);
    const desired: number = typeof dep.spec.replicas === 'number' ? dep.spec.replicas : 1;
    const hash = templateHash(dep.spec.template);
    const rss = list('ReplicaSet', ns).filter((rs) => ownedBy(rs, dep));
    const maxRev = rss.reduce((m, rs) => Math.max(m, Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)), 0);
    let newRs = rss.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    let p = progress.get(depKey);
    if (!p || p.hash !== hash) {
      p = { hash, ready: -1, oldTotal: -1, since: Date.now() };
      progress.set(depKey, p);
    }
    if (!newRs) {
      const labels = { ...(dep.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
      newRs = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${dep.metadata.name}-${hash}`,
          namespace: ns,
          uid: randomBytes(8).toString('hex'),
          creationTimestamp: now(),
          generation: 1,
          labels,
          annotations: { 'deployment.kubernetes.io/revision': String(maxRev + 1), 'deployment.kubernetes.io/desired-replicas': String(desired) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name, uid: dep.metadata.uid, controller: true }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
          template: { ...clone(dep.spec.template), metadata: { ...clone(dep.spec.template.metadata ?? {}), labels } },
        },
        status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
      };
      put(newRs);
      rss.push(newRs);
    } else if (Number(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0) < maxRev) {
      // Back to an older template (rollout undo): that ReplicaSet becomes the newest revision again.
      newRs.metadata.annotations['deployment.kubernetes.io/revision'] = String(maxRev + 1);
    }
    const revision = newRs.metadata.annotations['deployment.kubernetes.io/revision'];
    dep.metadata.annotations = { ...(dep.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': revision };

    const olds = rss.filter((rs) => rs !== newRs);
    const podsOf = (rs: Obj) => list('Pod', ns).filter((pod) => ownedBy(pod, rs));
    for (const pod of list('Pod', ns).filter((pd) => rss.some((rs) => ownedBy(pd, rs)))) advancePod(pod, true);

    const ru = dep.spec.strategy?.rollingUpdate ?? {};
    const maxSurge = intOrPercent(ru.maxSurge ?? '25%', desired, true);
    const maxUnavailable = intOrPercent(ru.maxUnavailable ?? '25%', desired, false);
    // Scale the new ReplicaSet up within the surge budget.
    const total = rss.reduce((n, rs) => n + rs.spec.replicas, 0);
    if (newRs.spec.replicas > desired) newRs.spec.replicas = desired;
    else if (newRs.spec.replicas < desired) newRs.spec.replicas = Math.min(desired, newRs.spec.replicas + Math.max(0, desired + maxSurge - total));
    // Scale old ones down as far as availability allows.
    const readyAll = rss.reduce((n, rs) => n + podsOf(rs).filter(podReady).length, 0);
    let canRemove = readyAll - (desired - maxUnavailable);
    for (const rs of olds) {
      const unready = podsOf(rs).filter((pd) => !podReady(pd)).length;
      const cut = Math.min(rs.spec.replicas, Math.max(0, canRemove) + unready);
      if (cut > 0) {
        rs.spec.replicas -= cut;
        canRemove -= Math.max(0, cut - unready);
      }
    }
    // Pods follow their ReplicaSet's count (the newest go first).
    for (const rs of rss) {
      const pods = podsOf(rs).sort((a, b) => a.__created - b.__created);
      for (let i = pods.length; i < rs.spec.replicas; i++) makePod(ns, rs, 'ReplicaSet', rs.spec.template.metadata?.labels ?? {}, rs.spec.template.spec ?? {}, rs.spec.template.metadata?.annotations ?? {});
      for (const extra of pods.slice(rs.spec.replicas).reverse()) {
        drop(extra);
        logs.delete(`${ns}/${extra.metadata.name}`);
      }
      const now2 = podsOf(rs);
      rs.status = { replicas: now2.length, readyReplicas: now2.filter(podReady).length, availableReplicas: now2.filter(podReady).length, observedGeneration: rs.metadata.generation };
      rs.metadata.resourceVersion = String(++rv);
    }
    // Old, empty ReplicaSets beyond revisionHistoryLimit go.
    const history = dep.spec.revisionHistoryLimit ?? 10;
    const emptyOld = olds.filter((rs) => rs.spec.replicas === 0).sort((a, b) => Number(a.metadata.annotations['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations['deployment.kubernetes.io/revision']));
    for (const rs of emptyOld.slice(0, Math.max(0, emptyOld.length - history))) drop(rs);

    const newPods = podsOf(newRs);
    const allPods = rss.flatMap(podsOf);
    const ready = allPods.filter(podReady).length;
    const newReady = newPods.filter(podReady).length;
    const oldTotal = olds.reduce((n, rs) => n + rs.spec.replicas, 0);
    if (newReady !== p.ready || oldTotal !== p.oldTotal) {
      if (newReady > p.ready || oldTotal < p.oldTotal) p.since = Date.now();
      p.ready = newReady;
      p.oldTotal = oldTotal;
    }
    const complete = newPods.length === desired && allPods.length === desired && newReady === desired;
    const deadlineMs = (dep.spec.progressDeadlineSeconds ?? 600) * 1000 * deadlineScale;
    const prevProg = (dep.status?.conditions ?? []).find((c: Obj) => c.type === 'Progressing');
    let progressing: Obj;
    if (complete) progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` };
    else if ((prevProg?.reason === 'ProgressDeadlineExceeded' && prevProg.__hash === hash) || Date.now() - p.since > deadlineMs) {
      progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` };
    } else progressing = { type: 'Progressing', status: 'True', reason: newRs.metadata.creationTimestamp && p.ready <= 0 ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated', message: `ReplicaSet "${newRs.metadata.name}" is progressing.` };
    progressing.__hash = hash;
    progressing.lastUpdateTime = now();
    const available = ready >= desired - maxUnavailable;
    dep.status = {
      observedGeneration: dep.metadata.generation,
      replicas: allPods.length,
      updatedReplicas: newPods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        { type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
        progressing,
      ],
    };
  }

  function reconcileJob(job: Obj): void {
    const ns = job.metadata.namespace;
    let pods = list('Pod', ns).filter((pd) => ownedBy(pd, job));
    if (pods.length === 0 && !job.__finished) {
      const labels = { ...(job.spec.template?.metadata?.labels ?? {}), 'job-name': job.metadata.name, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid };
      const pod = makePod(ns, job, 'Job', labels, job.spec.template?.spec ?? {});
      log(ns, pod.metadata.name, `+ ${(pod.spec.containers?.[0]?.command ?? []).join(' ')}`);
      pods = [pod];
      job.status = { ...(job.status ?? {}), startTime: now() };
    }
    for (const pod of pods) advancePod(pod, false);
    const running = pods.filter((pd) => pd.status.phase === 'Pending' || pd.status.phase === 'Running').length;
    job.status = {
      ...(job.status ?? {}),
      active: running,
      ready: pods.filter((pd) => pd.status.phase === 'Running').length,
      succeeded: pods.filter((pd) => pd.status.phase === 'Succeeded').length,
      failed: pods.filter((pd) => pd.status.phase === 'Failed').length,
    };
  }

  function reconcile(): void {
    for (const dep of list('Deployment')) reconcileDeployment(dep);
    for (const job of list('Job')) reconcileJob(job);
  }
  const timer = setInterval(() => {
    try {
      reconcile();
    } catch (e) {
      console.error('kube stand-in controller error', e);
    }
  }, 25);
  timer.unref();

  // ── objects ──────────────────────────────────────────────────────────────

  function cascadeDelete(o: Obj): void {
    for (const kind of ['ReplicaSet', 'Pod']) {
      for (const child of list(kind, o.metadata.namespace)) {
        if (ownedBy(child, o)) {
          cascadeDelete(child);
          drop(child);
          if (kind === 'Pod') logs.delete(`${child.metadata.namespace}/${child.metadata.name}`);
        }
      }
    }
    progress.delete(key(o.kind, o.metadata.namespace ?? '', o.metadata.name));
  }

  function validateBody(res: Resource, body: Obj, name: string | null): void {
    if (!isObj(body)) throw new HttpError(400, 'BadRequest', 'the body of the request was in an unknown format');
    if (body.kind !== res.kind || body.apiVersion !== apiVersionOf(res)) {
      throw new HttpError(400, 'BadRequest', `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(res)}) or kind ${String(body.kind)} is not ${res.kind}`);
    }
    if (name !== null && body.metadata?.name !== name) throw new HttpError(400, 'BadRequest', `the name of the object (${String(body.metadata?.name)}) does not match the name on the URL (${name})`);
    const V = VALIDATORS[res.kind];
    if (V) {
      try {
        new V(clone(body) as never).validate();
      } catch (e) {
        const errs = ((e as { errors?: Obj[] }).errors ?? []).map((x) => ({ field: `${String(x.instancePath ?? '')}${x.params?.missingProperty ? `/${String(x.params.missingProperty)}` : ''}`, message: String(x.message) }));
        throw new HttpError(422, 'Invalid', `${res.kind}.${apiVersionOf(res)} "${String(body.metadata?.name)}" is invalid: ${errs.map((x) => `${x.field}: ${x.message}`).join(', ')}`, { name: body.metadata?.name, kind: res.kind, causes: errs });
      }
    }
  }

  /** Create or update; bumps generation when the spec changed. Keeps server-owned metadata and status. */
  function upsert(res: Resource, ns: string, body: Obj, manager: string, op: 'Apply' | 'Update' | 'Create', merge: boolean): { obj: Obj; created: boolean } {
    const name = body.metadata.name as string;
    const old = get(res.kind, ns, name);
    const next: Obj = merge && old ? (deepMerge(old, body) as Obj) : clone(body);
    next.metadata = {
      ...(merge && old ? next.metadata : clone(body.metadata)),
      name,
      ...(res.namespaced ? { namespace: ns } : {}),
      uid: old?.metadata.uid ?? randomBytes(8).toString('hex'),
      creationTimestamp: old?.metadata.creationTimestamp ?? now(),
      generation: old ? old.metadata.generation : 1,
      managedFields: [{ manager, operation: op, apiVersion: apiVersionOf(res), time: now(), fieldsType: 'FieldsV1' }],
    };
    if (old && JSON.stringify(old.spec) !== JSON.stringify(next.spec)) next.metadata.generation = old.metadata.generation + 1;
    if (old?.metadata.annotations?.['deployment.kubernetes.io/revision']) {
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': old.metadata.annotations['deployment.kubernetes.io/revision'] };
    }
    next.status = old?.status ?? {};
    if (res.kind === 'Service' && !next.spec.clusterIP) next.spec.clusterIP = old?.spec?.clusterIP ?? `10.96.0.${(rv % 250) + 2}`;
    if (res.kind === 'Namespace') next.status = { phase: 'Active' };
    put(next);
    if (res.kind === 'Deployment') reconcileDeployment(next);
    if (res.kind === 'Job') reconcileJob(next);
    return { obj: next, created: !old };
  }

  const publicView = (o: Obj): Obj =>
    JSON.parse(
      JSON.stringify(o, (k, v: unknown) => (k.startsWith('__') ? undefined : v)),
    ) as Obj;

  // ── HTTP ─────────────────────────────────────────────────────────────────

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    res.writeHead(code, { 'content-type': type, 'content-length': buf.length });
    res.end(buf);
  }

  function proxyAnswer(pod: Obj, req: IncomingMessage, pathRest: string, body: Buffer, via: string): Obj {
    return {
      standin: true,
      via,
      pod: pod.metadata.name,
      image: pod.spec.containers?.[0]?.image ?? null,
      version: pod.metadata.labels?.['mldesk.model_version'] ?? null,
      method: req.method,
      path: pathRest || '/',
      body: body.length ? body.toString('utf8') : null,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://standin');
    const ct = (req.headers['content-type'] ?? null) as string | null;
    requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, contentType: ct });
    if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    const body = await readBody(req);
    const p = url.pathname;
    const q = url.searchParams;

    if (p === '/version') return send(res, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-standin', platform: 'linux/amd64' });
    if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'] });

    // Discovery: /api/v1 or /apis/<group>/<version>
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(p);
    if (disc) {
      const [group, version] = disc[1] ? ['', 'v1'] : [disc[2]!, disc[3]!];
      const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
      if (rs.length === 0) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      const resources = rs.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs }));
      for (const sub of SUBRESOURCES) {
        const [plural, s] = sub.split('/');
        const r = rs.find((x) => x.plural === plural);
        if (r) resources.push({ name: sub, singularName: '', namespaced: true, kind: s === 'scale' ? 'Scale' : r.kind, verbs: ['get', 'patch'] });
      }
      return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : 'v1', resources });
    }

    // /api/v1/[namespaces/{ns}/]{plural}[/{name}[/{sub}[/rest]]]  or  /apis/{g}/{v}/…
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(p);
    if (!m) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const group = m[1] ?? '';
    const version = m[2] ?? 'v1';
    let segs = m[3]!.split('/').map(decodeURIComponent);
    let ns: string | null = null;
    if (segs[0] === 'namespaces' && segs.length >= 3) {
      ns = segs[1]!;
      segs = segs.slice(2);
    }
    const plural = segs[0]!;
    const resDef = RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
    if (!resDef) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (resDef.namespaced && ns !== null && !get('Namespace', '', ns)) {
      throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
    const nsKey = resDef.namespaced ? (ns ?? undefined) : '';
    const rawName = segs[1] ?? null;
    const sub = segs[2] ?? null;
    const method = req.method ?? 'GET';

    // Proxies: pods/{name}:{port}/proxy/…, services/{name}:{port}/proxy/…
    if (sub === 'proxy' && rawName && ns !== null) {
      const [name] = rawName.split(':');
      const rest = `/${segs.slice(3).join('/')}${url.search}`;
      if (plural === 'pods') {
        const pod = get('Pod', ns, name!);
        if (!pod) throw new HttpError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
        if (!podReady(pod)) throw new HttpError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${String(pod.status.podIP)}:8080: connect: connection refused`);
        return send(res, 200, proxyAnswer(pod, req, rest, body, 'pod proxy'));
      }
      if (plural === 'services') {
        const svc = get('Service', ns, name!);
        if (!svc) throw new HttpError(404, 'NotFound', `services "${name}" not found`, { name, kind: 'services' });
        const pods = list('Pod', ns).filter((pd) => matchesSelector(pd.metadata.labels, Object.entries(svc.spec.selector ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',')) && podReady(pd));
        if (pods.length === 0) throw new HttpError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
        const pod = pods[rv++ % pods.length]!;
        return send(res, 200, proxyAnswer(pod, req, rest, body, 'service proxy'));
      }
    }

    if (rawName === null) {
      if (method === 'GET') {
        const items = list(resDef.kind, nsKey)
          .filter((o) => matchesSelector(o.metadata.labels, q.get('labelSelector')) && matchesFields(o, q.get('fieldSelector')))
          .map(publicView);
        return send(res, 200, { kind: `${resDef.kind}List`, apiVersion: apiVersionOf(resDef), metadata: { resourceVersion: String(rv) }, items });
      }
      if (method === 'POST') {
        const obj = JSON.parse(body.toString('utf8')) as Obj;
        validateBody(resDef, obj, null);
        const n = ns ?? '';
        if (get(resDef.kind, resDef.namespaced ? n : '', obj.metadata.name)) throw new HttpError(409, 'AlreadyExists', `${plural}.${group || 'core'} "${String(obj.metadata.name)}" already exists`, { name: obj.metadata.name, kind: plural });
        const { obj: created } = upsert(resDef, n, obj, q.get('fieldManager') ?? 'unknown', 'Create', false);
        return send(res, 201, publicView(created));
      }
      throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    const name = rawName;
    const objNs = resDef.namespaced ? (ns ?? 'default') : '';
    const existing = get(resDef.kind, objNs, name);
    const notFound = () => new HttpError(404, 'NotFound', `${plural}${group ? `.${group}` : ''} "${name}" not found`, { name, group, kind: plural });

    if (sub === 'log' && plural === 'pods') {
      if (!existing) throw notFound();
      let lines = logs.get(`${objNs}/${name}`) ?? [];
      const tail = q.get('tailLines');
      if (tail !== null) lines = lines.slice(-Number(tail));
      const ts = q.get('timestamps') === 'true';
      return send(res, 200, lines.map((l) => (ts ? `${l.t} ${l.line}` : l.line)).join('\n') + (lines.length ? '\n' : ''), 'text/plain');
    }
    if (sub === 'scale' && plural === 'deployments') {
      if (!existing) throw notFound();
      if (method === 'PATCH' || method === 'PUT') {
        if (method === 'PATCH' && ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json') throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`);
        const patch = JSON.parse(body.toString('utf8')) as Obj;
        const replicas = patch.spec?.replicas;
        if (typeof replicas !== 'number' || replicas < 0) throw new HttpError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`);
        existing.spec.replicas = replicas;
        existing.metadata.generation += 1;
        put(existing);
        reconcileDeployment(existing);
      }
      return send(res, 200, { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name, namespace: objNs }, spec: { replicas: existing.spec.replicas }, status: { replicas: existing.status?.replicas ?? 0 } });
    }
    if (sub !== null) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

    if (method === 'GET') {
      if (!existing) throw notFound();
      return send(res, 200, publicView(existing));
    }
    if (method === 'DELETE') {
      if (!existing) throw notFound();
      cascadeDelete(existing);
      drop(existing);
      return send(res, 200, statusObj(200, '', '', { name, kind: plural, uid: existing.metadata.uid }));
    }
    if (method === 'PATCH') {
      const text = body.toString('utf8');
      if (ct === 'application/apply-patch+yaml') {
        const manager = q.get('fieldManager');
        if (!manager) throw new HttpError(422, 'Invalid', 'PATCH /apply requests require a fieldManager: fieldManager: Required value: is required for apply patch');
        let obj: Obj;
        try {
          obj = YAML.parse(text) as Obj;
        } catch (e) {
          throw new HttpError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
        }
        validateBody(resDef, obj, name);
        const { obj: out, created } = upsert(resDef, objNs, obj, manager, 'Apply', false);
        return send(res, created ? 201 : 200, publicView(out));
      }
      if (ct === 'application/merge-patch+json' || ct === 'application/strategic-merge-patch+json') {
        if (!existing) throw notFound();
        const patch = JSON.parse(text) as Obj;
        const merged = deepMerge(existing, patch) as Obj;
        validateBody(resDef, merged, name);
        const { obj: out } = upsert(resDef, objNs, merged, q.get('fieldManager') ?? 'unknown', 'Update', false);
        return send(res, 200, publicView(out));
      }
      throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    }
    if (method === 'PUT') {
      const obj = JSON.parse(body.toString('utf8')) as Obj;
      validateBody(resDef, obj, name);
      if (!existing) throw notFound();
      const { obj: out } = upsert(resDef, objNs, obj, q.get('fieldManager') ?? 'unknown', 'Update', false);
      return send(res, 200, publicView(out));
    }
    throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  const server = https.createServer({ key: certs.serverKey, cert: certs.serverCert }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) send(res, e.code, statusObj(e.code, e.reason, e.message, e.details));
      else send(res, 500, statusObj(500, 'InternalError', `stand-in: ${e instanceof Error ? e.message : String(e)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'standin', cluster: { server: url, 'certificate-authority-data': Buffer.from(certs.ca).toString('base64') } }],
    users: [{ name: 'standin-user', user: { token } }],
    contexts: [{ name: 'standin', context: { cluster: 'standin', user: 'standin-user', namespace: 'default' } }],
    'current-context': 'standin',
  });

  return {
    url,
    kubeconfig,
    token,
    requests,
    objects: (kind) => list(kind).map(publicView),
    failImage: (image) => void failing.add(image),
    completeJob(name, ok, namespace = 'default') {
      const job = get('Job', namespace, name);
      if (!job) throw new Error(`stand-in: no job ${namespace}/${name}`);
      job.__finished = true;
      for (const pod of list('Pod', namespace).filter((pd) => ownedBy(pd, job))) {
        pod.status.phase = ok ? 'Succeeded' : 'Failed';
        pod.status.containerStatuses = (pod.spec.containers ?? []).map((c: Obj) => ({ name: c.name, image: c.image, ready: false, restartCount: 0, state: { terminated: { exitCode: ok ? 0 : 1, reason: ok ? 'Completed' : 'Error', finishedAt: now() } } }));
        pod.metadata.resourceVersion = String(++rv);
      }
      reconcileJob(job);
      job.status.completionTime = ok ? now() : undefined;
      job.status.conditions = [
        ok
          ? { type: 'Complete', status: 'True', reason: 'Completed', message: 'Reached expected number of succeeded pods', lastTransitionTime: now() }
          : { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: now() },
      ];
    },
    writeLog(podOrJob, lines, namespace = 'default') {
      const job = get('Job', namespace, podOrJob);
      const pod = job ? list('Pod', namespace).find((pd) => ownedBy(pd, job)) : get('Pod', namespace, podOrJob);
      if (!pod) throw new Error(`stand-in: no pod for ${namespace}/${podOrJob}`);
      log(namespace, pod.metadata.name, ...lines);
    },
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(certDir, { recursive: true, force: true });
    },
  };
}
