import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogLine } from '../../../../shared/contract';
import { api, subscribe } from '../../api/client';
import { DownloadIcon } from '../../app/icons';
import { downloadBlob } from '../../lib/exportCsv';
import { asMldeskError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';

/** Lines kept on screen; older ones are dropped (the full log stays in the run's artifacts). */
const MAX_LINES = 5000;
const TAIL_LINES = 2000;

type Status = { kind: 'loading' } | { kind: 'ready'; running: boolean } | { kind: 'error'; code: string; message: string };

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
type Shown = LogLine & { seq: number };
const sameLine = (a: LogLine, b: LogLine) => a.at === b.at && a.stream === b.stream && a.text === b.text;

/**
 * Live output of a launched run: the last lines from `launcher.tail`, then every `launcher.output`
 * for this run. Follows the end unless the user scrolled up; stderr is tinted.
 */
export function LogsTab({
  runId,
  running,
  compact = false,
  onExpand,
  external = false,
}: {
  runId: string;
  running: boolean;
  compact?: boolean;
  onExpand?: () => void;
  /** Logged by an external client (a script using MLflow), not a process mldesk started: there is no output to capture. */
  external?: boolean;
}) {
  const [lines, setLines] = useState<Shown[]>([]);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [follow, setFollow] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);

  useEffect(() => {
    let alive = true;
    let tailDone = false;
    let buffered: LogLine[] = [];
    let seq = 0;
    const number = (ls: readonly LogLine[]): Shown[] => ls.map((l) => ({ ...l, seq: seq++ }));
    const append = (more: readonly LogLine[]) => {
      if (more.length === 0) return;
      const numbered = number(more);
      setLines((cur) => {
        const next = cur.concat(numbered);
        return next.length <= MAX_LINES ? next : next.slice(next.length - MAX_LINES);
      });
      setTotal((t) => t + more.length);
      if (!followRef.current) setUnseen((n) => n + more.length);
    };
    // Subscribe first so nothing printed while the tail is in flight is lost; de-duplicate the overlap.
    // Lines the tail already returned can still arrive as events afterwards (SSE and the RPC race):
    // drop anything not newer than the tail's last line unless the tail lacks it.
    let watermark = -Infinity;
    let atWatermark: LogLine[] = [];
    const fresh = (ls: readonly LogLine[]) => ls.filter((l) => l.at > watermark || (l.at === watermark && !atWatermark.some((x) => sameLine(x, l))));
    const off = subscribe('launcher.output', (p) => {
      if (p.run_id !== runId) return;
      if (tailDone) append(fresh(p.lines));
      else buffered = buffered.concat(p.lines);
    });
    setLines([]);
    setTotal(0);
    setStatus({ kind: 'loading' });
    api.launcher.tail({ runId, maxLines: TAIL_LINES }).then(
      (t) => {
        if (!alive) return;
        const last = t.lines[t.lines.length - 1];
        if (last) {
          watermark = last.at;
          atWatermark = t.lines.filter((l) => l.at === last.at);
        }
        tailDone = true;
        const early = fresh(buffered);
        buffered = [];
        setLines(number(t.lines.slice(-MAX_LINES)));
        setTotal(t.lines.length);
        append(early);
        setStatus({ kind: 'ready', running: t.running });
      },
      (e: unknown) => {
        if (!alive) return;
        const err = asMldeskError(e);
        tailDone = true;
        append(buffered);
        buffered = [];
        setStatus({ kind: 'error', code: err.code, message: err.message });
      },
    );
    return () => {
      alive = false;
      off();
    };
  }, [runId]);

  // Stick to the bottom after new lines while following.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && followRef.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 24;
    if (atBottom !== followRef.current) {
      followRef.current = atBottom;
      setFollow(atBottom);
    }
    if (atBottom) setUnseen(0);
  };

  const jump = () => {
    const el = box.current;
    if (!el) return;
    followRef.current = true;
    setFollow(true);
    setUnseen(0);
    el.scrollTop = el.scrollHeight;
  };

  const dropped = total - lines.length;
  // Live while the run is RUNNING and (once known) the launcher still has its process.
  const live = running && !(status.kind === 'ready' && !status.running) && status.kind !== 'error';
  const exportLog = () => {
    const text = lines.map((l) => `${new Date(l.at).toISOString()} ${l.stream.padEnd(6)} ${l.text}`).join('\n');
    downloadBlob(new Blob([text], { type: 'text/plain;charset=utf-8' }), `${runId.slice(0, 8)}-output.log`);
  };

  // The overview shows a short console only for runs that have captured output.
  if (compact && (status.kind !== 'ready' || (lines.length === 0 && !live))) return null;

  return (
    <div className={`logs-tab${compact ? ' compact' : ''}`}>
      <div className="logs-toolbar">
        {compact ? <h2 className="logs-title">Output</h2> : null}
        <span className="logs-state">
          {live ? (
            <>
              <span className="live-dot" aria-hidden="true" /> Live
            </>
          ) : status.kind === 'loading' ? (
            <>
              <Spinner /> Loading output…
            </>
          ) : status.kind === 'ready' ? (
            <span className="muted">{external && lines.length === 0 ? 'External client' : 'Process ended'}</span>
          ) : null}
        </span>
        <span className="muted small">
          {lines.length} line{lines.length === 1 ? '' : 's'}
          {dropped > 0 ? ` (oldest ${dropped} not shown)` : ''}
        </span>
        <span className="toolbar-spacer" />
        {!follow ? (
          <button type="button" className="button button-xs" onClick={jump} data-testid="logs-follow">
            ↓ Follow{unseen > 0 ? ` (${unseen} new)` : ''}
          </button>
        ) : null}
        {compact && onExpand ? (
          <button type="button" className="button button-xs" onClick={onExpand}>
            Open logs
          </button>
        ) : (
          <button type="button" className="button button-xs" onClick={exportLog} disabled={lines.length === 0}>
            <DownloadIcon width={12} height={12} />
            Save
          </button>
        )}
      </div>
      {status.kind === 'error' && lines.length === 0 ? (
        <div className="tab-empty" data-testid="run-logs" data-state="unavailable">
          <p>No captured output for this run.</p>
          <p className="muted small">
            Output is captured for runs started from mldesk (<strong>New run</strong> or <code>mldesk run -- …</code>). Runs logged by your own scripts
            keep their logs wherever the script wrote them (often an artifact).
          </p>
          <p className="muted small">
            <code className="error-code">{status.code}</code> {status.message}
          </p>
        </div>
      ) : (
        <div ref={box} className="logs-box" onScroll={onScroll} data-testid="run-logs" data-follow={follow} role="log" aria-live="off" tabIndex={0}>
          {lines.length === 0 && status.kind !== 'loading' ? (
            external && !live ? (
              <div className="logs-empty muted" data-testid="logs-external">
                <p>This run was logged by an external client (a script using the MLflow API), not started by mldesk, so there is no captured output.</p>
                <p className="small">
                  Start runs with <strong>New run</strong> or <code>mldesk run -- …</code> to capture their output here; otherwise the script&apos;s logs are wherever it wrote
                  them (often an artifact).
                </p>
              </div>
            ) : (
              <div className="logs-empty muted">{live ? 'Waiting for output…' : 'The process printed nothing.'}</div>
            )
          ) : null}
          {lines.map((l) => (
            <div key={l.seq} className={`log-line log-${l.stream}`} data-testid="log-line" data-stream={l.stream}>
              <span className="log-time" aria-hidden="true">
                {timeFmt.format(l.at)}
              </span>
              <span className="log-text">{l.text}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
