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
  type deployInput,
} from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { Containers } from '../containers';
import type { DataService } from '../data';
import type { JobReporter, Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import { addLineageExtra } from '../registry';
import type { Tracking } from '../tracking';
import type { ContainersApi, ResolvedModel } from './containersApi';
import { buildExample, type Example } from './example';
import { exitCodeOf, LocalDockerTarget, type Observed } from './local';
import { bodyOf, errorNote, freePort, LOOPBACK, loopback, portFree, sleep } from './loopback';
import { parsePrometheus, runtimeFigures } from './metrics';
import { RecordsPuller } from './records';
import { DeploymentsTable, type DeploymentRow } from './table';

export { toTensorValue } from './example';

export interface DeployDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
  jobs: Jobs;
  containers: Containers;
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
const urlOf = (port: number) => `http://${LOOPBACK}:${port}`;

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
}

/** Deployments on the local Docker engine: plan → apply (zero-downtime rollout) → status / logs / stats → remove. */
export class DeployService {
  readonly table: DeploymentsTable;
  readonly target: LocalDockerTarget;
  readonly records: RecordsPuller;
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
    this.target = new LocalDockerTarget(this.containers, storeIdOf(ctx.dataDir));
    this.records = new RecordsPuller(ctx, this.table);
    this.startLoop();
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
        if (row.desired === 'running' && row.serverPort) await this.records.pull(row.name).catch(() => 0);
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

  /** The containers of every deployment, or why they cannot be seen (Docker unavailable). */
  private async observeAll(name?: string): Promise<{ obs: Map<string, Observed[]> } | { problem: string }> {
    try {
      return { obs: await this.target.observe(name) };
    } catch (e) {
      const st = await this.containers.status().catch(() => null);
      const p = st?.problem;
      const why = p ? `${p.message}. ${p.hint}` : e instanceof Error ? e.message : String(e);
      return { problem: `Docker engine unavailable: ${why}` };
    }
  }

