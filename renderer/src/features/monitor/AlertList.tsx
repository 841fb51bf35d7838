import type { Alert } from '../../../../shared/contract';
import { RelativeTime } from '../../ui/RelativeTime';
import { Spinner } from '../../ui/Spinner';
import { alertHref, formatScore, metricLabel, sortAlerts } from './format';
import { useAlerts } from './store';

const STATE_TONE: Record<Alert['state'], string> = { open: 'badge-danger', acknowledged: 'badge-warn', resolved: 'badge-neutral' };

/**
 * Alerts with acknowledge / resolve. Each links to the chart point that fired it (its deployment's Monitoring tab,
 * that window selected and its distribution overlay open).
 */
export function AlertList({ alerts, showDeployment = true, highlight, emptyText = 'No alerts.' }: { alerts: readonly Alert[]; showDeployment?: boolean; highlight?: string; emptyText?: string }) {
  const busy = useAlerts((s) => s.busy);
  const setState = useAlerts((s) => s.setState);
  if (alerts.length === 0) return <p className="muted small mon-alerts-empty">{emptyText}</p>;
  return (
    <ul className="plain-list mon-alerts" data-testid="alert-list">
      {sortAlerts(alerts).map((a) => (
        <li
          key={a.id}
          className={`mon-alert mon-alert-${a.state}${a.id === highlight ? ' highlighted' : ''}`}
          data-testid="alert-item"
          data-id={a.id}
          data-state={a.state}
          data-deployment={a.deployment}
          data-metric={a.metric}
          data-window={a.window}
        >
          <div className="mon-alert-main">
            <div className="mon-alert-title">
              <span className={`badge ${STATE_TONE[a.state]}`}>{a.state}</span>
              <a href={alertHref(a)} className="mon-alert-link" data-testid="alert-link" title="Show the chart point that fired this alert">
                {showDeployment ? <span className="mono">{a.deployment}</span> : null}
                {showDeployment ? ' · ' : null}
                {metricLabel(a.metric)} · window {a.window}
              </a>
            </div>
            <div className="mon-alert-message small">{a.message}</div>
            <div className="muted small">
              value {formatScore(a.value)} vs threshold {formatScore(a.threshold)} · fired <RelativeTime ms={a.firedAt} />
              {a.state !== 'open' ? (
                <>
                  {' '}
                  · {a.state} <RelativeTime ms={a.updatedAt} />
                </>
              ) : null}
            </div>
          </div>
          <div className="mon-alert-actions">
            {busy[a.id] ? <Spinner label="Updating" /> : null}
            {a.state === 'open' ? (
              <button type="button" className="button button-xs" onClick={() => void setState(a.id, 'acknowledged')} disabled={!!busy[a.id]} data-testid="alert-ack">
                Acknowledge
              </button>
            ) : null}
            {a.state !== 'resolved' ? (
              <button type="button" className="button button-xs" onClick={() => void setState(a.id, 'resolved')} disabled={!!busy[a.id]} data-testid="alert-resolve">
                Resolve
              </button>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
