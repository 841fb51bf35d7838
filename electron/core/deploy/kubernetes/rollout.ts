import type { ClusterRolloutState, ClusterTask } from '../cluster';
import { KANNOTATION, KLABEL } from './manifests';

/**
 * Reading a Deployment's rollout the way `kubectl rollout status` does, and picking the ReplicaSet `kubectl rollout
 * undo` would go back to. Pure functions over the API's JSON, so they are the same for a real cluster and the stand-in.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export interface RolloutView {
  state: ClusterRolloutState;
  /** Rolled out and serving (the watch ends). */
  done: boolean;
  /** The deployment controller gave up (ProgressDeadlineExceeded). */
  failed: boolean;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  total: number;
  message: string;
}

function condition(dep: Obj, type: string): Obj | null {
  const conds = at(dep, 'status', 'conditions');
  if (!Array.isArray(conds)) return null;
  return (conds.find((c) => isObj(c) && c.type === type) as Obj | undefined) ?? null;
}

/** `kubectl rollout status`: observed generation, then updated, then old replicas gone, then available. */
export function rolloutView(dep: Obj, minGeneration = 0): RolloutView {
  const desired = typeof at(dep, 'spec', 'replicas') === 'number' ? num(at(dep, 'spec', 'replicas')) : 1;
  const updated = num(at(dep, 'status', 'updatedReplicas'));
  const ready = num(at(dep, 'status', 'readyReplicas'));
  const available = num(at(dep, 'status', 'availableReplicas'));
  const total = num(at(dep, 'status', 'replicas'));
  const base = { desired, updated, ready, available, total };
  const generation = Math.max(num(at(dep, 'metadata', 'generation')), minGeneration);
  const observed = num(at(dep, 'status', 'observedGeneration'));
  if (observed < generation) return { ...base, state: 'updating', done: false, failed: false, message: 'Waiting for the deployment controller to see the new spec' };
  const progressing = condition(dep, 'Progressing');
  if (progressing && progressing.reason === 'ProgressDeadlineExceeded') {
    return { ...base, state: 'failed', done: false, failed: true, message: str(progressing.message) ?? 'The rollout exceeded its progress deadline' };
  }
  if (at(dep, 'spec', 'paused') === true) return { ...base, state: 'paused', done: false, failed: false, message: 'The Deployment is paused' };
  if (updated < desired) return { ...base, state: 'updating', done: false, failed: false, message: `${updated} of ${desired} replicas updated` };
  if (total > updated) return { ...base, state: 'updating', done: false, failed: false, message: `${total - updated} old replica(s) pending termination` };
  if (available < updated) return { ...base, state: 'updating', done: false, failed: false, message: `${available} of ${updated} updated replicas available` };
  return { ...base, state: 'completed', done: true, failed: false, message: `${available} of ${desired} replicas available` };
}

export function revisionOf(o: Obj): number {
  const r = Number(at(o, 'metadata', 'annotations', KANNOTATION.revision));
  return Number.isFinite(r) ? r : 0;
}

/** The ReplicaSet `kubectl rollout undo` returns to: the highest revision below the Deployment's current one. */
export function previousReplicaSet(dep: Obj, replicaSets: Obj[]): Obj | null {
  const current = revisionOf(dep);
  let best: Obj | null = null;
  for (const rs of replicaSets) {
    const r = revisionOf(rs);
    if (r > 0 && (current === 0 || r < current) && (!best || r > revisionOf(best))) best = rs;
  }
  return best;
}

/** The ReplicaSet of the Deployment's current revision (its pods are the new version's). */
export function currentReplicaSet(dep: Obj, replicaSets: Obj[]): Obj | null {
  const current = revisionOf(dep);
  return replicaSets.find((rs) => revisionOf(rs) === current) ?? null;
}

/** The pod template a ReplicaSet was made from, without the controller's `pod-template-hash` label. */
export function templateOf(rs: Obj): Obj {
  const tpl = structuredClone(at(rs, 'spec', 'template') ?? {}) as Obj;
  const labels = at(tpl, 'metadata', 'labels');
  if (isObj(labels)) delete labels['pod-template-hash'];
  return tpl;
}

/** `k=v,k2=v2` for a labelSelector query from matchLabels. */
export function selectorString(matchLabels: unknown): string {
  if (!isObj(matchLabels)) return '';
  return Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

export function podReady(pod: Obj): boolean {
  const conds = at(pod, 'status', 'conditions');
  return Array.isArray(conds) && conds.some((c) => isObj(c) && c.type === 'Ready' && c.status === 'True');
}

const toMs = (v: unknown): number | null => {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
};

/** Why a pod is not serving, in the API's words: a waiting/terminated container's reason, else the Ready condition's. */
export function podProblem(pod: Obj): string | null {
  const statuses = at(pod, 'status', 'containerStatuses');
  if (Array.isArray(statuses)) {
    for (const cs of statuses) {
      if (!isObj(cs)) continue;
      const waiting = at(cs, 'state', 'waiting');
      if (isObj(waiting) && waiting.reason && waiting.reason !== 'ContainerCreating') return `${String(waiting.reason)}${waiting.message ? `: ${String(waiting.message)}` : ''}`;
      const term = at(cs, 'state', 'terminated') ?? at(cs, 'lastState', 'terminated');
      if (isObj(term) && cs.ready !== true) return `${String(term.reason ?? 'Terminated')} (exit code ${String(term.exitCode ?? '?')})${term.message ? `: ${String(term.message)}` : ''}`;
    }
  }
  const conds = at(pod, 'status', 'conditions');
  if (Array.isArray(conds)) {
    const notReady = conds.find((c) => isObj(c) && c.type === 'Ready' && c.status !== 'True') as Obj | undefined;
    if (notReady) return `${String(notReady.reason ?? 'NotReady')}${notReady.message ? `: ${String(notReady.message)}` : ''}`;
    const unsched = conds.find((c) => isObj(c) && c.type === 'PodScheduled' && c.status === 'False') as Obj | undefined;
    if (unsched) return `${String(unsched.reason ?? 'Unschedulable')}: ${String(unsched.message ?? '')}`;
  }
  return null;
}

export function restartsOf(pod: Obj): number {
  const statuses = at(pod, 'status', 'containerStatuses');
  return Array.isArray(statuses) ? statuses.reduce<number>((n, cs) => n + num(at(cs, 'restartCount')), 0) : 0;
}

export function podTask(pod: Obj): ClusterTask {
  const phase = str(at(pod, 'status', 'phase')) ?? 'Pending';
  const ready = podReady(pod);
  const deleting = at(pod, 'metadata', 'deletionTimestamp') !== undefined && at(pod, 'metadata', 'deletionTimestamp') !== null;
  return {
    id: str(at(pod, 'metadata', 'name')) ?? '?',
    slot: null,
    node: str(at(pod, 'spec', 'nodeName')),
    state: deleting ? 'Terminating' : phase === 'Running' && !ready ? 'Running (not ready)' : phase,
    desired: deleting ? 'Terminated' : 'Running',
    version: str(at(pod, 'metadata', 'labels', KLABEL.version)),
    message: ready ? null : podProblem(pod),
    since: toMs(at(pod, 'status', 'startTime')) ?? toMs(at(pod, 'metadata', 'creationTimestamp')),
  };
}

export function timeMs(v: unknown): number | null {
  return toMs(v);
}
