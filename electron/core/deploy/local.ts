import type Dockerode from 'dockerode';
import { MldeskError } from '../../../shared/contract';
import { errorNote, loopback, sleep } from './loopback';
import type { DeployTarget } from './target';

/**
 * A single Docker engine as a target (this machine's, or a remote one over TLS/SSH): a deployment is a serving
 * container (the model image) and a proxy container (the runtime image running proxy.js) that owns the stable port.
 * Both use host networking and bind one address: 127.0.0.1 on this machine, the endpoint host an admin configured
 * for a remote engine. Everything is found again by labels, so the state survives the app; nothing is kept in memory.
 */

export const LABEL = {
  deployment: 'mldesk.deployment',
  role: 'mldesk.role',
  model: 'mldesk.model',
  version: 'mldesk.model_version',
  /** Which mldesk data dir owns the container (several data dirs may share one Docker engine). */
  store: 'mldesk.store',
} as const;

export type Role = 'server' | 'proxy';

export interface Observed {
  id: string;
  name: string;
  deployment: string;
  role: Role;
  /** Docker's state: created, running, restarting, paused, exited, dead, removing. */
  state: string;
  /** Docker's human status ("Exited (137) 3 minutes ago"). */
  status: string;
  version: string | null;
  created: number;
}

export interface ServerSpec {
  deployment: string;
  model: string;
  version: string;
  image: string;
  port: number;
  cpus: number | null;
  memoryMb: number | null;
  env: Record<string, string>;
  /** The built-in runtime also gets MLDESK_MODEL_NAME (the OIP model name is the registry name). */
  builtin: boolean;
}

export interface ProxySpec {
  deployment: string;
  image: string;
  port: number;
  token: string;
  upstreamPort: number | null;
  readyPath: string;
}

export interface ReadyResult {
  ok: boolean;
  /** Why not, in words (timeout, exit code). */
  reason: string;
  /** The last readiness probe and its answer, e.g. "GET /v2/health/ready → ECONNREFUSED". */
  probe: string;
  ms: number;
}

export interface ContainerStats {
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

const rand = () => Math.random().toString(36).slice(2, 7);

/** Docker's multiplexed log stream (8-byte frame headers) → text; a TTY stream passes through. */
export function demuxLogs(buf: Buffer): string {
  if (buf.length >= 8 && buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0) {
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
      const n = buf.readUInt32BE(i + 4);
      parts.push(buf.subarray(i + 8, i + 8 + n));
      i += 8 + n;
    }
    return Buffer.concat(parts).toString('utf8');
  }
  return buf.toString('utf8');
}

export function exitCodeOf(status: string): number | null {
  const m = /Exited \((-?\d+)\)/.exec(status);
  return m ? Number(m[1]) : null;
}

const notFound = (e: unknown) => (e as { statusCode?: number })?.statusCode === 404;

export class DockerTarget implements DeployTarget {
  constructor(
    /** The engine (throws UNAVAILABLE with a hint when it cannot be reached). */
    private readonly engine: () => Promise<Dockerode>,
    /** Value of the mldesk.store label of this data dir. */
    readonly storeId: string,
    /** The address containers bind and mldesk reaches them at. */
    readonly host = '127.0.0.1',
    /** The target's name (deployments.target). */
    readonly kind = 'local',
  ) {}

  private async docker(): Promise<Dockerode> {
    return this.engine();
  }

