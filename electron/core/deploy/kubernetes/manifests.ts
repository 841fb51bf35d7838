import type { ClusterSpec } from '../cluster';

/**
 * The Kubernetes objects a deployment is: a Deployment (the replicas, their probes and the rolling update), a
 * ClusterIP Service in front of them, and optionally an Ingress and a HorizontalPodAutoscaler. Plain objects in the
 * API's JSON shape, deterministic for a spec (the Helm chart renders to exactly these, the wizard shows and edits
 * them). Everything is found again by name and by the mldesk labels: nothing is kept on this side.
 */

export type Manifest = Record<string, unknown>;

export const KLABEL = {
  name: 'app.kubernetes.io/name',
  managedBy: 'app.kubernetes.io/managed-by',
  deployment: 'mldesk.deployment',
  store: 'mldesk.store',
  model: 'mldesk.model',
  version: 'mldesk.model_version',
} as const;

export const KANNOTATION = {
  model: 'mldesk.model',
  version: 'mldesk.model_version',
  runId: 'mldesk.run_id',
  /** The deployment controller's revision of a Deployment / ReplicaSet (what `kubectl rollout undo` reads). */
  revision: 'deployment.kubernetes.io/revision',
} as const;

/** The port the runtime listens on inside the pod (pods have their own network namespace, so it is always free). */
export const CONTAINER_PORT = 8080;
export const CONTAINER_NAME = 'model';
const REVISION_HISTORY = 10;
const DEFAULT_DEADLINE_SEC = 120;

/** A DNS-1123 label (lower case, digits, '-', ≤ 63, alphanumeric at both ends): names of Deployments, Jobs, pods. */
export function dnsLabel(s: string): string {
  const v = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return v || 'mldesk';
}

/** A DNS-1035 label (a DNS-1123 label that starts with a letter): Service names. */
export function serviceName(deployment: string): string {
  const n = dnsLabel(deployment);
  return /^[a-z]/.test(n) ? n : dnsLabel(`svc-${n}`);
}

/** A label value: ≤ 63 of [A-Za-z0-9_.-], alphanumeric at both ends (the full text goes into annotations). */
export function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
}

/** The labels that say "mldesk's, this store's, this deployment's": never removed from an edited manifest. */
export function ownerLabels(deployment: string, store: string): Record<string, string> {
  return {
    [KLABEL.name]: dnsLabel(deployment),
    [KLABEL.managedBy]: 'mldesk',
    [KLABEL.deployment]: dnsLabel(deployment),
    [KLABEL.store]: labelValue(store),
  };
}

/** The Deployment's selector: immutable in Kubernetes, so it never names the version. */
export function selectorLabels(deployment: string): Record<string, string> {
  return { [KLABEL.name]: dnsLabel(deployment), [KLABEL.deployment]: dnsLabel(deployment) };
}

export function versionLabels(spec: Pick<ClusterSpec, 'model' | 'version'>): Record<string, string> {
  return { [KLABEL.model]: labelValue(spec.model), [KLABEL.version]: labelValue(spec.version) };
}

export function versionAnnotations(spec: Pick<ClusterSpec, 'model' | 'version' | 'runId'>): Record<string, string> {
  return { [KANNOTATION.model]: spec.model, [KANNOTATION.version]: spec.version, ...(spec.runId ? { [KANNOTATION.runId]: spec.runId } : {}) };
}

export function progressDeadline(spec: ClusterSpec): number {
  return spec.kubernetes?.progressDeadlineSec ?? Math.max(DEFAULT_DEADLINE_SEC, spec.readyTimeoutSec);
}

/** The container's environment: the runtime's fixed variables win over the user's (as on the local engine). */
export function containerEnv(spec: ClusterSpec): Array<{ name: string; value: string }> {
  const fixed: Record<string, string> = { PORT: String(CONTAINER_PORT), HOST: '0.0.0.0', ...(spec.builtin ? { MLDESK_MODEL_NAME: spec.model } : {}) };
  return [...Object.entries(fixed), ...userEnv(spec)].map(([name, value]) => ({ name, value }));
}

