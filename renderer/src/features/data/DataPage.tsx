import { useEffect, useState, type ReactNode } from 'react';
import { DatabaseIcon, FolderIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { navigate, setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { useProjects, useProjectsSync } from '../projects';
import { AddDatasetDialog } from './AddDatasetDialog';
import { DatasetList } from './DatasetList';
import { DatasetsEmpty } from './DatasetsEmpty';
import { DatasetView } from './DatasetView';
import { useData, useDatasetsSync } from './store';

/** `#/data?project=<id>&path=<rel>&tab=versions|profile|diff|validation` (+ per-tab params). */
export default function DataPage() {
  useProjectsSync();
  const projects = useProjects((s) => s.projects);
  const projectsLoaded = useProjects((s) => s.loaded);
  const projectParam = useQueryParam('project');
  const pathParam = useQueryParam('path');
  const project = projects.find((p) => p.id === projectParam);
  const projectId = project?.id;
  useDatasetsSync(projectId, pathParam);
  const datasets = useData((s) => (projectId ? s.datasets[projectId] : undefined));
  const list = datasets?.data ?? null;
  const [adding, setAdding] = useState(false);

  // No (or an unknown) project in the URL: open the first one.
  const firstProject = projects.find((p) => !p.missing)?.id ?? projects[0]?.id;
  useEffect(() => {
    // Only a missing project keeps the rest of the URL (a pasted `#/data?path=…&tab=…`); an unknown one starts over.
    if (projectsLoaded && !project && firstProject) {
      if (projectParam === undefined) setQuery({ project: firstProject });
      else navigate('/data', { project: firstProject }, { replace: true });
    }
  }, [projectsLoaded, project, firstProject, projectParam]);

  // No dataset in the URL: open the first one.
  const firstPath = list?.[0]?.path;
  const known = pathParam !== undefined && (list?.some((d) => d.path === pathParam) ?? false);
  useEffect(() => {
    if (projectId && list && !pathParam && firstPath) navigate('/data', { project: projectId, path: firstPath }, { replace: true });
  }, [projectId, list, pathParam, firstPath]);

  useReadyWhen(projectsLoaded && (projects.length === 0 || list !== null || datasets?.error != null));

  const selectProject = (id: string) => navigate('/data', { project: id });
  // Another dataset: keep the tab, drop the per-dataset params (versions, diff, filters).
  const tab = useQueryParam('tab');
  const selectDataset = (path: string) => navigate('/data', { project: projectId, path, tab });

  let main: ReactNode;
  if (!projectsLoaded || (project && !list && !datasets?.error)) {
    main = (
      <div className="page-loading">
        <Spinner label="Loading datasets" size={16} />
      </div>
    );
  } else if (projects.length === 0) {
    main = (
      <EmptyState icon={FolderIcon} title="No projects yet" testId="data-no-projects">
        <p className="empty-text">Datasets live in a project folder. Create or open a project first (or try the demo).</p>
        <div className="button-row center">
          <a className="button button-primary" href="#/projects">
            Go to Projects
          </a>
        </div>
      </EmptyState>
    );
  } else if (!project) {
    main = null;
  } else if (datasets?.error && !list) {
    main = (
      <div className="error-panel" role="alert" data-testid="datasets-error">
        <h2>Could not load datasets</h2>
        <p>
          <code className="error-code">{datasets.error.code}</code> {datasets.error.message}
        </p>
        <button type="button" className="button" onClick={() => void useData.getState().loadDatasets(project.id)} disabled={datasets.loading}>
          Retry
        </button>
      </div>
    );
  } else if (list && list.length === 0) {
    main = <DatasetsEmpty projectPath={project.path} onAdd={() => setAdding(true)} />;
  } else if (pathParam && list && !known) {
    main = (
      <EmptyState icon={DatabaseIcon} title={`No dataset at ${pathParam}`} testId="dataset-not-found">
        <p className="empty-text muted">It is not a dataset of {project.name} (any more). Pick one on the left.</p>
      </EmptyState>
    );
  } else if (pathParam && list) {
    const item = list.find((d) => d.path === pathParam);
    main = item ? <DatasetView key={`${project.id}\u0000${item.path}`} project={project} dataset={item} /> : null;
  }

  return (
    <div className="ds-page">
      <DatasetList
        projects={projects}
        projectId={projectId}
        onProject={selectProject}
        datasets={list}
        loading={datasets?.loading ?? false}
        selected={pathParam}
        onSelect={selectDataset}
        onAdd={list && list.length > 0 ? () => setAdding(true) : undefined}
      />
      <section className="ds-main" aria-label="Dataset">
        {main}
      </section>
      {adding && project ? (
        <AddDatasetDialog
          project={project}
          onClose={() => setAdding(false)}
          onDone={(r) => {
            setAdding(false);
            toast.success(
              r.commit
                ? `Added ${r.pointer.path}: ${r.pointer.rows.toLocaleString()} rows, committed ${r.commit.slice(0, 7)}`
                : `${r.pointer.path} is unchanged since its last version (nothing to commit)`,
            );
            navigate('/data', { project: project.id, path: r.pointer.path });
          }}
        />
      ) : null}
    </div>
  );
}
