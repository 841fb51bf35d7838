import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import type { FeatureHandlers } from '../../../shared/contract';
import type { LogLine, RemoteLaunched, RemoteLaunchInput, RemoteRunState } from '../../../shared/contract/launcher';
import type { EngineContext } from '../context';
import type { Tracking } from '../tracking';
import type { Jobs, JobReporter } from '../jobs';
import type { Containers } from '../containers';
import type { TargetConnection, TargetsApi } from '../targets';
import type { Users } from '../users';
import { registerSecret, redact } from '../secrets';
import { buildProjectImage } from '../containers/projectImage';
import { ensureImage, pushImage } from '../containers/transport';
import { nodeArchOf } from '../containers/libs';
import { runFolder, type Launcher } from './launcher';
import type { ProjectsService } from './service';
import { notSwarm, swarmNodeId, SwarmJobs, type JobLogLine, type RunJobBackend, type RunJobSpec } from './remoteJobs';
import { kubeBackend } from './kubeJobs';

/**
 * Training runs on a deployment target (issue #14 item 6). Each run is created in the tracking store first (tags
 * mldesk.target, mldesk.sweep; a sweep's runs under a parent run via mlflow.parentRunId), then the project's image
 * is built on this machine's engine, put on the target (containers/transport.ts), and each run becomes a one-shot
 * Swarm service or Kubernetes Job with MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID set. Its output is
 * stored where the launcher stores it (logs/ in the run's artifacts, the `launcher.output` topic), so the Logs tab
 * and `launcher.tail` read both alike. A sweep runs `parallel` jobs at a time: the next starts once one has ended and
 * its service / Job is removed.
 *
 * Params: `{name}` in a command argument is replaced by the run's value, and MLDESK_PARAM_<NAME> is set.
 */

const TAIL_LINES = 2000;
const FLUSH_MS = 100;
const POLL_MS = 500;
/** After the job ended, how long its last output may take to arrive. */
const DRAIN_IDLE_MS = 400;
const DRAIN_MAX_MS = 3000;
const MAX_RUNS = 1000;

export interface RemoteRunsDeps {
  tracking: Tracking;
  projects: ProjectsService;
  targets: TargetsApi;
  containers: Containers;
  jobs: Jobs;
  launcher: Launcher;
  users: Users;
}

export interface RemoteRunsOptions {
  /** Mirror run output to this process (the `mldesk run --target` CLI), each line prefixed by the run's label. */
  echo?: ((runId: string, line: LogLine) => void) | undefined;
}

interface Planned {
  runId: string;
  job: string;
  label: string;
  params: Record<string, string>;
}

interface Live {
  runId: string;
  job: string;
  target: string;
  sweepId: string | null;
  backend: RunJobBackend | null;
  tail: LogLine[];
  pending: LogLine[];
  flushTimer: NodeJS.Timeout | null;
  out: { stdout: fs.WriteStream; stderr: fs.WriteStream; combined: fs.WriteStream } | null;
  state: 'queued' | 'running';
  stopping: boolean;
  /** Ended and let go: late output is dropped (its files are closed). */
  detached: boolean;
  /** Wakes the watcher (Stop). */
  wake: () => void;
  ended: Promise<void>;
  resolveEnded: () => void;
}

type RowState = RemoteRunState['state'];

interface DbRow {
  run_id: string;
  target: string;
  job: string;
  sweep_id: string | null;
  image: string;
  state: RowState;
  created_at: number;
  ended_at: number | null;
  detail: string | null;
}

