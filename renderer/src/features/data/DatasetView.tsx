import { lazy, Suspense } from 'react';
import type { ProjectSummary } from '../../../../shared/contract';
import { setQuery, useQueryParam } from '../../app/router';
import { Spinner } from '../../ui/Spinner';
import { formatBytes, formatInt, shortSha } from './format';
import { parseTab, type DataTab, type DatasetItem } from './logic';
import { datasetKey, useData } from './store';
import { VersionsTab } from './VersionsTab';

const ProfileTab = lazy(() => import('./ProfileTab'));
const DiffTab = lazy(() => import('./DiffTab'));
const ValidationTab = lazy(() => import('./ValidationTab'));
const DriftTab = lazy(() => import('./DriftTab'));

const TAB_LABELS: Record<DataTab, string> = { versions: 'Versions', profile: 'Profile', diff: 'Diff', validation: 'Validation', drift: 'Drift' };
const TAB_TITLES: Partial<Record<DataTab, string>> = { drift: 'Compare two datasets for drift' };

export function DatasetView({ project, dataset }: { project: ProjectSummary; dataset: DatasetItem }) {
  const tab = parseTab(useQueryParam('tab'));
  const versions = useData((s) => s.versions[datasetKey(project.id, dataset.path)]);
  const list = versions?.data ?? null;

  return (
    <div className="ds-view">
      <header className="ds-view-head">
        <div className="ds-title-row">
          <h1 className="ds-title mono" title={dataset.path}>
            {dataset.path}
          </h1>
          <span className="badge badge-neutral">{dataset.format}</span>
          {dataset.hasExpectations ? <span className="badge badge-ok">expectations</span> : null}
        </div>
        <p className="ds-subtitle muted small">
          {formatInt(dataset.rows)} rows · {dataset.columns.length} columns · {formatBytes(dataset.size)} · sha256{' '}
          <code className="mono" title={dataset.sha256}>
            {shortSha(dataset.sha256)}
          </code>{' '}
          · {dataset.versions} version{dataset.versions === 1 ? '' : 's'}
        </p>
        <div className="tabs" role="tablist" aria-label="Dataset sections">
          {(Object.keys(TAB_LABELS) as DataTab[]).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={`tab${tab === t ? ' active' : ''}`}
              title={TAB_TITLES[t]}
              onClick={() => setQuery({ tab: t === 'versions' ? null : t, version: null })}
              data-testid={`data-tab-${t}`}
            >
              {TAB_LABELS[t]}
              {t === 'versions' && list ? <span className="tab-count">{list.length}</span> : null}
            </button>
          ))}
        </div>
      </header>
      <div className="ds-body" role="tabpanel" data-tab={tab}>
        {!list ? (
          versions?.error ? (
            <div className="error-panel" role="alert">
              <h2>Could not load the versions</h2>
              <p>
                <code className="error-code">{versions.error.code}</code> {versions.error.message}
              </p>
              <button type="button" className="button" onClick={() => void useData.getState().loadVersions(project.id, dataset.path)}>
                Retry
              </button>
            </div>
          ) : (
            <div className="page-loading">
              <Spinner label="Loading versions" size={16} />
            </div>
          )
        ) : (
          <Suspense
            fallback={
              <div className="page-loading">
                <Spinner label="Loading" size={16} />
              </div>
            }
          >
            {tab === 'versions' ? <VersionsTab project={project} dataset={dataset} versions={list} /> : null}
            {tab === 'profile' ? <ProfileTab project={project} dataset={dataset} versions={list} /> : null}
            {tab === 'diff' ? <DiffTab project={project} dataset={dataset} versions={list} /> : null}
            {tab === 'validation' ? <ValidationTab project={project} dataset={dataset} versions={list} /> : null}
            {tab === 'drift' ? <DriftTab project={project} dataset={dataset} versions={list} /> : null}
          </Suspense>
        )}
      </div>
    </div>
  );
}
