import type { KubeConfig } from '@kubernetes/client-node';
import { MldeskError } from '../../../../shared/contract';
import type { JobReporter } from '../../jobs';
import type { ClusterBackend, ClusterOutcome, ClusterSpec, ClusterState, Replica } from '../cluster';
import { KubeClient, type RawResponse } from './client';
import { CONTAINER_PORT, dnsLabel, KANNOTATION, KLABEL, labelValue, progressDeadline, serviceName, type Manifest } from './manifests';
import {
  at,
  currentReplicaSet,
  podProblem,
  podReady,
  podTask,
  previousReplicaSet,
  restartsOf,
  revisionOf,
  rolloutView,
  selectorString,
  templateOf,
  timeMs,
  type RolloutView,
} from './rollout';
import { manifestLabel, manifestsToApply, validateManifest } from './validate';

/**
 * A Kubernetes namespace as a deploy target. apply = server-side apply (field manager `mldesk`) of the validated
 * manifests, then the watch `kubectl rollout status` does; when the new pods do not become ready within the
 * Deployment's progress deadline, the previous ReplicaSet's pod template is applied back (`kubectl rollout undo`)
 * and watched in turn. Replicas, logs and Try-it go through the API server (pod log, pod and service proxies), so
 * nothing on the cluster has to be reachable from this machine but the API server itself.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
const REPLICASET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;
const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
const INGRESS = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' } as const;
const HPA = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' } as const;
const JOB = { apiVersion: 'batch/v1', kind: 'Job' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const EVENT = { apiVersion: 'v1', kind: 'Event' } as const;
const LOG_TAIL = 30;

export interface KubernetesBackendOptions {
  namespace: string;
  /** This data dir's id: the mldesk.store label; another store's Deployment of the same name is not touched. */
  storeId: string;
  /** Kept for symmetry with the Docker targets; Kubernetes endpoints are the Ingress host or the API's service proxy. */
  endpointHost: string;
  /** How often the rollout is polled (tests against the stand-in poll faster). */
  pollMs?: number;
}

export interface JobState {
  exists: boolean;
  active: number;
  succeeded: number;
  failed: number;
  /** The Job's pod (the newest), whose log is the run's. */
  pod: string | null;
  state: 'missing' | 'pending' | 'running' | 'succeeded' | 'failed';
  message: string | null;
}

export class KubernetesBackend implements ClusterBackend {
  readonly kind = 'kubernetes' as const;
  readonly client: KubeClient;
  readonly namespace: string;
  private readonly pollMs: number;
  /** The Ingress host/path last applied or seen, per deployment: endpoint() must answer without a request. */
  private readonly ingressOf = new Map<string, string>();

  constructor(
    kc: KubeConfig,
    private readonly opts: KubernetesBackendOptions,
  ) {
    this.client = new KubeClient(kc);
    this.namespace = opts.namespace;
    this.pollMs = opts.pollMs ?? 1000;
  }

  async describe(spec: ClusterSpec): Promise<Manifest[]> {
    return manifestsToApply(spec, this.namespace);
  }

  // ── apply and watch ──────────────────────────────────────────────────────

