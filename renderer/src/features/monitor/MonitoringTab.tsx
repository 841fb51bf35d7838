import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PREDICTION_COLUMN, type Deployment, type MonitorWindow } from '../../../../shared/contract';
import { formatBytes } from '../../../../shared/lib/bytes';
import { api } from '../../api/client';
import { DownloadIcon, RefreshIcon } from '../../app/icons';
import { setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { formatDuration } from '../../charts';
import { downloadBlob } from '../../lib/exportCsv';
import { CsvButton } from '../../ui/CsvButton';
import { EmptyState } from '../../ui/EmptyState';
import { isModalOpen } from '../../ui/modalStack';
import { Spinner } from '../../ui/Spinner';
import { RecentInferences } from '../insight';
import { AlertList } from './AlertList';
import { DistributionOverlay } from './DistributionOverlay';
import { DriftHeatmap } from './DriftHeatmap';
import { alertsCsv, columnLabel, featureToOpen, formatScore, formatShare, windowSpecText, windowsCsv } from './format';
import { MonitorIcon } from './icon';
import { MonitorSettings } from './MonitorSettings';
import { useAlerts, useMonitorView } from './store';
import { useDistribution } from './useDistribution';
import { baseRow, DriftScoreChart, WindowLineChart, type DriftPoint } from './WindowCharts';
import './monitor.css';

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(3))} ms`);
const pct = (v: number) => `${Number((v * 100).toPrecision(3))}%`;
const rate = (v: number) => `${Number(v.toPrecision(3))}/s`;
/** Axis ticks of memory: 96M, 1.2G (the tooltip has the exact value). */
const compactBytes = (v: number) => (v >= 2 ** 30 ? `${Number((v / 2 ** 30).toPrecision(2))}G` : v >= 2 ** 20 ? `${Math.round(v / 2 ** 20)}M` : v >= 1024 ? `${Math.round(v / 1024)}K` : `${Math.round(v)}B`);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes((target as HTMLInputElement).type);
}

async function exportGrafana(deployment: string): Promise<void> {
  try {
    const dash = await api.monitor.grafana({ deployment });
    downloadBlob(new Blob([JSON.stringify(dash, null, 2)], { type: 'application/json' }), `mldesk-grafana-${deployment}.json`);
    toast.success('Import it in Grafana (Dashboards → New → Import); it reads the app’s /metrics gauges.', 'Grafana dashboard exported');
  } catch (e) {
    toast.error(e, 'Could not export the Grafana dashboard');
  }
}

/** "live" while window updates keep arriving; the time since the last one otherwise. */
function LiveBadge({ liveAt }: { liveAt: number | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  const fresh = liveAt !== null && now - liveAt < 30_000;
  return (
    <span className={`mon-live${fresh ? ' on' : ''}`} data-testid="monitor-live" data-live={fresh} title="Windows update live through the monitor.window event stream">
      <span className="mon-live-dot" aria-hidden="true" />
      {fresh ? 'live' : liveAt ? `updated ${formatDuration(now - liveAt)} ago` : 'listening'}
    </span>
  );
}

/**
 * A deployment's Monitoring tab: drift per feature over windows (threshold lines, a heat-map), the share of drifted
 * features, prediction drift, latency / errors / throughput / resources, performance once labels arrive, its alerts.
 * Everything follows `monitor.window` live; a chart point or heat-map cell opens the distribution overlay.
 */
export function MonitoringTab({ d, onTryIt }: { d: Deployment; onTryIt: () => void }) {
  const name = d.name;
  const view = useMonitorView(name);
  const { windows, features, config } = view;
  const allAlerts = useAlerts((s) => s.alerts);
  const alerts = useMemo(() => allAlerts.filter((a) => a.deployment === name), [allAlerts, name]);
  const openAlerts = alerts.filter((a) => a.state === 'open').length;
  const [showClosed, setShowClosed] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);

  // Selection lives in the URL (an alert link opens exactly that point).
  const windowQ = useQueryParam('window');
  const featureQ = useQueryParam('feature') ?? null;
  const alertQ = useQueryParam('alert');
  const selWindow = windowQ !== undefined && /^\d+$/.test(windowQ) ? Number(windowQ) : null;
  const selW = selWindow === null ? undefined : windows.find((w) => w.index === selWindow);
  const selFeature = selWindow === null ? null : featureToOpen(selW, featureQ);
  const select = useCallback((window: number, feature?: string) => setQuery({ window, feature: feature ?? null }), []);
  const selectWindow = useCallback((window: number) => setQuery({ window }), []);
  const closeOverlay = useCallback(() => setQuery({ window: null, feature: null, alert: null }), []);
  const [nonce, setNonce] = useState(0);
  const dist = useDistribution(name, selWindow, selFeature, nonce);
  // The selected window still filling: its distribution is read again as rows arrive (debounced).
  const selCount = selW?.open ? selW.count : null;
  const lastCount = useRef<number | null>(null);
  useEffect(() => {
    const prev = lastCount.current;
    lastCount.current = selCount;
    if (selCount === null || prev === null || prev === selCount) return;
    const t = setTimeout(() => setNonce((n) => n + 1), 1500);
    return () => clearTimeout(t);
  }, [selCount]);

  // An alert link lands here: bring the overlay into view once.
  const overlayRef = useRef<HTMLDivElement>(null);
  const scrolledFor = useRef<string | null>(null);
  useEffect(() => {
    const key = `${alertQ ?? ''}/${selWindow ?? ''}/${selFeature ?? ''}`;
    if (!alertQ || selWindow === null || scrolledFor.current === key || !overlayRef.current) return;
    scrolledFor.current = key;
    overlayRef.current.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [alertQ, selWindow, selFeature, dist.data]);

  // [ and ] step through windows; Esc closes the overlay.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isModalOpen() || isTyping(e.target) || windows.length === 0) return;
      if (e.key === '[' || e.key === ']') {
        e.preventDefault();
        const i = selWindow === null ? windows.length : windows.findIndex((w) => w.index === selWindow);
        const next = windows[Math.max(0, Math.min(windows.length - 1, (i < 0 ? windows.length : i) + (e.key === ']' ? 1 : -1)))];
        if (next) setQuery({ window: next.index });
      } else if (e.key === 'Escape' && selWindow !== null) {
        e.preventDefault();
        closeOverlay();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [windows, selWindow, closeOverlay]);

  const pickers = useMemo(() => {
    const m = new Map<string, (w: MonitorWindow) => DriftPoint | null>();
    for (const f of features) {
      m.set(f, (w) => {
        const s = w.features[f];
        return s ? { index: w.index, method: s.method, score: s.score, threshold: s.threshold, drifted: s.drifted } : null;
      });
    }
    return m;
  }, [features]);
  const pickPrediction = useCallback((w: MonitorWindow): DriftPoint | null => (w.prediction ? { index: w.index, ...w.prediction } : null), []);

  const rows = useMemo(
    () =>
      windows.map((w) => ({
        ...baseRow(w),
        share: w.driftShare,
        p50: w.latencyMs.p50,
        p95: w.latencyMs.p95,
        p99: w.latencyMs.p99,
        errors: w.errorRate,
        throughput: w.throughput,
        cpu: w.cpuPercent,
        memory: w.memoryBytes,
        accuracy: w.performance?.accuracy ?? null,
        auc: w.performance?.auc ?? null,
        rmse: w.performance?.rmse ?? null,
        delay: w.performance?.medianDelayMs ?? null,
      })),
    [windows],
  );
  const hasPrediction = windows.some((w) => w.prediction !== null);
  const heatRows = useMemo(() => (hasPrediction ? [...features, PREDICTION_COLUMN] : features), [features, hasPrediction]);
  const hasClassification = windows.some((w) => w.performance?.accuracy !== null && w.performance?.accuracy !== undefined);
  const hasRegression = windows.some((w) => w.performance?.rmse !== null && w.performance?.rmse !== undefined);
  const latest = windows.at(-1);
  const driftedNow = latest ? Object.values(latest.features).filter((s) => s.drifted).length : 0;
  const shownAlerts = showClosed ? alerts : alerts.filter((a) => a.state !== 'resolved');

  const header = (
    <div className="mon-head">
      <div className="mon-summary small" data-testid="monitor-summary">
        <LiveBadge liveAt={view.liveAt} />
        <span>
          <strong className="tabular" data-testid="monitor-records">
            {view.records.toLocaleString()}
          </strong>{' '}
          requests recorded
        </span>
        {config ? <span className="muted">· windows {windowSpecText(config.window)}</span> : null}
        {view.reference ? (
          <span className={view.reference.source === 'first-window' ? 'mon-warn' : 'muted'} data-testid="monitor-reference" data-source={view.reference.source} title={view.reference.problem ?? undefined}>
            · reference <span className="mono">{view.reference.label}</span>{' '}
            {view.reference.source === 'lineage' ? '(from lineage)' : view.reference.source === 'override' ? '(set in Settings)' : '(no dataset found: the first window)'}
            {view.reference.problem ? ` — ${view.reference.problem}` : ''}
          </span>
        ) : config?.reference ? (
          <span className="muted" data-testid="monitor-reference" data-source={config.reference.source}>
            · reference <code className="mono">{config.reference.path}</code>
            {config.reference.commit ? ` @ ${config.reference.commit.slice(0, 7)}` : ''} ({config.reference.source === 'lineage' ? 'from lineage' : 'set in Settings'})
          </span>
        ) : config ? (
          <span className="muted" data-testid="monitor-reference" data-source="pending">
            · reference: resolved with the first window
          </span>
        ) : null}
      </div>
      <div className="toolbar">
        <CsvButton base={`monitoring-${name}`} rows={() => windowsCsv(windows, features)} disabled={windows.length === 0} testId="btn-monitor-csv" size="sm" title="Download the windows as CSV" />
        <button type="button" className="button button-sm" onClick={() => void exportGrafana(name)} data-testid="btn-grafana" title="A Grafana dashboard over the app’s /metrics gauges">
          <DownloadIcon width={14} height={14} />
          Export Grafana dashboard
        </button>
        <button type="button" className="button button-sm" onClick={() => setSettingsOpen((o) => !o)} aria-expanded={settingsOpen} data-testid="btn-monitor-settings">
          Settings
        </button>
        <button type="button" className="button button-sm" onClick={view.reload} disabled={view.loading} data-testid="btn-monitor-refresh" title="Reload the overview (live updates need no reload)">
          {view.loading ? <Spinner /> : <RefreshIcon width={14} height={14} />}
          Reload
        </button>
      </div>
    </div>
  );

  if (view.loading && !config && !view.error) {
    return (
      <section className="mon-tab" data-testid="monitoring" data-deployment={name}>
        <div className="page-loading">
          <Spinner label="Loading monitoring" size={16} />
        </div>
      </section>
    );
  }
  if (view.error && !config) {
    return (
      <section className="mon-tab" data-testid="monitoring" data-deployment={name}>
        <div className="error-panel" role="alert" data-testid="monitor-error">
          <h2>Could not load the monitoring of {name}</h2>
          <p>
            <code className="error-code">{view.error.code}</code> {view.error.message}
          </p>
          <button type="button" className="button" onClick={view.reload}>
            <RefreshIcon />
            Retry
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="mon-tab" data-testid="monitoring" data-deployment={name} data-windows={windows.length} aria-label={`Monitoring of ${name}`}>
      {header}
      {settingsOpen && config ? <MonitorSettings deployment={name} config={config} features={features} onSaved={view.reload} onClose={() => setSettingsOpen(false)} /> : null}

      <div className="card mon-alerts-card" data-testid="monitor-alerts">
        <div className="deploy-card-head">
          <h3 className="card-title">
            Alerts {openAlerts > 0 ? <span className="badge badge-danger" data-testid="monitor-open-alerts">{openAlerts} open</span> : null}
          </h3>
          <div className="toolbar">
            <label className="mon-check small">
              <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} /> Show resolved
            </label>
            <CsvButton base={`alerts-${name}`} rows={() => alertsCsv(alerts)} disabled={alerts.length === 0} testId="btn-alerts-csv" />
          </div>
        </div>
        <AlertList alerts={shownAlerts} showDeployment={false} highlight={alertQ} emptyText="No alerts. Rules (Settings) fire one when drift, latency, errors or accuracy cross their thresholds." />
      </div>
      <RecentInferences deployment={name} model={d.model} version={d.version} refresh={view.records} />

      {windows.length === 0 ? (
        <EmptyState icon={MonitorIcon} title="No traffic recorded yet" testId="monitor-empty">
          <p className="empty-text">
            Send requests to <code className="mono">{d.url}</code> — from Try it, or your own client. mldesk pulls what the model saw and answered, groups it into windows{' '}
            {config ? windowSpecText(config.window) : ''} and compares each window with the reference data. The charts fill in live.
          </p>
          <div className="button-row center">
            <button type="button" className="button button-primary" onClick={onTryIt} data-testid="monitor-open-tryit">
              Open Try it
            </button>
          </div>
        </EmptyState>
      ) : (
        <>
          <div className="mon-section">
            <h3 className="mon-section-title">
              Data drift{' '}
              <span className={`badge ${driftedNow > 0 ? 'badge-danger' : 'badge-ok'}`} data-testid="monitor-drift-now" data-drifted={driftedNow}>
                {driftedNow > 0 ? `${driftedNow} of ${features.length} features drifted in window ${latest?.index}` : 'no drift in the latest window'}
              </span>
            </h3>
            <div className="mon-grid-2">
              <WindowLineChart
                title="Share of drifted features"
                subtitle={<span>dataset drift when ≥ 50% · latest {formatShare(latest?.driftShare ?? null)}</span>}
                rows={rows}
                series={[{ key: 'share', label: 'drifted share', tone: 'd', format: pct }]}
                leftFormat={(v) => `${Math.round(v * 100)}%`}
                leftDomain={[0, 1]}
                refLines={[{ y: 0.5, label: '50%' }]}
                selected={selWindow}
                onSelect={selectWindow}
                emptyText="No windows yet"
                testId="chart-drift-share"
                yLabel="share of drifted features"
              />
              <div className="chart-card mon-chart mon-heatmap-card" data-testid="heatmap-card">
                <div className="chart-card-head">
                  <div className="chart-card-titles">
                    <span className="chart-card-title">Features × windows</span>
                    <span className="chart-card-sub">
                      <span className="mon-legend-item">
                        <span className="mon-swatch mon-heat-drift" aria-hidden="true" /> drifted
                      </span>
                      <span className="mon-legend-item">
                        <span className="mon-swatch mon-heat-ok" aria-hidden="true" /> no drift
                      </span>
                      <span className="muted">darker = further from the threshold · click a cell</span>
                    </span>
                  </div>
                </div>
                <DriftHeatmap features={heatRows} windows={windows} selected={selWindow !== null && selFeature ? { window: selWindow, feature: selFeature } : null} onSelect={select} />
              </div>
            </div>

            {selWindow !== null ? (
              <div ref={overlayRef} className="card mon-overlay-card" data-testid="overlay-panel" data-window={selWindow} data-feature={selFeature ?? ''}>
                <div className="deploy-card-head">
                  <h3 className="card-title">
                    {selFeature ? columnLabel(selFeature) : 'Window'} · window {selWindow}
                    {selW ? (
                      <span className="muted small">
                        {' '}
                        · {selW.count.toLocaleString()} predictions in {selW.requests.toLocaleString()} requests{selW.open ? ' (still filling)' : ''}
                      </span>
                    ) : null}
                  </h3>
                  <div className="toolbar">
                    {heatRows.length > 0 ? (
                      <select className="input input-sm" value={selFeature ?? ''} onChange={(e) => select(selWindow, e.target.value)} aria-label="Feature" data-testid="overlay-feature">
                        {heatRows.map((f) => (
                          <option key={f} value={f}>
                            {columnLabel(f)}
                            {(f === PREDICTION_COLUMN ? selW?.prediction?.drifted : selW?.features[f]?.drifted) ? ' · drifted' : ''}
                          </option>
                        ))}
                      </select>
                    ) : null}
                    <button type="button" className="button button-xs" onClick={() => setNonce((n) => n + 1)} disabled={dist.loading} title="Read the distribution again">
                      {dist.loading ? <Spinner /> : <RefreshIcon width={12} height={12} />}
                    </button>
                    <button type="button" className="button button-xs" onClick={closeOverlay} data-testid="overlay-close" title="Close (Esc)">
                      Close
                    </button>
                  </div>
                </div>
                {dist.error ? (
                  <p className="field-error" role="alert">
                    <code className="error-code">{dist.error.code}</code> {dist.error.message}
                  </p>
                ) : dist.data ? (
                  <DistributionOverlay drift={dist.data} labels={['reference', `window ${selWindow}`]} attrs={{ 'data-window': selWindow }} />
                ) : (
                  <p className="muted small">
                    <Spinner /> Loading the distributions…
                  </p>
                )}
              </div>
            ) : (
              <p className="muted small mon-hint">Click a point of a chart or a heat-map cell to compare the reference and that window’s distribution. Keys: [ and ] step through windows, Esc closes.</p>
            )}

            {features.length === 0 ? (
              <p className="muted small" data-testid="monitor-no-features">
                No feature scores yet: drift is computed once a window closes against the reference data
                {view.reference?.problem ? ` (${view.reference.problem})` : ''}.
              </p>
            ) : null}
            <div className="mon-grid-features" data-testid="feature-charts">
              {features.map((f) => (
                <DriftScoreChart key={f} name={f} windows={windows} pick={pickers.get(f)!} selected={selWindow} onSelect={(w) => select(w, f)} />
              ))}
            </div>
            {hasPrediction ? (
              <div className="mon-grid-2">
                <DriftScoreChart
                  name="prediction"
                  title="Prediction drift (model output)"
                  windows={windows}
                  pick={pickPrediction}
                  selected={selWindow}
                  onSelect={(w) => select(w, PREDICTION_COLUMN)}
                  testId="chart-prediction-drift"
                  height={170}
                />
              </div>
            ) : null}
          </div>

          <div className="mon-section">
            <h3 className="mon-section-title">Service</h3>
            <div className="mon-grid-3">
              <WindowLineChart
                title="Latency"
                rows={rows}
                series={[
                  { key: 'p50', label: 'p50', tone: 'a', format: ms },
                  { key: 'p95', label: 'p95', tone: 'b', format: ms },
                  { key: 'p99', label: 'p99', tone: 'd', format: ms },
                ]}
                leftFormat={(v) => `${formatScore(v)}`}
                selected={selWindow}
                onSelect={selectWindow}
                emptyText="No latencies yet"
                testId="chart-latency"
                yLabel="ms"
              />
              <WindowLineChart
                title="Errors and throughput"
                rows={rows}
                series={[
                  { key: 'errors', label: 'error rate', tone: 'd', format: pct },
                  { key: 'throughput', label: 'throughput', tone: 'a', axis: 'right', format: rate },
                ]}
                leftFormat={(v) => `${Number((v * 100).toPrecision(2))}%`}
                leftDomain={[0, (max: number) => Math.max(max, 0.05)]}
                rightFormat={(v) => `${formatScore(v)}/s`}
                selected={selWindow}
                onSelect={selectWindow}
                emptyText="No requests yet"
                testId="chart-errors"
              />
              <WindowLineChart
                title="Container resources"
                rows={rows}
                series={[
                  { key: 'cpu', label: 'CPU', tone: 'a', format: (v) => `${v.toFixed(1)}%` },
                  { key: 'memory', label: 'memory', tone: 'c', axis: 'right', format: (v) => formatBytes(v) },
                ]}
                leftFormat={(v) => `${Number(v.toPrecision(2))}%`}
                leftDomain={[0, 'auto']}
                rightFormat={(v) => compactBytes(v)}
                selected={selWindow}
                onSelect={selectWindow}
                emptyText="No container stats for these windows"
                testId="chart-resources"
              />
            </div>
          </div>

          <div className="mon-section">
            <h3 className="mon-section-title">Model performance</h3>
            {hasClassification || hasRegression ? (
              <div className="mon-grid-2">
                <WindowLineChart
                  title={hasClassification ? 'Rolling accuracy and AUC' : 'Rolling RMSE'}
                  rows={rows}
                  series={
                    hasClassification
                      ? [
                          { key: 'accuracy', label: 'accuracy', tone: 'a', format: (v) => v.toFixed(3) },
                          { key: 'auc', label: 'AUC', tone: 'c', format: (v) => v.toFixed(3) },
                          ...(hasRegression ? [{ key: 'rmse', label: 'RMSE', tone: 'b' as const, axis: 'right' as const, format: (v: number) => formatScore(v) }] : []),
                        ]
                      : [{ key: 'rmse', label: 'RMSE', tone: 'b', format: (v) => formatScore(v) }]
                  }
                  selected={selWindow}
                  onSelect={selectWindow}
                  emptyText="No labelled windows yet"
                  testId="chart-performance"
                />
                <WindowLineChart
                  title="Label delay"
                  subtitle={<span>median time from prediction to its ground truth</span>}
                  rows={rows}
                  series={[{ key: 'delay', label: 'median delay', tone: 'b', format: (v) => formatDuration(v) }]}
                  leftFormat={(v) => formatDuration(v)}
                  selected={selWindow}
                  onSelect={selectWindow}
                  emptyText="No labels yet"
                  testId="chart-label-delay"
                />
              </div>
            ) : (
              <p className="muted small" data-testid="performance-empty">
                Accuracy, AUC or RMSE appear per window once ground truth arrives: POST <code className="mono">{`{"id": "<request id>", "label": …}`}</code> to{' '}
                <code className="mono">{d.url.replace(/\/$/, '')}/mldesk/feedback</code> (the request id is in each answer’s <code className="mono">x-request-id</code> header). The delay
                between prediction and label is charted too.
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
