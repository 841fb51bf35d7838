import type { JobReporter } from '../jobs';

/**
 * What a cluster orchestrator (Docker Swarm, Kubernetes) does for deploy/index.ts. Unlike the single-engine targets
 * (local.ts: a proxy container in front of one serving container), a cluster owns the rollout itself: replicas,
 * health checks, rolling updates and rollback are the orchestrator's, and mldesk drives and watches them.
 * Like every target it keeps no state of its own: everything is found again by name and labels.
 */

export interface Canary {
  /** How long the one updated replica serves beside the others before the update continues. */
  windowSec: number;
  /** Roll back when the canary's error rate exceeds the others' by more than this (0.05 = 5 points). */
  maxErrorRateDelta: number;
  /** Roll back when the canary's p50 latency exceeds this multiple of the others'. */
  maxLatencyRatio: number;
}

export interface HealthSpec {
  intervalSec: number;
  timeoutSec: number;
  retries: number;
  startPeriodSec: number;
}

export interface KubeOptions {
  ingress?: { host: string; path: string; className?: string | undefined } | undefined;
  hpa?: { minReplicas: number; maxReplicas: number; cpuPercent: number } | undefined;
  /** Manifests edited in the wizard: sent instead of the generated ones (validated first). */
  manifests?: Array<Record<string, unknown>> | undefined;
  progressDeadlineSec?: number | undefined;
}

export interface ClusterSpec {
  deployment: string;
  /** The mldesk.store label: which data dir owns it. */
  store: string;
  model: string;
  version: string;
  runId: string | null;
  /** The image as the cluster's engine knows it (a registry ref, or the id/ref loaded onto a remote engine). */
  image: string;
  /** The runtime image (proxy.js) on the cluster's engine: swarm's host-mode proxy uses it. */
  proxyImage: string;
  replicas: number;
  /** The stable endpoint port (the proxy's / the Service's). */
  port: number;
  cpus: number | null;
  memoryMb: number | null;
  env: Record<string, string>;
  /** The built-in ONNX runtime (gets MLDESK_MODEL_NAME); false for a user's Dockerfile image. */
  builtin: boolean;
  readyPath: string;
  readyTimeoutSec: number;
  health: HealthSpec;
  canary: Canary | null;
  kubernetes?: KubeOptions | undefined;
}

export interface ClusterTask {
  id: string;
  slot: number | null;
  node: string | null;
  /** The orchestrator's words: new, pending, running, failed, shutdown, complete (swarm); Running, Pending… (pods). */
  state: string;
  desired: string | null;
  version: string | null;
  message: string | null;
  since: number | null;
}

export type ClusterRolloutState = 'completed' | 'updating' | 'paused' | 'rolling_back' | 'rolled_back' | 'failed';

export interface ClusterState {
  exists: boolean;
  /** The model version the spec now asks for. */
  version: string | null;
  desired: number;
  running: number;
  updated: number | null;
  ready: number | null;
  available: number | null;
  rollout: { state: ClusterRolloutState | null; message: string | null };
  tasks: ClusterTask[];
  startedAt: number | null;
}

export interface ClusterOutcome {
  ok: boolean;
  /** The orchestrator (or the canary check) put the previous version back. */
  rolledBack: boolean;
  message: string;
  state: ClusterState;
  /** The failing replica's last log lines when it failed. */
  logTail: string[];
}

/** One serving replica's runtime routes (records, feedback, metrics) reached through the target's API or network. */
export interface Replica {
  id: string;
  version: string | null;
  get(path: string, timeoutMs: number): Promise<{ status: number; body: Buffer }>;
}

export interface ClusterBackend {
  readonly kind: 'swarm' | 'kubernetes';
  /** What apply would send (the service spec, or the manifests), validated: the wizard's review step. */
  describe(spec: ClusterSpec): Promise<Array<Record<string, unknown>>>;
  /** Create or update, then watch until the rollout completed or rolled back (progress on `r`). Never throws for a
   *  rollout that failed: the outcome says so; throws for a request the orchestrator refused. */
  apply(spec: ClusterSpec, r: JobReporter): Promise<ClusterOutcome>;
  observe(deployment: string): Promise<ClusterState>;
  replicas(deployment: string): Promise<Replica[]>;
  logs(deployment: string, lines: number): Promise<string[]>;
  /** Scale to 0 (stop) or back to `replicas` (start). */
  scale(deployment: string, replicas: number): Promise<void>;
  remove(deployment: string): Promise<void>;
  /** Where clients call it from this machine. */
  endpoint(deployment: string, port: number): string;
  /** One request to the deployment's endpoint (Try it), through the target's network or API. */
  invoke(deployment: string, port: number, path: string, body: string): Promise<{ status: number; body: Buffer; ms: number }>;
}
