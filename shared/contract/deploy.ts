import { z } from 'zod';
import { method, topic } from './define';
import { targetName } from './targets';

/** Deployments: a model version served from a container behind a stable port (local Docker today; remote targets next). */

const modelName = z.string().trim().min(1).max(256);
const versionNo = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)]).transform((v) => String(v));

/** A model version named directly or through an alias (champion, challenger…). */
export const modelRef = z
  .object({ model: modelName, version: versionNo.optional(), alias: z.string().trim().min(1).max(255).optional() })
  .strict()
  .refine((r) => (r.version === undefined) !== (r.alias === undefined), { message: 'give exactly one of version or alias' });
export type ModelRefInput = z.input<typeof modelRef>;

/** Deployment names become container names and DNS labels. */
export const deploymentName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63, starting with a letter or digit');

export const runtimeChoice = z.discriminatedUnion('kind', [
  /** The built-in ONNX runtime (OIP-V2 + /invocations); needs an .onnx file in the version's artifacts. */
  z.object({ kind: z.literal('onnx') }).strict(),
  /** The user's own Dockerfile and build context (for models without ONNX): paths on the engine's machine. */
  z
    .object({
      kind: z.literal('dockerfile'),
      context: z.string().min(1).max(4096),
      dockerfile: z.string().min(1).max(4096).default('Dockerfile'),
      /** Polled until it answers 2xx. The user's server must listen on 127.0.0.1:$PORT (host networking; PORT is set). */
      readinessPath: z.string().max(1024).regex(/^\//).default('/ping'),
    })
    .strict(),
]);
export type RuntimeChoice = z.input<typeof runtimeChoice>;

export const canaryInput = z
  .object({
    windowSec: z.number().int().min(5).max(3600).default(30),
    /** Roll back when the canary's error rate exceeds the others' by more than this (0.05 = 5 points). */
    maxErrorRateDelta: z.number().min(0).max(1).default(0.05),
    /** Roll back when the canary's p50 latency exceeds this multiple of the others'. */
    maxLatencyRatio: z.number().min(1).max(100).default(2),
  })
  .strict();

export const kubeInput = z
  .object({
    ingress: z
      .object({
        host: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a DNS host name'),
        path: z.string().regex(/^\//).max(1024).default('/'),
        className: z.string().max(253).optional(),
      })
      .strict()
      .optional(),
    hpa: z
      .object({ minReplicas: z.number().int().min(1).max(1000), maxReplicas: z.number().int().min(1).max(1000), cpuPercent: z.number().int().min(1).max(1000).default(80) })
      .strict()
      .refine((h) => h.maxReplicas >= h.minReplicas, { message: 'maxReplicas must be at least minReplicas' })
      .optional(),
    manifests: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
    progressDeadlineSec: z.number().int().min(10).max(3600).default(120),
  })
  .strict();

export const deployInput = z
  .object({
    name: deploymentName.optional(),
    model: modelName,
    version: versionNo.optional(),
    alias: z.string().trim().min(1).max(255).optional(),
    runtime: runtimeChoice.default({ kind: 'onnx' }),
    /** The stable port the endpoint keeps across redeploys (127.0.0.1). Default: a free one. */
    port: z.number().int().min(1024).max(65535).optional(),
    /** CPU limit in cores (e.g. 0.5) and memory limit in MiB. */
    cpus: z.number().min(0.05).max(256).optional(),
    memoryMb: z.number().int().min(32).max(1_048_576).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/), z.string().max(32_768)).default({}),
    /** How long a new version may take to become ready before the rollout is abandoned (the old one keeps serving). */
    readyTimeoutSec: z.number().int().min(1).max(3600).default(60),
    /** Where it runs (targets.list): `local` (this machine's engine), a remote Docker engine, a swarm, a Kubernetes context. */
    target: targetName.default('local'),
    /** Replicas on a swarm or Kubernetes target (a Docker engine runs one). */
    replicas: z.number().int().min(1).max(100).optional(),
    /** How the image reaches the target: a registry (the target's), a stream to its engine (save → load), or auto. */
    transport: z.enum(['auto', 'registry', 'stream']).default('auto'),
    /** The container health check a cluster uses (swarm HEALTHCHECK, Kubernetes readiness probe). */
    health: z
      .object({
        intervalSec: z.number().int().min(1).max(300).default(2),
        timeoutSec: z.number().int().min(1).max(300).default(2),
        retries: z.number().int().min(1).max(100).default(3),
        startPeriodSec: z.number().int().min(0).max(3600).default(10),
      })
      .strict()
      .optional(),
    /** Swarm: update one replica first, hold it for a window, compare its error rate and latency with the others. */
    canary: canaryInput.optional(),
    /** Kubernetes extras; `manifests` are the wizard's edited manifests, sent instead of the generated ones. */
    kubernetes: kubeInput.optional(),
  })
  .strict()
  .refine((r) => (r.version === undefined) !== (r.alias === undefined), { message: 'give exactly one of version or alias' });