  async apply(spec: ClusterSpec, r: JobReporter): Promise<ClusterOutcome> {
    const manifests = manifestsToApply(spec, this.namespace);
    const name = dnsLabel(spec.deployment);
    await this.checkOwnership(name);
    r.phase(`Applying ${manifests.length} manifests to namespace ${this.namespace} (server-side apply, field manager mldesk)`, 0.05);
    let generation = 0;
    let deployment: Obj | null = null;
    const applied = manifests.find((m) => m.kind === 'Deployment');
    for (const m of manifests) {
      const res = await this.client.apply(m);
      r.log(`applied ${manifestLabel(m)}`);
      if (m.kind === 'Deployment') {
        deployment = res;
        generation = Number(at(res, 'metadata', 'generation') ?? 0);
      }
      if (m.kind === 'Ingress') this.rememberIngress(name, m);
    }
    if (!manifests.some((m) => m.kind === 'Ingress')) this.ingressOf.delete(name);
    // A previous Ingress/HPA the user turned off goes, or it would keep routing / scaling.
    for (const t of [INGRESS, HPA]) if (!manifests.some((m) => m.kind === t.kind)) await this.removeOwned(t, name, name);
    if (!deployment || !applied) throw new MldeskError('INTERNAL', 'No Deployment among the applied manifests');

    const deadlineSec = Number(at(deployment, 'spec', 'progressDeadlineSeconds') ?? progressDeadline(spec));
    const watched = await this.watch(name, generation, deadlineSec, r, 0.1, 0.8, `Rolling out version ${spec.version}`);
    if (watched.view.done) {
      const state = await this.observe(name);
      return { ok: true, rolledBack: false, message: `Version ${spec.version} rolled out: ${watched.view.message}`, state, logTail: [] };
    }

    // Readiness failed within the progress deadline: say why, then put the previous template back.
    const why = await this.failure(name, watched.dep);
    const failedMsg = `Version ${spec.version} did not become ready within the ${deadlineSec} s progress deadline: ${why.reason}`;
    r.log(failedMsg);
    const undo = await this.rollBack(name, applied, watched.dep, r);
    const state = await this.observe(name);
    if (!undo) {
      return { ok: false, rolledBack: false, message: `${failedMsg}. There is no previous version to roll back to; the Deployment stays as it is.`, state, logTail: why.logTail };
    }
    const back = undo.view.done
      ? `rolled back to version ${undo.version ?? '?'} (the ReplicaSet of revision ${undo.revision})`
      : `the rollback to version ${undo.version ?? '?'} did not complete either: ${undo.view.message}`;
    return { ok: false, rolledBack: undo.view.done, message: `${failedMsg}; ${back}`, state, logTail: why.logTail };
  }

  /** Refuses to take over a Deployment of the same name that another mldesk store (or someone else) made. */
  private async checkOwnership(name: string): Promise<void> {
    const existing = await this.client.read(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, this.namespace, name);
    if (!existing) return;
    const labels = (at(existing, 'metadata', 'labels') ?? {}) as Record<string, string>;
    if (labels[KLABEL.managedBy] !== 'mldesk') {
      throw new MldeskError('CONFLICT', `A Deployment "${name}" that mldesk did not create exists in namespace ${this.namespace}; choose another deployment name`);
    }
    if (labels[KLABEL.store] !== labelValue(this.opts.storeId)) {
      throw new MldeskError('CONFLICT', `The Deployment "${name}" in namespace ${this.namespace} belongs to another mldesk data directory (${labels[KLABEL.store] ?? '?'}); choose another deployment name`);
    }
  }

  /** Polls the Deployment until the rollout completes or the controller reports ProgressDeadlineExceeded. */
  private async watch(name: string, generation: number, deadlineSec: number, r: JobReporter, from: number, to: number, what: string): Promise<{ view: RolloutView; dep: Obj }> {
    // Our own limit only guards against a controller that never reports (the condition normally comes first).
    const limitSec = Math.round(deadlineSec * 1.5 + 30);
    const giveUp = Date.now() + limitSec * 1000;
    let last = '';
    for (;;) {
      const dep = await this.client.read(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, this.namespace, name);
      if (!dep) throw new MldeskError('NOT_FOUND', `The Deployment "${name}" disappeared from namespace ${this.namespace} during the rollout`);
      const view = rolloutView(dep, generation);
      const line = `${what}: ${view.updated}/${view.desired} updated, ${view.ready} ready, ${view.available} available — ${view.message}`;
      if (line !== last) {
        r.log(line);
        last = line;
      }
      const frac = view.desired > 0 ? (Math.min(view.updated, view.desired) + Math.min(view.available, view.desired)) / (2 * view.desired) : 1;
      r.phase(what, from + (to - from) * frac);
      if (view.done || view.failed) return { view, dep };
      if (Date.now() > giveUp) {
        return { view: { ...view, failed: true, state: 'failed', message: `the cluster reported neither completion nor a missed deadline within ${limitSec} s` }, dep };
      }
      await sleep(this.pollMs);
    }
  }

  private async replicaSets(dep: Obj): Promise<Obj[]> {
    const sel = selectorString(at(dep, 'spec', 'selector', 'matchLabels'));
    return this.client.list(REPLICASET.apiVersion, REPLICASET.kind, this.namespace, sel || undefined);
  }

