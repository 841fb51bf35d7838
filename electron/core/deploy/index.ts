import fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  MldeskError,
  type DeployPlan,
  type Deployment,
  type DeploymentStats,
  type DeploymentStatus,
  type FeatureHandlers,
  type ModelImage,
  type ModelLineage,
  type RolloutReport,
  deployInput,
} from '../../../shared/contract';
import { ensureImage, pushImage } from '../containers/transport';
import { redactError } from '../secrets';
import type { EngineContext } from '../context';
import type { Containers } from '../containers';
import type { DataService } from '../data';
import type { JobReporter, Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import { addLineageExtra } from '../registry';
import type { Tracking } from '../tracking';
import type { TargetConnection } from '../targets/api';
import type { ClusterBackend, ClusterState } from './cluster';
import { clusterBackendFor, clusterFigures, clusterSpecOf, reconcileCluster } from './clusterOps';
import type { ContainersApi, ResolvedModel } from './containersApi';
import { buildExample, type Example } from './example';
import { helmChartFiles } from './helmExport';
import { exitCodeOf, DockerTarget, type Observed } from './local';
import { bodyOf, errorNote, freePort, LOOPBACK, loopback, portFree, sleep } from './loopback';
import { parsePrometheus, runtimeFigures } from './metrics';
import { DeployPresets } from './presets';
import { RecordsPuller, type RecordSource } from './records';
import { DeploymentsTable, type ClusterOptions, type DeploymentRow } from './table';

export { toTensorValue } from './example';

export interface DeployDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  containers: Containers;
  targets: { connect(name: string): Promise<TargetConnection> };
}

type DeployInput = z.output<typeof deployInput>;
type Runtime = DeploymentRow['runtime'];

/** How often running deployments' records are pulled while the engine runs. */
const PULL_EVERY_MS = 2000;
/** Lines of the new container's log kept in a failed rollout's report. */
const FAILED_LOG_LINES = 30;
/** How long a switched-away upstream may take to finish its in-flight requests before it is stopped anyway. */
const DRAIN_WAIT_MS = 15_000;
const BUILTIN_READY = '/v2/health/ready';
/** How often the loop reconciles the deployments with the engine (to publish status changes nobody asked for). */
const RECONCILE_EVERY_MS = 6000;
/** A first rollout this old without an outcome was interrupted (its process ended). */
const INTERRUPTED_AFTER_MS = 10 * 60_000;

/** The default deployment name: the model name as a DNS label. */
export function defaultName(model: string): string {
  const s = model
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s || 'model';
}

const readyPathOf = (rt: Runtime) => (rt.kind === 'dockerfile' ? rt.readinessPath : BUILTIN_READY);
const urlOf = (port: number, host = LOOPBACK) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
/** Ports tried for deployments on a remote engine (its free ports cannot be probed from here). */
const REMOTE_PORT_BASE = 18080;

/**
 * A deployment target as the rollout engine uses it: a single Docker engine (this machine's, or a remote one: the
 * proxy + server rollout of local.ts), or a cluster (swarm, Kubernetes: the orchestrator's own rollout).
 */
interface On {
  name: string;
  kind: 'docker' | 'swarm' | 'kubernetes';
  /** Where this machine reaches the target's ports. */
  host: string;
  /** Ports on the target are this machine's ports (a free-port check here means something). */
  local: boolean;
  conn: TargetConnection | null;
  docker: DockerTarget | null;
  cluster: ClusterBackend | null;
}

interface RolloutConfig {
  runtime: Runtime;
  cpus: number | null;
  memoryMb: number | null;
  env: Record<string, string>;
  readyTimeoutSec: number;
  replicas: number;
  transport: 'auto' | 'registry' | 'stream';
  cluster: ClusterOptions | null;
}

interface Rollout {
  jobId: string;
  first: boolean;
  version: string;
}

interface Reconciled {
  status: DeploymentStatus;
  reason: string | null;
  startedAt: number | null;
  server: string | null;
  proxy: string | null;
  /** A cluster deployment's state (replicas, tasks, rollout), when it could be read. */
  cluster?: ClusterState | undefined;
}

type Seen = { obs: Map<string, Observed[]> } | { problem: string };

/** Deployments on Docker engines and clusters: plan → apply (zero-downtime rollout) → status / logs / stats → remove. */
export class DeployService {
  readonly table: DeploymentsTable;
  /** The local engine's target (this machine's Docker). */
  readonly target: DockerTarget;
  readonly records: RecordsPuller;
  readonly presets: DeployPresets;
  readonly storeId: string;
  private readonly containers: ContainersApi;
  private readonly rollouts = new Map<string, Rollout>();
  private readonly lastStatus = new Map<string, DeploymentStatus>();
  private readonly scrapes = new Map<string, { container: string; at: number; requests: number }>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private lastReconcile = 0;
  private closed = false;

  constructor(
    readonly ctx: EngineContext,
    readonly deps: DeployDeps,
  ) {
    this.containers = deps.containers;
    this.table = new DeploymentsTable(ctx);
    this.storeId = storeIdOf(ctx.dataDir);
    this.target = new DockerTarget(() => this.containers.requireEngine(), this.storeId);
    this.records = new RecordsPuller(ctx, this.table, (row) => this.sourcesOf(row));
    this.presets = new DeployPresets(ctx);
    this.startLoop();
  }

  // ── targets ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** A target by name (NOT_FOUND for an unknown one; UNAVAILABLE-style errors from connecting pass through). */
  private async on(target: string): Promise<On> {
    if (target === 'local') return { name: 'local', kind: 'docker', host: LOOPBACK, local: true, conn: null, docker: this.target, cluster: null };
    const conn = await this.deps.targets.connect(target);
    if (conn.kind === 'docker') {
      const docker = new DockerTarget(async () => conn.docker(), this.storeId, conn.endpointHost, target);
      return { name: target, kind: 'docker', host: conn.endpointHost, local: conn.onThisMachine, conn, docker, cluster: null };
    }
    return { name: target, kind: conn.kind, host: conn.endpointHost, local: conn.onThisMachine, conn, docker: null, cluster: clusterBackendFor(conn, this.storeId) };
  }

  /** Targets whose ports are this machine's (a port one of their deployments holds is taken here too). */
  private localTargets(): string[] {
    const names = new Set(['local']);
    for (const r of this.table.all()) if (r.target !== 'local' && r.cluster === null && r.target) names.add(r.target);
    return [...names];
  }

  /** Where records, metrics and feedback of a running deployment come from now. */
  private async sourcesOf(row: DeploymentRow): Promise<RecordSource[]> {
    const t = await this.on(row.target);
    if (t.cluster) {
      const reps = await t.cluster.replicas(row.name);
      return reps.map((rep) => ({ container: rep.id, version: rep.version ?? row.version, replica: true, get: (p, ms) => rep.get(p, ms) }));
    }
    if (!row.serverContainer || !row.serverPort) return [];
    const port = row.serverPort;
    return [{ container: row.serverContainer, version: row.version, replica: false, get: (p, ms) => loopback(port, p, { host: t.host, timeoutMs: ms }) }];
  }

