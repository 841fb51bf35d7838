import { randomUUID } from 'node:crypto';
import { MldeskError, toErrorShape, type FeatureHandlers, type JobInfo } from '../../../shared/contract';
import type { EngineContext } from '../context';

/** What a job's work gets: report a phase / fraction, log lines. Cheap to call often (events are coalesced). */
export interface JobReporter {
  readonly id: string;
  phase(phase: string, fraction?: number | null): void;
  fraction(fraction: number | null): void;
  log(...lines: string[]): void;
}

interface JobEntry {
  info: JobInfo;
  log: string[];
  pending: string[];
  timer: NodeJS.Timeout | null;
  done: Promise<unknown>;
}

const MAX_LOG = 5_000;
const KEEP_FINISHED = 50;
/** Progress events are coalesced to this rate so a chatty build does not flood the event stream. */
const PUBLISH_MS = 100;

/** Long work with progress on one topic (`jobs.progress`), so every progress bar and CLI line is the same. */
export class Jobs {
  private readonly jobs = new Map<string, JobEntry>();
  constructor(private readonly ctx: EngineContext) {}

  /** Starts `work` now; returns at once. `wait(id)` gives the result (or throws the job's error). */
  start<T>(kind: string, title: string, work: (r: JobReporter) => Promise<T>): string {
    const id = `${kind}-${randomUUID().slice(0, 8)}`;
    const entry: JobEntry = {
      info: { id, kind, title, state: 'running', phase: 'Starting', fraction: null, startedAt: Date.now(), endedAt: null, error: null },
      log: [],
      pending: [],
      timer: null,
      done: Promise.resolve(),
    };
    this.jobs.set(id, entry);
    const reporter: JobReporter = {
      id,
      phase: (phase, fraction) => {
        entry.info.phase = phase;
        if (fraction !== undefined) entry.info.fraction = fraction;
        entry.pending.push(`» ${phase}`);
        this.append(entry, [`» ${phase}`], false);
      },
      fraction: (f) => {
        entry.info.fraction = f === null ? null : Math.max(0, Math.min(1, f));
        this.schedule(entry);
      },
      log: (...lines) => this.append(entry, lines, true),
    };
    this.flush(entry);
    entry.done = (async () => {
      try {
        const result = await work(reporter);
        entry.info = { ...entry.info, state: 'done', fraction: 1, endedAt: Date.now(), result };
        return result;
      } catch (e) {
        const err = toErrorShape(e);
        entry.info = { ...entry.info, state: 'failed', endedAt: Date.now(), error: { code: err.code, message: err.message } };
        entry.pending.push(`✗ ${err.message}`);
        entry.log.push(`✗ ${err.message}`);
        throw e;
      } finally {
        this.flush(entry);
        this.prune();
      }
    })();
    entry.done.catch(() => undefined); // observed through wait() / the topic
    return id;
  }

  /** Resolves with the job's result, or rejects with its error. */
  async wait<T = unknown>(id: string): Promise<T> {
    const entry = this.jobs.get(id);
    if (!entry) throw new MldeskError('NOT_FOUND', `No job ${id}`);
    return (await entry.done) as T;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((e) => ({ ...e.info })).sort((a, b) => b.startedAt - a.startedAt);
  }

  get(id: string, maxLines = 500): (JobInfo & { log: string[] }) | undefined {
    const e = this.jobs.get(id);
    return e ? { ...e.info, log: e.log.slice(-maxLines) } : undefined;
  }

  private append(entry: JobEntry, lines: string[], pend: boolean): void {
    for (const l of lines) {
      entry.log.push(l);
      if (pend) entry.pending.push(l);
    }
    if (entry.log.length > MAX_LOG) entry.log.splice(0, entry.log.length - MAX_LOG);
    this.schedule(entry);
  }

  private schedule(entry: JobEntry): void {
    if (entry.timer) return;
    entry.timer = setTimeout(() => this.flush(entry), PUBLISH_MS);
    entry.timer.unref();
  }

  private flush(entry: JobEntry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const lines = entry.pending.splice(0);
    if (this.ctx.store.db.open) this.ctx.events.publish('jobs.progress', { ...entry.info, lines });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => e.info.state !== 'running').sort((a, b) => b.info.startedAt - a.info.startedAt);
    for (const e of finished.slice(KEEP_FINISHED)) this.jobs.delete(e.info.id);
  }
}

export function jobsHandlers(jobs: Jobs): FeatureHandlers<'jobs'> {
  return {
    'jobs.list': () => jobs.list(),
    'jobs.get': ({ id, maxLines }) => {
      const j = jobs.get(id, maxLines);
      if (!j) throw new MldeskError('NOT_FOUND', `No job ${id} (jobs are kept for this engine session only)`);
      return j;
    },
  };
}
