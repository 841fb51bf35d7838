import type Dockerode from 'dockerode';
import { MldeskError } from '../../../shared/contract';
import type { JobReporter } from '../jobs';
import type { ClusterBackend, ClusterOutcome, ClusterRolloutState, ClusterSpec, ClusterState, ClusterTask, Replica } from './cluster';
import { demuxLogs } from './local';
import { freePort, loopback, portFree, sleep } from './loopback';
import { delta, sum, verdict, windowOfText, type Verdict, type Window } from './swarm/canary';
import { canaryDelaySec, monitorSec, proxyFingerprint, proxyName, proxySpec, serviceName, servingSpec, slotsFor, SWARM_LABEL } from './swarm/spec';

/**
 * The Docker Swarm backend: a deployment is a replicated service of the model image (health check, CPU / memory
 * limits, UpdateConfig with FailureAction rollback, RollbackConfig) and a one-replica proxy service owning the stable
 * port (see swarm/spec.ts for why host networking and one port per task slot). Swarm does the rollout and the
 * rollback; this drives it (create / update with the service's version index, `rollback=previous` for a canary that
 * fails its comparison) and watches UpdateStatus and the tasks. Everything is found again by service name and labels.
 */

interface RawTask {
  ID: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  Spec?: { ContainerSpec?: { Labels?: Record<string, string>; Image?: string; Env?: string[] } };
}

type RawService = Dockerode.Service & { Spec: Dockerode.ServiceSpec & { Labels?: Record<string, string> } };

const notFound = (e: unknown) => (e as { statusCode?: number })?.statusCode === 404;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const FAILED = new Set(['failed', 'rejected', 'orphaned']);
const TRANSITIONAL = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
const ROLLOUT: Record<string, ClusterRolloutState> = {
  updating: 'updating',
  paused: 'paused',
  completed: 'completed',
  rollback_started: 'rolling_back',
  rollback_paused: 'paused',
  rollback_completed: 'rolled_back',
};

const versionOf = (t: RawTask) => t.Spec?.ContainerSpec?.Labels?.[SWARM_LABEL.version] ?? null;
const isRunning = (t: RawTask) => t.Status?.State === 'running' && t.DesiredState === 'running';
const taskTime = (t: RawTask) => Date.parse(t.Status?.Timestamp ?? t.CreatedAt ?? '') || 0;
const taskWhy = (t: RawTask) => t.Status?.Err || t.Status?.Message || null;

export interface SwarmOptions {
  /** The mldesk.store label of this data dir. */
  storeId: string;
  /** Where this machine reaches the swarm node's loopback-bound ports (127.0.0.1 when the engine is here or tunnelled). */
  endpointHost: string;
  /** How often a rollout is looked at (ms, default 500). */
  pollMs?: number;
}

interface UpdateWatch {
  id: string;
  spec: ClusterSpec;
  previous: string | null;
  /** UpdateStatus.StartedAt before this update (a new one has another). */
  before: string | null;
  portBase: number;
  /** Old replicas' cumulative figures before the update: the comparison for a canary with no old replica beside it. */
  baseline: Window | null;
}

export class SwarmBackend implements ClusterBackend {
  readonly kind = 'swarm' as const;
  private readonly pollMs: number;

  constructor(
    private readonly docker: Dockerode,
    private readonly opts: SwarmOptions,
  ) {
    this.pollMs = opts.pollMs ?? 500;
  }

  // ── reading the swarm ──────────────────────────────────────────────────────

  private async inspect(nameOrId: string): Promise<RawService | null> {
    try {
      return (await this.docker.getService(nameOrId).inspect()) as RawService;
    } catch (e) {
      if (notFound(e)) return null;
      throw e;
    }
  }

  /** The service when it is this data dir's; ALREADY_EXISTS when the name is taken by something else (`strict`). */
  private async own(name: string, strict: boolean): Promise<RawService | null> {
    const s = await this.inspect(name);
    if (!s) return null;
    if (s.Spec?.Labels?.[SWARM_LABEL.store] !== this.opts.storeId) {
      if (!strict) return null;
      throw new MldeskError('ALREADY_EXISTS', `The swarm already has a service named ${name} that is not this mldesk data dir's; remove it or pick another deployment name`);
    }
    return s;
  }

