import { useState } from 'react';
import type { Alert } from '../../../../shared/contract';
import { RefreshIcon } from '../../app/icons';
import { CsvButton } from '../../ui/CsvButton';
import { Spinner } from '../../ui/Spinner';
import { AlertList } from './AlertList';
import { alertsCsv } from './format';
import { BellIcon } from './icon';
import { useAlerts, useOpenAlertCount } from './store';
import './monitor.css';

type Filter = 'active' | Alert['state'] | 'all';
const FILTERS: ReadonlyArray<{ id: Filter; label: string }> = [
  { id: 'active', label: 'Open + acknowledged' },
  { id: 'open', label: 'Open' },
  { id: 'resolved', label: 'Resolved' },
  { id: 'all', label: 'All' },
];

/** The Deployments header's alerts button: a bell with the number of open alerts of every deployment. */
export function AlertsButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const count = useOpenAlertCount();
  return (
    <button
      type="button"
      className={`button button-sm mon-bell${open ? ' active' : ''}`}
      onClick={onToggle}
      aria-expanded={open}
      aria-controls="alerts-panel"
      title={count > 0 ? `${count} open alert${count === 1 ? '' : 's'}` : 'Alerts'}
      data-testid="btn-alerts"
      data-open-count={count}
    >
      <BellIcon width={14} height={14} />
      Alerts
      {count > 0 ? (
        <span className="badge badge-danger" data-testid="alerts-badge">
          {count}
        </span>
      ) : null}
    </button>
  );
}

/** Every deployment's alerts (newest first, open ones on top) with acknowledge / resolve and a link to each chart point. */
export function AlertsPanel({ onClose }: { onClose: () => void }) {
  const alerts = useAlerts((s) => s.alerts);
  const loaded = useAlerts((s) => s.loaded);
  const error = useAlerts((s) => s.error);
  const [filter, setFilter] = useState<Filter>('active');
  const shown = alerts.filter((a) => (filter === 'all' ? true : filter === 'active' ? a.state !== 'resolved' : a.state === filter));
  return (
    <section id="alerts-panel" className="card mon-alerts-panel" aria-label="Alerts" data-testid="alerts-panel">
      <div className="mon-alerts-filter">
        <h2 className="card-title">Alerts</h2>
        <div className="toolbar">
          <div className="segmented" role="group" aria-label="Show">
            {FILTERS.map((f) => (
              <button key={f.id} type="button" className={filter === f.id ? 'active' : ''} aria-pressed={filter === f.id} onClick={() => setFilter(f.id)} data-testid={`alerts-filter-${f.id}`}>
                {f.label}
              </button>
            ))}
          </div>
          <CsvButton base="alerts" rows={() => alertsCsv(shown)} disabled={shown.length === 0} testId="btn-all-alerts-csv" />
          <button type="button" className="button button-xs" onClick={() => void useAlerts.getState().load()} title="Reload the alerts (new ones arrive live)">
            <RefreshIcon width={12} height={12} />
          </button>
          <button type="button" className="button button-xs" onClick={onClose} data-testid="alerts-close">
            Close
          </button>
        </div>
      </div>
      {!loaded ? (
        <p className="muted small">
          <Spinner /> Loading alerts…
        </p>
      ) : error && alerts.length === 0 ? (
        <p className="field-error" role="alert">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : (
        <AlertList
          alerts={shown}
          emptyText={
            alerts.length === 0
              ? 'No alerts yet. Each deployment gets default rules (drift share, latency, errors); an alert fires when a window breaches one, and shows up here live.'
              : 'No alerts match this filter.'
          }
        />
      )}
    </section>
  );
}
