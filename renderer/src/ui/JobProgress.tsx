import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { JobInfo } from '../../../shared/contract';
import { api, subscribe } from '../api/client';
import { asMldeskError } from '../lib/errors';
import { Spinner } from './Spinner';
import './JobProgress.css';

/** How often the authoritative job state (and log tail) is re-read while the job runs; events fill the gaps. */
const POLL_MS = 2000;
const MAX_LINES = 2000;

export interface JobView {
  info: JobInfo | null;
  lines: readonly string[];
  /** The job could not be read at all (unknown id, engine gone). */
  error: { code: string; message: string } | null;
}

/**
 * Follows one job: `jobs.progress` events for live updates, plus `jobs.get` at start, every few seconds while it
 * runs and once when it ends (events can be missed while the event stream reconnects; the log tail is the truth).
 */
export function useJob(jobId: string | null): JobView {
  const [view, setView] = useState<JobView>({ info: null, lines: [], error: null });
  useEffect(() => {
    setView({ info: null, lines: [], error: null });
    if (!jobId) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let finished = false;

    const fetchJob = async () => {
      try {
        const j = await api.jobs.get({ id: jobId, maxLines: MAX_LINES });
        if (!alive) return;
        const { log, ...info } = j;
        setView({ info, lines: log, error: null });
        if (info.state !== 'running') finished = true;
      } catch (e) {
        if (!alive) return;
        const err = asMldeskError(e);
        setView((v) => ({ ...v, error: { code: err.code, message: err.message } }));
        if (err.code === 'NOT_FOUND') finished = true;
      }
    };
    const loop = async () => {
      await fetchJob();
      if (alive && !finished) timer = setTimeout(() => void loop(), POLL_MS);
    };

    const off = subscribe('jobs.progress', (p) => {
      if (!alive || p.id !== jobId) return;
      const { lines, ...info } = p;
      setView((v) => ({ info, lines: lines.length ? [...v.lines, ...lines].slice(-MAX_LINES) : v.lines, error: null }));
      if (info.state !== 'running' && !finished) {
        finished = true;
        if (timer) clearTimeout(timer);
        // Settle on the engine's full log (a line may have been missed while the stream reconnected).
        void fetchJob();
      }
    });
    void loop();
    return () => {
      alive = false;
      off();
      if (timer) clearTimeout(timer);
    };
  }, [jobId]);
  return view;
}

function percent(f: number): string {
  return `${Math.round(f * 100)}%`;
}

export interface JobProgressProps {
  jobId: string;
  /** Shown above the bar; defaults to the job's own title. */
  title?: string;
  /** Called once when the job ends (done or failed). */
  onEnd?: (info: JobInfo) => void;
  /** Start with the log open (e.g. a build the user wants to watch). */
  logOpen?: boolean;
  testId?: string;
}

/**
 * The one progress display for every long job (image builds, rollouts, …): the phase in words, a determinate or
 * indeterminate bar, a collapsible log of the streamed lines and the error when it failed.
 */
export function JobProgress({ jobId, title, onEnd, logOpen: initialOpen = false, testId = 'job-progress' }: JobProgressProps) {
  const { info, lines, error } = useJob(jobId);
  const [open, setOpen] = useState(initialOpen);
  const logRef = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const endRef = useRef(onEnd);
  const ended = useRef(false);
  useLayoutEffect(() => {
    endRef.current = onEnd;
  });

  useEffect(() => {
    if (!info || info.state === 'running' || ended.current) return;
    ended.current = true;
    endRef.current?.(info);
  }, [info]);

  // Follow the tail unless the user scrolled up to read.
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines, open]);

  const state = info?.state ?? 'running';
  const fraction = state === 'done' ? 1 : (info?.fraction ?? null);
  const heading = title ?? info?.title ?? 'Working…';
  const phase = info ? (state === 'done' ? 'Done' : state === 'failed' ? 'Failed' : info.phase) : error ? 'Unknown job' : 'Starting…';
  const logId = `${testId}-log`;

  return (
    <section className={`job-progress job-${state}`} data-testid={testId} data-state={state} data-job-id={jobId} aria-label={heading}>
      <div className="job-head">
        <span className="job-title">{heading}</span>
        <span className="job-phase" data-testid="job-phase" aria-live="polite">
          {state === 'running' ? <Spinner /> : null}
          {phase}
          {fraction !== null && state === 'running' ? <span className="muted tabular"> · {percent(fraction)}</span> : null}
        </span>
      </div>
      <div
        className={`job-bar${fraction === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={heading}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
        aria-valuetext={fraction === null ? phase : `${phase}, ${percent(fraction)}`}
      >
        <span className="job-bar-fill" style={fraction === null ? undefined : { width: percent(fraction) }} />
      </div>
      {info?.error ? (
        <p className="field-error" role="alert" data-testid="job-error">
          <code className="error-code">{info.error.code}</code> {info.error.message}
        </p>
      ) : error ? (
        <p className="field-error" role="alert" data-testid="job-error">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : null}
      <div className="job-log-toggle">
        <button type="button" className="link-button small" aria-expanded={open} aria-controls={logId} onClick={() => setOpen((o) => !o)} data-testid="job-log-toggle">
          {open ? 'Hide log' : 'Show log'} ({lines.length} line{lines.length === 1 ? '' : 's'})
        </button>
      </div>
      {open ? (
        <pre
          id={logId}
          ref={logRef}
          className="job-log"
          data-testid="job-log"
          tabIndex={0}
          aria-label="Job log"
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {lines.length ? lines.join('\n') : <span className="muted">No output yet.</span>}
        </pre>
      ) : null}
    </section>
  );
}
