import { useMemo, useState } from 'react';
import type { ProjectSummary } from '../../../../shared/contract';
import { DownloadIcon, FolderIcon, PlusIcon, RefreshIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { Spinner } from '../../ui/Spinner';
import { exportProjectsCsv } from './csv';
import { DemoButton } from './DemoButton';
import { ProjectPathDialog, type PathDialogMode } from './ProjectPathDialog';
import { ProjectsEmpty } from './ProjectsEmpty';
import { ProjectsTable } from './ProjectsTable';
import { RemoveProjectDialog } from './RemoveProjectDialog';
import { useProjects, useProjectsSync } from './store';
import { formatSort, parseSort, visibleProjects, type SortKey } from './view';

type DialogState = { kind: PathDialogMode } | { kind: 'remove'; project: ProjectSummary } | null;

export function ProjectsPage() {
  useProjectsSync();
  const projects = useProjects((s) => s.projects);
  const loaded = useProjects((s) => s.loaded);
  const loading = useProjects((s) => s.loading);
  const error = useProjects((s) => s.error);
  const q = useQueryParam('q') ?? '';
  const sortParam = useQueryParam('sort');
  const sort = useMemo(() => parseSort(sortParam), [sortParam]);
  const rows = useMemo(() => visibleProjects(projects, q, sort), [projects, q, sort]);
  const [dialog, setDialog] = useState<DialogState>(null);
  useReadyWhen(loaded);

  const onSort = (key: SortKey) => setQuery({ sort: formatSort({ key, desc: sort.key === key ? !sort.desc : false }) });
  const closeDialog = () => setDialog(null);
  const openNew = () => setDialog({ kind: 'create' });
  const openFolder = () => setDialog({ kind: 'open' });
  const isEmpty = loaded && projects.length === 0 && !error;

  return (
    <div className="page" aria-busy={!loaded || undefined}>
      <header className="page-header">
        <div className="page-title-group">
          <h1 className="page-title">Projects</h1>
          {projects.length > 0 ? <span className="count-pill">{projects.length}</span> : null}
          {loading && loaded ? <Spinner label="Refreshing" /> : null}
        </div>
        {projects.length > 0 ? (
          <div className="toolbar">
            <label className="visually-hidden" htmlFor="projects-filter">
              Filter projects
            </label>
            <input
              id="projects-filter"
              className="input input-sm filter-input"
              type="search"
              placeholder="Filter…"
              value={q}
              onChange={(e) => setQuery({ q: e.target.value })}
              data-testid="projects-filter"
            />
            <button
              type="button"
              className="button"
              onClick={() => {
                exportProjectsCsv(rows);
                toast.success(`Exported ${rows.length} project${rows.length === 1 ? '' : 's'} to CSV`);
              }}
              disabled={rows.length === 0}
              data-testid="btn-export-csv"
            >
              <DownloadIcon />
              Export CSV
            </button>
            <DemoButton />
            <button type="button" className="button" onClick={openFolder} data-testid="btn-open-folder">
              <FolderIcon />
              Open folder
            </button>
            <button type="button" className="button button-primary" onClick={openNew} data-testid="btn-new-project">
              <PlusIcon />
              New project
            </button>
          </div>
        ) : null}
      </header>

      <div className="page-body">
        {!loaded ? (
          <div className="page-loading">
            <Spinner label="Loading projects" size={16} />
          </div>
        ) : error && projects.length === 0 ? (
          <div className="error-panel" role="alert" data-testid="projects-error">
            <h2>Could not load projects</h2>
            <p>
              <code className="error-code">{error.code}</code> {error.message}
            </p>
            <button type="button" className="button" onClick={() => void useProjects.getState().load()} disabled={loading}>
              <RefreshIcon />
              Retry
            </button>
          </div>
        ) : isEmpty ? (
          <ProjectsEmpty onNew={openNew} onOpen={openFolder} />
        ) : rows.length === 0 ? (
          <p className="muted table-empty">
            No project matches “{q}”.{' '}
            <button type="button" className="link-button" onClick={() => setQuery({ q: null })}>
              Clear filter
            </button>
          </p>
        ) : (
          <ProjectsTable rows={rows} sort={sort} onSort={onSort} onRemove={(project) => setDialog({ kind: 'remove', project })} />
        )}
      </div>

      {dialog?.kind === 'create' || dialog?.kind === 'open' ? (
        <ProjectPathDialog
          mode={dialog.kind}
          onClose={closeDialog}
          onDone={(p) => {
            closeDialog();
            toast.success(`${dialog.kind === 'create' ? 'Created' : 'Opened'} “${p.name}”`);
          }}
        />
      ) : null}
      {dialog?.kind === 'remove' ? <RemoveProjectDialog project={dialog.project} onClose={closeDialog} /> : null}
    </div>
  );
}