export type DeployInput = z.input<typeof deployInput>;

/**
 * Reconciled with the engine on every read (never a stored guess):
 * - starting / updating: a rollout of this engine is in progress (first deploy / redeploy);
 * - running: the serving container and the proxy run;
 * - stopped: stopped on purpose (deploy.control stop);
 * - failed: a container exited or keeps restarting, or the last first-deploy never became ready (`reason` says which);
 * - gone: a container of the deployment was removed outside mldesk;
 * - unknown: the Docker engine cannot be reached (`reason` says why and how to fix it).
 */
export const deploymentStatus = z.enum(['starting', 'running', 'updating', 'stopped', 'failed', 'gone', 'unknown']);
export type DeploymentStatus = z.infer<typeof deploymentStatus>;

export const rolloutReport = z.object({
  ok: z.boolean(),
  version: z.string(),
  at: z.number(),
  message: z.string(),
  /** The failing readiness probe and the new container's last log lines, when it failed. */
  probe: z.string().nullable(),
  logTail: z.array(z.string()),
});
export type RolloutReport = z.infer<typeof rolloutReport>;

export const deployment = z.object({
  name: z.string(),
  target: z.string(),
  model: z.string(),
  version: z.string(),
  runId: z.string().nullable(),
  runtime: z.enum(['onnx', 'dockerfile']),
  status: deploymentStatus,
  /** Why it is not running (container removed outside the app, exited with code N, …). */
  reason: z.string().nullable(),
  url: z.string(),
  port: z.number(),
  image: z.object({ ref: z.string(), digest: z.string() }),
  /** The containers behind it now (ids), null when none. */
  containers: z.object({ server: z.string().nullable(), proxy: z.string().nullable() }),
  readyTimeoutSec: z.number(),
  cpus: z.number().nullable(),
  memoryMb: z.number().nullable(),
  envKeys: z.array(z.string()),
  createdAt: z.number(),
  /** When the serving container started (uptime), null when not running. */
  startedAt: z.number().nullable(),
  lastRollout: rolloutReport.nullable(),
  /** The target's kind: docker (one container behind a proxy), swarm (a service), kubernetes (a Deployment). */
  targetKind: z.enum(['docker', 'swarm', 'kubernetes']),
  /** Replicas asked for / running (1/1 on a Docker engine). */
  replicas: z.object({ desired: z.number(), running: z.number(), updated: z.number().nullable(), ready: z.number().nullable(), available: z.number().nullable() }),
  /** The orchestrator's rollout state (swarm UpdateStatus, Kubernetes rollout), null on a Docker engine. */
  rollout: z.object({ state: z.string().nullable(), message: z.string().nullable() }).nullable(),
  /** Swarm tasks / Kubernetes pods, per replica. */
  tasks: z.array(
    z.object({ id: z.string(), slot: z.number().nullable(), node: z.string().nullable(), state: z.string(), desired: z.string().nullable(), version: z.string().nullable(), message: z.string().nullable(), since: z.number().nullable() }),
  ),
});
export type Deployment = z.infer<typeof deployment>;

export const deploymentStats = z.object({
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  memoryLimitBytes: z.number().nullable(),
  /** From the runtime's /metrics. */
  requests: z.number().nullable(),
  requestsPerSec: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  errors: z.record(z.string(), z.number()),
  uptimeSec: z.number().nullable(),
});
export type DeploymentStats = z.infer<typeof deploymentStats>;

export const deployPlan = z.object({
  name: z.string(),
  model: z.string(),
  version: z.string(),
  runtime: z.enum(['onnx', 'dockerfile']),
  dockerfile: z.string(),
  image: z.string(),
  /** The container create options as sent to the engine (env values of secrets redacted). */
  container: z.record(z.string(), z.unknown()),
  port: z.number(),
  url: z.string(),
  /** Replacing an existing deployment (zero-downtime) rather than creating one. */
  redeploy: z.boolean(),
  warnings: z.array(z.string()),
  target: z.string(),
  targetKind: z.enum(['docker', 'swarm', 'kubernetes']),
  /** What a cluster target is sent: the swarm service spec, or the Kubernetes manifests (validated), editable in the wizard. */
  manifests: z.array(z.record(z.string(), z.unknown())),
});
export type DeployPlan = z.infer<typeof deployPlan>;

