import { useEffect, useMemo, useState } from 'react';
import type { Deployment } from '../../../../shared/contract';
import { PlusIcon, RefreshIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { buildHash, setQuery, useQueryParam } from '../../app/router';
import { CsvButton } from '../../ui/CsvButton';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { EngineProblem, StatusBadge } from './bits';
import { DeploymentDetail } from './DeploymentDetail';
import { DeployWizard, type WizardPrefill } from './DeployWizard';
import { deploymentsCsv, formatUptime, shortDigest } from './format';
import { DeployIcon } from './icon';
import { useDeployments, useDeploymentsSync } from './store';
import { AlertsPanel, AlertsButton } from '../monitor/AlertsPanel';
import './deploy.css';

function DeploymentsEmpty({ onNew }: { onNew: () => void }) {
  return (
    <EmptyState icon={DeployIcon} title="No deployments yet" testId="deployments-empty">
      <p className="empty-text">
        Deploy a model version from the Models page or here: mldesk packages it into a container image, starts it on your Docker engine and gives you an endpoint on{' '}
        <code>127.0.0.1</code> to try.
      </p>
      <div className="button-row center">
        <button type="button" className="button button-primary" onClick={onNew} data-testid="btn-new-deployment-empty">
          <PlusIcon />
          Deploy a model version
        </button>
        <a className="button" href={buildHash('/models')}>
          Open Models
        </a>
      </div>
    </EmptyState>
  );
}

function uptimeCell(d: Deployment, now: number): string {
  if (d.startedAt === null || (d.status !== 'running' && d.status !== 'updating')) return '—';
  return formatUptime(Math.max(0, now - d.startedAt) / 1000);
}

/** The current time, refreshed every `ms` while `on` (uptimes tick without refetching). */
function useNow(ms: number, on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, on]);
  return now;
}

/** Another deployment: keep the tab (Overview / Monitoring), drop the previous one's chart selection. */
const selectDeployment = (name: string) => setQuery({ name, window: null, feature: null, alert: null });

