import type { DeploymentStatus } from '../../../shared/contract';
import type { TargetConnection } from '../targets/api';
import type { ClusterBackend, ClusterSpec, ClusterState, HealthSpec, Replica } from './cluster';
import { KubernetesBackend } from './kubernetes';
import { parsePrometheus, runtimeFigures, type RuntimeFigures, type Sample } from './metrics';
import { SwarmBackend } from './swarm';
import type { ClusterOptions, DeploymentRow } from './table';

/** The glue between deploy/index.ts and the cluster backends: which backend, the spec it gets, how its state reads. */

export const DEFAULT_HEALTH: HealthSpec = { intervalSec: 2, timeoutSec: 2, retries: 3, startPeriodSec: 10 };

export function clusterBackendFor(conn: TargetConnection, storeId: string): ClusterBackend {
  if (conn.kind === 'swarm') return new SwarmBackend(conn.docker(), { storeId, endpointHost: conn.endpointHost });
  if (conn.kind === 'kubernetes') return new KubernetesBackend(conn.kubeConfig(), { namespace: conn.namespace ?? 'default', storeId, endpointHost: conn.endpointHost });
  throw new Error(`target ${conn.name} is a ${conn.kind} engine, not a cluster`);
}

export function clusterSpecOf(a: {
  row: Pick<DeploymentRow, 'name' | 'port'>;
  storeId: string;
  model: { name: string; version: string; runId: string | null };
  image: string;
  proxyImage: string;
  replicas: number;
  cpus: number | null;
  memoryMb: number | null;
  env: Record<string, string>;
  builtin: boolean;
  readyPath: string;
  readyTimeoutSec: number;
  options: ClusterOptions;
}): ClusterSpec {
  return {
    deployment: a.row.name,
    store: a.storeId,
    model: a.model.name,
    version: a.model.version,
    runId: a.model.runId,
    image: a.image,
    proxyImage: a.proxyImage,
    replicas: a.replicas,
    port: a.row.port,
    cpus: a.cpus,
    memoryMb: a.memoryMb,
    env: a.env,
    builtin: a.builtin,
    readyPath: a.readyPath,
    readyTimeoutSec: a.readyTimeoutSec,
    health: a.options.health ?? DEFAULT_HEALTH,
    canary: a.options.canary,
    kubernetes: (a.options.kubernetes as ClusterSpec['kubernetes']) ?? undefined,
  };
}

export interface ClusterReconciled {
  status: DeploymentStatus;
  reason: string | null;
  startedAt: number | null;
}

/** The orchestrator's state → the Deployments page's status (the orchestrator decides; the table says what was wanted). */
export function reconcileCluster(row: DeploymentRow, st: ClusterState, rollingOut: { first: boolean; version: string } | undefined): ClusterReconciled {
  const r = (status: DeploymentStatus, reason: string | null): ClusterReconciled => ({ status, reason, startedAt: status === 'running' || status === 'updating' ? st.startedAt : null });
  if (rollingOut) return r(rollingOut.first ? 'starting' : 'updating', `rolling out v${rollingOut.version}`);
  if (!st.exists) {
    if (row.lastRollout && !row.lastRollout.ok && !row.imageRef) return r('failed', row.lastRollout.message);
    return row.imageRef ? r('gone', 'its service was removed outside mldesk') : r('failed', row.lastRollout?.message ?? 'never deployed');
  }
  const state = st.rollout.state;
  if (state === 'updating' || state === 'rolling_back') return r('updating', st.rollout.message ?? state.replace('_', ' '));
  if (row.desired === 'stopped' || st.desired === 0) return r('stopped', 'scaled to 0 replicas');
  if (st.running === 0) {
    const why = st.tasks.find((t) => t.message)?.message;
    return r('failed', `no replica is running${why ? `: ${why}` : ''}`);
  }
  if (state === 'paused' || state === 'failed') return r('failed', st.rollout.message ?? `the rollout is ${state}`);
  if (st.running < st.desired) return r('running', `${st.running} of ${st.desired} replicas running`);
  return r('running', state === 'rolled_back' ? st.rollout.message : null);
}

/** Every replica's /metrics summed into one set of figures (requests add up; latency buckets merge). */
export async function clusterFigures(replicas: Replica[]): Promise<RuntimeFigures | null> {
  const samples: Sample[] = [];
  let any = false;
  await Promise.all(
    replicas.map(async (rep) => {
      try {
        const a = await rep.get('/metrics', 3000);
        if (a.status !== 200) return;
        any = true;
        samples.push(...parsePrometheus(a.body.toString('utf8')));
      } catch {
        // a replica being replaced: the others still count
      }
    }),
  );
  return any ? runtimeFigures(samples) : null;
}
