import { lazy, Suspense, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { RefreshIcon, TrashIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Spinner } from '../../ui/Spinner';
import { ArtifactsTab } from './ArtifactsTab';
import { useRunDetail, useRunDetailSync } from './detailStore';
import { formatDuration, runDurationMs } from './format';
import { ArrowLeftIcon, RestoreIcon, StopIcon } from './icons';
import { LogsTab } from './LogsTab';
import { RunTitle } from './RunEdit';
import { RunOverview } from './RunOverview';
import { StatusBadge } from './StatusBadge';
import { useExperiments } from './store';

// recharts is heavy: load it with the first chart, not with the runs table.
const MetricsTab = lazy(() => import('./MetricsTab').then((m) => ({ default: m.MetricsTab })));

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'logs', label: 'Logs' },
] as const;
type TabId = (typeof TABS)[number]['id'];
const isTab = (t: string | undefined): t is TabId => TABS.some((x) => x.id === t);

/** UI clock for the live duration of a running run (no data is fetched by it). */
function useClock(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function RunDetail({ runId, onClose }: { runId: string; onClose: () => void }) {
  useRunDetailSync(runId);
  const run = useRunDetail((s) => (s.runId === runId ? s.run : null));
  const error = useRunDetail((s) => (s.runId === runId ? s.error : null));
  const loading = useRunDetail((s) => s.loading);
  const experiments = useExperiments((s) => s.experiments);
  const tabParam = useQueryParam('tab');
  const tab: TabId = isTab(tabParam) ? tabParam : 'overview';
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState<'stop' | 'restore' | null>(null);
  useReadyWhen(run !== null || error !== null);

  const running = run?.info.status === 'RUNNING';
  const now = useClock(running);
  const deleted = run?.info.lifecycle_stage === 'deleted';
  const experimentName = run ? experiments.find((e) => e.experiment_id === run.info.experiment_id)?.name : undefined;

  const stop = async () => {
    setBusy('stop');
    try {
      const r = await api.launcher.stop({ runId });
      if (r.stopped) toast.info('Stopping the run…');
      else toast.warn('This run is not a process mldesk started, or it has already ended.');
    } catch (e) {
      toast.error(e, 'Could not stop the run');
    } finally {
      setBusy(null);
    }
  };
  const restore = async () => {
    setBusy('restore');
    try {
      await api.tracking.restoreRun({ runId });
      toast.success('Run restored');
      void useRunDetail.getState().load(runId);
    } catch (e) {
      toast.error(e, 'Could not restore the run');
    } finally {
      setBusy(null);
    }
  };

  if (error && !run) {
    return (
      <div className="run-detail" data-testid="run-detail" data-run-id={runId}>
        <div className="run-detail-bar">
          <button type="button" className="icon-button" onClick={onClose} aria-label="Back to runs" title="Back to runs (Esc)">
            <ArrowLeftIcon />
          </button>
        </div>
        <div className="error-panel" role="alert">
          <h2>{error.code === 'NOT_FOUND' ? 'Run not found' : 'Could not load the run'}</h2>
          <p>
            <code className="error-code">{error.code}</code> {error.message}
          </p>
          <div className="button-row">
            <button type="button" className="button" onClick={() => void useRunDetail.getState().load(runId)} disabled={loading}>
              <RefreshIcon />
              Retry
            </button>
            <button type="button" className="button" onClick={onClose}>
              Back to runs
            </button>
          </div>
        </div>
      </div>
    );
  }
  if (!run) {
    return (
      <div className="run-detail" data-testid="run-detail" data-run-id={runId} aria-busy="true">
        <div className="page-loading">
          <Spinner label="Loading run" size={16} />
        </div>
      </div>
    );
  }

  const { info } = run;
  return (
    <div className="run-detail" data-testid="run-detail" data-run-id={runId} data-status={info.status}>
      <header className="run-detail-head">
        <div className="run-detail-bar">
          <button type="button" className="icon-button" onClick={onClose} aria-label="Back to runs" title="Back to runs (Esc)" data-testid="btn-close-run">
            <ArrowLeftIcon />
          </button>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <button type="button" className="link-button" onClick={onClose}>
              {experimentName ?? `Experiment ${info.experiment_id}`}
            </button>
            <span aria-hidden="true">/</span>
          </nav>
          <RunTitle runId={runId} name={info.run_name} readOnly={deleted} />
          <StatusBadge status={info.status} testId="run-status" />
          {deleted ? (
            <span className="badge badge-danger" data-testid="run-deleted">
              deleted
            </span>
          ) : null}
          <span className="run-duration muted tabular" title="Duration">
            {formatDuration(runDurationMs(info, now))}
          </span>
          <span className="toolbar-spacer" />
          {running ? (
            <button type="button" className="button button-danger-outline" onClick={() => void stop()} disabled={busy === 'stop'} data-testid="btn-stop-run">
              {busy === 'stop' ? <Spinner /> : <StopIcon />}
              Stop
            </button>
          ) : null}
          {deleted ? (
            <button type="button" className="button" onClick={() => void restore()} disabled={busy === 'restore'} data-testid="btn-restore-run">
              {busy === 'restore' ? <Spinner /> : <RestoreIcon />}
              Restore
            </button>
          ) : (
            <button type="button" className="button" onClick={() => setConfirmDelete(true)} data-testid="btn-delete-run" title="Delete run (can be restored)">
              <TrashIcon />
              Delete
            </button>
          )}
        </div>
        {deleted ? (
          <p className="run-banner" role="status">
            This run is deleted: it is hidden from the runs table and from MLflow searches until you restore it.
          </p>
        ) : null}
        <div className="tabs" role="tablist" aria-label="Run sections">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              className={`tab${tab === t.id ? ' active' : ''}`}
              onClick={() => setQuery({ tab: t.id === 'overview' ? null : t.id })}
              data-testid={`run-tab-${t.id}`}
            >
              {t.label}
              {t.id === 'metrics' && run.data.metrics.length > 0 ? <span className="tab-count">{run.data.metrics.length}</span> : null}
              {t.id === 'logs' && running ? <span className="live-dot" aria-label="live" /> : null}
            </button>
          ))}
        </div>
      </header>
      <div className="run-detail-body" role="tabpanel" data-tab={tab}>
        {tab === 'overview' ? <RunOverview run={run} experimentName={experimentName} now={now} onOpenLogs={() => setQuery({ tab: 'logs' })} /> : null}
        {tab === 'metrics' ? (
          <Suspense
            fallback={
              <div className="page-loading">
                <Spinner label="Loading charts" size={16} />
              </div>
            }
          >
            <MetricsTab run={run} />
          </Suspense>
        ) : null}
        {tab === 'artifacts' ? <ArtifactsTab runId={runId} artifactUri={info.artifact_uri} /> : null}
        {tab === 'logs' ? <LogsTab runId={runId} running={running} external={!run.data.tags.some((t) => t.key === 'mldesk.launcher')} /> : null}
      </div>
      {confirmDelete ? (
        <ConfirmDialog
          title="Delete this run?"
          confirmLabel="Delete run"
          busyLabel="Deleting…"
          danger
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await api.tracking.deleteRun({ runId });
            toast.info(`“${info.run_name || info.run_id}” deleted. Restore it from its page, or with the “Deleted” view of the runs table.`);
            void useRunDetail.getState().load(runId);
          }}
        >
          <p>
            <strong>{info.run_name || info.run_id}</strong> will be hidden from the runs table and from MLflow searches.
          </p>
          <p className="muted">It is a soft delete: params, metrics and artifacts are kept, and the run can be restored.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