function DeploymentsTable({ rows, selected }: { rows: readonly Deployment[]; selected: string | undefined }) {
  const now = useNow(1000, rows.some((d) => d.startedAt !== null));
  return (
    <div className="table-wrap">
      <table className="data-table deploy-table" data-testid="deployments-table">
        <thead>
          <tr>
            <th className="deploy-col-name">Name</th>
            <th className="deploy-col-status">Status</th>
            <th>Model</th>
            <th>Endpoint</th>
            <th className="deploy-col-uptime">Uptime</th>
            <th className="deploy-col-image">Image</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr
              key={d.name}
              className={`deploy-row${d.name === selected ? ' selected' : ''}`}
              onClick={() => selectDeployment(d.name)}
              aria-selected={d.name === selected}
              data-testid="deployment-row"
              data-name={d.name}
              data-status={d.status}
            >
              <td className="deploy-col-name">
                <button type="button" className="link-button mono" onClick={() => selectDeployment(d.name)}>
                  {d.name}
                </button>
                {d.target !== 'local' ? (
                  <span className="muted small" data-testid="deployment-row-target">
                    {' '}
                    on {d.target}
                    {d.targetKind !== 'docker' ? ` · ${d.replicas.running}/${d.replicas.desired}` : ''}
                  </span>
                ) : null}
              </td>
              <td className="deploy-col-status" title={d.reason ?? undefined}>
                <StatusBadge status={d.status} reason={d.reason} />
              </td>
              <td>
                {d.model} <span className="muted">v{d.version}</span>
              </td>
              <td className="mono small">{d.url}</td>
              <td className="deploy-col-uptime tabular">{uptimeCell(d, now)}</td>
              <td className="deploy-col-image mono small" title={d.image.digest}>
                {shortDigest(d.image.digest)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function DeploymentsPage() {
  useDeploymentsSync();
  const deployments = useDeployments((s) => s.deployments);
  const engine = useDeployments((s) => s.engine);
  const engineError = useDeployments((s) => s.engineError);
  const error = useDeployments((s) => s.error);
  const loaded = useDeployments((s) => s.loaded);
  const loading = useDeployments((s) => s.loading);
  const selectedParam = useQueryParam('name');
  const imageFilter = useQueryParam('image');
  const [wizard, setWizard] = useState<WizardPrefill | null>(null);
  const alertsOpen = useQueryParam('alerts') === '1';
  useReadyWhen(loaded);

  const rows = useMemo(() => (imageFilter ? deployments.filter((d) => d.image.digest === imageFilter || d.image.ref === imageFilter) : deployments), [deployments, imageFilter]);
  const selected = rows.find((d) => d.name === selectedParam) ?? (selectedParam ? undefined : rows[0]);
  const engineDown = (engine !== null && !engine.available) || engineError !== null;
  const reload = () => void useDeployments.getState().load();

  return (
    <div className="page deploy-page" aria-busy={!loaded || undefined} data-testid="deployments-page">
      <header className="page-header">
        <div className="page-title-group">
          <h1 className="page-title">Deployments</h1>
          {deployments.length > 0 ? <span className="count-pill">{deployments.length}</span> : null}
          {loading && loaded ? <Spinner label="Refreshing" /> : null}
          {engine?.available ? (
            <span className="muted small" title={engine.host} data-testid="docker-version">
              Docker {engine.version ?? ''}
            </span>
          ) : null}
        </div>
        <div className="toolbar">
          <AlertsButton open={alertsOpen} onToggle={() => setQuery({ alerts: alertsOpen ? null : '1' })} />
          <CsvButton base="deployments" rows={() => deploymentsCsv(rows)} disabled={rows.length === 0} testId="btn-deployments-csv" size="sm" />
          <button type="button" className="button button-sm" onClick={reload} disabled={loading} data-testid="btn-deployments-refresh">
            <RefreshIcon width={14} height={14} />
            Refresh
          </button>
          <button type="button" className="button button-sm button-primary" onClick={() => setWizard({})} data-testid="btn-new-deployment">
            <PlusIcon width={14} height={14} />
            New deployment
          </button>
        </div>
      </header>

      <div className="page-body deploy-body">
        {!loaded ? (
          <div className="page-loading">
            <Spinner label="Loading deployments" size={16} />
          </div>
        ) : (
          <>
            {engineDown ? <EngineProblem engine={engine} error={engineError} onRetry={reload} retrying={loading} /> : null}
            {alertsOpen ? <AlertsPanel onClose={() => setQuery({ alerts: null })} /> : null}
            {error && deployments.length === 0 && !engineDown ? (
              <div className="error-panel" role="alert" data-testid="deployments-error">
                <h2>Could not load deployments</h2>
                <p>
                  <code className="error-code">{error.code}</code> {error.message}
                </p>
                <button type="button" className="button" onClick={reload} disabled={loading}>
                  <RefreshIcon />
                  Retry
                </button>
              </div>
            ) : deployments.length === 0 ? (
              engineDown ? null : <DeploymentsEmpty onNew={() => setWizard({})} />
            ) : (
              <>
                {error ? (
                  <p className="field-error" role="alert">
                    <code className="error-code">{error.code}</code> {error.message} (showing the last list)
                  </p>
                ) : null}
                {imageFilter ? (
                  <p className="deploy-filter" data-testid="deployments-image-filter">
                    Deployments of image <code className="mono">{shortDigest(imageFilter)}</code> ({rows.length})
                    <button type="button" className="link-button" onClick={() => setQuery({ image: null })}>
                      Show all
                    </button>
                  </p>
                ) : null}
                {rows.length ? <DeploymentsTable rows={rows} selected={selected?.name} /> : <p className="muted table-empty">No deployment runs this image.</p>}
                {selected ? (
                  <DeploymentDetail key={selected.name} d={selected} onRedeploy={setWizard} onRemoved={() => setQuery({ name: null })} />
                ) : selectedParam ? (
                  <p className="muted" data-testid="deployment-missing">
                    No deployment named “{selectedParam}”.{' '}
                    <button type="button" className="link-button" onClick={() => setQuery({ name: null })}>
                      Show all
                    </button>
                  </p>
                ) : null}
              </>
            )}
          </>
        )}
      </div>

      {wizard ? (
        <DeployWizard
          prefill={wizard}
          onClose={() => setWizard(null)}
          onDeployed={(name) => {
            setQuery({ name, image: null });
            reload();
          }}
        />
      ) : null}
    </div>
  );
}
