import { useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../../../../shared/contract';
import { api } from '../../api/client';
import { MetricChart } from '../../charts';
import { describeError } from '../../lib/errors';
import { compareKeys } from './columns';
import { useRunDetail } from './detailStore';
import { formatMetric, numberFormat } from './format';

interface Series {
  steps: number[];
  values: number[];
  total: number;
}

/** The nearest ancestor that scrolls vertically (null: the viewport). */
function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const oy = getComputedStyle(p).overflowY;
    if (oy === 'auto' || oy === 'scroll') return p;
  }
  return null;
}

/** Requests about one point per pixel; refetches when the width changes by more than this factor. */
const WIDTH_SLACK = 1.25;

function MetricCard({ runId, runName, metricKey, latest }: { runId: string; runName: string; metricKey: string; latest: number | null | undefined }) {
  const version = useRunDetail((s) => s.metricVersions[metricKey] ?? 0);
  const [series, setSeries] = useState<Series | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [width, setWidth] = useState(0);
  const [visible, setVisible] = useState(false);
  const holder = useRef<HTMLDivElement>(null);

  // Only fetch charts that are on (or near) the screen: a run can have hundreds of metrics.
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    // The margin only widens the root: observe against the scrolling pane, or cards just below its fold never load.
    const io = new IntersectionObserver((entries) => setVisible(entries.some((e) => e.isIntersecting)), { root: scrollParent(el), rootMargin: '300px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  // maxPoints ≈ pixel width; only refetch for a significant resize.
  const [maxPoints, setMaxPoints] = useState(0);
  useEffect(() => {
    if (width <= 0) return;
    setMaxPoints((cur) => (cur === 0 || width > cur * WIDTH_SLACK || width < cur / WIDTH_SLACK ? Math.max(50, Math.round(width)) : cur));
  }, [width]);

  const fetched = useRef<{ version: number; maxPoints: number } | null>(null);
  useEffect(() => {
    if (!visible || maxPoints === 0) return;
    const f = fetched.current;
    if (f && f.version === version && f.maxPoints === maxPoints) return;
    fetched.current = { version, maxPoints };
    let alive = true;
    let settled = false;
    setLoading(true);
    api.tracking.metricHistory({ runId, key: metricKey, maxPoints }).then(
      (h) => {
        settled = true;
        if (!alive) return;
        setSeries({ steps: h.steps, values: h.values, total: h.total });
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        settled = true;
        if (!alive) return;
        fetched.current = null;
        setError(describeError(e));
        setLoading(false);
      },
    );
    return () => {
      alive = false;
      // Cancelled before the answer (e.g. scrolled out of view and back): the next run must fetch again,
      // or the chart would stay "Loading…" forever.
      if (!settled) fetched.current = null;
    };
  }, [visible, maxPoints, version, runId, metricKey]);

  const shown = series?.steps.length ?? 0;
  const subtitle = (
    <>
      {latest !== undefined ? <span className="metric-latest tabular">{formatMetric(latest)}</span> : null}
      {series ? (
        <span className="muted">
          {numberFormat.format(series.total)} point{series.total === 1 ? '' : 's'}
          {series.total > shown ? ` · downsampled to ${numberFormat.format(shown)}` : ''}
        </span>
      ) : null}
    </>
  );
  return (
    <div ref={holder} className="metric-card">
      <MetricChart
        metricKey={metricKey}
        steps={series?.steps ?? EMPTY}
        values={series?.values ?? EMPTY}
        loading={!series && (loading || !error)}
        error={series ? null : error}
        subtitle={subtitle}
        onWidth={setWidth}
        exportName={`${runId.slice(0, 8)}-${metricKey}`}
        seriesLabel={runName}
      />
    </div>
  );
}

const EMPTY: number[] = [];

/** One chart per metric key; system metrics (system/…) in their own group. */
export function MetricsTab({ run }: { run: Run }) {
  const [q, setQ] = useState('');
  const latest = useMemo(() => new Map(run.data.metrics.map((m) => [m.key, m.value])), [run.data.metrics]);
  const keys = useMemo(() => [...latest.keys()].sort(compareKeys), [latest]);
  const needle = q.trim().toLowerCase();
  const shown = needle ? keys.filter((k) => k.toLowerCase().includes(needle)) : keys;
  const model = shown.filter((k) => !k.startsWith('system/'));
  const system = shown.filter((k) => k.startsWith('system/'));

  if (keys.length === 0) {
    return (
      <div className="tab-empty" data-testid="metrics-empty">
        <p>No metrics logged yet.</p>
        <p className="muted small">
          Log with <code>mlflow.log_metric(&quot;loss&quot;, value, step=step)</code>; charts appear here live.
        </p>
      </div>
    );
  }
  return (
    <div className="metrics-tab">
      {keys.length > 6 ? (
        <div className="metrics-toolbar">
          <input className="input input-sm filter-input" type="search" placeholder="Find a metric…" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Find a metric" />
          <span className="muted small">
            {shown.length} of {keys.length} metrics
          </span>
        </div>
      ) : null}
      {model.length > 0 ? (
        <div className="metric-grid">
          {model.map((k) => (
            <MetricCard key={k} runId={run.info.run_id} runName={run.info.run_name || run.info.run_id} metricKey={k} latest={latest.get(k)} />
          ))}
        </div>
      ) : null}
      {system.length > 0 ? (
        <>
          <h3 className="section-title">System metrics</h3>
          <div className="metric-grid">
            {system.map((k) => (
              <MetricCard key={k} runId={run.info.run_id} runName={run.info.run_name || run.info.run_id} metricKey={k} latest={latest.get(k)} />
            ))}
          </div>
        </>
      ) : null}
    </div>
  );
}