  /** This data dir's deployment containers, by deployment (one list call); throws UNAVAILABLE without an engine. */
  async observe(deployment?: string): Promise<Map<string, Observed[]>> {
    const docker = await this.docker();
    const labels = [`${LABEL.store}=${this.storeId}`, deployment ? `${LABEL.deployment}=${deployment}` : LABEL.deployment];
    const list = await docker.listContainers({ all: true, filters: { label: labels } });
    const out = new Map<string, Observed[]>();
    for (const c of list) {
      const dep = c.Labels?.[LABEL.deployment];
      const role = c.Labels?.[LABEL.role];
      if (!dep || (role !== 'server' && role !== 'proxy')) continue;
      const o: Observed = {
        id: c.Id,
        name: (c.Names?.[0] ?? '').replace(/^\//, ''),
        deployment: dep,
        role,
        state: c.State,
        status: c.Status,
        version: c.Labels?.[LABEL.version] ?? null,
        created: c.Created * 1000,
      };
      out.set(dep, [...(out.get(dep) ?? []), o]);
    }
    return out;
  }

  async inspect(id: string): Promise<Dockerode.ContainerInspectInfo | null> {
    const docker = await this.docker();
    try {
      return await docker.getContainer(id).inspect();
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  private labels(deployment: string, role: Role, model?: string, version?: string): Record<string, string> {
    return {
      [LABEL.store]: this.storeId,
      [LABEL.deployment]: deployment,
      [LABEL.role]: role,
      ...(model ? { [LABEL.model]: model } : {}),
      ...(version ? { [LABEL.version]: version } : {}),
    };
  }

  /** The create options of a serving container (also shown by deploy.plan, env values redacted there). */
  serverOptions(spec: ServerSpec): Dockerode.ContainerCreateOptions {
    const env = { ...spec.env, PORT: String(spec.port), HOST: this.host, ...(spec.builtin ? { MLDESK_MODEL_NAME: spec.model } : {}) };
    return {
      name: `mldesk-${spec.deployment}-v${spec.version}-${rand()}`,
      Image: spec.image,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: this.labels(spec.deployment, 'server', spec.model, spec.version),
      StopSignal: 'SIGTERM',
      HostConfig: {
        NetworkMode: 'host',
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 },
        ...(spec.cpus ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
        ...(spec.memoryMb ? { Memory: spec.memoryMb * 1024 * 1024 } : {}),
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
      },
    };
  }

  proxyOptions(spec: ProxySpec): Dockerode.ContainerCreateOptions {
    const env: Record<string, string> = {
      MLDESK_PROXY_PORT: String(spec.port),
      MLDESK_PROXY_HOST: this.host,
      MLDESK_PROXY_TOKEN: spec.token,
      MLDESK_PROXY_NAME: spec.deployment,
      MLDESK_PROXY_READY_PATH: spec.readyPath,
      MLDESK_PROXY_UPSTREAM: spec.upstreamPort ? `${this.host}:${spec.upstreamPort}` : '',
      // The runtime image's writable folder (its user owns /data): the upstream survives a restart of this container.
      MLDESK_PROXY_STATE: '/data/proxy-upstream.json',
    };
    return {
      name: `mldesk-${spec.deployment}-proxy`,
      Image: spec.image,
      Cmd: ['/usr/local/bin/node', '/app/proxy.js'],
      Entrypoint: [],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: this.labels(spec.deployment, 'proxy'),
      StopSignal: 'SIGTERM',
      HostConfig: {
        NetworkMode: 'host',
        RestartPolicy: { Name: 'unless-stopped' },
        Memory: 256 * 1024 * 1024,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '2' } },
      },
    };
  }

  async startServer(spec: ServerSpec): Promise<string> {
    const docker = await this.docker();
    const c = await docker.createContainer(this.serverOptions(spec));
    try {
      await c.start();
    } catch (e) {
      await c.remove({ force: true }).catch(() => undefined);
      throw e;
    }
    return c.id;
  }

  /** Creates and starts the proxy; a leftover proxy of this data dir with the same name is replaced. */
  async startProxy(spec: ProxySpec): Promise<string> {
    const docker = await this.docker();
    const opts = this.proxyOptions(spec);
    let c: Dockerode.Container;
    try {
      c = await docker.createContainer(opts);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
      const old = await this.inspect(opts.name!);
      if (old?.Config.Labels?.[LABEL.store] !== this.storeId) {
        throw new MldeskError('ALREADY_EXISTS', `A container named ${opts.name} exists and is not this mldesk data dir's; remove it or pick another deployment name`);
      }
      await docker.getContainer(old.Id).remove({ force: true });
      c = await docker.createContainer(opts);
    }
    await c.start();
    return c.id;
  }

  /**
   * Polls `GET path` on host:port every 50 ms until 2xx, the container stops running (exit, restart loop: more
   * restarts than `restartsBefore`), or the timeout passes.
   */
  async waitReady(id: string, port: number, path: string, timeoutMs: number, accept: (body: Buffer) => boolean = () => true, restartsBefore = 0): Promise<ReadyResult> {
    const started = Date.now();
    let probe = `GET ${path} → not tried yet`;
    let lastInspect = 0;
    for (;;) {
      try {
        const a = await loopback(port, path, { host: this.host, timeoutMs: Math.min(1000, Math.max(100, timeoutMs - (Date.now() - started))) });
        probe = `GET ${path} → ${a.status}`;
        if (a.status >= 200 && a.status < 300 && accept(a.body)) return { ok: true, reason: '', probe, ms: Date.now() - started };
        if (a.status >= 200 && a.status < 300) probe = `GET ${path} → ${a.status} from another program (not this deployment)`;
      } catch (e) {
        probe = `GET ${path} → ${errorNote(e)}`;
      }
      if (Date.now() - lastInspect > 250) {
        lastInspect = Date.now();
        const info = await this.inspect(id);
        if (!info) return { ok: false, reason: 'the container was removed while starting', probe, ms: Date.now() - started };
        const st = info.State;
        if (st.Status === 'exited' || st.Status === 'dead' || st.Restarting || info.RestartCount > restartsBefore) {
          const oom = st.OOMKilled ? ' (out of memory: raise the memory limit)' : '';
          return { ok: false, reason: `the container exited with code ${st.ExitCode}${oom} before becoming ready`, probe, ms: Date.now() - started };
        }
      }
      if (Date.now() - started >= timeoutMs) return { ok: false, reason: `not ready within ${Math.round(timeoutMs / 1000)} s`, probe, ms: Date.now() - started };
      await sleep(50);
    }
  }

  async logTail(id: string, lines: number): Promise<string[]> {
    const docker = await this.docker();
    try {
      const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)))
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l, i, all) => l !== '' || i < all.length - 1)
        .slice(-lines);
    } catch (e) {
      if (notFound(e)) return [];
      throw e;
    }
  }

  async stop(id: string, graceSec = 30): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(id).stop({ t: graceSec });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw e; // 304: already stopped
    }
  }

  async start(id: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(id).start();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 304) throw e; // already running
    }
  }

  async remove(id: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(id).remove({ force: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw e; // gone, or already being removed
    }
  }

  /** One stats sample (Docker takes two readings about a second apart to give a CPU share). */
  async stats(id: string): Promise<ContainerStats> {
    const docker = await this.docker();
    const s = (await docker.getContainer(id).stats({ stream: false })) as unknown as Dockerode.ContainerStats;
    const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
    const cpuPercent = sysDelta > 0 && cpuDelta >= 0 ? Number(((cpuDelta / sysDelta) * cpus * 100).toFixed(2)) : null;
    const mem = s.memory_stats as (Dockerode.ContainerStats['memory_stats'] & { stats?: Record<string, number> }) | undefined;
    const usage = mem?.usage;
    const cache = mem?.stats?.inactive_file ?? mem?.stats?.total_inactive_file ?? 0;
    return {
      cpuPercent,
      memoryBytes: typeof usage === 'number' ? Math.max(0, usage - cache) : null,
      memoryLimitBytes: typeof mem?.limit === 'number' ? mem.limit : null,
    };
  }
}
