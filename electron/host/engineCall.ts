import { MldeskError, type MethodName, type Output, type TopicPayload } from '../../shared/contract';
import type { Engine } from '../core/engine';

/**
 * A contract call from a CLI command: the same validation and roles as IPC/HTTP; an error envelope becomes a throw.
 * The input is the user's arguments as typed, unchecked here on purpose: the contract's schema is what rejects them, with its message.
 */
export async function call<N extends MethodName>(engine: Engine, name: N, input: unknown): Promise<Output<N>> {
  const r = await engine.call(name, input);
  if (!r.ok) throw MldeskError.from(r.error);
  return r.value as Output<N>;
}

/** Docker unavailable → the engine's message and how to fix it on stderr, and false (the command exits 1 at once). */
export async function dockerReady(engine: Engine): Promise<boolean> {
  const st = await call(engine, 'containers.engine', {});
  if (st.available) return true;
  console.error(`mldesk: the Docker engine is not available (${st.host}): ${st.problem?.message ?? 'unknown problem'}`);
  if (st.problem?.hint) console.error(`  how to fix: ${st.problem.hint}`);
  return false;
}

export type JobProgress = TopicPayload<'jobs.progress'>;

/**
 * Starts a job through `start` (a contract call answering `{jobId, …}`) and forwards its progress events to
 * `onProgress` until it ends. A job publishes its first event before its id is returned: events that arrive
 * before then are kept and replayed. `done` settles with the job (its result, or its error).
 */
export async function startJob<R extends { jobId: string }>(engine: Engine, start: () => Promise<R>, onProgress: (p: JobProgress) => void): Promise<R & { done: Promise<unknown> }> {
  const early: JobProgress[] = [];
  let jobId: string | null = null;
  const off = engine.events.subscribe('jobs.progress', (p) => {
    if (jobId === null) early.push(p);
    else if (p.id === jobId) onProgress(p);
  });
  let started: R;
  try {
    started = await start();
  } catch (e) {
    off();
    throw e;
  }
  jobId = started.jobId;
  for (const p of early.splice(0)) if (p.id === jobId) onProgress(p);
  return { ...started, done: engine.jobs.wait(jobId).finally(off) };
}