/** The user's variables without the fixed ones, sorted by name (Helm's `range` over a map is sorted too). */
export function userEnv(spec: ClusterSpec): Array<[string, string]> {
  const fixed = new Set(['PORT', 'HOST', 'MLDESK_MODEL_NAME']);
  return Object.entries(spec.env)
    .filter(([k]) => !fixed.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function cpuQuantity(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1000))}m`;
}

/** Requests equal limits (a predictable Guaranteed QoS); an HPA needs a CPU request to compute utilisation. */
export function resourcesFor(cpus: number | null, memoryMb: number | null, hpa: boolean, gpus = 0): Record<string, Record<string, string | number>> {
  const limits: Record<string, string | number> = {};
  const requests: Record<string, string | number> = {};
  if (cpus !== null) limits.cpu = requests.cpu = cpuQuantity(cpus);
  else if (hpa) requests.cpu = '100m';
  if (memoryMb !== null) limits.memory = requests.memory = `${memoryMb}Mi`;
  if (gpus > 0) limits['nvidia.com/gpu'] = gpus;
  const out: Record<string, Record<string, string | number>> = {};
  if (Object.keys(limits).length) out.limits = limits;
  if (Object.keys(requests).length) out.requests = requests;
  return out;
}

export function probesFor(spec: ClusterSpec): { readinessProbe: Manifest; livenessProbe: Manifest } {
  const h = spec.health;
  const httpGet = { path: spec.readyPath, port: 'http' };
  return {
    readinessProbe: { httpGet, periodSeconds: h.intervalSec, timeoutSeconds: h.timeoutSec, failureThreshold: h.retries, successThreshold: 1 },
    // Liveness waits out the start period (a model may take a while to load) and restarts a hung server.
    livenessProbe: { httpGet, initialDelaySeconds: h.startPeriodSec, periodSeconds: h.intervalSec, timeoutSeconds: h.timeoutSec, failureThreshold: h.retries },
  };
}

export function deploymentManifest(spec: ClusterSpec, namespace: string): Manifest {
  const name = dnsLabel(spec.deployment);
  const labels = { ...ownerLabels(spec.deployment, spec.store), ...versionLabels(spec) };
  const annotations = versionAnnotations(spec);
  const hpa = spec.kubernetes?.hpa !== undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels, annotations },
    spec: {
      // With an HPA the autoscaler owns the replica count: applying one would fight it on every deploy.
      ...(hpa ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: REVISION_HISTORY,
      progressDeadlineSeconds: progressDeadline(spec),
      selector: { matchLabels: selectorLabels(spec.deployment) },
      // Never below the desired count: a new pod must be ready before an old one goes (the old version keeps serving).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels, annotations },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
              env: containerEnv(spec),
              resources: resourcesFor(spec.cpus, spec.memoryMb, hpa),
              ...probesFor(spec),
            },
          ],
        },
      },
    },
  };
}

export function serviceManifest(spec: ClusterSpec, namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(spec.deployment), namespace, labels: { ...ownerLabels(spec.deployment, spec.store), ...versionLabels(spec) } },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(spec.deployment),
      ports: [{ name: 'http', port: spec.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function ingressManifest(spec: ClusterSpec, namespace: string): Manifest | null {
  const ing = spec.kubernetes?.ingress;
  if (!ing) return null;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: dnsLabel(spec.deployment), namespace, labels: { ...ownerLabels(spec.deployment, spec.store), ...versionLabels(spec) } },
    spec: {
      ...(ing.className ? { ingressClassName: ing.className } : {}),
      rules: [
        {
          host: ing.host,
          http: { paths: [{ path: ing.path, pathType: 'Prefix', backend: { service: { name: serviceName(spec.deployment), port: { number: spec.port } } } }] },
        },
      ],
    },
  };
}

export function hpaManifest(spec: ClusterSpec, namespace: string): Manifest | null {
  const hpa = spec.kubernetes?.hpa;
  if (!hpa) return null;
  const name = dnsLabel(spec.deployment);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace, labels: { ...ownerLabels(spec.deployment, spec.store), ...versionLabels(spec) } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.cpuPercent } } }],
    },
  };
}

/** The generated manifests, in apply order: Service, Deployment, then Ingress and HPA when asked for. */
export function manifestsFor(spec: ClusterSpec, namespace: string): Manifest[] {
  const out: Manifest[] = [serviceManifest(spec, namespace), deploymentManifest(spec, namespace)];
  const ing = ingressManifest(spec, namespace);
  if (ing) out.push(ing);
  const hpa = hpaManifest(spec, namespace);
  if (hpa) out.push(hpa);
  return out;
}

// ── Jobs (training runs on a target) ────────────────────────────────────────

export interface JobSpec {
  name: string;
  namespace: string;
  image: string;
  /** argv, run as the container's command (the offline base image has no shell). */
  command: string[];
  env: Record<string, string>;
  cpus: number | null;
  memoryMb: number | null;
  gpus: number;
  labels: Record<string, string>;
}

/** A one-shot batch/v1 Job: one pod, never restarted (a failed training run is reported, not retried). */
export function jobManifest(spec: JobSpec): Manifest {
  const name = dnsLabel(spec.name);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.labels)) labels[k] = labelValue(v);
  labels[KLABEL.managedBy] = 'mldesk';
  const env = Object.entries(spec.env)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, value]) => ({ name: n, value }));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'run',
              image: spec.image,
              imagePullPolicy: 'IfNotPresent',
              command: spec.command,
              env,
              resources: resourcesFor(spec.cpus, spec.memoryMb, false, spec.gpus),
            },
          ],
        },
      },
    },
  };
}