  private async pods(dep: Obj | string): Promise<Obj[]> {
    const sel = typeof dep === 'string' ? `${KLABEL.deployment}=${dep}` : selectorString(at(dep, 'spec', 'selector', 'matchLabels'));
    return this.client.list(POD.apiVersion, POD.kind, this.namespace, sel || undefined);
  }

  /** The failing pod of the new ReplicaSet: its condition, its warning events and its log tail. */
  private async failure(name: string, dep: Obj): Promise<{ reason: string; logTail: string[] }> {
    const rs = currentReplicaSet(dep, await this.replicaSets(dep));
    const hash = rs ? (at(rs, 'metadata', 'labels', 'pod-template-hash') as string | undefined) : undefined;
    const pods = (await this.pods(dep)).filter((p) => !hash || at(p, 'metadata', 'labels', 'pod-template-hash') === hash);
    const bad = pods.find((p) => !podReady(p)) ?? pods[0];
    if (!bad) return { reason: `no pod of the new version was created (${String(at(dep, 'status', 'conditions') ? 'see the Deployment’s conditions' : 'quota or scheduling?')})`, logTail: [] };
    const pod = String(at(bad, 'metadata', 'name'));
    const parts = [`pod ${pod}: ${podProblem(bad) ?? 'not ready'}`];
    try {
      const events = await this.client.list(EVENT.apiVersion, EVENT.kind, this.namespace, undefined, `involvedObject.name=${pod}`);
      const warnings = events.filter((e) => e.type === 'Warning').slice(-3);
      for (const e of warnings) parts.push(`${String(e.reason)}: ${String(e.message)}`);
    } catch {
      // Events are a courtesy (a user may not be allowed to list them): the pod's own status already says why.
    }
    let text = await this.client.podLog(this.namespace, pod, { tailLines: LOG_TAIL });
    if (!text.trim() && restartsOf(bad) > 0) text = await this.client.podLog(this.namespace, pod, { tailLines: LOG_TAIL, previous: true });
    const logTail = text.split('\n').filter((l) => l.length > 0).slice(-LOG_TAIL);
    return { reason: parts.join('; '), logTail };
  }

  /** `kubectl rollout undo`: the previous ReplicaSet's pod template (and its version labels) applied back, then watched. */
  private async rollBack(name: string, applied: Manifest, dep: Obj, r: JobReporter): Promise<{ view: RolloutView; version: string | null; revision: number } | null> {
    const prev = previousReplicaSet(dep, await this.replicaSets(dep));
    if (!prev) return null;
    const template = templateOf(prev);
    const version = (at(template, 'metadata', 'labels', KLABEL.version) as string | undefined) ?? null;
    const revision = revisionOf(prev);
    r.phase(`Rolling back to version ${version ?? '?'} (revision ${revision})`, 0.85);
    // What mldesk applied, with the old template and its version labels: the same fields stay mldesk's (SSA drops
    // a field its manager leaves out, so this is the whole object, and replicas stay the HPA's when there is one).
    const undo = structuredClone(applied) as Obj;
    const meta = undo.metadata as Obj;
    const labels = { ...((meta.labels ?? {}) as Record<string, string>) };
    const annotations = { ...((meta.annotations ?? {}) as Record<string, string>) };
    for (const k of [KLABEL.model, KLABEL.version]) {
      const v = at(template, 'metadata', 'labels', k);
      if (typeof v === 'string') labels[k] = v;
    }
    for (const k of [KANNOTATION.model, KANNOTATION.version, KANNOTATION.runId]) {
      const v = at(template, 'metadata', 'annotations', k);
      if (typeof v === 'string') annotations[k] = v;
      else delete annotations[k];
    }
    undo.metadata = { ...meta, labels, annotations };
    const spec = { ...(undo.spec as Obj), template };
    undo.spec = spec;
    validateManifest(undo, this.namespace);
    const res = await this.client.apply(undo);
    const deadlineSec = Number(at(spec, 'progressDeadlineSeconds') ?? 600);
    const watched = await this.watch(name, Number(at(res, 'metadata', 'generation') ?? 0), deadlineSec, r, 0.85, 1, `Rolling back to version ${version ?? '?'}`);
    return { view: watched.view, version, revision };
  }

  // ── observe ──────────────────────────────────────────────────────────────