const byName = z.object({ name: deploymentName }).strict();

/** One inference as the runtime recorded it, once pulled into the store (what monitoring reads). */
export const inferenceRecordRow = z.object({
  seq: z.number(),
  id: z.string(),
  time: z.string(),
  route: z.string(),
  version: z.string().nullable(),
  inputs: z.unknown(),
  outputs: z.unknown(),
  latencyMs: z.number(),
  status: z.number(),
  error: z.string().nullable(),
});
export type InferenceRecordRow = z.infer<typeof inferenceRecordRow>;
const ok = z.object({ ok: z.literal(true) });

export const deployMethods = {
  plan: method('What deploying would do: the Dockerfile, the image, the container config, the endpoint (the wizard’s review step).', deployInput, deployPlan, 'viewer'),
  apply: method(
    'Deploy (or redeploy without downtime) as a job: build if needed, start beside the old one, wait until ready, switch, stop the old.',
    deployInput,
    z.object({ jobId: z.string(), name: z.string() }),
    'admin',
  ),
  list: method('Deployments, reconciled with the Docker engine (a container removed outside the app shows as gone).', z.object({}).strict().default({}), z.array(deployment), 'viewer'),
  get: method('One deployment.', byName, deployment, 'viewer'),
  logs: method('Last lines of the serving container’s log.', z.object({ name: deploymentName, lines: z.number().int().min(1).max(10_000).default(200) }).strict(), z.array(z.string()), 'viewer'),
  stats: method('CPU and memory (container stats), request rate and latency (the runtime’s /metrics).', byName, deploymentStats, 'viewer'),
  control: method(
    'Stop, start or restart a deployment (restart = a zero-downtime rollout of the same version when it runs).',
    z.object({ name: deploymentName, action: z.enum(['stop', 'start', 'restart']) }).strict(),
    ok,
    'admin',
  ),
  remove: method('Remove a deployment: its containers go; images and pulled records stay.', byName, ok, 'admin'),
  records: method(
    'Inference records pulled from a deployment (its runtime’s records ring, pulled every ~2 s while the engine runs and on this call).',
    z.object({ name: deploymentName, after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0), limit: z.number().int().min(1).max(5000).default(100) }).strict(),
    z.object({ records: z.array(inferenceRecordRow), next: z.number() }),
    'viewer',
  ),
  example: method(
    'An example request for a model version built from its signature and a row of its training data (the "Try it" panel).',
    z.object({ model: modelName, version: versionNo }).strict(),
    z.object({ oip: z.record(z.string(), z.unknown()), invocations: z.record(z.string(), z.unknown()), source: z.string() }),
    'viewer',
  ),
  helmChart: method(
    'A Helm chart (Chart.yaml, values.yaml, templates/) that renders to the Kubernetes manifests this deploy would apply.',
    deployInput,
    z.object({ name: z.string(), files: z.record(z.string(), z.string()), tgzBase64: z.string() }),
    'viewer',
  ),
  lastSettings: method(
    'The settings a model was last deployed with on a target ("Deploy to <target>" in one click), or null.',
    z.object({ target: targetName, model: modelName }).strict(),
    z.record(z.string(), z.unknown()).nullable(),
    'viewer',
  ),
  quick: method(
    'Deploy a model version to a target in one click with the last settings used there (or the defaults).',
    z
      .object({ target: targetName, model: modelName, version: versionNo.optional(), alias: z.string().trim().min(1).max(255).optional(), replicas: z.number().int().min(1).max(100).optional() })
      .strict()
      .refine((r) => (r.version === undefined) !== (r.alias === undefined), { message: 'give exactly one of version or alias' }),
    z.object({ jobId: z.string(), name: z.string() }),
    'admin',
  ),
  invoke: method(
    'Send a request to a deployment’s endpoint and return its answer (the "Try it" panel; the renderer never talks to containers itself).',
    z.object({ name: deploymentName, protocol: z.enum(['oip', 'invocations']), body: z.record(z.string(), z.unknown()) }).strict(),
    z.object({ status: z.number(), latencyMs: z.number(), body: z.unknown() }),
    'member',
  ),
};

export const deployTopics = {
  'deploy.changed': topic('A deployment was created, changed status, redeployed or removed.', z.object({ name: z.string() })),
};