  /** The reconcile rules: the engine's containers decide the status; the table only says what was wanted. */
  private async reconcile(row: DeploymentRow, seen: { obs: Map<string, Observed[]> } | { problem: string }): Promise<Reconciled> {
    const rollout = this.rollouts.get(row.name);
    if ('problem' in seen) return { status: 'unknown', reason: seen.problem, startedAt: null, server: row.serverContainer, proxy: row.proxyContainer };
    const mine = seen.obs.get(row.name) ?? [];
    const server = row.serverContainer ? mine.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = mine.find((c) => c.role === 'proxy');
    const ids = { server: server?.id ?? null, proxy: proxy?.id ?? null };
    let startedAt: number | null = null;
    if (server?.state === 'running') {
      const info = await this.target.inspect(server.id).catch(() => null);
      const t = info ? Date.parse(info.State.StartedAt) : NaN;
      startedAt = Number.isFinite(t) ? t : null;
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

  private toDeployment(row: DeploymentRow, rec: Reconciled): Deployment {
    return {
      name: row.name,
      target: row.target,
      model: row.model,
      version: row.version,
      runId: row.runId,
      runtime: row.runtime.kind,
      status: rec.status,
      reason: rec.reason,
      url: urlOf(row.port),
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
    const seen = await this.observeAll();
    const out = await Promise.all(rows.map(async (row) => this.toDeployment(row, await this.reconcile(row, seen))));
    for (const d of out) this.noteStatus(d);
    return out;
  }

  async get(name: string): Promise<Deployment> {
    const row = this.requireRow(name);
    const d = this.toDeployment(row, await this.reconcile(row, await this.observeAll(name)));
    this.noteStatus(d);
    return d;
  }

  async logs(name: string, lines: number): Promise<string[]> {
    const row = this.requireRow(name);
    if (!row.serverContainer) return row.lastRollout?.logTail ?? [];
    return this.target.logTail(row.serverContainer, lines);
  }

  async stats(name: string): Promise<DeploymentStats> {
    const row = this.requireRow(name);
    const empty: DeploymentStats = { cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, requests: null, requestsPerSec: null, p50Ms: null, p99Ms: null, errors: {}, uptimeSec: null };
    const id = row.serverContainer;
    if (!id || !row.serverPort) return empty;
    const [docker, metrics, info] = await Promise.all([
      this.target.stats(id).catch(() => null),
      loopback(row.serverPort, '/metrics', { timeoutMs: 3000 })
        .then((a) => (a.status === 200 ? runtimeFigures(parsePrometheus(a.body.toString('utf8'))) : null))
        .catch(() => null),
      this.target.inspect(id).catch(() => null),
    ]);
    const now = Date.now();
    let rps: number | null = null;
    if (metrics) {
      const prev = this.scrapes.get(name);
      if (prev && prev.container === id && metrics.requests >= prev.requests && now > prev.at) rps = Number(((metrics.requests - prev.requests) / ((now - prev.at) / 1000)).toFixed(3));
      this.scrapes.set(name, { container: id, at: now, requests: metrics.requests });
    }
    const started = info?.State.Running ? Date.parse(info.State.StartedAt) : NaN;
    return {
      ...empty,
      ...(docker ?? {}),
      ...(metrics ? { requests: metrics.requests, p50Ms: metrics.p50Ms, p99Ms: metrics.p99Ms, errors: metrics.errors } : {}),
      requestsPerSec: rps,
      uptimeSec: Number.isFinite(started) ? Math.max(0, Math.round((now - started) / 1000)) : null,
    };
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

  async plan(input: DeployInput): Promise<DeployPlan> {
    const name = input.name ?? defaultName(input.model);
    const m = await this.resolve(input);
    const existing = this.table.get(name);
    if (existing && existing.model !== m.name) throw new MldeskError('ALREADY_EXISTS', `Deployment '${name}' serves ${existing.model}; give another --name`);
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
    const port = existing?.port ?? input.port ?? (await freePort());
    if (existing && input.port !== undefined && input.port !== existing.port) warnings.push(`Deployment '${name}' keeps its port ${existing.port}; remove it to change the port.`);
    if (!existing) {
      const owner = this.table.portOwner(port);
      if (owner) warnings.push(`Port ${port} is deployment '${owner}'s.`);
      else if (!(await portFree(port))) warnings.push(`Port ${port} is in use on 127.0.0.1.`);
      if (input.port === undefined) warnings.push(`Port ${port} is a suggestion: a free port is picked when applying (give --port to fix it).`);
    }
    if (existing) warnings.push(`Redeploy: v${existing.version} keeps serving on port ${existing.port} until v${m.version} is ready.`);
    const opts = this.target.serverOptions({
      deployment: name,
      model: m.name,
      version: m.version,
      image,
      port: 0,
      cpus: input.cpus ?? existing?.cpus ?? null,
      memoryMb: input.memoryMb ?? existing?.memoryMb ?? null,
      env: Object.fromEntries(Object.keys(input.env).map((k) => [k, '***'])),
      builtin: input.runtime.kind === 'onnx',
    });
    return {
      name,
      model: m.name,
      version: m.version,
      runtime: input.runtime.kind,
      dockerfile,
      image,
      container: { ...opts, name: `mldesk-${name}-v${m.version}-…`, Env: (opts.Env ?? []).map((e) => e.replace(/^PORT=0$/, 'PORT=(a free port)')) },
      port,
      url: urlOf(port),
      redeploy: !!existing,
      warnings,
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
    await this.containers.requireEngine(); // UNAVAILABLE (with the hint) before any job starts
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is already rolling out`);
    const now = Date.now();
    if (!existing) {
      const port = input.port ?? (await freePort());
      const owner = this.table.portOwner(port);
      if (owner) throw new MldeskError('ALREADY_EXISTS', `Port ${port} is deployment '${owner}'s`);
      if (!(await portFree(port))) throw new MldeskError('ALREADY_EXISTS', `Port ${port} is in use on 127.0.0.1: pick another --port`);
      existing = {
        name,
        target: this.target.kind,
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
      };
      try {
        this.table.insert(existing);
      } catch {
        throw new MldeskError('ALREADY_EXISTS', `Deployment '${name}' or port ${port} was taken meanwhile`);
      }
    }
    // A redeploy keeps the limits and env it had unless new ones are given.
    const cfg = {
      runtime: input.runtime,
      cpus: input.cpus ?? existing.cpus,
      memoryMb: input.memoryMb ?? existing.memoryMb,
      env: Object.keys(input.env).length ? input.env : existing.env,
      readyTimeoutSec: input.readyTimeoutSec,
    };
    const first = !existing.serverContainer;
    const title = `${first ? 'Deploy' : 'Redeploy'} ${m.name} v${m.version} as ${name}`;
    const rollout: Rollout = { jobId: '', first, version: m.version };
    this.rollouts.set(name, rollout);
    try {
      rollout.jobId = this.deps.jobs.start('deploy', title, (r) =>
        this.rollout(name, m, cfg, build, r)
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
    this.ctx.audit(first ? 'deploy.apply' : 'deploy.redeploy', name, { model: m.name, version: m.version, port: existing.port });
    this.changed(name);
    return { jobId: rollout.jobId, name };
  }

  /**
   * One rollout: image → new serving container beside the old → ready → proxy switches → old drains and goes. When the
   * new one never becomes ready it is removed, the old keeps serving, and the report says why.
   */
  private async rollout(
    name: string,
    m: ResolvedModel,
    cfg: { runtime: Runtime; cpus: number | null; memoryMb: number | null; env: Record<string, string>; readyTimeoutSec: number },
    build: { context: string; dockerfile: string } | null,
    r: JobReporter,
  ): Promise<Deployment> {
    const t0 = Date.now();
    r.phase(`Image of ${m.name} v${m.version}`, 0.05);
    const [image, proxyImage] = await Promise.all([
      build ? this.containers.buildCustomImage({ model: m.name, version: m.version, context: build.context, dockerfile: build.dockerfile }, r) : this.containers.buildModelImage({ model: m.name, version: m.version }, r),
      this.containers.runtimeImage(),
    ]);
    r.log(`image ${image.ref} (${image.digest.slice(0, 19)}) ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const row = this.requireRow(name);
    const seen = (await this.target.observe(name)).get(name) ?? [];
    const old = row.serverContainer ? seen.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = seen.find((c) => c.role === 'proxy');
    const readyPath = readyPathOf(cfg.runtime);

    r.phase(`Starting v${m.version}${old ? ` beside v${row.version}` : ''}`, 0.5);
    const t1 = Date.now();
    const serverPort = await freePort();
    const id = await this.target.startServer({
      deployment: name,
      model: m.name,
      version: m.version,
      image: image.digest || image.ref,
      port: serverPort,
      cpus: cfg.cpus,
      memoryMb: cfg.memoryMb,
      env: cfg.env,
      builtin: cfg.runtime.kind === 'onnx',
    });
    r.log(`container ${id.slice(0, 12)} on 127.0.0.1:${serverPort}`);
    // A first deploy starts its proxy meanwhile (it answers 502 until the server listens; nobody calls it yet).
    const proxyStart =
      !proxy || proxy.state !== 'running'
        ? (async () => {
            if (proxy) await this.target.remove(proxy.id);
            return this.target.startProxy({ deployment: name, image: proxyImage, port: row.port, token: row.proxyToken, upstreamPort: old?.state === 'running' ? null : serverPort, readyPath });
          })()
        : null;
    proxyStart?.catch(() => undefined);

    r.phase(`Waiting for v${m.version} to be ready (${readyPath}, up to ${cfg.readyTimeoutSec} s)`, 0.6);
    const ready = await this.target.waitReady(id, serverPort, readyPath, cfg.readyTimeoutSec * 1000);
    if (!ready.ok) {
      const logTail = await this.target.logTail(id, FAILED_LOG_LINES).catch(() => []);
      await this.target.remove(id).catch(() => undefined);
      const keeps = old && old.state === 'running' ? `v${row.version} keeps serving on port ${row.port}` : 'nothing was serving before';
      if (!old) {
        const p = await proxyStart?.catch(() => null);
        if (p) await this.target.remove(p).catch(() => undefined);
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
        await this.target.remove(id).catch(() => undefined);
        throw this.failRollout(name, m.version, `the proxy could not start: ${(e as Error).message}`, 'none', []);
      }
    }
    if (!pointsAtNew && !(await this.switchProxy(row, serverPort, readyPath, r))) {
      // The proxy could not be told (wrong token, exited): replace it, pointing at the new server.
      await this.target.remove(proxyId!).catch(() => undefined);
      proxyId = await this.target.startProxy({ deployment: name, image: proxyImage, port: row.port, token: row.proxyToken, upstreamPort: serverPort, readyPath });
    }
    const proxyReady = await this.target.waitReady(proxyId!, row.port, '/mldesk/proxy/health', 15_000, (body) => {
      try {
        const h = JSON.parse(body.toString('utf8')) as { deployment?: string; upstream?: string };
        return h.deployment === name && h.upstream === `127.0.0.1:${serverPort}`;
      } catch {
        return false;
      }
    });
    if (!proxyReady.ok) {
      const logTail = await this.target.logTail(proxyId!, FAILED_LOG_LINES).catch(() => []);
      if (!old) await this.target.remove(id).catch(() => undefined);
      throw this.failRollout(name, m.version, `the proxy on port ${row.port} did not come up: ${proxyReady.reason}`, proxyReady.probe, logTail);
    }
    const report: RolloutReport = { ok: true, version: m.version, at: Date.now(), message: `v${m.version} serving on port ${row.port} (ready ${((Date.now() - t1) / 1000).toFixed(2)} s after its container started)`, probe: ready.probe, logTail: [] };
    this.table.update(name, {
      version: m.version,
      runId: m.runId,
      runtime: cfg.runtime,
      cpus: cfg.cpus,
      memoryMb: cfg.memoryMb,
      env: cfg.env,
      readyTimeoutSec: cfg.readyTimeoutSec,
      imageRef: image.ref,
      imageDigest: image.digest,
      serverContainer: id,
      serverPort,
      proxyContainer: proxyId,
      desired: 'running',
      lastRollout: report,
    });
    r.log(report.message);

    // The old version: its last records, then it drains (the runtime finishes in-flight requests on SIGTERM) and goes.
    const leftovers = seen.filter((c) => c.role === 'server' && c.id !== id);
    if (leftovers.length) r.phase(old ? `Stopping v${row.version}` : 'Removing leftovers', 0.95);
    if (old && row.serverPort) {
      await this.records.pullContainer(name, old.id, row.serverPort, row.version).catch(() => 0);
      await this.waitDrained(row.port, `127.0.0.1:${row.serverPort}`);
    }
    for (const c of leftovers) {
      await this.target.stop(c.id, 30).catch(() => undefined);
      await this.target.remove(c.id).catch(() => undefined);
    }
    return this.get(name);
  }

  private failRollout(name: string, version: string, message: string, probe: string | null, logTail: string[]): MldeskError {
    const report: RolloutReport = { ok: false, version, at: Date.now(), message, probe, logTail };
    this.table.update(name, { lastRollout: report });
    return new MldeskError('FAILED_PRECONDITION', message, report);
  }

  /** PUT the new upstream; false when the proxy refused the token or is not answering (it is then replaced). */
  private async switchProxy(row: DeploymentRow, serverPort: number, readyPath: string, r: JobReporter): Promise<boolean> {
    // A just-created proxy may not listen yet: wait for its health route first.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const a = await loopback(row.port, '/mldesk/proxy/upstream', {
          method: 'PUT',
          body: JSON.stringify({ host: '127.0.0.1', port: serverPort, readyPath }),
          headers: { authorization: `Bearer ${row.proxyToken}`, 'content-type': 'application/json' },
          timeoutMs: 5000,
        });
        if (a.status === 200) {
          const b = bodyOf(a) as { previous?: string | null };
          r.log(`proxy :${row.port} switched ${b.previous ?? 'none'} → 127.0.0.1:${serverPort}`);
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
  private async waitDrained(port: number, address: string): Promise<void> {
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (Date.now() < deadline) {
      try {
        const a = await loopback(port, '/mldesk/proxy/health', { timeoutMs: 2000 });
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
    const seen = (await this.target.observe(name)).get(name) ?? [];
    const server = row.serverContainer ? seen.find((c) => c.id === row.serverContainer) : undefined;
    const proxy = seen.find((c) => c.role === 'proxy');
    this.ctx.audit(`deploy.${action}`, name);
    try {
      if (action === 'stop') {
        await this.records.pull(name).catch(() => 0);
        this.table.update(name, { desired: 'stopped' });
        await Promise.all([server && this.target.stop(server.id, 30), proxy && this.target.stop(proxy.id, 10)]);
        return;
      }
      if (!server || !proxy) {
        throw new MldeskError('FAILED_PRECONDITION', `Deployment '${name}' has lost its ${!server ? 'serving container' : 'proxy container'} (removed outside mldesk): deploy it again, or remove it`);
      }
      if (action === 'restart' && server.state === 'running' && proxy.state === 'running') {
        // A zero-downtime restart: the same version rolled out again.
        const { jobId } = await this.apply({ name, model: row.model, version: row.version, runtime: row.runtime, env: {}, readyTimeoutSec: row.readyTimeoutSec });
        await this.deps.jobs.wait(jobId);
        return;
      }
      this.table.update(name, { desired: 'running' });
      await this.target.start(proxy.id);
      if (action === 'restart') await this.target.stop(server.id, 30);
      const restarts = (await this.target.inspect(server.id))?.RestartCount ?? 0;
      await this.target.start(server.id);
      const ready = await this.target.waitReady(server.id, row.serverPort!, readyPathOf(row.runtime), row.readyTimeoutSec * 1000, undefined, restarts);
      if (!ready.ok) throw new MldeskError('FAILED_PRECONDITION', `Deployment '${name}' did not become ready: ${ready.reason} (${ready.probe})`);
    } finally {
      this.changed(name);
    }
  }

  async remove(name: string): Promise<void> {
    this.requireRow(name);
    if (this.rollouts.has(name)) throw new MldeskError('CONFLICT', `Deployment '${name}' is rolling out; wait for it to finish`);
    await this.records.pull(name).catch(() => 0);
    const seen = (await this.target.observe(name)).get(name) ?? [];
    await Promise.all(seen.map((c) => this.target.remove(c.id)));
    this.table.delete(name);
    this.lastStatus.delete(name);
    this.scrapes.delete(name);
    this.ctx.audit('deploy.remove', name, { containers: seen.length });
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
    try {
      const a = await loopback(row.port, p, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, timeoutMs: 60_000 });
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
        return { id: r.name, target: r.target, status: d?.status ?? 'unknown', url: urlOf(r.port) };
      });
    }
    return out;
  }
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