  private async tasks(serviceId: string): Promise<RawTask[]> {
    try {
      return ((await this.docker.listTasks({ filters: { service: [serviceId] } })) as RawTask[]).sort((a, b) => taskTime(b) - taskTime(a));
    } catch (e) {
      if (notFound(e)) return [];
      throw e;
    }
  }

  private stateOf(svc: RawService | null, tasks: RawTask[]): ClusterState {
    if (!svc) return { exists: false, version: null, desired: 0, running: 0, updated: null, ready: null, available: null, rollout: { state: null, message: null }, tasks: [], startedAt: null };
    const version = svc.Spec.Labels?.[SWARM_LABEL.version] ?? null;
    const desired = svc.Spec.Mode?.Replicated?.Replicas ?? 0;
    const running = tasks.filter(isRunning);
    const u = svc.UpdateStatus;
    let rollout: ClusterState['rollout'] = { state: null, message: null };
    if (u?.State) rollout = { state: ROLLOUT[u.State] ?? 'failed', message: u.Message ?? null };
    // The current tasks, then the recent history (failed tasks say why), newest first.
    const current = tasks.filter((t) => t.DesiredState === 'running');
    const history = tasks.filter((t) => t.DesiredState !== 'running').slice(0, 10);
    const asTask = (t: RawTask): ClusterTask => ({
      id: t.ID,
      slot: t.Slot ?? null,
      node: t.NodeID ?? null,
      state: t.Status?.State ?? 'unknown',
      desired: t.DesiredState ?? null,
      version: versionOf(t),
      message: taskWhy(t),
      since: taskTime(t) || null,
    });
    return {
      exists: true,
      version,
      desired,
      running: running.length,
      updated: running.filter((t) => versionOf(t) === version).length,
      ready: running.length,
      available: running.length,
      rollout,
      tasks: [...current.sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0)), ...history].map(asTask),
      startedAt: Date.parse(u?.CompletedAt ?? svc.CreatedAt ?? '') || null,
    };
  }

  async observe(deployment: string): Promise<ClusterState> {
    const svc = await this.own(serviceName(deployment), false);
    return this.stateOf(svc, svc ? await this.tasks(svc.ID) : []);
  }

  private portBaseOf(svc: RawService): number {
    return Number(svc.Spec.Labels?.[SWARM_LABEL.portBase] ?? NaN);
  }

  private replicaOf(t: RawTask, portBase: number): Replica {
    const port = portBase + (t.Slot ?? 0);
    return {
      id: t.ID,
      version: versionOf(t),
      get: (p, timeoutMs) => loopback(port, p, { host: this.opts.endpointHost, timeoutMs }),
    };
  }

  async replicas(deployment: string): Promise<Replica[]> {
    const svc = await this.own(serviceName(deployment), false);
    if (!svc) return [];
    const base = this.portBaseOf(svc);
    if (!Number.isInteger(base)) return [];
    return (await this.tasks(svc.ID))
      .filter(isRunning)
      .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0))
      .map((t) => this.replicaOf(t, base));
  }

  async logs(deployment: string, lines: number): Promise<string[]> {
    const svc = await this.own(serviceName(deployment), false);
    if (!svc) return [];
    try {
      const raw = (await this.docker.getService(svc.ID).logs({ stdout: true, stderr: true, tail: lines, follow: false } as Dockerode.ContainerLogsOptions)) as unknown;
      const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
      return demuxLogs(buf)
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l) => l !== '')
        .slice(-lines);
    } catch (e) {
      if (notFound(e)) return [];
      throw e;
    }
  }

  endpoint(_deployment: string, port: number): string {
    const h = this.opts.endpointHost;
    return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
  }

  invoke(_deployment: string, port: number, path: string, body: string): Promise<{ status: number; body: Buffer; ms: number }> {
    return loopback(port, path, { host: this.opts.endpointHost, method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 30_000 });
  }

  // ── specs ──────────────────────────────────────────────────────────────────

  async describe(spec: ClusterSpec): Promise<Array<Record<string, unknown>>> {
    check(spec);
    const svc = await this.own(serviceName(spec.deployment), false);
    const base = svc ? this.portBaseOf(svc) : NaN;
    const portBase = Number.isInteger(base) ? base : spec.port;
    const slots = Math.max(slotsFor(spec.replicas), Number(svc?.Spec.Labels?.[SWARM_LABEL.slots] ?? 0) || 0);
    return [servingSpec(spec, portBase, slots) as Record<string, unknown>, proxySpec(spec, portBase, slots) as Record<string, unknown>];
  }

  /**
   * The replica ports are portBase+1 … portBase+slots. When the engine's ports are this machine's (a loopback
   * endpoint), a block nobody listens on is picked (the stable port's own block first); otherwise the stable port's.
   */
  private async choosePortBase(port: number, slots: number): Promise<number> {
    if (!LOOPBACK_HOSTS.has(this.opts.endpointHost)) return port;
    const blockFree = async (base: number) => {
      if (base + slots > 65535) return false;
      for (let p = base + 1; p <= base + slots; p++) if (p === port || !(await portFree(p))) return false;
      return true;
    };
    if (await blockFree(port)) return port;
    for (let i = 0; i < 20; i++) {
      const base = await freePort();
      if (await blockFree(base)) return base;
    }
    throw new MldeskError('UNAVAILABLE', `No block of ${slots} free ports for the replicas of the deployment on port ${port}`);
  }

  // ── rollout ────────────────────────────────────────────────────────────────

  async apply(spec: ClusterSpec, r: JobReporter): Promise<ClusterOutcome> {
    check(spec);
    const existing = await this.own(serviceName(spec.deployment), true);
    await this.own(proxyName(spec.deployment), true);
    return existing ? this.update(existing, spec, r) : this.create(spec, r);
  }

  /**
   * A running proxy whose settings (port, upstreams) are still right is kept even when another mldesk build would
   * run another proxy image: replacing it closes the stable port for a moment, which a model rollout must never do
   * (the local target keeps its running proxy container the same way).
   */
  private async keepsProxy(cur: RawService, want: Dockerode.ServiceSpec, r: JobReporter): Promise<boolean> {
    const envOf = (s: Dockerode.ServiceSpec | undefined) => JSON.stringify([...((s?.TaskTemplate as Dockerode.ContainerTaskSpec | undefined)?.ContainerSpec?.Env ?? [])].sort());
    if (envOf(cur.Spec) !== envOf(want)) return false;
    const running = (await this.tasks(cur.ID)).some(isRunning);
    if (running) r.log(`the proxy service ${want.Name} keeps running (its image differs from this mldesk's: remove and deploy again to upgrade it)`);
    return running;
  }

  /** Creates (or replaces) the proxy service when its spec changed; waits until its task runs (healthy). */
  private async ensureProxy(spec: ClusterSpec, portBase: number, slots: number, r: JobReporter): Promise<{ ok: boolean; reason: string; logTail: string[] }> {
    const want = proxySpec(spec, portBase, slots);
    const cur = await this.own(proxyName(spec.deployment), true);
    let id: string;
    if (!cur) {
      r.log(`creating the proxy service ${want.Name} on port ${spec.port}`);
      id = (await this.docker.createService(want)).id;
    } else if (proxyFingerprint(cur.Spec) !== proxyFingerprint(want) && !(await this.keepsProxy(cur, want, r))) {
      r.log(`updating the proxy service ${want.Name} (port ${spec.port}, ${slots} replica ports): the endpoint pauses while it restarts`);
      await this.docker.getService(cur.ID).update({ _query: { version: cur.Version?.Index }, _body: want });
      id = cur.ID;
    } else return { ok: true, reason: '', logTail: [] };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const tasks = await this.tasks(id);
      // Running with the wanted spec (a task carries its own copy of the container spec).
      if (tasks.some((t) => isRunning(t) && proxyFingerprint({ TaskTemplate: t.Spec as Dockerode.TaskSpec }) === proxyFingerprint(want))) return { ok: true, reason: '', logTail: [] };
      const failed = tasks.filter((t) => FAILED.has(t.Status?.State ?? ''));
      if (failed.length >= 3 || Date.now() > deadline) {
        const t = failed[0];
        const tail = t ? await this.taskLogTail(t, 20) : [];
        const why = t ? await this.failureReason(t) : 'not running within 60 s';
        return { ok: false, reason: `the proxy on port ${spec.port} does not run: ${why}${/address already in use|EADDRINUSE/i.test(tail.join('\n')) ? ' (the port is taken)' : ''}`, logTail: tail };
      }
      await sleep(this.pollMs);
    }
  }

  private async create(spec: ClusterSpec, r: JobReporter): Promise<ClusterOutcome> {
    const started = Date.now();
    const slots = slotsFor(spec.replicas);
    const portBase = await this.choosePortBase(spec.port, slots);
    r.phase(`Creating the swarm services (proxy on port ${spec.port}, ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'} of v${spec.version} on ports ${portBase + 1}…)`, 0.05);
    const proxy = await this.ensureProxy(spec, portBase, slots, r);
    if (!proxy.ok) {
      await this.removeServices(spec.deployment);
      return { ok: false, rolledBack: false, message: proxy.reason, state: await this.observe(spec.deployment), logTail: proxy.logTail };
    }
    const svc = await this.docker.createService(servingSpec(spec, portBase, slots));
    const deadline = started + spec.readyTimeoutSec * 1000;
    let last = '';
    for (;;) {
      const info = await this.inspect(svc.id);
      const tasks = await this.tasks(svc.id);
      const running = tasks.filter((t) => isRunning(t) && versionOf(t) === spec.version);
      const line = progressLine(tasks, spec.replicas, spec.version);
      if (line !== last) {
        last = line;
        r.log(line);
        r.phase(`Starting v${spec.version}: ${line}`, 0.1 + 0.85 * Math.min(1, running.length / Math.max(1, spec.replicas)));
      }
      if (running.length >= spec.replicas) {
        return { ok: true, rolledBack: false, message: `v${spec.version} is running: ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'} healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`, state: this.stateOf(info, tasks), logTail: [] };
      }
      const failed = tasks.filter((t) => FAILED.has(t.Status?.State ?? '') && versionOf(t) === spec.version);
      if (Date.now() > deadline || failed.length >= Math.max(3, spec.replicas * 2)) {
        const t = failed[0];
        const why = t ? await this.failureReason(t) : `${running.length} of ${spec.replicas} replicas healthy`;
        const logTail = t ? await this.taskLogTail(t, 30) : [];
        const state = this.stateOf(info, tasks);
        await this.removeServices(spec.deployment);
        const when = Date.now() > deadline ? `within ${spec.readyTimeoutSec} s` : `(${failed.length} tasks failed)`;
        return { ok: false, rolledBack: false, message: `v${spec.version} did not become ready ${when}: ${why}; the services were removed`, state, logTail };
      }
      await sleep(this.pollMs);
    }
  }

  private async update(existing: RawService, spec: ClusterSpec, r: JobReporter): Promise<ClusterOutcome> {
    const labels = existing.Spec.Labels ?? {};
    let portBase = this.portBaseOf(existing);
    let slots = Number(labels[SWARM_LABEL.slots] ?? NaN);
    if (!Number.isInteger(portBase) || !Number.isInteger(slots)) {
      slots = slotsFor(spec.replicas);
      portBase = await this.choosePortBase(spec.port, slots);
    }
    if (spec.replicas > slots) slots = slotsFor(spec.replicas);
    const proxy = await this.ensureProxy(spec, portBase, slots, r);
    if (!proxy.ok) return { ok: false, rolledBack: false, message: proxy.reason, state: await this.observe(spec.deployment), logTail: proxy.logTail };
    const previous = labels[SWARM_LABEL.version] ?? null;
    // A canary on a one-replica service has no old replica beside it: it is compared with the old one's figures so far.
    const baseline = spec.canary && spec.replicas <= 1 ? await this.scrapeAll(existing.ID, portBase).then((m) => sum([...m.values()].map((x) => x.window))) : null;
    const body = servingSpec(spec, portBase, slots);
    r.phase(`Updating ${previous ? `v${previous}` : 'the service'} → v${spec.version} (one replica at a time${spec.canary ? `, canary for ${spec.canary.windowSec} s` : ''})`, 0.05);
    await this.docker.getService(existing.ID).update({ _query: { version: existing.Version?.Index }, _body: body });
    return this.watch({ id: existing.ID, spec, previous, before: existing.UpdateStatus?.StartedAt ?? null, portBase, baseline }, r);
  }

  /** Each running replica's /metrics, by task id. */
  private async scrapeAll(serviceId: string, portBase: number): Promise<Map<string, { task: RawTask; window: Window }>> {
    const out = new Map<string, { task: RawTask; window: Window }>();
    const tasks = (await this.tasks(serviceId)).filter(isRunning);
    await Promise.all(
      tasks.map(async (t) => {
        try {
          const a = await this.replicaOf(t, portBase).get('/metrics', 3000);
          if (a.status === 200) out.set(t.ID, { task: t, window: windowOfText(a.body.toString('utf8')) });
        } catch {
          // a replica going away: left out of the comparison
        }
      }),
    );
    return out;
  }

  private async watch(w: UpdateWatch, r: JobReporter): Promise<ClusterOutcome> {
    const { spec } = w;
    const t0 = Date.now();
    const perReplica = spec.readyTimeoutSec + monitorSec(spec.health) + (spec.canary ? canaryDelaySec(spec.canary.windowSec) : 1);
    const deadline = t0 + 1000 * (spec.replicas * perReplica + monitorSec(spec.health) + 60);
    const canary: { stage: 'waiting' | 'judging' | 'done'; task?: RawTask; from?: Map<string, { task: RawTask; window: Window }>; at?: number; verdict?: Verdict; rolledBackAt?: number } = {
      stage: spec.canary ? 'waiting' : 'done',
    };
    let last = '';
    /** Swarm's reason while rolling back ("update rolled back due to failure or early termination of task …"); its final message only says "rollback completed". */
    let why: string | null = null;
    for (;;) {
      const svc = await this.inspect(w.id);
      if (!svc) return { ok: false, rolledBack: false, message: `the service was removed during the update to v${spec.version}`, state: this.stateOf(null, []), logTail: [] };
      const tasks = await this.tasks(w.id);
      const u = svc.UpdateStatus;
      const fresh = !!u?.State && u.StartedAt !== w.before;
      const line = progressLine(tasks, spec.replicas, spec.version);
      if (line !== last) {
        last = line;
        r.log(line);
        const updated = tasks.filter((t) => isRunning(t) && versionOf(t) === spec.version).length;
        const rollingBack = fresh && (u!.State === 'rollback_started' || u!.State === 'rollback_completed');
        r.phase(`${rollingBack ? `Rolling back to v${w.previous}` : `Updating to v${spec.version}`}: ${line}`, rollingBack ? null : 0.05 + 0.9 * Math.min(1, updated / Math.max(1, spec.replicas)));
      }
      const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
      if (fresh && (u!.State === 'rollback_started' || u!.State === 'paused') && u!.Message && !why) {
        why = u!.Message;
        r.log(`swarm: ${why}`);
      }
      if (fresh && u!.State === 'completed') {
        const c = canary.verdict ? ` Canary: ${canary.verdict.summary}.` : '';
        const message = `v${spec.version} rolled out to ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'} in ${secs()} s.${c}`;
        return { ok: true, rolledBack: false, message, state: await this.settled(w.id, spec.readyTimeoutSec), logTail: [] };
      }
      if (fresh && u!.State === 'rollback_completed') {
        if (canary.verdict && !canary.verdict.ok) {
          const rb = canary.rolledBackAt ? ` (rollback took ${((Date.now() - canary.rolledBackAt) / 1000).toFixed(1)} s)` : '';
          const message = `Canary v${spec.version} rolled back to v${w.previous}${rb}: ${canary.verdict.summary}`;
          return { ok: false, rolledBack: true, message, state: await this.settled(w.id, spec.readyTimeoutSec), logTail: canary.task ? await this.taskLogTail(canary.task, 20) : [] };
        }
        // The task swarm names in its reason, else the newest task of the new version that ended.
        const named = why ? tasks.find((t) => why!.includes(t.ID)) : undefined;
        const mine = tasks.filter((t) => versionOf(t) === spec.version && t.Status?.State !== 'running');
        const failing = named ?? mine.find((t) => !!t.Status?.Err) ?? mine[0];
        const reason = failing ? await this.failureReason(failing) : null;
        const logTail = failing ? await this.taskLogTail(failing, 30) : [];
        // Swarm's own words when it gave a reason (often it goes from updating straight to "rollback completed").
        const words = [why, reason].filter(Boolean).join('; ') || u!.Message || 'update rolled back';
        return {
          ok: false,
          rolledBack: true,
          message: `v${spec.version} failed and swarm rolled back to v${w.previous} after ${secs()} s: ${words}`,
          state: await this.settled(w.id, spec.readyTimeoutSec),
          logTail,
        };
      }
      if (fresh && (u!.State === 'paused' || u!.State === 'rollback_paused')) {
        const failing = tasks.find((t) => FAILED.has(t.Status?.State ?? '') || !!t.Status?.Err);
        const why = failing ? await this.failureReason(failing) : null;
        return { ok: false, rolledBack: false, message: `The ${u!.State === 'paused' ? 'update' : 'rollback'} to v${u!.State === 'paused' ? spec.version : w.previous} is paused: ${u!.Message ?? ''}${why ? `; ${why}` : ''}`, state: this.stateOf(svc, tasks), logTail: failing ? await this.taskLogTail(failing, 30) : [] };
      }
      // A spec that changes no task (the same image and settings) starts no rolling update.
      if (!fresh && Date.now() - t0 > 5000) {
        const running = tasks.filter(isRunning);
        if (running.length === spec.replicas && running.every((t) => versionOf(t) === spec.version)) {
          return { ok: true, rolledBack: false, message: `v${spec.version} is already running on ${spec.replicas} replica${spec.replicas === 1 ? '' : 's'} (nothing to roll)`, state: this.stateOf(svc, tasks), logTail: [] };
        }
      }
      if (spec.canary && fresh && u!.State === 'updating' && canary.stage !== 'done') await this.canaryStep(w, svc, tasks, canary, r);
      if (Date.now() > deadline) {
        return { ok: false, rolledBack: false, message: `The update to v${spec.version} has not finished after ${secs()} s (${u?.State ?? 'not started'}): ${line}`, state: this.stateOf(svc, tasks), logTail: [] };
      }
      await sleep(this.pollMs);
    }
  }

  /** The canary: the first replica on the new version serves beside the old ones for the window, then is judged. */
  private async canaryStep(
    w: UpdateWatch,
    svc: RawService,
    tasks: RawTask[],
    canary: { stage: 'waiting' | 'judging' | 'done'; task?: RawTask; from?: Map<string, { task: RawTask; window: Window }>; at?: number; verdict?: Verdict; rolledBackAt?: number },
    r: JobReporter,
  ): Promise<void> {
    const c = w.spec.canary!;
    if (canary.stage === 'waiting') {
      const t = tasks.find((x) => isRunning(x) && versionOf(x) === w.spec.version);
      if (!t) return;
      canary.task = t;
      canary.from = await this.scrapeAll(w.id, w.portBase);
      canary.at = Date.now();
      canary.stage = 'judging';
      r.phase(`Canary: v${w.spec.version} on slot ${t.Slot} serves beside v${w.previous} for ${c.windowSec} s`, null);
      r.log(`canary: slot ${t.Slot} (task ${t.ID.slice(0, 12)}) runs v${w.spec.version}; watching error rate and latency for ${c.windowSec} s`);
      return;
    }
    if (canary.stage !== 'judging' || Date.now() - canary.at! < c.windowSec * 1000) return;
    const to = await this.scrapeAll(w.id, w.portBase);
    const can = to.get(canary.task!.ID);
    const others = [...to.values()].filter((x) => x.task.ID !== canary.task!.ID && versionOf(x.task) !== w.spec.version);
    const canWin = delta(can?.window ?? { requests: 0, errors: 0, buckets: new Map() }, canary.from!.get(canary.task!.ID)?.window ?? null);
    const othersWin = others.length ? sum(others.map((x) => delta(x.window, canary.from!.get(x.task.ID)?.window ?? null))) : (w.baseline ?? { requests: 0, errors: 0, buckets: new Map() });
    const v = verdict(canWin, othersWin, c, {
      canary: `canary v${w.spec.version}`,
      others: others.length ? `v${w.previous} (${others.length} replica${others.length === 1 ? '' : 's'})` : `v${w.previous} before the update`,
    });
    canary.verdict = v;
    canary.stage = 'done';
    r.log(`canary verdict: ${v.ok ? 'continue' : 'roll back'} — ${v.summary}`);
    if (!v.ok) {
      r.phase(`Canary failed: rolling back to v${w.previous}`, null);
      canary.rolledBackAt = Date.now();
      await this.docker.getService(w.id).update({ _query: { version: svc.Version?.Index, rollback: 'previous' }, _body: svc.Spec });
    } else r.phase(`Canary passed: updating the other replicas to v${w.spec.version}`, null);
  }

  /** The state once the replicas are back to the desired count (swarm reports a rollback complete while a task still starts). */
  private async settled(id: string, timeoutSec: number): Promise<ClusterState> {
    const deadline = Date.now() + timeoutSec * 1000;
    for (;;) {
      const svc = await this.inspect(id);
      const st = this.stateOf(svc, svc ? await this.tasks(id) : []);
      if (!svc || st.running >= st.desired || Date.now() > deadline) return st;
      await sleep(this.pollMs);
    }
  }

  /** Why a task failed, in words: "slot 1 v2 failed its health check (GET /v2/health/ready on port 9001 → ECONNREFUSED)". */
  private async failureReason(t: RawTask): Promise<string> {
    const who = `slot ${t.Slot ?? '?'} v${versionOf(t) ?? '?'}`;
    const parts: string[] = [];
    if (t.Status?.Err) parts.push(t.Status.Err);
    const cid = t.Status?.ContainerStatus?.ContainerID;
    if (cid) {
      try {
        const info = await this.docker.getContainer(cid).inspect();
        const health = (info.State as { Health?: { Status?: string; Log?: Array<{ ExitCode: number; Output: string }> } }).Health;
        const lastLog = health?.Log?.at(-1);
        if (health?.Status === 'unhealthy' || (lastLog && lastLog.ExitCode !== 0)) parts.push(`failed its health check (${(lastLog?.Output ?? '').trim() || `exit ${lastLog?.ExitCode}`})`);
        if (info.State.OOMKilled) parts.push('was killed out of memory (raise the memory limit)');
        else if (!parts.length && info.State.ExitCode) parts.push(`exited with code ${info.State.ExitCode}`);
      } catch {
        // the container is gone (another node, or cleaned up)
      }
    }
    if (!parts.length) parts.push(`ended (${t.Status?.State ?? 'unknown'}: ${t.Status?.Message ?? ''})`);
    return `${who} ${parts.join('; ')}`;
  }

  private async taskLogTail(t: RawTask, lines: number): Promise<string[]> {
    const cid = t.Status?.ContainerStatus?.ContainerID;
    if (!cid) return [];
    try {
      const buf = (await this.docker.getContainer(cid).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)))
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l) => l !== '')
        .slice(-lines);
    } catch {
      return [];
    }
  }

  // ── scale and remove ───────────────────────────────────────────────────────

  async scale(deployment: string, replicas: number): Promise<void> {
    if (!Number.isInteger(replicas) || replicas < 0) throw new MldeskError('INVALID_INPUT', `replicas must be a whole number ≥ 0 (got ${replicas})`);
    const svc = await this.own(serviceName(deployment), false);
    if (!svc) throw new MldeskError('NOT_FOUND', `The deployment ${deployment} has no swarm service`);
    const slots = Number(svc.Spec.Labels?.[SWARM_LABEL.slots] ?? 0);
    if (replicas > slots) {
      // More replica ports than the proxy balances over: the proxy gets the longer list (it restarts).
      const proxy = await this.own(proxyName(deployment), false);
      const newSlots = slotsFor(replicas);
      if (proxy) {
        const spec = proxy.Spec;
        const c = (spec.TaskTemplate as Dockerode.ContainerTaskSpec).ContainerSpec!;
        const base = this.portBaseOf(svc);
        const ups = Array.from({ length: newSlots }, (_, i) => `127.0.0.1:${base + 1 + i}`).join(',');
        c.Env = (c.Env ?? []).map((e) => (e.startsWith('MLDESK_PROXY_UPSTREAMS=') ? `MLDESK_PROXY_UPSTREAMS=${ups}` : e));
        spec.Labels = { ...spec.Labels, [SWARM_LABEL.slots]: String(newSlots) };
        await this.docker.getService(proxy.ID).update({ _query: { version: proxy.Version?.Index }, _body: spec });
      }
      svc.Spec.Labels = { ...svc.Spec.Labels, [SWARM_LABEL.slots]: String(newSlots) };
    }
    const spec = { ...svc.Spec, Mode: { Replicated: { Replicas: replicas } } };
    await this.docker.getService(svc.ID).update({ _query: { version: svc.Version?.Index }, _body: spec });
    // Stop means stopped: wait (bounded) until the running count matches.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const running = (await this.tasks(svc.ID)).filter((t) => t.Status?.State === 'running').length;
      if (running === replicas) return;
      await sleep(this.pollMs);
    }
  }

  private async removeServices(deployment: string): Promise<string[]> {
    const ids: string[] = [];
    for (const name of [serviceName(deployment), proxyName(deployment)]) {
      const s = await this.own(name, false);
      if (!s) continue;
      ids.push(s.ID);
      try {
        await this.docker.getService(s.ID).remove();
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    }
    return ids;
  }

  async remove(deployment: string): Promise<void> {
    const ids = await this.removeServices(deployment);
    // Done when no task of them is left and no container of the deployment remains on this engine.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const tasks = (await Promise.all(ids.map((id) => this.tasks(id).catch(() => [])))).flat();
      const containers = await this.docker.listContainers({ all: true, filters: { label: [`${SWARM_LABEL.store}=${this.opts.storeId}`, `${SWARM_LABEL.deployment}=${deployment}`] } });
      if (tasks.length === 0 && containers.length === 0) return;
      if (Date.now() > deadline) {
        throw new MldeskError('UNAVAILABLE', `The services of ${deployment} were removed but ${containers.length} container(s) and ${tasks.length} task(s) are still there after 90 s`);
      }
      await sleep(this.pollMs);
    }
  }
}

