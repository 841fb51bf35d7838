import type Docker from 'dockerode';
import { MldeskError } from '../../../shared/contract/errors';
import { engineError } from '../containers/build';

/**
 * One training run as a one-shot job of a cluster orchestrator. Swarm (below): a service in `ReplicatedJob` mode
 * (API ≥ 1.41), else replicas 1 with restart condition `none` — either way swarm never restarts it. Kubernetes:
 * kubeJobs.ts. The orchestrator keeps the job; mldesk finds it again by name.
 */

export interface RunJobSpec {
  /** Service / Job name: [a-z0-9-], at most 63. */
  name: string;
  /** The image as the target's engine knows it (an image id skips swarm's pull attempt). */
  image: string;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  cpus: number | null;
  memoryMb: number | null;
  gpus: number | null;
  /** Swarm: pin to this node (an image streamed to the manager exists only there). */
  nodeId?: string | null;
}

export type JobPhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'gone';

export interface JobState {
  phase: JobPhase;
  exitCode: number | null;
  /** The orchestrator's words (why pending, why failed). */
  reason: string | null;
}

export interface JobLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** The engine's timestamp (RFC 3339 with nanoseconds) when it gives one: resuming a stream skips what was seen. */
  ts: string | null;
}

export interface RunJobBackend {
  readonly kind: 'swarm' | 'kubernetes';
  start(spec: RunJobSpec): Promise<void>;
  state(name: string): Promise<JobState>;
  /** Follows the job's output from `since` (exclusive) until `signal` aborts or the output ends. */
  follow(name: string, since: string | null, onLine: (l: JobLogLine) => void, signal: AbortSignal): Promise<void>;
  /** Removes the job and its tasks/pods; a missing job is fine. */
  remove(name: string): Promise<void>;
  /** Names of the jobs carrying label `key=value` (cleanup, tests). */
  list(label: string): Promise<string[]>;
}

/** The GPU kind swarm nodes advertise (dockerd --node-generic-resource NVIDIA-GPU=<uuid>). */
export const SWARM_GPU_KIND = 'NVIDIA-GPU';

/** Splits Docker's multiplexed log stream (8-byte frame headers) into lines; `end()` flushes partial lines. */
export function demuxLines(onLine: (stream: 'stdout' | 'stderr', line: string) => void): { push(b: Buffer): void; end(): void } {
  let buf: Buffer = Buffer.alloc(0);
  const partial = { stdout: '', stderr: '' };
  const emit = (stream: 'stdout' | 'stderr', text: string) => {
    const parts = (partial[stream] + text).split(/\r?\n/);
    partial[stream] = parts.pop() ?? '';
    for (const p of parts) onLine(stream, p);
  };
  return {
    push(b: Buffer) {
      buf = buf.length ? Buffer.concat([buf, b]) : b;
      while (buf.length >= 8) {
        const type = buf[0];
        const size = buf.readUInt32BE(4);
        if (type !== 0 && type !== 1 && type !== 2) {
          // Not multiplexed (a TTY job): the whole buffer is text.
          emit('stdout', buf.toString('utf8'));
          buf = Buffer.alloc(0);
          return;
        }
        if (buf.length < 8 + size) return;
        emit(type === 2 ? 'stderr' : 'stdout', buf.subarray(8, 8 + size).toString('utf8'));
        buf = buf.subarray(8 + size);
      }
    },
    end() {
      for (const s of ['stdout', 'stderr'] as const) if (partial[s]) onLine(s, partial[s]);
      partial.stdout = partial.stderr = '';
    },
  };
}

/** "2024-01-01T00:00:00.123456789Z text" → its two halves. */
export function splitTimestamp(line: string): { ts: string | null; text: string } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?/.exec(line);
  return m ? { ts: m[1]!, text: line.slice(m[0].length) } : { ts: null, text: line };
}