  async observe(deployment: string): Promise<ClusterState> {
    const name = dnsLabel(deployment);
    const dep = await this.client.read(DEPLOYMENT.apiVersion, DEPLOYMENT.kind, this.namespace, name);
    if (!dep) {
      return { exists: false, version: null, desired: 0, running: 0, updated: null, ready: null, available: null, rollout: { state: null, message: null }, tasks: [], startedAt: null };
    }
    const ing = await this.client.read(INGRESS.apiVersion, INGRESS.kind, this.namespace, name).catch(() => null);
    if (ing) this.rememberIngress(name, ing);
    else this.ingressOf.delete(name);
    const view = rolloutView(dep);
    const pods = await this.pods(dep);
    const tasks = pods.map(podTask).sort((a, b) => (b.since ?? 0) - (a.since ?? 0));
    return {
      exists: true,
      version: (at(dep, 'spec', 'template', 'metadata', 'labels', KLABEL.version) as string | undefined) ?? null,
      desired: view.desired,
      running: pods.filter((p) => at(p, 'status', 'phase') === 'Running').length,
      updated: view.updated,
      ready: view.ready,
      available: view.available,
      rollout: { state: view.state, message: view.message },
      tasks,
      startedAt: timeMs(at(dep, 'metadata', 'creationTimestamp')),
    };
  }

  async replicas(deployment: string): Promise<Replica[]> {
    const pods = (await this.pods(dnsLabel(deployment))).filter(podReady);
    return pods.map((p) => {
      const pod = String(at(p, 'metadata', 'name'));
      return {
        id: pod,
        version: (at(p, 'metadata', 'labels', KLABEL.version) as string | undefined) ?? null,
        get: async (path: string, timeoutMs: number) => {
          const res = await this.client.raw('GET', `/api/v1/namespaces/${enc(this.namespace)}/pods/${enc(pod)}:${CONTAINER_PORT}/proxy${slash(path)}`, { timeoutMs });
          return { status: res.status, body: res.body };
        },
      };
    });
  }

