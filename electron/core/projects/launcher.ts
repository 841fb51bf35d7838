import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { MldeskError } from '../../../shared/contract/errors';
import type { LaunchedRun, LaunchInput, LogLine } from '../../../shared/contract/launcher';
import type { EngineContext } from '../context';
import type { Tracking } from '../tracking';
import { isFsError, resolveRequestPath, safeFsError, showPath } from '../confine';
import { gitState } from './git';
import { cpuCount, sampleGpus, sampleTree } from './procStats';
import type { ProjectsService } from './service';
import type { DataService } from '../data';
import { datasetNamedBy, datasetsNamed } from '../data/lineage';
import { listPointers, projectRelative, type Pointer } from '../data/versions';
import { pullMissingInputs } from '../data/remotes';

const TAIL_LINES = 2000;
const FLUSH_MS = 100;

interface Live {
  run: LaunchedRun;
  child: ChildProcess;
  tail: LogLine[];
  pending: LogLine[];
  flushTimer: NodeJS.Timeout | null;
  sampler: NodeJS.Timeout | null;
  stopping: boolean;
  outFiles: { stdout: fs.WriteStream; stderr: fs.WriteStream; combined: fs.WriteStream };
  exited: Promise<void>;
}

export interface LauncherOptions {
  /** System-metric sampling period; 0 disables. */
  sampleMs?: number;
  /** Mirror child output to this process (the `mldesk run` CLI). */
  echo?: boolean;
}

/** Joins store-relative paths (the base may be the store's root, ''). */
const joinRel = (base: string, rel: string) => (base ? `${base}/${rel}` : rel);

