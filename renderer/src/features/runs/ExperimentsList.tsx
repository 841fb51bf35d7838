import { useState } from 'react';
import { PlusIcon, RefreshIcon } from '../../app/icons';
import { togglePanel, usePanelCollapsed } from '../../app/panels';
import { CopyButton } from '../../ui/CopyButton';
import { Spinner } from '../../ui/Spinner';
import { numberFormat } from './format';
import { useExperiments, type ExperimentItem } from './store';

function ExperimentRow({
  e,
  active,
  multi,
  onSelect,
  onToggle,
}: {
  e: ExperimentItem;
  active: boolean;
  /** Several experiments are selected (checkboxes stay visible). */
  multi: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}) {
  return (
    <li className={`exp-li${multi ? ' multi' : ''}`}>
      <input
        type="checkbox"
        className="exp-check"
        checked={active}
        onChange={() => onToggle(e.experiment_id)}
        aria-label={`Compare runs of ${e.name} with the selected experiments`}
        title="Show this experiment's runs too (Ctrl/Cmd+click)"
        data-testid="experiment-check"
        data-experiment-id={e.experiment_id}
      />
      <a
        href={`#/runs?exp=${encodeURIComponent(e.experiment_id)}`}
        className={`exp-item${active ? ' active' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={(ev) => {
          if (ev.button !== 0 || ev.shiftKey || ev.altKey) return;
          ev.preventDefault();
          // Ctrl/Cmd+click adds or removes the experiment from the selection.
          if (ev.metaKey || ev.ctrlKey) onToggle(e.experiment_id);
          else onSelect(e.experiment_id);
        }}
        title={`${e.name} (id ${e.experiment_id})\nCtrl/Cmd+click to select several`}
        data-testid="experiment-item"
        data-experiment-name={e.name}
        data-experiment-id={e.experiment_id}
        data-running={e.running_count}
        data-selected={active}
      >
        <span className="exp-name truncate">{e.name}</span>
        {e.running_count > 0 ? (
          <span className="exp-running" title={`${e.running_count} running`} data-testid="experiment-running">
            <span className="live-dot" aria-hidden="true" />
            {e.running_count}
          </span>
        ) : null}
        <span className="exp-count" title={`${e.run_count} run${e.run_count === 1 ? '' : 's'}`} data-testid="experiment-run-count">
          {numberFormat.format(e.run_count)}
        </span>
      </a>
    </li>
  );
}

export function ExperimentsList({
  selectedIds,
  onSelect,
  onToggle,
  onNew,
  trackingUri,
}: {
  selectedIds: readonly string[];
  onSelect: (id: string) => void;
  /** Ctrl/Cmd+click or the checkbox: add to / remove from the selected experiments. */
  onToggle: (id: string) => void;
  onNew: () => void;
  trackingUri: string | null | undefined;
}) {
  const experiments = useExperiments((s) => s.experiments);
  const loaded = useExperiments((s) => s.loaded);
  const error = useExperiments((s) => s.error);
  const collapsed = usePanelCollapsed('experiments');
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const shown = needle ? experiments.filter((e) => e.name.toLowerCase().includes(needle)) : experiments;

  if (collapsed) {
    const names = experiments.filter((e) => selectedIds.includes(e.experiment_id)).map((e) => e.name);
    return (
      <aside className="exp-pane exp-pane-collapsed" aria-label="Experiments" data-testid="experiments-pane" data-collapsed="true">
        <button
          type="button"
          className="exp-rail"
          onClick={() => togglePanel('experiments')}
          aria-expanded={false}
          title={`Show the experiments${names.length ? `\nShowing: ${names.join(', ')}` : ''}`}
          data-testid="btn-toggle-experiments"
        >
          <span aria-hidden="true">»</span>
          <span className="exp-rail-label">Experiments{selectedIds.length > 1 ? ` (${selectedIds.length})` : ''}</span>
        </button>
      </aside>
    );
  }

  return (
    <aside className="exp-pane" aria-label="Experiments" data-testid="experiments-pane" data-collapsed="false">
      <header className="exp-pane-head">
        <h2 className="exp-pane-title">
          Experiments
          {selectedIds.length > 1 ? (
            <span className="count-pill" title={`${selectedIds.length} experiments selected`} data-testid="experiments-selected">
              {selectedIds.length}
            </span>
          ) : null}
        </h2>
        <span className="exp-pane-actions">
          <button type="button" className="icon-button" onClick={onNew} aria-label="New experiment" title="New experiment" data-testid="btn-new-experiment">
            <PlusIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={() => togglePanel('experiments')}
            aria-expanded={true}
            aria-label="Hide the experiments"
            title="Hide the experiments (more room for the table)"
            data-testid="btn-toggle-experiments"
          >
            <span aria-hidden="true">«</span>
          </button>
        </span>
      </header>
      {experiments.length > 8 ? (
        <div className="exp-filter">
          <input className="input input-sm" type="search" placeholder="Find an experiment…" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Find an experiment" data-testid="experiments-filter" />
        </div>
      ) : null}
      <nav className="exp-list" aria-label="Experiment list">
        {!loaded ? (
          <div className="page-loading">
            <Spinner label="Loading experiments" />
          </div>
        ) : error && experiments.length === 0 ? (
          <div className="exp-error" role="alert">
            <p className="small">
              <code className="error-code">{error.code}</code> {error.message}
            </p>
            <button type="button" className="button button-xs" onClick={() => void useExperiments.getState().load()}>
              <RefreshIcon width={12} height={12} />
              Retry
            </button>
          </div>
        ) : shown.length === 0 ? (
          <p className="muted small exp-none">{needle ? `No experiment matches “${q}”` : 'No experiments'}</p>
        ) : (
          <ul className="plain-list">
            {shown.map((e) => (
              <ExperimentRow key={e.experiment_id} e={e} active={selectedIds.includes(e.experiment_id)} multi={selectedIds.length > 1} onSelect={onSelect} onToggle={onToggle} />
            ))}
          </ul>
        )}
      </nav>
      <footer className="exp-pane-foot" data-testid="tracking-uri">
        <div className="small muted">Point MLflow here:</div>
        {trackingUri === undefined ? (
          <Spinner />
        ) : trackingUri === null ? (
          <div className="small muted">No tracking server in this host.</div>
        ) : (
          <div className="tracking-uri">
            <code className="tracking-uri-text selectable" title={`MLFLOW_TRACKING_URI=${trackingUri}`}>
              MLFLOW_TRACKING_URI={trackingUri}
            </code>
            <CopyButton text={`MLFLOW_TRACKING_URI=${trackingUri}`} label="Tracking URI" compact testId="btn-copy-tracking-uri" />
          </div>
        )}
      </footer>
    </aside>
  );
}