  /** The pods' last lines, merged in time order (the API's timestamps), each prefixed with its pod when there are several. */
  async logs(deployment: string, lines: number): Promise<string[]> {
    const pods = await this.pods(dnsLabel(deployment));
    const all: Array<{ t: string; line: string }> = [];
    for (const p of pods) {
      const pod = String(at(p, 'metadata', 'name'));
      const text = await this.client.podLog(this.namespace, pod, { tailLines: lines, timestamps: true });
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        const sp = raw.indexOf(' ');
        const [t, line] = sp > 0 && /^\d{4}-\d\d-\d\dT/.test(raw) ? [raw.slice(0, sp), raw.slice(sp + 1)] : ['', raw];
        all.push({ t, line: pods.length > 1 ? `[${pod}] ${line}` : line });
      }
    }
    all.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    return all.slice(-lines).map((x) => x.line);
  }

  /** The scale subresource (what `kubectl scale` uses): the replica count alone, the rest of the spec untouched. */
  async scale(deployment: string, replicas: number): Promise<void> {
    const name = dnsLabel(deployment);
    await this.client.rawJson('PATCH', `/apis/apps/v1/namespaces/${enc(this.namespace)}/deployments/${enc(name)}/scale`, { spec: { replicas } }, 'application/merge-patch+json');
  }

  async remove(deployment: string): Promise<void> {
    const name = dnsLabel(deployment);
    for (const [t, n] of [
      [HPA, name],
      [INGRESS, name],
      [SERVICE, serviceName(deployment)],
      [DEPLOYMENT, name],
    ] as const) {
      await this.removeOwned(t, n, name);
    }
    this.ingressOf.delete(name);
  }

  /** Deletes an object only when it carries this store's labels for this deployment (never someone else's of the same name). */
  private async removeOwned(t: { apiVersion: string; kind: string }, objName: string, deployment: string): Promise<boolean> {
    const o = await this.client.read(t.apiVersion, t.kind, this.namespace, objName);
    if (!o) return false;
    const labels = (at(o, 'metadata', 'labels') ?? {}) as Record<string, string>;
    if (labels[KLABEL.managedBy] !== 'mldesk' || labels[KLABEL.deployment] !== deployment || labels[KLABEL.store] !== labelValue(this.opts.storeId)) return false;
    return this.client.remove(t.apiVersion, t.kind, this.namespace, objName);
  }

  /** The Ingress URL when there is one; else the API server's service proxy (reachable with the kubeconfig's credentials). */
  endpoint(deployment: string, port: number): string {
    const name = dnsLabel(deployment);
    return this.ingressOf.get(name) ?? `${this.client.server.replace(/\/+$/, '')}${this.serviceProxy(deployment, port)}`;
  }

  async invoke(deployment: string, port: number, path: string, body: string): Promise<{ status: number; body: Buffer; ms: number }> {
    const t0 = performance.now();
    const res: RawResponse = await this.client.raw('POST', `${this.serviceProxy(deployment, port)}${slash(path)}`, { body, contentType: 'application/json', timeoutMs: 60_000 });
    return { status: res.status, body: res.body, ms: performance.now() - t0 };
  }

  private serviceProxy(deployment: string, port: number): string {
    return `/api/v1/namespaces/${enc(this.namespace)}/services/${enc(serviceName(deployment))}:${port}/proxy`;
  }

  private rememberIngress(name: string, ing: Obj): void {
    const rule = at(ing, 'spec', 'rules');
    const first = Array.isArray(rule) ? (rule[0] as Obj | undefined) : undefined;
    const host = first ? at(first, 'host') : undefined;
    const paths = first ? at(first, 'http', 'paths') : undefined;
    const p = Array.isArray(paths) && isObj(paths[0]) ? String(paths[0].path ?? '/') : '/';
    const tls = Array.isArray(at(ing, 'spec', 'tls')) && (at(ing, 'spec', 'tls') as unknown[]).length > 0;
    if (typeof host === 'string' && host) this.ingressOf.set(name, `${tls ? 'https' : 'http'}://${host}${p === '/' ? '' : p.replace(/\/+$/, '')}`);
  }

  // ── Jobs (training runs on a target) ─────────────────────────────────────

  async applyJob(job: Manifest): Promise<Obj> {
    validateManifest(job, this.namespace);
    return this.client.apply(job);
  }

  async jobState(name: string): Promise<JobState> {
    const job = await this.client.read(JOB.apiVersion, JOB.kind, this.namespace, name);
    if (!job) return { exists: false, active: 0, succeeded: 0, failed: 0, pod: null, state: 'missing', message: null };
    const n = (k: string) => Number(at(job, 'status', k) ?? 0);
    const pods = await this.client.list(POD.apiVersion, POD.kind, this.namespace, `job-name=${name}`);
    pods.sort((a, b) => (timeMs(at(b, 'metadata', 'creationTimestamp')) ?? 0) - (timeMs(at(a, 'metadata', 'creationTimestamp')) ?? 0));
    const pod = pods[0] ? String(at(pods[0], 'metadata', 'name')) : null;
    const conds = (at(job, 'status', 'conditions') ?? []) as Obj[];
    const done = conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const [active, succeeded, failed] = [n('active'), n('succeeded'), n('failed')];
    const state: JobState['state'] =
      done?.type === 'Complete' || (succeeded > 0 && active === 0) ? 'succeeded' : done?.type === 'Failed' || (failed > 0 && active === 0) ? 'failed' : pods[0] && at(pods[0], 'status', 'phase') === 'Running' ? 'running' : 'pending';
    const message = done ? `${String(done.reason ?? done.type)}${done.message ? `: ${String(done.message)}` : ''}` : pods[0] ? podProblem(pods[0]) : null;
    return { exists: true, active, succeeded, failed, pod, state, message };
  }

  /** The Job pod's log from line `sinceLine` on (0-based); `next` is where the following call starts. */
  async jobLogs(name: string, sinceLine = 0): Promise<{ lines: string[]; next: number }> {
    const { pod } = await this.jobState(name);
    if (!pod) return { lines: [], next: sinceLine };
    const text = await this.client.podLog(this.namespace, pod);
    const all = text.split('\n');
    if (all.length > 0 && all[all.length - 1] === '') all.pop();
    return { lines: all.slice(sinceLine), next: Math.max(sinceLine, all.length) };
  }

  /** Stop = delete the Job; its pod goes in the background (the container gets its termination grace period). */
  async deleteJob(name: string): Promise<boolean> {
    return this.client.remove(JOB.apiVersion, JOB.kind, this.namespace, name);
  }
}

const enc = encodeURIComponent;
const slash = (p: string) => (p.startsWith('/') ? p : `/${p}`);