  // ── the pull loop ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Starts pulling records every ~2 s (unref'd: it never keeps a CLI process alive). */
  startLoop(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.tick(), PULL_EVERY_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.closed || !this.ctx.store.db.open) return;
    this.ticking = true;
    try {
      const rows = this.table.all();
      for (const row of rows) {
        if (this.closed) break;
        if (row.desired === 'running' && (row.serverPort || row.cluster)) await this.records.pull(row.name).catch(() => 0);
      }
      // Reconciling now and then publishes deploy.changed when a container crashed or was removed outside the app.
      if (rows.length && !this.closed && Date.now() - this.lastReconcile >= RECONCILE_EVERY_MS) await this.list().catch(() => []);
    } catch {
      // the store closed under us: the engine is going away
    } finally {
      this.ticking = false;
    }
  }

  async dispose(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Rollouts in flight keep their containers (a redeploy's old one keeps serving); their jobs end with the process.
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────────────────────

  private requireRow(name: string): DeploymentRow {
    const row = this.table.get(name);
    if (!row) throw new MldeskError('NOT_FOUND', `No deployment named '${name}'`);
    return row;
  }

  /** The containers of every deployment on a Docker target, or why they cannot be seen (engine unavailable). */
  private async observeAll(t: On, name?: string): Promise<Seen> {
    try {
      return { obs: await t.docker!.observe(name) };
    } catch (e) {
      if (t.name !== 'local') return { problem: `Target ${t.name} unavailable: ${e instanceof Error ? e.message : String(e)}` };
      const st = await this.containers.status().catch(() => null);
      const p = st?.problem;
      const why = p ? `${p.message}. ${p.hint}` : e instanceof Error ? e.message : String(e);
      return { problem: `Docker engine unavailable: ${why}` };
    }
  }

  /** Reconciles the rows of one target (one engine list call, or one observe per cluster deployment). */
  private async reconcileOn(target: string, rows: DeploymentRow[], name?: string): Promise<Array<[DeploymentRow, Reconciled, On | null]>> {
    let t: On;
    try {
      t = await this.on(target);
    } catch (e) {
      const why = `Target ${target} unavailable: ${e instanceof Error ? e.message : String(e)}`;
      return rows.map((row) => [row, { status: 'unknown', reason: why, startedAt: null, server: row.serverContainer, proxy: row.proxyContainer }, null]);
    }
    if (t.cluster) {
      const cluster = t.cluster;
      return Promise.all(
        rows.map(async (row): Promise<[DeploymentRow, Reconciled, On]> => {
          try {
            const st = await cluster.observe(row.name);
            return [row, { ...reconcileCluster(row, st, this.rollouts.get(row.name)), server: null, proxy: null, cluster: st }, t];
          } catch (e) {
            return [row, { status: 'unknown', reason: `Target ${target} unavailable: ${e instanceof Error ? e.message : String(e)}`, startedAt: null, server: null, proxy: null }, t];
          }
        }),
      );
    }
    const seen = await this.observeAll(t, name);
    return Promise.all(rows.map(async (row): Promise<[DeploymentRow, Reconciled, On]> => [row, await this.reconcile(row, seen, t), t]));
  }

  /** The reconcile rules: the engine's containers decide the status; the table only says what was wanted. */
  private async reconcile(row: DeploymentRow, seen: Seen, t: On): Promise<Reconciled> {
    const rollout = this.rollouts.get(row.name);
    if ('problem' in seen) return { status: 'unknown', reason: seen.problem, startedAt: null, server: row.serverContainer, proxy: row.proxyContainer };
    const mine = seen.obs.get(row.name) ?? [];
    const server = row.serverContainer ? mine.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = mine.find((c) => c.role === 'proxy');
    const ids = { server: server?.id ?? null, proxy: proxy?.id ?? null };
    let startedAt: number | null = null;
    if (server?.state === 'running') {
      const info = await t.docker!.inspect(server.id).catch(() => null);
      const at = info ? Date.parse(info.State.StartedAt) : NaN;
      startedAt = Number.isFinite(at) ? at : null;
    }
    const r = (status: DeploymentStatus, reason: string | null): Reconciled => ({ status, reason, startedAt: status === 'running' || status === 'updating' ? startedAt : null, ...ids });
    if (rollout) return r(rollout.first ? 'starting' : 'updating', `rolling out v${rollout.version}`);
    if (!row.serverContainer) {
      if (row.lastRollout && !row.lastRollout.ok) return r('failed', row.lastRollout.message);
      // A first rollout of another mldesk process (the CLI, the app) on this data dir, or one that process never finished.
      if (Date.now() - row.updatedAt < Math.max(INTERRUPTED_AFTER_MS, row.readyTimeoutSec * 1000 * 2)) return r('starting', 'first rollout in progress (another mldesk process)');
      return r('failed', 'the first rollout was interrupted before it became ready: deploy it again, or remove it');
    }
    if (!server && !proxy) return r('gone', 'its containers were removed outside mldesk');
    if (!server) return r('gone', `the serving container was removed outside mldesk (the endpoint on port ${row.port} answers 503/502)`);
    if (!proxy) return r('gone', `the proxy container was removed outside mldesk (nothing listens on port ${row.port})`);
    const down = (c: Observed, what: string): Reconciled | null => {
      if (c.state === 'running') return null;
      const code = exitCodeOf(c.status);
      if (c.state === 'restarting') return r('failed', `the ${what} keeps restarting${code !== null ? ` (exit code ${code})` : ''}`);
      if (c.state === 'exited' || c.state === 'dead') return r('failed', `the ${what} exited${code !== null ? ` with code ${code}` : ''}${code === 137 ? ' (killed: out of memory, or stopped outside mldesk)' : ''}`);
      if (c.state === 'paused') return r('failed', `the ${what} was paused outside mldesk`);
      if (c.state === 'created') return r('starting', null);
      return r('failed', `the ${what} is ${c.state}`);
    };
    if (row.desired === 'stopped') {
      if (server.state !== 'running' && proxy.state !== 'running') return r('stopped', 'stopped');
    }
    return down(server, 'serving container') ?? down(proxy, 'proxy container') ?? r('running', null);
  }

  private toDeployment(row: DeploymentRow, rec: Reconciled, t: On | null): Deployment {
    const st = rec.cluster;
    const kind: On['kind'] = t?.kind ?? (row.cluster ? (row.cluster.kubernetes ? 'kubernetes' : 'swarm') : 'docker');
    const running = rec.status === 'running' || rec.status === 'updating' ? 1 : 0;
    return {
      name: row.name,
      target: row.target,
      targetKind: kind,
      replicas: st
        ? { desired: st.desired, running: st.running, updated: st.updated, ready: st.ready, available: st.available }
        : { desired: row.desired === 'stopped' ? 0 : row.replicas, running, updated: null, ready: null, available: null },
      rollout: st ? { state: st.rollout.state, message: st.rollout.message } : null,
      tasks: st?.tasks ?? [],
      model: row.model,
      version: row.version,
      runId: row.runId,
      runtime: row.runtime.kind,
      status: rec.status,
      reason: rec.reason,
      url: t?.cluster ? t.cluster.endpoint(row.name, row.port) : urlOf(row.port, t?.host),
      port: row.port,
      image: { ref: row.imageRef, digest: row.imageDigest },
      containers: { server: rec.server, proxy: rec.proxy },
      readyTimeoutSec: row.readyTimeoutSec,
      cpus: row.cpus,
      memoryMb: row.memoryMb,
      envKeys: Object.keys(row.env).sort(),
      createdAt: row.createdAt,
      startedAt: rec.startedAt,
      lastRollout: row.lastRollout,
    };
  }

  private noteStatus(d: Deployment): void {
    const prev = this.lastStatus.get(d.name);
    this.lastStatus.set(d.name, d.status);
    if (prev !== undefined && prev !== d.status) this.changed(d.name);
  }

  private changed(name: string): void {
    if (this.ctx.store.db.open) this.ctx.events.publish('deploy.changed', { name });
  }

  async list(): Promise<Deployment[]> {
    this.lastReconcile = Date.now();
    const rows = this.table.all();
    if (rows.length === 0) return [];
    const byTarget = new Map<string, DeploymentRow[]>();
    for (const r of rows) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
    const parts = await Promise.all([...byTarget].map(([target, rs]) => this.reconcileOn(target, rs)));
    const order = new Map(rows.map((r, i) => [r.name, i]));
    const out = parts
      .flat()
      .sort((a, b) => order.get(a[0].name)! - order.get(b[0].name)!)
      .map(([row, rec, t]) => this.toDeployment(row, rec, t));
    for (const d of out) this.noteStatus(d);
    return out;
  }

  async get(name: string): Promise<Deployment> {
    const row = this.requireRow(name);
    const [[, rec, t]] = (await this.reconcileOn(row.target, [row], name)) as [[DeploymentRow, Reconciled, On | null]];
    const d = this.toDeployment(row, rec, t);
    this.noteStatus(d);
    return d;
  }

  async logs(name: string, lines: number): Promise<string[]> {
    const row = this.requireRow(name);
    const t = await this.on(row.target);
    if (t.cluster) return t.cluster.logs(name, lines);
    if (!row.serverContainer) return row.lastRollout?.logTail ?? [];
    return t.docker!.logTail(row.serverContainer, lines);
  }

  async stats(name: string): Promise<DeploymentStats> {
    const row = this.requireRow(name);
    const empty: DeploymentStats = { cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, requests: null, requestsPerSec: null, p50Ms: null, p99Ms: null, errors: {}, uptimeSec: null };
    const t = await this.on(row.target);
    if (t.cluster) {
      // Latency and rate over every replica's /metrics; CPU and memory are the orchestrator's (not read here).
      const [reps, st] = await Promise.all([t.cluster.replicas(name).catch(() => []), t.cluster.observe(name).catch(() => null)]);
      const metrics = await clusterFigures(reps);
      const rps = metrics ? this.rate(name, reps.map((x) => x.id).sort().join(','), metrics.requests) : null;
      const uptime = st?.startedAt ? Math.max(0, Math.round((Date.now() - st.startedAt) / 1000)) : null;
      return { ...empty, ...(metrics ? { requests: metrics.requests, p50Ms: metrics.p50Ms, p99Ms: metrics.p99Ms, errors: metrics.errors } : {}), requestsPerSec: rps, uptimeSec: uptime };
    }
    const target = t.docker!;
    const id = row.serverContainer;
    if (!id || !row.serverPort) return empty;
    const [docker, metrics, info] = await Promise.all([
      target.stats(id).catch(() => null),
      loopback(row.serverPort, '/metrics', { host: t.host, timeoutMs: 3000 })
        .then((a) => (a.status === 200 ? runtimeFigures(parsePrometheus(a.body.toString('utf8'))) : null))
        .catch(() => null),
      target.inspect(id).catch(() => null),
    ]);
    const now = Date.now();
    const rps = metrics ? this.rate(name, id, metrics.requests) : null;
    const started = info?.State.Running ? Date.parse(info.State.StartedAt) : NaN;
    return {
      ...empty,
      ...(docker ?? {}),
      ...(metrics ? { requests: metrics.requests, p50Ms: metrics.p50Ms, p99Ms: metrics.p99Ms, errors: metrics.errors } : {}),
      requestsPerSec: rps,
      uptimeSec: Number.isFinite(started) ? Math.max(0, Math.round((now - started) / 1000)) : null,
    };
  }

  /** Requests per second since the last scrape of the same container(s). */
  private rate(name: string, container: string, requests: number): number | null {
    const now = Date.now();
    const prev = this.scrapes.get(name);
    this.scrapes.set(name, { container, at: now, requests });
    if (prev && prev.container === container && requests >= prev.requests && now > prev.at) return Number(((requests - prev.requests) / ((now - prev.at) / 1000)).toFixed(3));
    return null;
  }

  async readRecords(name: string, after: number, limit: number) {
    const row = this.table.get(name);
    if (row) await this.records.pull(name).catch(() => 0);
    else if (!this.ctx.store.db.prepare('SELECT 1 FROM inference_records WHERE deployment = ? LIMIT 1').get(name)) {
      throw new MldeskError('NOT_FOUND', `No deployment named '${name}' (and no records kept from one)`);
    }
    return this.records.read(name, after, limit);
  }

  // ── planning ───────────────────────────────────────────────────────────────────────────────────────────────────

  private async resolve(input: { model: string; version?: string; alias?: string; runtime: Runtime }): Promise<ResolvedModel> {
    const m = await this.containers.resolveModel({ model: input.model, ...(input.version !== undefined ? { version: input.version } : {}), ...(input.alias !== undefined ? { alias: input.alias } : {}) });
    if (input.runtime.kind === 'onnx' && !m.onnxFile) {
      throw new MldeskError(
        'FAILED_PRECONDITION',
        `${m.name} v${m.version} has no .onnx file among its artifacts: export the model to ONNX, or deploy it with your own Dockerfile (runtime kind "dockerfile")`,
      );
    }
    return m;
  }

  /** The user's build context and Dockerfile (checked now, so a bad path is a 4xx before any job starts). */
  private async customBuild(m: ResolvedModel, rt: Runtime): Promise<{ context: string; dockerfile: string } | null> {
    if (rt.kind !== 'dockerfile') return null;
    await this.containers.dockerfileFor({ model: m.name, version: m.version, runtime: rt });
    return { context: rt.context, dockerfile: rt.dockerfile };
  }

  /** The target of a deploy input, checked against an existing deployment of the same name. */
  private async targetFor(input: DeployInput, existing: DeploymentRow | null): Promise<On> {
    if (existing && existing.target !== input.target) {
      throw new MldeskError('ALREADY_EXISTS', `Deployment '${existing.name}' runs on target ${existing.target}; give another --name to deploy to ${input.target}`);
    }
    const t = await this.on(input.target);
    if (t.kind === 'docker' && input.replicas !== undefined && input.replicas > 1) {
      throw new MldeskError('INVALID_INPUT', `Target ${t.name} is a single Docker engine: it runs one replica (add a swarm or Kubernetes target for more)`);
    }
    return t;
  }

  /** A remote target answers (before a deployment row or a job exists for it), else UNAVAILABLE saying why. */
  private async reachable(t: On, name: string): Promise<void> {
    try {
      if (t.cluster) await t.cluster.observe(name);
      else await t.docker!.observe(name);
    } catch (e) {
      const err = redactError(e);
      throw new MldeskError(err instanceof MldeskError && err.code !== 'INTERNAL' ? err.code : 'UNAVAILABLE', `Target ${t.name} cannot be used now: ${err.message} (mldesk targets test ${t.name} says more)`);
    }
  }

  /** The stable port of a new deployment: a free one here, or the next one no deployment of that remote target holds. */
  private async portFor(t: On, wanted: number | undefined): Promise<number> {
    if (t.kind === 'kubernetes') return wanted ?? 80;
    if (t.local) return wanted ?? (await freePort());
    if (wanted !== undefined) return wanted;
    let port = REMOTE_PORT_BASE;
    while (this.table.portOwner(port, [t.name])) port++;
    return port;
  }

  private clusterOptions(input: DeployInput, t: On, existing: DeploymentRow | null): ClusterOptions | null {
    if (!t.cluster) return null;
    const prev = existing?.cluster;
    return {
      transport: input.transport,
      health: input.health ?? prev?.health ?? null,
      canary: input.canary ?? null,
      kubernetes: t.kind === 'kubernetes' ? ((input.kubernetes as Record<string, unknown> | undefined) ?? prev?.kubernetes ?? { progressDeadlineSec: 120 }) : null,
    };
  }

  async plan(input: DeployInput): Promise<DeployPlan> {
    const name = input.name ?? defaultName(input.model);
    const m = await this.resolve(input);
    const existing = this.table.get(name);
    if (existing && existing.model !== m.name) throw new MldeskError('ALREADY_EXISTS', `Deployment '${name}' serves ${existing.model}; give another --name`);
    const t = await this.targetFor(input, existing);
    const warnings: string[] = [];
    const engine = await this.containers.status();
    if (!engine.available) warnings.push(`Docker engine unavailable: ${engine.problem?.message ?? 'unknown'}. ${engine.problem?.hint ?? ''}`.trim());
    const dockerfile = (await this.containers.dockerfileFor({ model: m.name, version: m.version, runtime: input.runtime })).dockerfile;
    let image = '';
    if (engine.available) {
      const imgs: ModelImage[] = await this.containers.images(m.name).catch(() => []);
      const hit = imgs.find((i) => i.version === m.version && (!m.modelDigest || i.modelDigest === m.modelDigest));
      if (hit) image = hit.ref;
    }
    if (!image) {
      image = '(built on apply)';
      warnings.push('No image of this version yet: applying builds it first.');
    }
    const port = existing?.port ?? (await this.portFor(t, input.port));
    if (existing && input.port !== undefined && input.port !== existing.port) warnings.push(`Deployment '${name}' keeps its port ${existing.port}; remove it to change the port.`);
    if (!existing && t.local && t.kind !== 'kubernetes') {
      const owner = this.table.portOwner(port, this.localTargets());
      if (owner) warnings.push(`Port ${port} is deployment '${owner}'s.`);
      else if (!(await portFree(port))) warnings.push(`Port ${port} is in use on 127.0.0.1.`);
      if (input.port === undefined) warnings.push(`Port ${port} is a suggestion: a free port is picked when applying (give --port to fix it).`);
    }
    if (existing) warnings.push(`Redeploy: v${existing.version} keeps serving on port ${existing.port} until v${m.version} is ready.`);
    if (t.conn && !t.conn.registry && t.kind !== 'kubernetes') warnings.push(`No registry for target ${t.name}: the image is streamed to its engine (save → load; layers it has are not sent).`);
    if (t.kind === 'kubernetes' && !t.conn?.registry) warnings.push(`No registry for target ${t.name}: its nodes must already have ${image} (imagePullPolicy IfNotPresent). Add a registry to the target to push it.`);
    const cpus = input.cpus ?? existing?.cpus ?? null;
    const memoryMb = input.memoryMb ?? existing?.memoryMb ?? null;
    const redactedEnv = Object.fromEntries(Object.keys(input.env).map((k) => [k, '***']));
    let container: Record<string, unknown> = {};
    let manifests: Array<Record<string, unknown>> = [];
    if (t.cluster) {
      const options = this.clusterOptions(input, t, existing)!;
      const spec = clusterSpecOf({
        row: { name, port },
        storeId: this.storeId,
        model: m,
        image: t.conn?.registry ? `${t.conn.registry.url}/${image.replace(/^.*\//, '')}` : image,
        proxyImage: '(the mldesk runtime image)',
        replicas: input.replicas ?? existing?.replicas ?? 1,
        cpus,
        memoryMb,
        env: redactedEnv,
        builtin: input.runtime.kind === 'onnx',
        readyPath: readyPathOf(input.runtime),
        readyTimeoutSec: input.readyTimeoutSec,
        options,
      });
      manifests = await t.cluster.describe(spec);
    } else {
      const opts = t.docker!.serverOptions({ deployment: name, model: m.name, version: m.version, image, port: 0, cpus, memoryMb, env: redactedEnv, builtin: input.runtime.kind === 'onnx' });
      container = { ...opts, name: `mldesk-${name}-v${m.version}-…`, Env: (opts.Env ?? []).map((e) => e.replace(/^PORT=0$/, 'PORT=(a free port)')) };
    }
    return {
      name,
      model: m.name,
      version: m.version,
      runtime: input.runtime.kind,
      dockerfile,
      image,
      container,
      port,
      url: t.cluster ? t.cluster.endpoint(name, port) : urlOf(port, t.host),
      redeploy: !!existing,
      warnings,
      target: t.name,
      targetKind: t.kind,
      manifests,
    };
  }

  // ── applying ───────────────────────────────────────────────────────────────────────────────────────────────────

  async apply(input: DeployInput): Promise<{ jobId: string; name: string }> {
    const name = input.name ?? defaultName(input.model);
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is already rolling out (job ${this.rollouts.get(name)!.jobId})`);
    const m = await this.resolve(input);
    const build = await this.customBuild(m, input.runtime);
    let existing = this.table.get(name);
    if (existing && existing.model !== m.name) throw new MldeskError('ALREADY_EXISTS', `Deployment '${name}' serves ${existing.model}; give another --name (or remove it first)`);
    if (existing && input.port !== undefined && input.port !== existing.port) {
      throw new MldeskError('INVALID_INPUT', `Deployment '${name}' serves on port ${existing.port}; remove it to change the port`);
    }
    const t = await this.targetFor(input, existing);
    await this.containers.requireEngine(); // UNAVAILABLE (with the hint) before any job starts: images are built here
    if (t.conn) await this.reachable(t, name);
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is already rolling out`);
    const now = Date.now();
    if (!existing) {
      const port = await this.portFor(t, input.port);
      if (t.kind !== 'kubernetes') {
        const owner = this.table.portOwner(port, t.local ? this.localTargets() : [t.name]);
        if (owner) throw new MldeskError('ALREADY_EXISTS', `Port ${port} is deployment '${owner}'s`);
        if (t.local && !(await portFree(port))) throw new MldeskError('ALREADY_EXISTS', `Port ${port} is in use on 127.0.0.1: pick another --port`);
      }
      existing = {
        name,
        target: t.name,
        model: m.name,
        version: m.version,
        runId: m.runId,
        runtime: input.runtime,
        port,
        cpus: input.cpus ?? null,
        memoryMb: input.memoryMb ?? null,
        env: input.env,
        readyTimeoutSec: input.readyTimeoutSec,
        imageRef: '',
        imageDigest: '',
        desired: 'running',
        serverContainer: null,
        serverPort: null,
        proxyContainer: null,
        proxyToken: randomBytes(24).toString('base64url'),
        createdAt: now,
        updatedAt: now,
        lastRollout: null,
        recordsCursor: null,
        replicas: input.replicas ?? 1,
        cluster: this.clusterOptions(input, t, null),
      };
      try {
        this.table.insert(existing);
      } catch {
        throw new MldeskError('ALREADY_EXISTS', `Deployment '${name}' or port ${port} was taken meanwhile`);
      }
    }
    // A redeploy keeps the limits, replicas and env it had unless new ones are given.
    const cfg: RolloutConfig = {
      runtime: input.runtime,
      cpus: input.cpus ?? existing.cpus,
      memoryMb: input.memoryMb ?? existing.memoryMb,
      env: Object.keys(input.env).length ? input.env : existing.env,
      readyTimeoutSec: input.readyTimeoutSec,
      replicas: input.replicas ?? existing.replicas,
      transport: input.transport,
      cluster: this.clusterOptions(input, t, existing),
    };
    const first = t.cluster ? !existing.imageRef : !existing.serverContainer;
    const title = `${first ? 'Deploy' : 'Redeploy'} ${m.name} v${m.version} as ${name}${t.name === 'local' ? '' : ` on ${t.name}`}`;
    const rollout: Rollout = { jobId: '', first, version: m.version };
    this.rollouts.set(name, rollout);
    try {
      rollout.jobId = this.deps.jobs.start('deploy', title, (r) =>
        (t.cluster ? this.rolloutCluster(name, m, cfg, build, t, r) : this.rollout(name, m, cfg, build, t, r))
          .catch((e: unknown) => {
            // Every failure leaves its report (the ones before readiness too: a build that failed, the engine gone).
            const reported = e instanceof MldeskError && (e.details as RolloutReport | undefined)?.ok === false;
            if (!reported && this.ctx.store.db.open && this.table.get(name)) {
              const err = e instanceof MldeskError ? e : new MldeskError('INTERNAL', e instanceof Error ? e.message : String(e));
              const report = this.failRollout(name, m.version, `v${m.version} was not deployed: ${err.message}`, null, []);
              throw new MldeskError(err.code, report.message, report.details);
            }
            throw e;
          })
          .finally(() => {
            this.rollouts.delete(name);
            this.changed(name);
          }),
      );
    } catch (e) {
      this.rollouts.delete(name);
      throw e;
    }
    this.presets.remember(t.name, m.name, { ...input, name, env: {} });
    this.ctx.audit(first ? 'deploy.apply' : 'deploy.redeploy', name, { model: m.name, version: m.version, port: existing.port, target: t.name });
    this.changed(name);
    return { jobId: rollout.jobId, name };
  }

  /** "Deploy to <target>" in one click: the settings last used for this model there (name, runtime, resources…). */
  async quick(i: { target: string; model: string; version?: string | undefined; alias?: string | undefined; replicas?: number | undefined }): Promise<{ jobId: string; name: string }> {
    const last = this.presets.get(i.target, i.model);
    const fallbackName = i.target === 'local' ? defaultName(i.model) : defaultName(`${i.model}-${i.target}`);
    const raw = {
      ...(last ?? {}),
      model: i.model,
      target: i.target,
      name: (last?.name as string | undefined) ?? fallbackName,
      ...(i.version !== undefined ? { version: i.version, alias: undefined } : { alias: i.alias, version: undefined }),
      ...(i.replicas !== undefined ? { replicas: i.replicas } : {}),
    };
    const parsed = deployInput.safeParse(JSON.parse(JSON.stringify(raw)));
    if (!parsed.success) throw new MldeskError('INVALID_INPUT', `The last settings for ${i.model} on ${i.target} are no longer valid (${parsed.error.issues[0]?.message}); deploy with the wizard once`);
    return this.apply(parsed.data);
  }

  lastSettings(target: string, model: string): Record<string, unknown> | null {
    return this.presets.get(target, model);
  }

  /** A Helm chart rendering to the manifests this deploy would apply on a Kubernetes target. */
  async helmChart(input: DeployInput): Promise<{ name: string; files: Record<string, string>; tgzBase64: string }> {
    const plan = await this.plan(input);
    if (plan.targetKind !== 'kubernetes') throw new MldeskError('INVALID_INPUT', `Target ${plan.target} is not a Kubernetes context: a Helm chart is for Kubernetes targets`);
    const t = await this.on(input.target);
    const existing = this.table.get(plan.name);
    const m = await this.resolve(input);
    const spec = clusterSpecOf({
      row: { name: plan.name, port: plan.port },
      storeId: this.storeId,
      model: m,
      image: t.conn?.registry ? `${t.conn.registry.url}/${plan.image.replace(/^.*\//, '')}` : plan.image,
      proxyImage: '',
      replicas: input.replicas ?? existing?.replicas ?? 1,
      cpus: input.cpus ?? existing?.cpus ?? null,
      memoryMb: input.memoryMb ?? existing?.memoryMb ?? null,
      env: input.env,
      builtin: input.runtime.kind === 'onnx',
      readyPath: readyPathOf(input.runtime),
      readyTimeoutSec: input.readyTimeoutSec,
      options: this.clusterOptions(input, t, existing)!,
    });
    return helmChartFiles(spec, t.conn?.namespace ?? 'default');
  }

  /** The model and runtime images on the target's engine (sent when the target is another engine). */
  private async imagesOn(t: On, image: ModelImage, proxyImage: string, transport: DeployInput['transport'], r: JobReporter): Promise<{ image: string; proxyImage: string }> {
    if (!t.conn || t.kind === 'kubernetes') return { image: image.digest || image.ref, proxyImage };
    const local = await this.containers.requireEngine();
    const remote = t.conn.docker();
    const registry = t.conn.registry;
    const moved = [];
    for (const [i, ref] of [image.ref, proxyImage].entries()) {
      r.phase(`Sending ${ref} to ${t.name}`, 0.3 + i * 0.1);
      const res = await ensureImage({ local, remote, ref, registry, transport }, r);
      r.log(`${ref} on ${t.name}: ${res.how}${res.how === 'stream' ? ` (${(res.sentBytes / 1e6).toFixed(1)} MB sent, ${res.skippedLayers} layers already there)` : ''}`);
      moved.push(res.ref);
    }
    return { image: moved[0]!, proxyImage: moved[1]! };
  }

  /** The image as a Kubernetes cluster pulls it: pushed to the target's registry when it has one. */
  private async imageForKube(t: On, image: ModelImage, r: JobReporter): Promise<string> {
    const registry = t.conn?.registry;
    if (!registry) {
      r.log(`no registry for ${t.name}: the nodes must already have ${image.ref}`);
      return image.ref;
    }
    r.phase(`Pushing ${image.ref} to ${registry.url}`, 0.35);
    const pushed = await pushImage(await this.containers.requireEngine(), image.ref, registry, r);
    return pushed.remoteRef;
  }

  /**
   * One rollout on a Docker engine: image → new serving container beside the old → ready → proxy switches → old
   * drains and goes. When the new one never becomes ready it is removed, the old keeps serving, and the report says why.
   */
  private async rollout(name: string, m: ResolvedModel, cfg: RolloutConfig, build: { context: string; dockerfile: string } | null, t: On, r: JobReporter): Promise<Deployment> {
    const target = t.docker!;
    const { built, runtime } = await this.images(m, build, r);
    const { image: imageRef, proxyImage } = await this.imagesOn(t, built, runtime, cfg.transport, r);
    const row = this.requireRow(name);
    const seen = (await target.observe(name)).get(name) ?? [];
    const old = row.serverContainer ? seen.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = seen.find((c) => c.role === 'proxy');
    const readyPath = readyPathOf(cfg.runtime);

    r.phase(`Starting v${m.version}${old ? ` beside v${row.version}` : ''}`, 0.5);
    const t1 = Date.now();
    const serverPort = t.local ? await freePort() : await this.remoteServerPort(t, row);
    const id = await target.startServer({
      deployment: name,
      model: m.name,
      version: m.version,
      image: imageRef,
      port: serverPort,
      cpus: cfg.cpus,
      memoryMb: cfg.memoryMb,
      env: cfg.env,
      builtin: cfg.runtime.kind === 'onnx',
    });
    r.log(`container ${id.slice(0, 12)} on ${t.host}:${serverPort}`);
    // A first deploy starts its proxy meanwhile (it answers 502 until the server listens; nobody calls it yet).
    const proxyStart =
      !proxy || proxy.state !== 'running'
        ? (async () => {
            if (proxy) await target.remove(proxy.id);
            return target.startProxy({ deployment: name, image: proxyImage, port: row.port, token: row.proxyToken, upstreamPort: old?.state === 'running' ? null : serverPort, readyPath });
          })()
        : null;
    proxyStart?.catch(() => undefined);

    r.phase(`Waiting for v${m.version} to be ready (${readyPath}, up to ${cfg.readyTimeoutSec} s)`, 0.6);
    const ready = await target.waitReady(id, serverPort, readyPath, cfg.readyTimeoutSec * 1000);
    if (!ready.ok) {
      const logTail = await target.logTail(id, FAILED_LOG_LINES).catch(() => []);
      await target.remove(id).catch(() => undefined);
      const keeps = old && old.state === 'running' ? `v${row.version} keeps serving on port ${row.port}` : 'nothing was serving before';
      if (!old) {
        const p = await proxyStart?.catch(() => null);
        if (p) await target.remove(p).catch(() => undefined);
      }
      const report: RolloutReport = { ok: false, version: m.version, at: Date.now(), message: `v${m.version} did not become ready: ${ready.reason}; ${keeps}`, probe: ready.probe, logTail };
      this.table.update(name, { lastRollout: report });
      for (const l of [`probe: ${ready.probe}`, 'last log lines of the new container:', ...logTail.map((l) => `  ${l}`)]) r.log(l);
      throw new MldeskError('FAILED_PRECONDITION', report.message, report);
    }
    r.log(`v${m.version} ready in ${(ready.ms / 1000).toFixed(2)} s`);

    r.phase('Switching traffic', 0.85);
    let proxyId = proxy?.state === 'running' ? proxy.id : null;
    const pointsAtNew = !!proxyStart && !(old?.state === 'running');
    if (proxyStart) {
      try {
        proxyId = await proxyStart;
      } catch (e) {
        await target.remove(id).catch(() => undefined);
        throw this.failRollout(name, m.version, `the proxy could not start: ${(e as Error).message}`, 'none', []);
      }
    }
    if (!pointsAtNew && !(await this.switchProxy(row, t.host, serverPort, readyPath, r))) {
      // The proxy could not be told (wrong token, exited): replace it, pointing at the new server.
      await target.remove(proxyId!).catch(() => undefined);
      proxyId = await target.startProxy({ deployment: name, image: proxyImage, port: row.port, token: row.proxyToken, upstreamPort: serverPort, readyPath });
    }
    const proxyReady = await target.waitReady(proxyId!, row.port, '/mldesk/proxy/health', 15_000, (body) => {
      try {
        const h = JSON.parse(body.toString('utf8')) as { deployment?: string; upstream?: string };
        return h.deployment === name && h.upstream === `${t.host}:${serverPort}`;
      } catch {
        return false;
      }
    });
    if (!proxyReady.ok) {
      const logTail = await target.logTail(proxyId!, FAILED_LOG_LINES).catch(() => []);
      if (!old) await target.remove(id).catch(() => undefined);
      throw this.failRollout(name, m.version, `the proxy on port ${row.port} did not come up: ${proxyReady.reason}`, proxyReady.probe, logTail);
    }
    const report: RolloutReport = { ok: true, version: m.version, at: Date.now(), message: `v${m.version} serving on port ${row.port} (ready ${((Date.now() - t1) / 1000).toFixed(2)} s after its container started)`, probe: ready.probe, logTail: [] };
    this.table.update(name, { ...servedPatch(m, cfg, built, report), serverContainer: id, serverPort, proxyContainer: proxyId });
    r.log(report.message);

    // The old version: its last records, then it drains (the runtime finishes in-flight requests on SIGTERM) and goes.
    const leftovers = seen.filter((c) => c.role === 'server' && c.id !== id);
    if (leftovers.length) r.phase(old ? `Stopping v${row.version}` : 'Removing leftovers', 0.95);
    if (old && row.serverPort) {
      const oldPort = row.serverPort;
      await this.records.pullSource(name, { container: old.id, version: row.version, replica: false, get: (p, ms) => loopback(oldPort, p, { host: t.host, timeoutMs: ms }) }).catch(() => 0);
      await this.waitDrained(row.port, t.host, `${t.host}:${row.serverPort}`);
    }
    for (const c of leftovers) {
      await target.stop(c.id, 30).catch(() => undefined);
      await target.remove(c.id).catch(() => undefined);
    }
    return this.get(name);
  }

  /** The version's image (built or reused) and the runtime image (the proxy's), built on this machine's engine. */
  private async images(m: ResolvedModel, build: { context: string; dockerfile: string } | null, r: JobReporter): Promise<{ built: ModelImage; runtime: string }> {
    const t0 = Date.now();
    r.phase(`Image of ${m.name} v${m.version}`, 0.05);
    const [built, runtime] = await Promise.all([
      build ? this.containers.buildCustomImage({ model: m.name, version: m.version, context: build.context, dockerfile: build.dockerfile }, r) : this.containers.buildModelImage({ model: m.name, version: m.version }, r),
      this.containers.runtimeImage(),
    ]);
    r.log(`image ${built.ref} (${built.digest.slice(0, 19)}) ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { built, runtime };
  }

  /** A serving port on a remote engine (not probeable from here): one the deployment's proxy and old server don't use. */
  private async remoteServerPort(t: On, row: DeploymentRow): Promise<number> {
    const taken = new Set(this.table.all().filter((x) => x.target === t.name).flatMap((x) => [x.port, x.serverPort ?? 0]));
    let port = row.port + 1000;
    while (taken.has(port) || port > 65535) port = port > 65535 ? 20000 : port + 1;
    return port;
  }

  /** One rollout on a cluster: the orchestrator rolls out (and back); mldesk builds, ships the image and watches. */
  private async rolloutCluster(name: string, m: ResolvedModel, cfg: RolloutConfig, build: { context: string; dockerfile: string } | null, t: On, r: JobReporter): Promise<Deployment> {
    const cluster = t.cluster!;
    const { built, runtime } = await this.images(m, build, r);
    const images = t.kind === 'kubernetes' ? { image: await this.imageForKube(t, built, r), proxyImage: '' } : await this.imagesOn(t, built, runtime, cfg.transport, r);
    const row = this.requireRow(name);
    const spec = clusterSpecOf({
      row,
      storeId: this.storeId,
      model: m,
      image: images.image,
      proxyImage: images.proxyImage,
      replicas: cfg.replicas,
      cpus: cfg.cpus,
      memoryMb: cfg.memoryMb,
      env: cfg.env,
      builtin: cfg.runtime.kind === 'onnx',
      readyPath: readyPathOf(cfg.runtime),
      readyTimeoutSec: cfg.readyTimeoutSec,
      options: cfg.cluster!,
    });
    r.phase(`Rolling out v${m.version} on ${t.name} (${cfg.replicas} replica${cfg.replicas === 1 ? '' : 's'})`, 0.5);
    const before = row.version;
    const outcome = await cluster.apply(spec, r);
    if (!outcome.ok) {
      const message = outcome.rolledBack ? `v${m.version} was rolled back: ${outcome.message}${row.imageRef ? `; v${before} keeps serving` : ''}` : `v${m.version} was not deployed: ${outcome.message}`;
      const report: RolloutReport = { ok: false, version: m.version, at: Date.now(), message, probe: null, logTail: outcome.logTail };
      this.table.update(name, { lastRollout: report, ...(row.imageRef ? {} : { cluster: cfg.cluster, replicas: cfg.replicas }) });
      r.log(message);
      for (const l of outcome.logTail) r.log(`  ${l}`);
      throw new MldeskError('FAILED_PRECONDITION', message, report);
    }
    const report: RolloutReport = { ok: true, version: m.version, at: Date.now(), message: `v${m.version} serving on ${t.name}: ${outcome.message}`, probe: null, logTail: [] };
    // The records of replicas that are gone were pulled by the loop; what is left of them is lost with the task.
    this.table.update(name, { ...servedPatch(m, cfg, built, report), replicas: cfg.replicas, cluster: cfg.cluster });
    r.log(report.message);
    return this.get(name);
  }

  private failRollout(name: string, version: string, message: string, probe: string | null, logTail: string[]): MldeskError {
    const report: RolloutReport = { ok: false, version, at: Date.now(), message, probe, logTail };
    this.table.update(name, { lastRollout: report });
    return new MldeskError('FAILED_PRECONDITION', message, report);
  }

  /** PUT the new upstream; false when the proxy refused the token or is not answering (it is then replaced). */
  private async switchProxy(row: DeploymentRow, host: string, serverPort: number, readyPath: string, r: JobReporter): Promise<boolean> {
    // A just-created proxy may not listen yet: wait for its health route first.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const a = await loopback(row.port, '/mldesk/proxy/upstream', {
          host,
          method: 'PUT',
          body: JSON.stringify({ host, port: serverPort, readyPath }),
          headers: { authorization: `Bearer ${row.proxyToken}`, 'content-type': 'application/json' },
          timeoutMs: 5000,
        });
        if (a.status === 200) {
          const b = bodyOf(a) as { previous?: string | null };
          r.log(`proxy :${row.port} switched ${b.previous ?? 'none'} → ${host}:${serverPort}`);
          return true;
        }
        if (a.status === 401 || a.status === 404) return false;
        if (a.status === 409 && Date.now() < deadline) {
          await sleep(100);
          continue;
        }
        throw new MldeskError('FAILED_PRECONDITION', `the proxy refused the switch: ${a.status} ${a.body.toString('utf8').slice(0, 300)}`);
      } catch (e) {
        if (e instanceof MldeskError) throw e;
        if (Date.now() >= deadline) return false;
        await sleep(100);
      }
    }
  }

  /** Waits until the proxy has no request in flight on `address` (bounded). */
  private async waitDrained(port: number, host: string, address: string): Promise<void> {
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (Date.now() < deadline) {
      try {
        const a = await loopback(port, '/mldesk/proxy/health', { host, timeoutMs: 2000 });
        const h = bodyOf(a) as { upstreams?: Array<{ address: string; inflight: number }> };
        const u = h.upstreams?.find((x) => x.address === address);
        if (!u || u.inflight === 0) return;
      } catch {
        return;
      }
      await sleep(50);
    }
  }

  // ── control ────────────────────────────────────────────────────────────────────────────────────────────────────

  async control(name: string, action: 'stop' | 'start' | 'restart'): Promise<void> {
    const row = this.requireRow(name);
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is rolling out; wait for it to finish`);
    const t = await this.on(row.target);
    this.ctx.audit(`deploy.${action}`, name);
    if (t.cluster) {
      try {
        if (action === 'stop') {
          await this.records.pull(name).catch(() => 0);
          this.table.update(name, { desired: 'stopped' });
          await t.cluster.scale(name, 0);
        } else if (action === 'start') {
          this.table.update(name, { desired: 'running' });
          await t.cluster.scale(name, row.replicas);
        } else {
          const { jobId } = await this.apply(this.sameAgain(row));
          await this.deps.jobs.wait(jobId);
        }
      } finally {
        this.changed(name);
      }
      return;
    }
    const target = t.docker!;
    const seen = (await target.observe(name)).get(name) ?? [];
    const server = row.serverContainer ? seen.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = seen.find((c) => c.role === 'proxy');
    try {
      if (action === 'stop') {
        await this.records.pull(name).catch(() => 0);
        this.table.update(name, { desired: 'stopped' });
        await Promise.all([server && target.stop(server.id, 30), proxy && target.stop(proxy.id, 10)]);
        return;
      }
      if (!server || !proxy) {
        throw new MldeskError('FAILED_PRECONDITION', `Deployment '${name}' has lost its ${!server ? 'serving container' : 'proxy container'} (removed outside mldesk): deploy it again, or remove it`);
      }
      if (action === 'restart' && server.state === 'running' && proxy.state === 'running') {
        // A zero-downtime restart: the same version rolled out again.
        const { jobId } = await this.apply(this.sameAgain(row));
        await this.deps.jobs.wait(jobId);
        return;
      }
      this.table.update(name, { desired: 'running' });
      await target.start(proxy.id);
      if (action === 'restart') await target.stop(server.id, 30);
      const restarts = (await target.inspect(server.id))?.RestartCount ?? 0;
      await target.start(server.id);
      const ready = await target.waitReady(server.id, row.serverPort!, readyPathOf(row.runtime), row.readyTimeoutSec * 1000, undefined, restarts);
      if (!ready.ok) throw new MldeskError('FAILED_PRECONDITION', `Deployment '${name}' did not become ready: ${ready.reason} (${ready.probe})`);
    } finally {
      this.changed(name);
    }
  }

  /** The deploy input that rolls the same version out again (restart). */
  private sameAgain(row: DeploymentRow): DeployInput {
    const c = row.cluster;
    return deployInput.parse({
      name: row.name,
      model: row.model,
      version: row.version,
      runtime: row.runtime,
      readyTimeoutSec: row.readyTimeoutSec,
      target: row.target,
      ...(c ? { replicas: row.replicas, transport: c.transport, ...(c.health ? { health: c.health } : {}), ...(c.kubernetes ? { kubernetes: c.kubernetes } : {}) } : {}),
    });
  }

  async remove(name: string): Promise<void> {
    const row = this.requireRow(name);
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is rolling out; wait for it to finish`);
    await this.records.pull(name).catch(() => 0);
    const t = await this.on(row.target);
    let removed = 0;
    if (t.cluster) {
      await t.cluster.remove(name);
      removed = row.replicas;
    } else {
      const seen = (await t.docker!.observe(name)).get(name) ?? [];
      await Promise.all(seen.map((c) => t.docker!.remove(c.id)));
      removed = seen.length;
    }
    this.table.delete(name);
    this.lastStatus.delete(name);
    this.scrapes.delete(name);
    this.ctx.audit('deploy.remove', name, { containers: removed, target: row.target });
    this.changed(name);
  }

  // ── trying it ──────────────────────────────────────────────────────────────────────────────────────────────────

  async example(model: string, version: string): Promise<Example> {
    const m = await this.containers.resolveModel({ model, version });
    return buildExample(this.deps, m);
  }

  async invoke(name: string, protocol: 'oip' | 'invocations', body: Record<string, unknown>): Promise<{ status: number; latencyMs: number; body: unknown }> {
    const row = this.requireRow(name);
    const p = protocol === 'oip' ? `/v2/models/${encodeURIComponent(row.model)}/infer` : '/invocations';
    const t = await this.on(row.target);
    try {
      if (t.cluster) {
        const a = await t.cluster.invoke(name, row.port, p, JSON.stringify(body));
        return { status: a.status, latencyMs: Number(a.ms.toFixed(3)), body: bodyOf({ ...a, headers: {} }) };
      }
      const a = await loopback(row.port, p, { host: t.host, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, timeoutMs: 60_000 });
      return { status: a.status, latencyMs: Number(a.ms.toFixed(3)), body: bodyOf(a) };
    } catch (e) {
      throw new MldeskError('FAILED_PRECONDITION', `Deployment '${name}' did not answer on port ${row.port}: ${errorNote(e)} (see its status and logs)`);
    }
  }

  // ── lineage ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** model version → image digest → deployments (added to models.lineage; absent when none). */
  async lineageExtra(l: ModelLineage): Promise<Partial<Pick<ModelLineage, 'image' | 'deployments'>>> {
    const out: Partial<Pick<ModelLineage, 'image' | 'deployments'>> = {};
    const rows = this.table.byModel(l.model.name, l.model.version);
    const images = new Map<string, { digest: string; ref?: string; builtAt?: number }>();
    for (const r of rows) if (r.imageDigest) images.set(r.imageDigest, { digest: r.imageDigest, ref: r.imageRef });
    const within = <T>(p: Promise<T>, ms: number, fallback: T) => Promise.race([p.catch(() => fallback), sleep(ms).then(() => fallback)]);
    const st = await within(this.containers.status(), 1500, null);
    if (st?.available) {
      const m = await within(this.containers.resolveModel({ model: l.model.name, version: l.model.version }), 1500, null);
      const imgs: ModelImage[] = await within(this.containers.images(l.model.name), 2000, []);
      for (const i of imgs) {
        // The same model file (several data dirs may share one engine: a name and version alone could be another's).
        if (i.version !== l.model.version || !m?.modelDigest || i.modelDigest !== m.modelDigest) continue;
        images.set(i.digest, { digest: i.digest, ref: i.ref, builtAt: i.createdAt });
      }
    }
    if (images.size) out.image = [...images.values()];
    if (rows.length) {
      const all = await within(this.list(), 3000, [] as Deployment[]);
      out.deployments = rows.map((r) => {
        const d = all.find((x) => x.name === r.name);
        return { id: r.name, target: r.target, status: d?.status ?? 'unknown', url: d?.url ?? urlOf(r.port) };
      });
    }
    return out;
  }
}

/** What a successful rollout writes: the version now serving and the settings it runs with. */
function servedPatch(m: ResolvedModel, cfg: RolloutConfig, built: ModelImage, report: RolloutReport): Partial<DeploymentRow> {
  return {
    version: m.version,
    runId: m.runId,
    runtime: cfg.runtime,
    cpus: cfg.cpus,
    memoryMb: cfg.memoryMb,
    env: cfg.env,
    readyTimeoutSec: cfg.readyTimeoutSec,
    imageRef: built.ref,
    imageDigest: built.digest,
    desired: 'running',
    lastRollout: report,
  };
}

/** The mldesk.store label of a data dir: deployments of other data dirs on the same engine are not ours. */
function storeIdOf(dataDir: string): string {
  let real = dataDir;
  try {
    real = fs.realpathSync(dataDir);
  } catch {
    // not created yet
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 12);
}

export function createDeploy(ctx: EngineContext, deps: DeployDeps): { service: DeployService; handlers: FeatureHandlers<'deploy'>; dispose: () => Promise<void> } {
  const service = new DeployService(ctx, deps);
  const unhook = addLineageExtra(deps.registry, (l) => service.lineageExtra(l));
  const handlers: FeatureHandlers<'deploy'> = {
    'deploy.plan': (i) => service.plan(i),
    'deploy.apply': (i) => service.apply(i),
    'deploy.list': () => service.list(),
    'deploy.get': ({ name }) => service.get(name),
    'deploy.logs': ({ name, lines }) => service.logs(name, lines),
    'deploy.stats': ({ name }) => service.stats(name),
    'deploy.control': async ({ name, action }) => (await service.control(name, action), { ok: true as const }),
    'deploy.remove': async ({ name }) => (await service.remove(name), { ok: true as const }),
    'deploy.records': ({ name, after, limit }) => service.readRecords(name, after, limit),
    'deploy.example': ({ model, version }) => service.example(model, version),
    'deploy.invoke': ({ name, protocol, body }) => service.invoke(name, protocol, body),
    'deploy.helmChart': (i) => service.helmChart(i),
    'deploy.lastSettings': ({ target, model }) => service.lastSettings(target, model),
    'deploy.quick': (i) => service.quick(i),
  };
  return {
    service,
    handlers,
    dispose: async () => {
      unhook();
      await service.dispose();
    },
  };
}