function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * The folder a run starts in (`what`: "working folder", "project folder"): `cwd` relative to the project's folder when
 * a project is given (else the project's folder), else `cwd` (default `~`) — always inside the registered project
 * roots for callers below admin; NOT_FOUND when it is not a folder. With the project's name for the default experiment.
 */
export async function runFolder(
  projects: ProjectsService,
  input: { projectId?: string | undefined; cwd?: string | undefined },
  what: 'working folder' | 'project folder',
): Promise<{ dir: string; projectName?: string | undefined }> {
  const roots = projects.roots;
  let dir: string;
  let shown: string;
  let projectName: string | undefined;
  if (input.projectId) {
    const p = await projects.get(input.projectId);
    dir = input.cwd ? resolveRequestPath(input.cwd, what, { base: p.path, roots }) : resolveRequestPath(p.path, what, { roots });
    shown = input.cwd ?? p.path;
    projectName = p.name;
  } else {
    dir = resolveRequestPath(input.cwd ?? '~', what, { roots });
    shown = input.cwd ?? '~';
  }
  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch (e) {
    if (!isFsError(e) || e.code !== 'ENOENT') throw safeFsError(e, shown);
  }
  if (!isDir) throw new MldeskError('NOT_FOUND', `${what[0]!.toUpperCase()}${what.slice(1)} ${showPath(shown)} does not exist`);
  return { dir, projectName };
}

/** Starts processes as tracked runs: env for MLflow clients, lineage tags, captured logs, system metrics, kill-tree stop. */
export class Launcher {
  private readonly live = new Map<string, Live>();
  /** Set by the engine once the data service exists (lineage + --validate). */
  data: DataService | null = null;
  /** Runs on deployment targets (remoteRuns.ts): `stop` and `tail` reach them through here. */
  remote: { owns(runId: string): boolean; stop(runId: string): Promise<{ stopped: boolean }>; tail(runId: string, maxLines: number): { lines: LogLine[]; running: boolean } | null } | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly tracking: Tracking,
    private readonly projects: ProjectsService,
    private readonly opts: LauncherOptions = {},
  ) {}

  list(): LaunchedRun[] {
    return [...this.live.values()].map((l) => l.run);
  }

  async start(input: LaunchInput & { params: Record<string, string>; env: Record<string, string> }): Promise<LaunchedRun> {
    const trackingUri = this.ctx.trackingUri;
    if (!trackingUri) throw new MldeskError('FAILED_PRECONDITION', 'The tracking server is not listening yet, so the process would have nowhere to log.');
    // The working folder: relative to the project (never to the server's own working folder), and for callers
    // below admin inside the registered projects.
    const { dir: cwd, projectName } = await runFolder(this.projects, input, 'working folder');

    const experimentId = this.tracking.experiments.ensure(input.experimentName ?? projectName ?? 'Default');
    const tags: Array<{ key: string; value: string }> = [
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.source.name', value: input.command.slice(1).find((a) => !a.startsWith('-')) ?? input.command[0]! },
      { key: 'mlflow.user', value: safeUser() },
      { key: 'mldesk.command', value: shellQuote(input.command) },
      { key: 'mldesk.cwd', value: cwd },
      { key: 'mldesk.launcher', value: this.ctx.host },
    ];
    if (input.projectId) tags.push({ key: 'mldesk.project_id', value: input.projectId });
    const repo = await git.findRoot({ fs, filepath: cwd }).catch(() => null);
    // A fresh clone has the pointers, not the data: files missing from the working tree are pulled (default remote) first.
    if (repo) await pullMissingInputs(repo, this.ctx.dataDir);
    const used = this.datasetsUsed(repo, cwd, input); // before the run exists: a bad --input creates nothing
    if (repo) {
      const st = await gitState(repo);
      if (st.lastCommit) tags.push({ key: 'mlflow.source.git.commit', value: st.lastCommit.oid });
      if (st.branch) tags.push({ key: 'mlflow.source.git.branch', value: st.branch });
      tags.push({ key: 'mldesk.git.dirty', value: String(st.dirty) }, { key: 'mlflow.source.git.repoURL', value: repo });
    }
    const created = this.tracking.runs.create({ experimentId, runName: input.name || undefined, tags });
    const runId = created.info.run_id;
    const paramList = Object.entries(input.params).map(([key, value]) => ({ key, value }));
    try {
      for (let i = 0; i < paramList.length; i += 100) this.tracking.runs.logBatch(runId, { params: paramList.slice(i, i + 100) });
    } catch (e) {
      this.tracking.runs.update(runId, { status: 'FAILED' });
      throw e;
    }

    // Logs go to the run's artifact folder, which must be in mldesk's own store (an experiment whose
    // artifact_location is s3://… or a file: path elsewhere cannot take them): checked before anything runs.
    let logDir: string;
    try {
      logDir = this.tracking.artifacts.ensureDir(joinRel(this.tracking.runArtifactRel(runId), 'logs'));
    } catch (e) {
      this.tracking.runs.update(runId, { status: 'FAILED' });
      throw e;
    }
    this.recordDatasets(runId, used);
    if (input.validate) await this.validateOrFail(runId, cwd, repo, input.validate);

    const outFiles = {
      stdout: fs.createWriteStream(path.join(logDir, 'stdout.log')),
      stderr: fs.createWriteStream(path.join(logDir, 'stderr.log')),
      combined: fs.createWriteStream(path.join(logDir, 'output.jsonl')),
    };
    const child = spawn(input.command[0]!, input.command.slice(1), {
      cwd,
      // Own process group, so stop() can signal the whole tree at once.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...input.env,
        MLFLOW_TRACKING_URI: trackingUri,
        MLFLOW_RUN_ID: runId,
        MLFLOW_EXPERIMENT_ID: experimentId,
        PYTHONUNBUFFERED: '1',
      },
    });
    const run: LaunchedRun = { runId, experimentId, pid: child.pid ?? -1, command: input.command, cwd, startedAt: created.info.start_time ?? Date.now() };
    const live: Live = { run, child, tail: [], pending: [], flushTimer: null, sampler: null, stopping: false, outFiles, exited: Promise.resolve() };

    const spawnError = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (e) => resolve(e));
    });
    if (spawnError) {
      const msg = (spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? `Command not found: ${input.command[0]}` : spawnError.message;
      outFiles.stderr.end(`${msg}\n`);
      outFiles.stdout.end();
      outFiles.combined.end(JSON.stringify({ stream: 'system', text: msg, at: Date.now() }) + '\n');
      this.tracking.runs.logBatch(runId, { tags: [{ key: 'mldesk.error', value: msg }] });
      this.tracking.runs.update(runId, { status: 'FAILED' });
      throw new MldeskError('INVALID_INPUT', msg, { runId });
    }

    this.live.set(runId, live);
    this.capture(live, 'stdout');
    this.capture(live, 'stderr');
    this.startSampler(live);
    live.exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        this.finish(live, code, signal);
        resolve();
      });
    });
    this.ctx.audit('launcher.start', runId, { command: input.command, cwd });
    return run;
  }

  /**
   * Lineage (data/lineage.ts): the project's versioned datasets the command's arguments or param values name,
   * the file `validate` checks, and `inputs` (`mldesk run --input`), each once. An input that is not a versioned
   * dataset is refused.
   */
  private datasetsUsed(repo: string | null, cwd: string, input: { command: string[]; params: Record<string, string>; inputs?: string[]; validate?: string }): Pointer[] {
    const named = input.inputs ?? [];
    if (!repo) {
      if (named.length) throw new MldeskError('INVALID_INPUT', `Inputs name versioned datasets of a project, but ${showPath(cwd)} is not in a git project`);
      return [];
    }
    const pointers = listPointers(repo);
    const known = new Set(pointers.map((p) => p.path));
    const paths = new Set<string>();
    for (const file of named) {
      // Confined like any path a request names; then matched like an argument (so `train.csv` = data/train.csv).
      const abs = resolveRequestPath(file, 'input', { base: cwd, roots: this.projects.roots });
      const hit = datasetNamedBy(repo, cwd, known, abs) ?? (path.isAbsolute(file) ? null : datasetNamedBy(repo, cwd, known, file));
      if (!hit) {
        let shown = file;
        try {
          shown = projectRelative(repo, abs);
        } catch {
          // outside the project: shown as given
        }
        throw new MldeskError('INVALID_INPUT', `Input ${showPath(shown)} is not a versioned dataset of this project (add it with \`mldesk data add ${showPath(shown)}\`)`);
      }
      paths.add(hit);
    }
    // The file `--validate` checks is one the run is about to read.
    const words = [...input.command.slice(1), ...Object.values(input.params), ...(input.validate ? [input.validate] : [])];
    for (const p of datasetsNamed(repo, cwd, known, words)) paths.add(p);
    return pointers.filter((p) => paths.has(p.path));
  }

  /** Records the datasets a run used as its inputs (name = source = project path, digest = sha256 prefix). */
  private recordDatasets(runId: string, pointers: Pointer[]): void {
    if (pointers.length === 0) return;
    this.tracking.runs.logInputs(
      runId,
      pointers.map((p) => ({
        tags: [{ key: 'mlflow.data.context', value: 'project' }],
        dataset: { name: p.path, digest: p.sha256.slice(0, 32), source_type: 'mldesk', source: p.path, schema: JSON.stringify({ rows: p.rows, columns: p.columns }) },
      })),
    );
  }

  /** `--validate`: checks the file against the expectations it is declared against (data/reference.ts); a failure records the report and ends the run FAILED. */
  private async validateOrFail(runId: string, cwd: string, repo: string | null, file: string): Promise<void> {
    const fail = (message: string, report?: unknown) => {
      if (report) this.tracking.writeRunArtifact(runId, 'validation/report.json', JSON.stringify(report, null, 2));
      this.tracking.runs.logBatch(runId, { tags: [{ key: 'mldesk.validation', value: 'failed' }, { key: 'mldesk.error', value: message.slice(0, 8000) }] });
      this.tracking.runs.update(runId, { status: 'FAILED' });
      return new MldeskError('FAILED_PRECONDITION', message, { runId, report });
    };
    if (!this.data) throw fail('Data validation is not available in this host');
    let abs: string;
    try {
      abs = resolveRequestPath(file, 'file to validate', { base: cwd, roots: this.projects.roots });
    } catch (e) {
      throw fail((e as Error).message);
    }
    // Against the expectations the file is declared against, as `mldesk data validate` (data/reference.ts).
    let rel: string | undefined;
    try {
      rel = repo ? projectRelative(repo, abs) : undefined;
    } catch {
      rel = undefined;
    }
    let report;
    try {
      report = await this.data.validateTarget({ file: abs, label: file, ...(repo && rel ? { dir: repo, rel } : {}) });
    } catch (e) {
      if (e instanceof MldeskError && e.code === 'FAILED_PRECONDITION') throw fail(e.message);
      const safe = safeFsError(e, file);
      throw fail(`Validation of ${file} could not run: ${safe instanceof Error ? safe.message : String(safe)}`);
    }
    this.tracking.writeRunArtifact(runId, 'validation/report.json', JSON.stringify(report, null, 2));
    if (!report.passed) {
      const first = report.checks.filter((c) => !c.passed).slice(0, 3).map((c) => `${c.column ? c.column + ': ' : ''}${c.name} — ${c.message}`);
      throw fail(`Data validation failed for ${file}: ${report.failed} of ${report.checks.length} checks failed (${first.join('; ')})`, report);
    }
    this.tracking.runs.logBatch(runId, { tags: [{ key: 'mldesk.validation', value: 'passed' }] });
  }

  private capture(live: Live, stream: 'stdout' | 'stderr'): void {
    const src = live.child[stream]!;
    let partial = '';
    src.setEncoding('utf8');
    src.on('data', (chunk: string) => {
      live.outFiles[stream].write(chunk);
      if (this.opts.echo) (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
      const parts = (partial + chunk).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const text of parts) this.push(live, { stream, text, at: Date.now() });
    });
    src.on('end', () => {
      if (partial) this.push(live, { stream, text: partial, at: Date.now() });
      partial = '';
    });
  }

  private push(live: Live, line: LogLine): void {
    live.outFiles.combined.write(JSON.stringify(line) + '\n');
    live.tail.push(line);
    if (live.tail.length > TAIL_LINES) live.tail.splice(0, live.tail.length - TAIL_LINES);
    live.pending.push(line);
    live.flushTimer ??= setTimeout(() => this.flush(live), FLUSH_MS);
  }

  private flush(live: Live): void {
    if (live.flushTimer) clearTimeout(live.flushTimer);
    live.flushTimer = null;
    if (live.pending.length === 0) return;
    const lines = live.pending.splice(0);
    this.ctx.events.publish('launcher.output', { run_id: live.run.runId, lines });
  }

  private startSampler(live: Live): void {
    const period = this.opts.sampleMs ?? 1000;
    if (period <= 0) return;
    let step = 0;
    let prev: { at: number; cpu: number } | null = null;
    const tick = async () => {
      if (!this.live.has(live.run.runId)) return;
      try {
        const s = await sampleTree(live.run.pid);
        const at = Date.now();
        const metrics: Array<{ key: string; value: number; timestamp: number; step: number }> = [];
        if (s.pids.length) {
          if (prev) {
            const cpuPct = (Math.max(0, s.cpuSeconds - prev.cpu) / ((at - prev.at) / 1000)) * 100;
            metrics.push({ key: 'system/cpu_utilization_percentage', value: Math.round(cpuPct * 10) / 10, timestamp: at, step });
            metrics.push({ key: 'system/cpu_cores_available', value: cpuCount(), timestamp: at, step });
          }
          metrics.push({ key: 'system/process_rss_megabytes', value: Math.round((s.rssBytes / 1048576) * 10) / 10, timestamp: at, step });
          prev = { at, cpu: s.cpuSeconds };
        }
        for (const g of await sampleGpus()) {
          metrics.push({ key: `system/gpu_${g.index}_utilization_percentage`, value: g.utilization, timestamp: at, step });
          metrics.push({ key: `system/gpu_${g.index}_memory_usage_megabytes`, value: g.memoryMb, timestamp: at, step });
        }
        if (metrics.length && this.live.has(live.run.runId)) {
          this.tracking.runs.logBatch(live.run.runId, { metrics });
          step++;
        }
      } catch {
        // Sampling is best effort: a process that just exited has no /proc entry.
      }
      if (this.live.has(live.run.runId)) live.sampler = setTimeout(() => void tick(), period);
    };
    live.sampler = setTimeout(() => void tick(), Math.min(period, 250));
  }

  private finish(live: Live, code: number | null, signal: NodeJS.Signals | null): void {
    const { runId } = live.run;
    this.live.delete(runId);
    if (live.sampler) clearTimeout(live.sampler);
    const status = live.stopping || signal ? 'KILLED' : code === 0 ? 'FINISHED' : 'FAILED';
    const summary = live.stopping ? 'stopped by user' : signal ? `terminated by ${signal}` : `exited with code ${code}`;
    this.push(live, { stream: 'system', text: `Process ${summary}`, at: Date.now() });
    this.flush(live);
    for (const s of Object.values(live.outFiles)) s.end();
    try {
      const run = this.tracking.runs.row(runId);
      const tags = [{ key: 'mldesk.exit', value: summary }];
      if (code !== null) tags.push({ key: 'mldesk.exit_code', value: String(code) });
      if (run.lifecycle_stage === 'active') {
        this.tracking.runs.logBatch(runId, { tags });
        // A script may have ended its own run already; keep its verdict unless we killed it.
        if (run.status === 'RUNNING' || live.stopping) this.tracking.runs.update(runId, { status, endTime: Date.now() });
      }
    } catch (e) {
      if (this.ctx.store.db.open) console.error(`[mldesk launcher] could not finalise run ${runId}:`, e);
    }
  }

  async stop(runId: string): Promise<{ stopped: boolean }> {
    const live = this.live.get(runId);
    if (!live) {
      if (this.remote?.owns(runId)) return this.remote.stop(runId);
      this.tracking.runs.row(runId);
      return { stopped: false };
    }
    live.stopping = true;
    await killTree(live.run.pid, live.exited);
    await live.exited;
    return { stopped: true };
  }

  async tail(runId: string, maxLines: number): Promise<{ lines: LogLine[]; running: boolean }> {
    const live = this.live.get(runId);
    if (live) return { lines: live.tail.slice(-maxLines), running: true };
    const remote = this.remote?.tail(runId, maxLines);
    if (remote) return remote;
    this.tracking.runs.row(runId);
    let file: string;
    try {
      file = this.tracking.artifacts.resolve(joinRel(this.tracking.runArtifactRel(runId), 'logs/output.jsonl'));
    } catch (e) {
      // A run whose artifacts live elsewhere (s3://…) has no logs mldesk captured.
      if (e instanceof MldeskError && e.code === 'FAILED_PRECONDITION') return { lines: [], running: false };
      throw e;
    }
    let text: string;
    try {
      if (!fs.existsSync(file)) return { lines: [], running: false };
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw safeFsError(e, 'logs/output.jsonl');
    }
    const lines = text.split('\n').filter(Boolean).slice(-maxLines);
    return {
      running: false,
      lines: lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine];
        } catch {
          return [];
        }
      }),
    };
  }

  /** Waits for a launched run's process to end (CLI). */
  async wait(runId: string): Promise<void> {
    await this.live.get(runId)?.exited;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.stop(id)));
  }
}

/** SIGTERM the process group and every descendant; SIGKILL what is left after a grace period. */
async function killTree(pid: number, exited: Promise<void>, graceMs = 3000): Promise<void> {
  const signalAll = async (sig: NodeJS.Signals) => {
    const { pids } = await sampleTree(pid).catch(() => ({ pids: [] as number[] }));
    try {
      process.kill(-pid, sig);
    } catch {
      // group already gone
    }
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  await signalAll('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
  if (timedOut) await signalAll('SIGKILL');
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
