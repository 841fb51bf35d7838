import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { Deployment, DeploymentStats } from '../../../../shared/contract';
import { formatBytes } from '../../../../shared/lib/bytes';
import { api } from '../../api/client';
import { RefreshIcon, TrashIcon } from '../../app/icons';
import { buildHash, setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { CopyButton } from '../../ui/CopyButton';
import { RelativeTime } from '../../ui/RelativeTime';
import { Spinner } from '../../ui/Spinner';
import { StatusBadge } from './bits';
import { ClusterRollout } from './ClusterRollout';
import { KindBadge } from './TargetStep';
import type { WizardPrefill } from './DeployWizard';
import { formatCpu, formatMemory, formatMs, formatRate, formatUptime, limitsText, shortDigest, uptimeSec } from './format';
import { RolloutFailure } from './RolloutFailure';
import { useDeployments } from './store';
import { TryItPanel } from './TryItPanel';
import { useOpenAlertCount } from '../monitor/store';

// Charts (recharts) load with the tab, not with the Deployments page.
const MonitoringTab = lazy(() => import('../monitor/MonitoringTab').then((m) => ({ default: m.MonitoringTab })));

export type DetailTab = 'overview' | 'monitoring';
export const parseDetailTab = (raw: string | undefined): DetailTab => (raw === 'monitoring' ? 'monitoring' : 'overview');

const STATS_MS = 5000;
type Err = { code: string; message: string };
const err = (e: unknown): Err => {
  const m = asMldeskError(e);
  return { code: m.code, message: m.message };
};
function memoryOf(s: DeploymentStats | null): string | null {
  if (!s?.memoryLimitBytes || s.memoryBytes === null) return null;
  return `of ${formatBytes(s.memoryLimitBytes)} (${Math.round((100 * s.memoryBytes) / s.memoryLimitBytes)}%)`;
}
const live = (d: Deployment) => d.status === 'running' || d.status === 'updating' || d.status === 'starting';

/** Uptime that ticks every second between stats polls. */
function Uptime({ d, stats }: { d: Deployment; stats: DeploymentStats | null }) {
  const [now, setNow] = useState(() => Date.now());
  const [base, setBase] = useState<{ sec: number; at: number } | null>(null);
  useEffect(() => {
    const sec = uptimeSec(d, stats);
    setBase(sec === null ? null : { sec, at: Date.now() });
  }, [d, stats]);
  useEffect(() => {
    if (!live(d)) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [d]);
  return <span data-testid="deployment-uptime">{base ? formatUptime(base.sec + Math.max(0, now - base.at) / 1000) : '—'}</span>;
}

function Stat({ label, value, sub, testId }: { label: string; value: string; sub?: string | null; testId: string }) {
  return (
    <div className="deploy-stat" data-testid={testId}>
      <span className="deploy-stat-label">{label}</span>
      <span className="deploy-stat-value tabular" title={sub ? `${value} ${sub}` : value}>
        {value}
      </span>
      {sub ? <span className="deploy-stat-sub muted small">{sub}</span> : null}
    </div>
  );
}

export function DeploymentDetail({ d, onRedeploy, onRemoved }: { d: Deployment; onRedeploy: (p: WizardPrefill) => void; onRemoved: () => void }) {
  const name = d.name;
  const [stats, setStats] = useState<DeploymentStats | null>(null);
  const [statsError, setStatsError] = useState<Err | null>(null);
  const [logs, setLogs] = useState<string[] | null>(null);
  const [logsError, setLogsError] = useState<Err | null>(null);
  const [logsLoading, setLogsLoading] = useState(false);
  const [acting, setActing] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const isLive = live(d);
  const tab = parseDetailTab(useQueryParam('tab'));
  const openAlerts = useOpenAlertCount(name);
  const tryRef = useRef<HTMLDivElement>(null);
  const [focusTry, setFocusTry] = useState(false);
  useEffect(() => {
    if (!focusTry || tab !== 'overview') return;
    setFocusTry(false);
    tryRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [focusTry, tab]);
  const selectTab = (t: DetailTab) => setQuery({ tab: t === 'overview' ? null : t, window: null, feature: null, alert: null });

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    setStats(null);
    setStatsError(null);
    const poll = async () => {
      try {
        const s = await api.deploy.stats({ name });
        if (!alive) return;
        setStats(s);
        setStatsError(null);
      } catch (e) {
        if (alive) setStatsError(err(e));
      }
      if (alive && isLive) timer = setTimeout(() => void poll(), STATS_MS);
    };
    if (d.status !== 'gone') void poll();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [name, d.status, isLive]);

  const loadLogs = useCallback(async () => {
    setLogsLoading(true);
    try {
      setLogs(await api.deploy.logs({ name, lines: 200 }));
      setLogsError(null);
    } catch (e) {
      setLogsError(err(e));
    } finally {
      setLogsLoading(false);
    }
  }, [name]);
  useEffect(() => {
    void loadLogs();
  }, [loadLogs, d.status, d.version]);

  const control = async (action: 'stop' | 'start' | 'restart') => {
    setActing(action);
    try {
      await api.deploy.control({ name, action });
      toast.success(`${action === 'stop' ? 'Stopped' : action === 'start' ? 'Started' : 'Restarted'} ${name}`);
    } catch (e) {
      toast.error(e, `Could not ${action} ${name}`);
    } finally {
      setActing(null);
      void useDeployments.getState().load();
    }
  };

  const errors = stats ? Object.entries(stats.errors).filter(([, n]) => n > 0) : [];
  const failedRollout = d.lastRollout && !d.lastRollout.ok ? d.lastRollout : null;
  const tryDisabled = d.status === 'running' || d.status === 'updating' ? null : `Start the deployment to try it (it is ${d.status}).`;

  return (
    <section className="deploy-detail" data-testid="deployment-detail" data-name={name} aria-label={`Deployment ${name}`}>
      <header className="deploy-detail-head">
        <div className="deploy-detail-title">
          <h2 className="mono">{name}</h2>
          <StatusBadge status={d.status} reason={d.reason} />
        </div>
        <div className="toolbar">
          {d.status === 'stopped' || d.status === 'failed' ? (
            <button type="button" className="button button-sm" onClick={() => void control('start')} disabled={acting !== null} data-testid="deployment-start">
              {acting === 'start' ? <Spinner /> : null}
              Start
            </button>
          ) : (
            <button type="button" className="button button-sm" onClick={() => void control('stop')} disabled={acting !== null || d.status === 'gone'} data-testid="deployment-stop">
              {acting === 'stop' ? <Spinner /> : null}
              Stop
            </button>
          )}
          <button type="button" className="button button-sm" onClick={() => void control('restart')} disabled={acting !== null || d.status === 'gone'} data-testid="deployment-restart">
            {acting === 'restart' ? <Spinner /> : null}
            Restart
          </button>
          <button type="button" className="button button-sm" onClick={() => onRedeploy({ name, model: d.model, target: d.target })} data-testid="deployment-redeploy">
            Redeploy another version
          </button>
          <button type="button" className="button button-sm button-danger" onClick={() => setRemoving(true)} disabled={acting !== null} data-testid="deployment-remove">
            <TrashIcon width={14} height={14} />
            Remove
          </button>
        </div>
      </header>
      {d.reason ? (
        <p className="small muted deploy-reason" data-testid="deployment-reason">
          {d.reason}
        </p>
      ) : null}

      {failedRollout ? <RolloutFailure report={failedRollout} stillServing={d.status === 'running' ? d.version : null} /> : null}

      <div className="tabs deploy-tabs" role="tablist" aria-label="Deployment sections">
        {(['overview', 'monitoring'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`deploy-tab-${t}`}
            aria-selected={tab === t}
            aria-controls="deploy-tabpanel"
            className={`tab${tab === t ? ' active' : ''}`}
            onClick={() => selectTab(t)}
            data-testid={`deployment-tab-${t}`}
          >
            {t === 'overview' ? 'Overview' : 'Monitoring'}
            {t === 'monitoring' && openAlerts > 0 ? (
              <span className="tab-count deploy-tab-alerts" title={`${openAlerts} open alert${openAlerts === 1 ? '' : 's'}`} data-testid="deployment-tab-alerts">
                {openAlerts}
              </span>
            ) : null}
          </button>
        ))}
      </div>

      <div id="deploy-tabpanel" role="tabpanel" aria-labelledby={`deploy-tab-${tab}`} className="deploy-tabpanel">
        {tab === 'monitoring' ? (
          <Suspense
            fallback={
              <div className="page-loading">
                <Spinner label="Loading monitoring" size={16} />
              </div>
            }
          >
            <MonitoringTab
              d={d}
              onTryIt={() => {
                selectTab('overview');
                setFocusTry(true);
              }}
            />
          </Suspense>
        ) : (
          <>
            {d.targetKind !== 'docker' ? <ClusterRollout d={d} /> : null}
            <div className="deploy-cards">
              <div className="card">
                <h3 className="card-title">Overview</h3>
                <dl className="kv deploy-kv">
                  <dt>Model</dt>
                  <dd>
                    <a href={buildHash('/models', { model: d.model, version: d.version })} data-testid="deployment-model-link">
                      {d.model} v{d.version}
                    </a>
                    <span className="muted small"> · {d.runtime === 'onnx' ? 'ONNX runtime' : 'custom Dockerfile'}</span>
                  </dd>
                  <dt>Target</dt>
                  <dd data-testid="deployment-target" data-target={d.target} data-kind={d.targetKind}>
                    <span className="mono">{d.target}</span> <KindBadge kind={d.targetKind} />
                    {d.targetKind !== 'docker' ? (
                      <span className="muted small" data-testid="deployment-replica-summary">
                        {' '}
                        · {d.replicas.running}/{d.replicas.desired} running{d.replicas.ready !== null ? `, ${d.replicas.ready} ready` : ''}
                      </span>
                    ) : null}
                  </dd>
                  <dt>Endpoint</dt>
                  <dd className="deploy-inline">
                    <a href={d.url} target="_blank" rel="noreferrer" className="mono truncate" data-testid="deployment-url">
                      {d.url}
                    </a>
                    <CopyButton text={d.url} label="Endpoint URL" compact />
                  </dd>
                  <dt>Uptime</dt>
                  <dd>
                    <Uptime d={d} stats={stats} />
                  </dd>
                  <dt>Image</dt>
                  <dd className="deploy-inline">
                    <code className="mono small truncate" title={`${d.image.ref}\n${d.image.digest}`} data-testid="deployment-digest">
                      {d.image.ref} · {shortDigest(d.image.digest)}
                    </code>
                    <CopyButton text={d.image.digest} label="Image digest" compact />
                  </dd>
                  <dt>Limits</dt>
                  <dd>{limitsText(d)}</dd>
                  <dt>Environment</dt>
                  <dd className="mono small">{d.envKeys.length ? d.envKeys.join(', ') : <span className="muted">none</span>}</dd>
                  <dt>Created</dt>
                  <dd>
                    <RelativeTime ms={d.createdAt} />
                  </dd>
                </dl>
              </div>
              <div className="card">
                <h3 className="card-title">
                  Live {stats === null && !statsError && d.status !== 'gone' ? <Spinner /> : null}
                </h3>
                <div className="deploy-stats" data-testid="deployment-stats">
                  <Stat label="CPU" value={formatCpu(stats?.cpuPercent)} testId="stat-cpu" />
                  <Stat label="Memory" value={formatMemory(stats?.memoryBytes, null)} sub={memoryOf(stats)} testId="stat-memory" />
                  <Stat label="Requests" value={stats?.requests === null || stats?.requests === undefined ? '—' : String(stats.requests)} testId="stat-requests" />
                  <Stat label="Rate" value={formatRate(stats?.requestsPerSec)} testId="stat-rate" />
                  <Stat label="p50" value={formatMs(stats?.p50Ms)} testId="stat-p50" />
                  <Stat label="p99" value={formatMs(stats?.p99Ms)} testId="stat-p99" />
                </div>
                <p className="small deploy-errors" data-testid="stat-errors">
                  Errors:{' '}
                  {errors.length ? (
                    errors.map(([code, n]) => (
                      <span key={code} className="badge badge-danger">
                        {code} × {n}
                      </span>
                    ))
                  ) : (
                    <span className="muted">none</span>
                  )}
                </p>
                {statsError ? (
                  <p className="small text-danger">
                    <code className="error-code">{statsError.code}</code> {statsError.message}
                  </p>
                ) : null}
              </div>
            </div>

            <div className="card">
              <div className="deploy-card-head">
                <h3 className="card-title">Log tail</h3>
                <button type="button" className="button button-xs" onClick={() => void loadLogs()} disabled={logsLoading} data-testid="deployment-logs-refresh">
                  {logsLoading ? <Spinner /> : <RefreshIcon width={12} height={12} />}
                  Refresh
                </button>
              </div>
              {logsError ? (
                <p className="small text-danger">
                  <code className="error-code">{logsError.code}</code> {logsError.message}
                </p>
              ) : logs === null ? (
                <p className="muted small">
                  <Spinner /> Loading the log…
                </p>
              ) : (
                <pre className="code-box deploy-log" data-testid="deployment-logs" tabIndex={0} aria-label="Container log">
                  {logs.length ? logs.join('\n') : <span className="muted">The container has not written anything yet.</span>}
                </pre>
              )}
            </div>

            <div className="card" ref={tryRef}>
              <TryItPanel key={`${name}/${d.version}`} name={name} model={d.model} version={d.version} disabled={tryDisabled} />
            </div>
          </>
        )}
      </div>

      {removing ? (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel="Remove deployment"
          busyLabel="Removing…"
          danger
          onClose={() => setRemoving(false)}
          onConfirm={async () => {
            await api.deploy.remove({ name });
            toast.success(`Removed ${name}`);
            onRemoved();
            void useDeployments.getState().load();
          }}
        >
          <p>
            Its containers stop and go away; the endpoint <code className="mono">{d.url}</code> stops answering. The image stays, so deploying the same version again is fast.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