/** RFC 3339 with nanoseconds → "seconds.nanoseconds", the `since` the engine takes. */
export function unixNanos(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(ts);
  const secs = Math.floor(Date.parse(`${m?.[1] ?? ts}Z`) / 1000);
  return `${secs}.${(m?.[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

/** Compares two RFC 3339 timestamps with up to nanosecond precision. */
export function tsAfter(a: string, b: string): boolean {
  const [as, an] = unixNanos(a).split('.');
  const [bs, bn] = unixNanos(b).split('.');
  return Number(as) !== Number(bs) ? Number(as) > Number(bs) : an! > bn!;
}

const TERMINAL_FAILED = new Set(['failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

export class SwarmJobs implements RunJobBackend {
  readonly kind = 'swarm' as const;
  private jobMode: Promise<boolean> | null = null;

  constructor(private readonly docker: Docker) {}

  /** ReplicatedJob needs API 1.41 (Engine 20.10). */
  private supportsJobs(): Promise<boolean> {
    this.jobMode ??= this.docker.version().then(
      (v) => {
        const [maj, min] = String((v as { ApiVersion?: string }).ApiVersion ?? '0.0').split('.').map(Number);
        return (maj ?? 0) > 1 || ((maj ?? 0) === 1 && (min ?? 0) >= 41);
      },
      () => false,
    );
    return this.jobMode;
  }

  async start(spec: RunJobSpec): Promise<void> {
    const jobs = await this.supportsJobs();
    const limits: Record<string, number> = {};
    if (spec.cpus) limits.NanoCPUs = Math.round(spec.cpus * 1e9);
    if (spec.memoryMb) limits.MemoryBytes = spec.memoryMb * 1024 * 1024;
    const reservations: Record<string, unknown> = {};
    // Swarm has no DeviceRequests: GPUs are generic resources the nodes advertise, reserved per task.
    if (spec.gpus) reservations.GenericResources = [{ DiscreteResourceSpec: { Kind: SWARM_GPU_KIND, Value: spec.gpus } }];
    const body = {
      Name: spec.name,
      Labels: spec.labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: spec.image,
          Command: spec.command,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Labels: spec.labels,
        },
        // Host networking: the run reaches the tracking URI as this engine's host does (127.0.0.1 when on this machine).
        Networks: [{ Target: 'host' }],
        Resources: { Limits: limits, Reservations: reservations },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: spec.nodeId ? { Constraints: [`node.id==${spec.nodeId}`] } : {},
      },
      Mode: jobs ? { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } : { Replicated: { Replicas: 1 } },
    };
    try {
      await this.docker.createService(body as unknown as Docker.CreateServiceOptions);
    } catch (e) {
      throw engineError(e, `Creating the service ${spec.name} failed`);
    }
  }

  async state(name: string): Promise<JobState> {
    let tasks: Array<{ CreatedAt?: string; Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } } }>;
    try {
      await this.docker.getService(name).inspect();
      tasks = (await this.docker.listTasks({ filters: { service: [name] } })) as typeof tasks;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return { phase: 'gone', exitCode: null, reason: 'the service is gone' };
      throw engineError(e, `Reading the service ${name} failed`);
    }
    if (tasks.length === 0) return { phase: 'pending', exitCode: null, reason: null };
    const t = [...tasks].sort((a, b) => String(b.CreatedAt ?? '').localeCompare(String(a.CreatedAt ?? '')))[0]!;
    const st = t.Status?.State ?? 'new';
    const exit = t.Status?.ContainerStatus?.ExitCode;
    const reason = t.Status?.Err || null;
    if (st === 'complete') return { phase: 'succeeded', exitCode: exit ?? 0, reason: null };
    if (TERMINAL_FAILED.has(st)) return { phase: 'failed', exitCode: typeof exit === 'number' && (st === 'failed' || exit !== 0) ? exit : null, reason: reason ?? `task ${st}` };
    if (st === 'running') return { phase: 'running', exitCode: null, reason: null };
    // Only the scheduler's errors say something ("no suitable node (insufficient resources on 1 node)").
    return { phase: 'pending', exitCode: null, reason };
  }

  async follow(name: string, since: string | null, onLine: (l: JobLogLine) => void, signal: AbortSignal): Promise<void> {
    let stream: NodeJS.ReadableStream & { destroy?: () => void };
    try {
      stream = (await this.docker.getService(name).logs({ follow: true, stdout: true, stderr: true, timestamps: true, ...(since ? { since: unixNanos(since) } : {}) } as never)) as unknown as typeof stream;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw engineError(e, `Reading the logs of ${name} failed`);
    }
    const demux = demuxLines((s, line) => {
      const { ts, text } = splitTimestamp(line);
      if (since && ts && !tsAfter(ts, since)) return; // `since` has second precision on some engines
      onLine({ stream: s, text, ts });
    });
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', abort);
        demux.end();
        resolve();
      };
      const abort = () => {
        stream.destroy?.();
        done();
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort);
      stream.on('data', (b: Buffer) => demux.push(b));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  async remove(name: string): Promise<void> {
    try {
      await this.docker.getService(name).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return;
      throw engineError(e, `Removing the service ${name} failed`);
    }
  }

  async list(label: string): Promise<string[]> {
    try {
      const s = (await this.docker.listServices({ filters: { label: [label] } } as never)) as unknown as Array<{ ID?: string; Spec?: { Name?: string } }>;
      return s.map((x) => x.Spec?.Name ?? x.ID ?? '');
    } catch (e) {
      throw engineError(e, 'Listing services failed');
    }
  }
}

/** A swarm manager's own node id (to pin tasks to the node an image was streamed to); null when not a manager. */
export async function swarmNodeId(docker: Docker): Promise<string | null> {
  try {
    const info = (await docker.info()) as { Swarm?: { NodeID?: string; ControlAvailable?: boolean; LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) return null;
    return info.Swarm.NodeID ?? null;
  } catch (e) {
    throw engineError(e, 'Asking the engine about its swarm failed');
  }
}

export function notSwarm(target: string): MldeskError {
  return new MldeskError('FAILED_PRECONDITION', `Target '${target}' is not a Swarm manager: training runs go to a Swarm (a one-shot service) or Kubernetes (a Job)`, {
    hint: `Run \`docker swarm init\` on that engine and add the target again with --swarm, or use a Kubernetes target.`,
  });
}
