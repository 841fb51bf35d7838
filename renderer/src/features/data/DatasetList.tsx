import type { ProjectSummary } from '../../../../shared/contract';
import { PlusIcon } from '../../app/icons';
import { Spinner } from '../../ui/Spinner';
import { formatBytes, formatInt } from './format';
import type { DatasetItem } from './logic';

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
      </nav>
    </aside>
  );
}