function check(spec: ClusterSpec): void {
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) throw new MldeskError('INVALID_INPUT', `replicas must be a whole number ≥ 1 (got ${spec.replicas})`);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw new MldeskError('INVALID_INPUT', `port must be 1–65535 (got ${spec.port})`);
  if (!spec.readyPath.startsWith('/')) throw new MldeskError('INVALID_INPUT', `the ready path must start with / (got ${spec.readyPath})`);
  const h = spec.health;
  if (h.intervalSec <= 0 || h.timeoutSec <= 0 || h.retries < 1 || h.startPeriodSec < 0) throw new MldeskError('INVALID_INPUT', 'health: interval and timeout must be > 0, retries ≥ 1, start period ≥ 0');
  if (spec.canary && (spec.canary.windowSec <= 0 || spec.canary.maxLatencyRatio <= 0 || spec.canary.maxErrorRateDelta < 0)) {
    throw new MldeskError('INVALID_INPUT', 'canary: the window must be > 0 s, the latency ratio > 0 and the error-rate margin ≥ 0');
  }
}

/** "2/2 running (v1 ×1, v2 ×1) · slot 1: v2 starting" — the per-task progress a rollout shows. */
export function progressLine(tasks: RawTask[], desired: number, target: string): string {
  const running = tasks.filter(isRunning);
  const byVersion = new Map<string, number>();
  for (const t of running) byVersion.set(versionOf(t) ?? '?', (byVersion.get(versionOf(t) ?? '?') ?? 0) + 1);
  const versions = [...byVersion].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })).map(([v, n]) => `v${v} ×${n}`);
  const parts = [`${running.length}/${desired} running${versions.length ? ` (${versions.join(', ')})` : ''}`];
  const seen = new Set<number>();
  for (const t of tasks) {
    const slot = t.Slot ?? 0;
    if (seen.has(slot)) continue;
    const st = t.Status?.State ?? '';
    if (t.DesiredState === 'running' && TRANSITIONAL.has(st)) {
      seen.add(slot);
      parts.push(`slot ${slot}: v${versionOf(t) ?? '?'} ${st}${versionOf(t) === target ? '' : ' (rollback)'}`);
    } else if (FAILED.has(st) && Date.now() - taskTime(t) < 30_000) {
      seen.add(slot);
      parts.push(`slot ${slot}: v${versionOf(t) ?? '?'} ${st}${taskWhy(t) ? ` (${taskWhy(t)})` : ''}`);
    }
  }
  return parts.join(' · ');
}