const joinRel = (base: string, rel: string) => (base ? `${base}/${rel}` : rel);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function isLoopbackUrl(uri: string): boolean {
  let host: string;
  try {
    host = new URL(uri).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Every combination of the grid's values, keys in the grid's order (the last key varies fastest). */
export function expandGrid(grid: Record<string, string[]>): Array<Record<string, string>> {
  let out: Array<Record<string, string>> = [{}];
  for (const [k, values] of Object.entries(grid)) {
    const next: Array<Record<string, string>> = [];
    for (const combo of out) for (const v of [...new Set(values)]) next.push({ ...combo, [k]: v });
    out = next;
    if (out.length > MAX_RUNS) throw new MldeskError('INVALID_INPUT', `The grid has over ${MAX_RUNS} combinations`);
  }
  return out;
}

/** `{name}` in each argument replaced by the param's value (unknown names stay as written). */
export function templateCommand(command: string[], params: Record<string, string>): string[] {
  return command.map((a) => a.replace(/\{([\w.\-:/ ]+)\}/g, (whole, k: string) => (Object.hasOwn(params, k) ? params[k]! : whole)));
}

export function paramEnvName(key: string): string {
  return `MLDESK_PARAM_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export class RemoteRuns {
  private readonly live = new Map<string, Live>();
  /** Sweep parent → its children (while any of them is live). */
  private readonly sweeps = new Map<string, { children: string[]; stopping: boolean }>();
  private closed = false;
  /** The last figures measured (CLI and tests print them). */
  readonly figures: { imageMs: number | null; imageReused: boolean | null; transportMs: number | null; startLatencyMs: number[] } = {
    imageMs: null,
    imageReused: null,
    transportMs: null,
    startLatencyMs: [],
  };

  constructor(
    private readonly ctx: EngineContext,
    private readonly deps: RemoteRunsDeps,
    private readonly opts: RemoteRunsOptions = {},
  ) {}

  setEcho(echo: RemoteRunsOptions['echo']): void {
    this.opts.echo = echo;
  }

  private get db() {
    return this.ctx.store.db;
  }

  owns(runId: string): boolean {
    return this.live.has(runId) || this.sweeps.has(runId);
  }

  // ── starting ───────────────────────────────────────────────────────────────

  async startOn(raw: RemoteLaunchInput): Promise<RemoteLaunched> {
    const input = { ...raw, params: raw.params ?? {}, env: raw.env ?? {} };
    const trackingUri = this.ctx.trackingUri;
    if (!trackingUri) throw new MldeskError('FAILED_PRECONDITION', 'The tracking server is not listening yet, so the run would have nowhere to log.');
    const { dir, projectName } = await runFolder(this.deps.projects, input, 'project folder');
    const target = await this.deps.targets.connect(input.target);
    // The job logs to this mldesk: a loopback URI only reaches it from a target on this machine (host networking).
    if (isLoopbackUrl(trackingUri) && !target.onThisMachine) {
      throw new MldeskError(
        'FAILED_PRECONDITION',
        `The tracking URI ${trackingUri} is a loopback address: a run on target '${target.name}' could not log back to it. ` +
          'Start mldesk on an address the cluster can reach, with a token: `mldesk serve --host <address> --token <secret>` (or add users), and start the run from there.',
        { trackingUri, target: target.name },
      );
    }
    const backend = this.backendFor(target);

    const combos = input.grid && Object.keys(input.grid).length ? expandGrid(input.grid) : [{}];
    const sweep = combos.length > 1 || Boolean(input.grid && Object.keys(input.grid).length);
    const experimentId = this.deps.tracking.experiments.ensure(input.experimentName ?? projectName ?? 'Default');
    const baseName = input.name || path.basename(input.command.slice(1).find((a) => !a.startsWith('-')) ?? input.command[0]!).replace(/\.\w+$/, '');
    const commonTags = [
      { key: 'mlflow.source.type', value: 'PROJECT' },
      { key: 'mlflow.source.name', value: input.command.slice(1).find((a) => !a.startsWith('-')) ?? input.command[0]! },
      { key: 'mldesk.command', value: shellQuote(input.command) },
      { key: 'mldesk.cwd', value: dir },
      { key: 'mldesk.target', value: target.name },
      { key: 'mldesk.launcher', value: `${this.ctx.host}:${backend.kind}` },
      ...(input.projectId ? [{ key: 'mldesk.project_id', value: input.projectId }] : []),
    ];
    const runs = this.deps.tracking.runs;
    let sweepId: string | null = null;
    if (sweep) {
      const parent = runs.create({
        experimentId,
        runName: `sweep ${baseName}`.slice(0, 250),
        tags: [...commonTags, { key: 'mldesk.sweep_size', value: String(combos.length) }, { key: 'mldesk.sweep_parallel', value: String(input.parallel ?? 1) }],
      });
      sweepId = parent.info.run_id;
      runs.logBatch(sweepId, { tags: [{ key: 'mldesk.sweep', value: sweepId }], params: Object.entries(input.grid ?? {}).map(([key, v]) => ({ key: `grid.${key}`, value: v.join(',').slice(0, 6000) })) });
    }
    const planned: Planned[] = [];
    for (const combo of combos) {
      const params = { ...input.params, ...combo };
      const label = sweep ? Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(',') : baseName;
      const created = runs.create({
        experimentId,
        runName: (sweep ? `${baseName} ${label}` : baseName).slice(0, 250),
        tags: [...commonTags, ...(sweepId ? [{ key: 'mlflow.parentRunId', value: sweepId }, { key: 'mldesk.sweep', value: sweepId }] : [])],
      });
      const runId = created.info.run_id;
      const plist = Object.entries(params).map(([key, value]) => ({ key, value }));
      for (let i = 0; i < plist.length; i += 100) runs.logBatch(runId, { params: plist.slice(i, i + 100) });
      // Queued until its job exists: SCHEDULED, like MLflow's own project backends.
      if (sweep) runs.update(runId, { status: 'SCHEDULED' });
      planned.push({ runId, job: `mldesk-run-${runId.slice(0, 20)}`, label, params });
    }
    const now = Date.now();
    const insert = this.db.prepare('INSERT INTO remote_runs (run_id, target, job, sweep_id, image, state, created_at, ended_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)');
    this.db.transaction(() => {
      for (const p of planned) insert.run(p.runId, target.name, p.job, sweepId, '', 'queued', now);
    })();
    for (const p of planned) this.track(p, target.name, sweepId);
    if (sweepId) this.sweeps.set(sweepId, { children: planned.map((p) => p.runId), stopping: false });

    // A server reachable from the network demands a token: the jobs get their own (a member user), revoked at the end.
    let runUser: { name: string; token: string } | null = null;
    if (!isLoopbackUrl(trackingUri)) {
      const u = this.deps.users.add(`run-${(sweepId ?? planned[0]!.runId).slice(0, 12)}`, 'member');
      registerSecret(u.token);
      runUser = { name: u.name, token: u.token };
    }
    const parallel = Math.max(1, Math.min(input.parallel ?? 1, planned.length));
    const spec = (p: Planned, image: string, nodeId: string | null): RunJobSpec => ({
      name: p.job,
      image,
      command: templateCommand(input.command, p.params),
      env: {
        ...input.env,
        ...Object.fromEntries(Object.entries(p.params).map(([k, v]) => [paramEnvName(k), v])),
        MLFLOW_TRACKING_URI: trackingUri,
        MLFLOW_RUN_ID: p.runId,
        MLFLOW_EXPERIMENT_ID: experimentId,
        ...(runUser ? { MLFLOW_TRACKING_TOKEN: runUser.token } : {}),
        PYTHONUNBUFFERED: '1',
      },
      labels: { 'mldesk.run_id': p.runId, 'mldesk.store': this.storeId(), ...(sweepId ? { 'mldesk.sweep': sweepId } : {}) },
      cpus: input.cpus ?? null,
      memoryMb: input.memoryMb ?? null,
      gpus: input.gpus ?? null,
      nodeId,
    });
    const project = input.projectId ?? projectName ?? path.basename(dir);
    const title = sweepId ? `Sweep of ${planned.length} on ${target.name}` : `Run on ${target.name}`;
    let image = '';
    const jobId = this.deps.jobs.start('remote-run', title, async (r) => {
      try {
        const placed = input.image ? { image: input.image, nodeId: null } : await this.prepareImage(r, target, dir, project);
        image = placed.image;
        this.db.prepare(`UPDATE remote_runs SET image = ? WHERE run_id IN (${planned.map(() => '?').join(',')})`).run(placed.image, ...planned.map((p) => p.runId));
        r.phase(sweepId ? `Running ${planned.length} runs, ${parallel} at a time` : 'Running', 0.5);
        let next = 0;
        let ended = 0;
        const worker = async () => {
          while (next < planned.length) {
            const p = planned[next++]!;
            await this.runOne(p, backend, spec(p, placed.image, placed.nodeId), r);
            ended++;
            r.fraction(0.5 + (0.5 * ended) / planned.length);
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
      } catch (e) {
        // Build or transport failed: no run can start.
        const msg = redact(e instanceof Error ? e.message : String(e));
        for (const p of planned) if (this.live.get(p.runId)?.state === 'queued') this.finish(p.runId, { status: 'FAILED', state: 'failed', exitCode: null, reason: msg });
        throw e;
      } finally {
        if (runUser) {
          try {
            this.deps.users.revoke(runUser.name);
          } catch {
            // already revoked
          }
        }
        if (sweepId) this.finishSweep(sweepId);
      }
      return { sweepId, runs: planned.map((p) => ({ runId: p.runId, state: this.rowState(p.runId) })) };
    });
    this.ctx.audit('launcher.startOn', sweepId ?? planned[0]!.runId, { target: target.name, command: input.command, runs: planned.length, parallel });
    // The image is known once built; until then the response names the project's tag family.
    return {
      sweepId,
      experimentId,
      runs: planned.map((p) => ({ runId: p.runId, job: p.job, params: p.params })),
      jobId,
      image: input.image ?? (image || `mldesk/project-${project}`),
    };
  }

  private backendFor(target: TargetConnection): RunJobBackend {
    if (target.kind === 'kubernetes') return kubeBackend(target);
    if (target.kind !== 'swarm') throw notSwarm(target.name);
    return new SwarmJobs(target.docker());
  }

  /** Which data dir started a job (labels): another mldesk's jobs on the same cluster are not ours. */
  private storeId(): string {
    return this.ctx.dataDir.replace(/[^\w./-]/g, '_').slice(-200);
  }

  /** Builds the project image locally and puts it on the target; the image reference the target should run. */
  private async prepareImage(r: JobReporter, target: TargetConnection, dir: string, project: string): Promise<{ image: string; nodeId: string | null }> {
    const local = await this.deps.containers.requireEngine();
    const status = await this.deps.containers.status();
    const arch = nodeArchOf((status.platform ?? 'linux/amd64').split('/')[1] ?? 'amd64');
    r.phase('Building the project image', 0);
    const built = await buildProjectImage(local, status.host, { dir, project, appVersion: this.ctx.version, arch, r });
    this.figures.imageMs = built.ms;
    this.figures.imageReused = built.reused;
    r.log(`Project image ${built.ref} ${built.reused ? 'reused' : `built in ${(built.ms / 1000).toFixed(1)} s`}`);
    if (target.kind === 'kubernetes') {
      // A cluster pulls from a registry: the image is pushed there (digest from the registry, pinned in the Job).
      if (!target.registry) {
        throw new MldeskError('FAILED_PRECONDITION', `Target '${target.name}' has no registry: a Kubernetes cluster pulls its images from one`, {
          hint: `Add a registry to the target (mldesk targets add ${target.name} … with a registry).`,
        });
      }
      r.phase(`Pushing the image for ${target.name}`, 0.3);
      const t0 = Date.now();
      const pushed = await pushImage(local, built.ref, target.registry, r);
      this.figures.transportMs = Date.now() - t0;
      const repo = pushed.remoteRef.slice(0, pushed.remoteRef.lastIndexOf(':'));
      return { image: pushed.digest ? `${repo}@${pushed.digest}` : pushed.remoteRef, nodeId: null };
    }
    r.phase(`Sending the image to ${target.name}`, 0.3);
    const t0 = Date.now();
    const remote = target.docker();
    const placed = await ensureImage({ local, remote, ref: built.ref, registry: target.registry, transport: 'auto' }, r);
    this.figures.transportMs = Date.now() - t0;
    // Swarm tries to pull a tag before every task (and waits on a registry it cannot reach); an image id it never
    // pulls. A streamed image exists only on the manager: its tasks are pinned there.
    if (placed.how === 'registry') return { image: placed.ref, nodeId: null };
    return { image: placed.id, nodeId: await swarmNodeId(remote) };
  }

  // ── one run ────────────────────────────────────────────────────────────────

  private track(p: Planned, target: string, sweepId: string | null): void {
    let resolveEnded!: () => void;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    this.live.set(p.runId, {
      runId: p.runId,
      job: p.job,
      target,
      sweepId,
      backend: null,
      tail: [],
      pending: [],
      flushTimer: null,
      out: null,
      state: 'queued',
      stopping: false,
      detached: false,
      wake: () => undefined,
      ended,
      resolveEnded,
    });
  }

  private openLogs(live: Live): void {
    if (live.out) return;
    const logDir = this.deps.tracking.artifacts.ensureDir(joinRel(this.deps.tracking.runArtifactRel(live.runId), 'logs'));
    live.out = {
      stdout: fs.createWriteStream(path.join(logDir, 'stdout.log'), { flags: 'a' }),
      stderr: fs.createWriteStream(path.join(logDir, 'stderr.log'), { flags: 'a' }),
      combined: fs.createWriteStream(path.join(logDir, 'output.jsonl'), { flags: 'a' }),
    };
  }

  private push(live: Live, line: LogLine): void {
    if (live.detached) return;
    try {
      this.openLogs(live);
    } catch {
      // an experiment whose artifacts live elsewhere (s3://…): the tail and the topic still carry the output
    }
    if (live.out) {
      if (line.stream !== 'system') live.out[line.stream].write(`${line.text}\n`);
      live.out.combined.write(JSON.stringify(line) + '\n');
    }
    live.tail.push(line);
    if (live.tail.length > TAIL_LINES) live.tail.splice(0, live.tail.length - TAIL_LINES);
    live.pending.push(line);
    this.opts.echo?.(live.runId, line);
    live.flushTimer ??= setTimeout(() => this.flush(live), FLUSH_MS);
  }

  private flush(live: Live): void {
    if (live.flushTimer) clearTimeout(live.flushTimer);
    live.flushTimer = null;
    if (live.pending.length === 0) return;
    this.ctx.events.publish('launcher.output', { run_id: live.runId, lines: live.pending.splice(0) });
  }

  private system(live: Live, text: string): void {
    this.push(live, { stream: 'system', text, at: Date.now() });
  }

  /** Starts the run's job, streams its output into the run, waits for its end, removes the job, ends the run. */
  private async runOne(p: Planned, backend: RunJobBackend, spec: RunJobSpec, r: JobReporter): Promise<void> {
    const live = this.live.get(p.runId);
    if (!live || live.stopping || this.closed) {
      if (live) this.finish(p.runId, { status: 'KILLED', state: 'killed', exitCode: null, reason: 'stopped before it started' });
      return;
    }
    live.backend = backend;
    const t0 = Date.now();
    this.system(live, `Starting ${backend.kind === 'swarm' ? 'service' : 'Job'} ${p.job} on ${live.target}: ${shellQuote(spec.command)}`);
    try {
      await backend.start(spec);
    } catch (e) {
      const msg = redact(e instanceof Error ? e.message : String(e));
      r.log(`${p.label}: ${msg}`);
      this.finish(p.runId, { status: 'FAILED', state: 'failed', exitCode: null, reason: msg });
      return;
    }
    if (live.detached) {
      // Stopped while its job was being created.
      await backend.remove(p.job).catch(() => undefined);
      return;
    }
    live.state = 'running';
    this.db.prepare("UPDATE remote_runs SET state = 'running' WHERE run_id = ?").run(p.runId);
    const row = this.deps.tracking.runs.row(p.runId);
    if (row.status === 'SCHEDULED') this.deps.tracking.runs.update(p.runId, { status: 'RUNNING' });
    r.log(`${p.label}: started ${p.job}`);
    await this.watch(live, backend, t0);
  }

  private async watch(live: Live, backend: RunJobBackend, t0: number): Promise<void> {
    const ac = new AbortController();
    let lastTs: string | null = null;
    let lastLineAt = Date.now();
    let started = false;
    // Start latency: job created → running (or its first output, when it ran between two polls).
    const markStarted = () => {
      if (started) return;
      started = true;
      this.figures.startLatencyMs.push(Date.now() - t0);
    };
    const onLine = (l: JobLogLine) => {
      markStarted();
      if (l.ts) lastTs = l.ts;
      lastLineAt = Date.now();
      this.push(live, { stream: l.stream, text: l.text, at: Date.now() });
    };
    // The output stream: re-opened from the last line seen when the engine closes it early.
    const following = (async () => {
      while (!ac.signal.aborted) {
        try {
          await backend.follow(live.job, lastTs, onLine, ac.signal);
        } catch (e) {
          if (!ac.signal.aborted) this.system(live, `Reading the output failed: ${redact(e instanceof Error ? e.message : String(e))}`);
        }
        if (!ac.signal.aborted) await sleep(POLL_MS);
      }
    })();
    let final: { phase: string; exitCode: number | null; reason: string | null } | null = null;
    let lastReason: string | null = null;
    while (!final) {
      if (live.stopping || this.closed) break;
      let st;
      try {
        st = await backend.state(live.job);
      } catch (e) {
        // A connection hiccup is not the run's end: say so once and keep asking.
        const msg = redact(e instanceof Error ? e.message : String(e));
        if (msg !== lastReason) this.system(live, `Asking the target about ${live.job} failed: ${msg}`);
        lastReason = msg;
        await this.nap(live, POLL_MS * 2);
        continue;
      }
      if (st.phase === 'running') markStarted();
      if (st.phase === 'pending' && st.reason && st.reason !== lastReason) this.system(live, `Waiting: ${st.reason}`);
      if (st.reason) lastReason = st.reason;
      if (st.phase === 'succeeded' || st.phase === 'failed' || st.phase === 'gone') final = st;
      else await this.nap(live, POLL_MS);
    }
    if (final && final.phase !== 'gone') {
      // The last lines may still be on their way: wait until the stream is quiet (bounded).
      const end = Date.now() + DRAIN_MAX_MS;
      while (Date.now() < end && Date.now() - lastLineAt < DRAIN_IDLE_MS) await sleep(100);
      if (Date.now() - lastLineAt >= DRAIN_IDLE_MS) await sleep(Math.min(DRAIN_IDLE_MS, Math.max(0, end - Date.now())));
    }
    ac.abort();
    await following;
    if (this.closed && !live.stopping) {
      // mldesk is closing: the job keeps running on the target; the run stays RUNNING.
      this.detach(live);
      return;
    }
    try {
      await backend.remove(live.job);
    } catch (e) {
      this.system(live, `Removing ${live.job} failed: ${redact(e instanceof Error ? e.message : String(e))}`);
    }
    if (live.stopping) this.finish(live.runId, { status: 'KILLED', state: 'killed', exitCode: null, reason: 'stopped by user' });
    else if (final?.phase === 'succeeded') this.finish(live.runId, { status: 'FINISHED', state: 'finished', exitCode: final.exitCode ?? 0, reason: null });
    else if (final?.phase === 'gone') this.finish(live.runId, { status: 'KILLED', state: 'killed', exitCode: null, reason: `${live.job} was removed on the target` });
    else this.finish(live.runId, { status: 'FAILED', state: 'failed', exitCode: final?.exitCode ?? null, reason: final?.reason ?? null });
  }

  private nap(live: Live, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      live.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private detach(live: Live): void {
    this.flush(live);
    live.detached = true;
    if (live.out) for (const s of Object.values(live.out)) s.end();
    live.out = null;
    this.live.delete(live.runId);
    live.resolveEnded();
  }

  private finish(runId: string, end: { status: 'FINISHED' | 'FAILED' | 'KILLED'; state: RowState; exitCode: number | null; reason: string | null }): void {
    const live = this.live.get(runId);
    if (!live) return;
    const summary =
      end.state === 'finished' ? 'exited with code 0' : end.state === 'killed' ? (end.reason ?? 'stopped') : end.exitCode !== null ? `exited with code ${end.exitCode}` : (end.reason ?? 'failed');
    this.system(live, `Job ${summary}${end.state === 'failed' && end.reason && end.exitCode !== null ? ` (${end.reason})` : ''}`);
    this.detach(live);
    const at = Date.now();
    this.db
      .prepare('UPDATE remote_runs SET state = ?, ended_at = ?, detail = ? WHERE run_id = ?')
      .run(end.state, at, JSON.stringify({ exitCode: end.exitCode, reason: end.reason }), runId);
    try {
      const row = this.deps.tracking.runs.row(runId);
      if (row.lifecycle_stage !== 'active') return;
      const tags = [{ key: 'mldesk.exit', value: summary.slice(0, 5000) }];
      if (end.exitCode !== null) tags.push({ key: 'mldesk.exit_code', value: String(end.exitCode) });
      if (end.state === 'failed' && end.reason) tags.push({ key: 'mldesk.error', value: end.reason.slice(0, 8000) });
      this.deps.tracking.runs.logBatch(runId, { tags });
      // A script may have ended its own run already; keep its verdict unless we stopped it.
      if (row.status === 'RUNNING' || row.status === 'SCHEDULED' || end.status === 'KILLED') this.deps.tracking.runs.update(runId, { status: end.status, endTime: at });
    } catch (e) {
      if (this.db.open) console.error(`[mldesk remote runs] could not finalise run ${runId}:`, e);
    }
  }

  private finishSweep(sweepId: string): void {
    const s = this.sweeps.get(sweepId);
    this.sweeps.delete(sweepId);
    if (this.closed && !s?.stopping) return;
    try {
      const states = (this.db.prepare('SELECT state FROM remote_runs WHERE sweep_id = ?').all(sweepId) as Array<{ state: RowState }>).map((x) => x.state);
      const status = s?.stopping || states.includes('killed') ? 'KILLED' : states.every((x) => x === 'finished') ? 'FINISHED' : 'FAILED';
      const ok = states.filter((x) => x === 'finished').length;
      this.deps.tracking.runs.logBatch(sweepId, { tags: [{ key: 'mldesk.sweep_result', value: `${ok} of ${states.length} finished` }] });
      if (this.deps.tracking.runs.row(sweepId).status === 'RUNNING') this.deps.tracking.runs.update(sweepId, { status, endTime: Date.now() });
    } catch (e) {
      if (this.db.open) console.error(`[mldesk remote runs] could not finalise sweep ${sweepId}:`, e);
    }
  }

  private rowState(runId: string): RowState {
    return (this.db.prepare('SELECT state FROM remote_runs WHERE run_id = ?').get(runId) as { state: RowState } | undefined)?.state ?? 'failed';
  }

  // ── stop, tail, list, wait ─────────────────────────────────────────────────

  /** Stops a run (its service / Job is removed; the run ends KILLED) or a whole sweep (by its parent's id). */
  async stop(runId: string): Promise<{ stopped: boolean }> {
    const sweep = this.sweeps.get(runId);
    if (sweep) {
      sweep.stopping = true;
      await Promise.all(sweep.children.map((c) => this.stop(c)));
      return { stopped: true };
    }
    const live = this.live.get(runId);
    if (!live) return { stopped: false };
    live.stopping = true;
    this.db.prepare("UPDATE remote_runs SET detail = json_object('stopping', 1) WHERE run_id = ?").run(runId);
    if (live.state === 'queued') {
      // Not started: it never will be (the queue skips it).
      this.finish(runId, { status: 'KILLED', state: 'killed', exitCode: null, reason: 'stopped before it started' });
      return { stopped: true };
    }
    // Remove the job at once (the task's container is killed), then let the watcher record the end.
    if (live.backend) await live.backend.remove(live.job).catch(() => undefined);
    live.wake();
    await live.ended;
    return { stopped: true };
  }

  tail(runId: string, maxLines: number): { lines: LogLine[]; running: boolean } | null {
    const live = this.live.get(runId);
    return live ? { lines: live.tail.slice(-maxLines), running: true } : null;
  }

  list(opts: { sweepId?: string | undefined; limit: number }): RemoteRunState[] {
    const rows = (
      opts.sweepId
        ? this.db.prepare('SELECT * FROM remote_runs WHERE sweep_id = ? ORDER BY created_at DESC, run_id LIMIT ?').all(opts.sweepId, opts.limit)
        : this.db.prepare('SELECT * FROM remote_runs ORDER BY created_at DESC, run_id LIMIT ?').all(opts.limit)
    ) as DbRow[];
    return rows.map((r) => {
      let d: { exitCode?: number | null; reason?: string | null } = {};
      try {
        d = r.detail ? (JSON.parse(r.detail) as typeof d) : {};
      } catch {
        d = {};
      }
      return {
        runId: r.run_id,
        target: r.target,
        job: r.job,
        sweepId: r.sweep_id,
        image: r.image,
        state: r.state,
        createdAt: r.created_at,
        endedAt: r.ended_at,
        exitCode: typeof d.exitCode === 'number' ? d.exitCode : null,
        reason: typeof d.reason === 'string' ? d.reason : null,
      };
    });
  }

  /** Resolves when every one of `runIds` has ended (the CLI). */
  async wait(runIds: string[]): Promise<void> {
    await Promise.all(runIds.map((id) => this.live.get(id)?.ended));
  }

  /**
   * On close the watchers let go: jobs keep running on their targets and their runs stay RUNNING (an app restart
   * does not cancel a training run); runs still queued are ended KILLED, since nothing will start them.
   */
  async close(): Promise<void> {
    this.closed = true;
    const waits: Array<Promise<void>> = [];
    for (const live of [...this.live.values()]) {
      if (live.state === 'queued') this.finish(live.runId, { status: 'KILLED', state: 'killed', exitCode: null, reason: 'mldesk closed before it started' });
      else {
        live.wake();
        waits.push(live.ended);
      }
    }
    await Promise.all(waits);
  }
}

export function createRemoteRuns(
  ctx: EngineContext,
  deps: RemoteRunsDeps,
  opts: RemoteRunsOptions = {},
): { service: RemoteRuns; handlers: Pick<FeatureHandlers<'launcher'>, 'launcher.startOn' | 'launcher.remote'>; dispose: () => Promise<void> } {
  const service = new RemoteRuns(ctx, deps, opts);
  // Stop and tail of `launcher.*` reach runs on targets through the launcher.
  deps.launcher.remote = service;
  return {
    service,
    handlers: {
      'launcher.startOn': (i) => service.startOn(i),
      'launcher.remote': ({ sweepId, limit }) => service.list({ sweepId, limit }),
    },
    dispose: () => service.close(),
  };
}
