import { MldeskError } from '../../../shared/contract/errors';
import type { TargetConnection } from '../targets';
import { KubernetesBackend } from '../deploy/kubernetes/backend';
import { jobFor } from '../deploy/kubernetes/validate';
import type { JobLogLine, JobState, RunJobBackend, RunJobSpec } from './remoteJobs';

/**
 * Training runs as batch/v1 Jobs (one pod, backoffLimit 0, restartPolicy Never) through the deploy feature's
 * Kubernetes backend (deploy/kubernetes: validated manifests, server-side apply as field manager `mldesk`). The
 * pod's log has no stdout/stderr split and is read by line number (the API's `follow` would hold a connection
 * per run; polling the log is enough for training output).
 */
const POLL_MS = 1000;

type Obj = Record<string, unknown>;
const at = (o: unknown, ...keys: Array<string | number>): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), o);

export class KubeJobs implements RunJobBackend {
  readonly kind = 'kubernetes' as const;
  /** Next pod-log line to read, per Job (the log is read from the start once per poll). */
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly k: KubernetesBackend,
    private readonly namespace: string,
  ) {}

  async start(spec: RunJobSpec): Promise<void> {
    const job = jobFor({
      name: spec.name,
      namespace: this.namespace,
      image: spec.image,
      command: spec.command,
      env: spec.env,
      cpus: spec.cpus,
      memoryMb: spec.memoryMb,
      gpus: spec.gpus ?? 0,
      labels: spec.labels,
    });
    await this.k.applyJob(job);
  }

  async state(name: string): Promise<JobState> {
    const s = await this.k.jobState(name);
    if (!s.exists) return { phase: 'gone', exitCode: null, reason: 'the Job is gone' };
    if (s.state === 'succeeded') return { phase: 'succeeded', exitCode: 0, reason: null };
    if (s.state === 'running') return { phase: 'running', exitCode: null, reason: null };
    if (s.state === 'failed') return { phase: 'failed', exitCode: s.pod ? await this.exitCode(s.pod) : null, reason: s.message };
    return { phase: 'pending', exitCode: null, reason: s.message };
  }

  /** The run container's exit code from its pod's status. */
  private async exitCode(pod: string): Promise<number | null> {
    const p = (await this.k.client.read('v1', 'Pod', this.namespace, pod).catch(() => null)) as Obj | null;
    const statuses = (at(p, 'status', 'containerStatuses') ?? []) as Obj[];
    const code = at(statuses[0], 'state', 'terminated', 'exitCode');
    return typeof code === 'number' ? code : null;
  }

  async follow(name: string, _since: string | null, onLine: (l: JobLogLine) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const { lines, next } = await this.k.jobLogs(name, this.cursor.get(name) ?? 0);
      this.cursor.set(name, next);
      for (const text of lines) onLine({ stream: 'stdout', text, ts: null });
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, POLL_MS);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done);
      });
    }
    // The last lines written before the end.
    const { lines } = await this.k.jobLogs(name, this.cursor.get(name) ?? 0).catch(() => ({ lines: [] as string[] }));
    for (const text of lines) onLine({ stream: 'stdout', text, ts: null });
    this.cursor.delete(name);
  }

  async remove(name: string): Promise<void> {
    await this.k.deleteJob(name);
  }

  async list(label: string): Promise<string[]> {
    const jobs = await this.k.client.list('batch/v1', 'Job', this.namespace, label);
    return jobs.map((j) => String(at(j, 'metadata', 'name')));
  }
}

export function kubeBackend(target: TargetConnection, storeId = 'mldesk'): RunJobBackend {
  if (target.kind !== 'kubernetes') throw new MldeskError('INTERNAL', `${target.name} is not a Kubernetes target`);
  const namespace = target.namespace ?? 'default';
  return new KubeJobs(new KubernetesBackend(target.kubeConfig(), { namespace, storeId, endpointHost: target.endpointHost }), namespace);
}
