import { useEffect } from 'react';
import type { DatasetStatus, ProjectSummary } from '../../../../shared/contract';
import { PlusIcon } from '../../app/icons';
import { Spinner } from '../../ui/Spinner';
import { formatBytes, formatInt } from './format';
import type { DatasetItem } from './logic';
import { useData } from './store';

const STATE_CLASS: Record<DatasetStatus['state'], string> = {
  current: 'badge-ok',
  modified: 'badge-warn',
  missing: 'badge-danger',
  'not-cached': 'badge-warn',
  'not-added': 'badge-neutral',
};

/** `data status` of one dataset as a badge; its title is the engine's one-line explanation. */
function StatusBadge({ status }: { status: DatasetStatus }) {
  const label = status.state === 'missing' && status.cached ? 'missing (restorable)' : status.state;
  return (
    <span className={`badge ds-exp-badge ${STATE_CLASS[status.state]}`} title={status.message} data-testid="dataset-status" data-state={status.state}>
      {label}
    </span>
  );
}

/**
 * The project's `data status`, reloaded with the dataset list (add, checkout, a change announced by the engine)
 * and when the window regains focus (files edited outside the app).
 */
function useDataStatus(projectId: string | undefined, datasets: readonly DatasetItem[] | null): Map<string, DatasetStatus> {
  const status = useData((s) => (projectId ? s.status[projectId]?.data : undefined));
  useEffect(() => {
    if (!projectId || datasets === null) return;
    const reload = () => void useData.getState().loadStatus(projectId);
    reload();
    const onVisible = () => {
      if (document.visibilityState === 'visible') reload();
    };
    window.addEventListener('focus', reload);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('focus', reload);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [projectId, datasets]);
  return new Map((status?.datasets ?? []).map((d) => [d.path, d]));
}

export function DatasetList({
  projects,
  projectId,
  onProject,
  datasets,
  loading,
  selected,
  onSelect,
  onAdd,
}: {
  projects: readonly ProjectSummary[];
  projectId: string | undefined;
  onProject: (id: string) => void;
  datasets: readonly DatasetItem[] | null;
  loading: boolean;
  selected: string | undefined;
  onSelect: (path: string) => void;
  /** Undefined while the list is empty: the empty state offers the button then. */
  onAdd: (() => void) | undefined;
}) {
  const status = useDataStatus(projectId, datasets);
  const notAdded = [...status.values()].filter((d) => d.state === 'not-added');
  return (
    <aside className="ds-pane" aria-label="Datasets">
      <header className="ds-pane-head">
        <h2 className="ds-pane-title">
          Datasets
          {datasets && datasets.length > 0 ? <span className="count-pill">{datasets.length}</span> : null}
          {loading && datasets ? <Spinner label="Refreshing" /> : null}
        </h2>
        {onAdd ? (
          <button type="button" className="button button-xs" onClick={onAdd} title="Snapshot a data file of the project as a new dataset (version)" data-testid="btn-add-dataset">
            <PlusIcon width={12} height={12} />
            Add dataset
          </button>
        ) : null}
      </header>
      <div className="ds-project">
        <label className="ds-label" htmlFor="data-project-select">
          Project
        </label>
        <select
          id="data-project-select"
          className="input input-sm"
          value={projectId ?? ''}
          onChange={(e) => onProject(e.target.value)}
          disabled={projects.length === 0}
          data-testid="data-project-select"
        >
          {projectId === undefined ? <option value="">{projects.length === 0 ? 'No projects' : 'Choose a project…'}</option> : null}
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
              {p.missing ? ' (missing)' : ''}
            </option>
          ))}
        </select>
      </div>
      <nav className="ds-list" aria-label="Dataset list">
        {datasets === null ? null : datasets.length === 0 ? (
          <p className="muted small ds-none">No datasets in this project yet.</p>
        ) : (
          <ul className="plain-list">
            {datasets.map((d) => {
              const active = d.path === selected;
              return (
                <li key={d.path}>
                  <a
                    href={`#/data?path=${encodeURIComponent(d.path)}&project=${encodeURIComponent(projectId ?? '')}`}
                    className={`ds-item${active ? ' active' : ''}`}
                    aria-current={active ? 'page' : undefined}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                      e.preventDefault();
                      onSelect(d.path);
                    }}
                    title={`${d.path}\nsha256 ${d.sha256}`}
                    data-testid="dataset-item"
                    data-path={d.path}
                  >
                    <span className="ds-item-path mono truncate">{d.path}</span>
                    <span className="ds-item-meta">
                      <span title={`${d.rows.toLocaleString()} rows`}>{formatInt(d.rows)} rows</span>
                      <span title={`${d.size.toLocaleString()} bytes`}>{formatBytes(d.size)}</span>
                      <span title={d.columns.map((c) => `${c.name}: ${c.type}`).join('\n')}>{d.columns.length} cols</span>
                      <span title={`${d.versions} version${d.versions === 1 ? '' : 's'} in git history`}>
                        {d.versions} ver{d.versions === 1 ? '' : 's'}
                      </span>
                      {status.get(d.path) ? <StatusBadge status={status.get(d.path)!} /> : null}
                      {d.hasExpectations ? (
                        <span className="badge badge-ok ds-exp-badge" title="Expectations are committed next to this dataset" data-testid="dataset-expectations">
                          expectations
                        </span>
                      ) : null}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
        {notAdded.length > 0 ? (
          <section className="ds-not-added" aria-label="Data files without a pointer" data-testid="datasets-not-added">
            <h3 className="ds-label" title="CSV, TSV, Parquet and JSONL files of the project that git does not ignore and that have no pointer">
              Not added
            </h3>
            <ul className="plain-list">
              {notAdded.map((d) => (
                <li key={d.path} className="ds-item" title={d.message} data-testid="not-added-item" data-path={d.path}>
                  <span className="ds-item-path mono truncate">{d.path}</span>
                  <span className="ds-item-meta">
                    {d.working ? <span>{formatBytes(d.working.size)}</span> : null}
                    <StatusBadge status={d} />
                  </span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </nav>
    </aside>
  );
}
