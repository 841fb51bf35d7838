import { useMemo, useState, type ReactNode } from 'react';
import type { Run } from '../../../../shared/contract';
import { datasetLocation } from '../../../../shared/lib/datasetSource';
import { BranchIcon } from '../../app/icons';
import { buildHash } from '../../app/router';
import { shortOid } from '../../lib/format';
import { CopyButton } from '../../ui/CopyButton';
import { compareKeys } from './columns';
import { useDatasetVersions, type DatasetVersionRef } from './datasetVersions';
import { formatDateTime, formatDuration, formatMetric, runDurationMs } from './format';
import { LogsTab } from './LogsTab';
import { NOTE_TAG, removeTag, RunDescription, TagAdder } from './RunEdit';
import { shellJoin } from './shellSplit';

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

const none = <span className="muted">—</span>;

/** `mldesk.command` may be a JSON argv (`["node","train.mjs"]`) or a plain command line. */
function commandText(raw: string | undefined): string | undefined {
  if (!raw) return raw;
  if (raw.startsWith('[')) {
    try {
      const v = JSON.parse(raw) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return shellJoin(v);
    } catch {
      /* plain text */
    }
  }
  return raw;
}

const truthy = (v: string | undefined) => v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase());
const falsy = (v: string | undefined) => v !== undefined && ['false', '0', 'no'].includes(v.trim().toLowerCase());

/** Link to the dataset version on the Data page (Versions tab, that row highlighted). */
function VersionLink({ version: v }: { version: DatasetVersionRef }) {
  return (
    <a
      className="dataset-version small"
      href={buildHash('/data', { project: v.projectId, path: v.path, tab: 'versions', version: v.commit })}
      title={`Open version ${v.commit} of ${v.path} on the Data page`}
      data-testid="dataset-version-link"
      data-commit={v.commit}
    >
      version <code className="mono">{v.commit.slice(0, 8)}</code> · <span className="mono">{v.path}</span>
    </a>
  );
}

function KeyValueTable({
  rows,
  testId,
  rowTestId,
  empty,
  label,
  onRemove,
}: {
  rows: readonly { key: string; value: string }[];
  testId: string;
  rowTestId: string;
  empty: ReactNode;
  label: string;
  /** Rows with a remove button (keys it returns true for). */
  onRemove?: { can(key: string): boolean; remove(key: string): void };
}) {
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const shown = needle ? rows.filter((r) => r.key.toLowerCase().includes(needle) || r.value.toLowerCase().includes(needle)) : rows;
  if (rows.length === 0) return <p className="muted small kv-empty">{empty}</p>;
  return (
    <>
      {rows.length > 12 ? (
        <input className="input input-sm kv-filter" type="search" placeholder={`Find in ${label.toLowerCase()}…`} value={q} onChange={(e) => setQ(e.target.value)} aria-label={`Find in ${label}`} />
      ) : null}
      <div className="table-wrap">
        <table className="data-table kv-table" data-testid={testId} aria-label={label}>
          <thead>
            <tr>
              <th scope="col" className="kv-key">
                Name
              </th>
              <th scope="col">Value</th>
              {onRemove ? (
                <th scope="col" className="kv-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} data-testid={rowTestId} data-key={r.key}>
                <td className="kv-key mono" title={r.key}>
                  {r.key}
                </td>
                <td className="kv-value mono" title={r.value}>
                  {r.value}
                </td>
                {onRemove ? (
                  <td className="kv-actions">
                    {onRemove.can(r.key) ? (
                      <button type="button" className="icon-button" onClick={() => onRemove.remove(r.key)} aria-label={`Remove the tag ${r.key}`} title="Remove this tag" data-testid="tag-remove">
                        ×
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Info, lineage, datasets, params, tags and latest metrics of one run. */
export function RunOverview({ run, experimentName, now, onOpenLogs }: { run: Run; experimentName: string | undefined; now: number; onOpenLogs: () => void }) {
  const readOnly = run.info.lifecycle_stage === 'deleted';
  const { info, data, inputs } = run;
  const tags = useMemo(() => new Map(data.tags.map((t) => [t.key, t.value])), [data.tags]);
  const [showSystemTags, setShowSystemTags] = useState(false);
  const params = useMemo(() => [...data.params].sort((a, b) => compareKeys(a.key, b.key)), [data.params]);
  const allTags = useMemo(() => [...data.tags].sort((a, b) => compareKeys(a.key, b.key)), [data.tags]);
  const isSystem = (k: string) => k.startsWith('mlflow.') || k.startsWith('mldesk.');
  const userTags = allTags.filter((t) => !isSystem(t.key));
  const systemCount = allTags.length - userTags.length;
  const metrics = useMemo(() => [...data.metrics].sort((a, b) => compareKeys(a.key, b.key)), [data.metrics]);
  const datasetVersions = useDatasetVersions(run);

  const commit = tags.get('mlflow.source.git.commit');
  const dirty = tags.get('mldesk.git.dirty');
  const source = tags.get('mlflow.source.name');
  const command = commandText(tags.get('mldesk.command'));
  const branch = tags.get('mlflow.source.git.branch');
  const repo = tags.get('mlflow.source.git.repoURL');
  const duration = runDurationMs(info, now);
  const parentRun = tags.get('mlflow.parentRunId');
  const note = tags.get(NOTE_TAG);
  const tagKeys = useMemo(() => new Set(data.tags.map((t) => t.key)), [data.tags]);
  const external = !tags.has('mldesk.launcher');

  return (
    <div className="run-overview">
      <RunDescription runId={info.run_id} note={note} readOnly={readOnly} />
      <div className="overview-grid">
        <section className="card" aria-labelledby="run-info-title">
          <h2 id="run-info-title" className="card-title">
            Details
          </h2>
          <dl className="kv run-kv">
            <Field label="Run ID" testId="run-id">
              <span className="mono selectable">{info.run_id}</span> <CopyButton text={info.run_id} label="Run ID" compact />
            </Field>
            <Field label="Experiment">
              <a href={`#/runs?exp=${encodeURIComponent(info.experiment_id)}`}>{experimentName ?? info.experiment_id}</a>
              <span className="muted"> · id {info.experiment_id}</span>
            </Field>
            <Field label="User">{info.user_id || none}</Field>
            <Field label="Started">{formatDateTime(info.start_time)}</Field>
            <Field label="Ended">{info.end_time ? formatDateTime(info.end_time) : info.status === 'RUNNING' ? <span className="muted">still running</span> : none}</Field>
            <Field label="Duration">
              <span className="tabular">{formatDuration(duration)}</span>
            </Field>
            {parentRun ? (
              <Field label="Parent run">
                <a className="mono" href={`#/runs?exp=${encodeURIComponent(info.experiment_id)}&run=${encodeURIComponent(parentRun)}`}>
                  {parentRun}
                </a>
              </Field>
            ) : null}
            <Field label="Artifact URI">
              <span className="mono selectable small">{info.artifact_uri}</span>
            </Field>
          </dl>
        </section>

        <section className="card" aria-labelledby="run-lineage-title" data-testid="run-lineage">
          <h2 id="run-lineage-title" className="card-title">
            Lineage
          </h2>
          <dl className="kv run-kv">
            <Field label="Git commit" testId="run-git-commit">
              {commit ? (
                <span className="lineage-commit" data-oid={commit}>
                  <code className="commit-oid" title={commit}>
                    {shortOid(commit)}
                  </code>
                  {truthy(dirty) ? (
                    <span className="badge badge-warn" title="The working tree had uncommitted changes when the run started" data-testid="run-git-dirty">
                      dirty
                    </span>
                  ) : falsy(dirty) ? (
                    <span className="badge badge-ok" title="No uncommitted changes when the run started" data-testid="run-git-clean">
                      clean
                    </span>
                  ) : null}
                  <CopyButton text={commit} label="Commit" compact />
                </span>
              ) : (
                none
              )}
            </Field>
            {branch ? (
              <Field label="Branch">
                <span className="branch">
                  <BranchIcon width={12} height={12} />
                  {branch}
                </span>
              </Field>
            ) : null}
            {repo ? (
              <Field label="Repository">
                <span className="mono small selectable">{repo}</span>
              </Field>
            ) : null}
            <Field label="Source">{source ? <span className="mono selectable">{source}</span> : none}</Field>
            <Field label="Command" testId="run-command">
              {command ? (
                <span className="command-line">
                  <code className="selectable">{command}</code>
                  <CopyButton text={command} label="Command" compact />
                </span>
              ) : (
                none
              )}
            </Field>
          </dl>
          <h3 className="section-title">Datasets</h3>
          {inputs.dataset_inputs.length === 0 ? (
            <p className="muted small">No dataset inputs logged.</p>
          ) : (
            <ul className="plain-list dataset-list" data-testid="run-datasets">
              {inputs.dataset_inputs.map((d, i) => {
                const context = d.tags.find((t) => t.key === 'mlflow.data.context')?.value;
                const version = datasetVersions[i];
                return (
                  <li key={i} className="dataset-item" data-testid="dataset-item" data-name={d.dataset.name}>
                    <div className="dataset-head">
                      <strong>{d.dataset.name}</strong>
                      {context ? <span className="badge badge-neutral">{context}</span> : null}
                      <code className="muted small" title="Digest">
                        {d.dataset.digest}
                      </code>
                    </div>
                    <div className="mono small muted truncate" title={d.dataset.source}>
                      {d.dataset.source_type}: {datasetLocation(d.dataset.source)}
                    </div>
                    {version ? <VersionLink version={version} /> : null}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </div>

      <section className="overview-output" aria-label="Output">
        <LogsTab runId={info.run_id} running={info.status === 'RUNNING'} compact onExpand={onOpenLogs} external={external} />
      </section>

      <div className="overview-grid">
        <section aria-labelledby="run-params-title">
          <h2 id="run-params-title" className="section-title">
            Parameters <span className="count-pill">{params.length}</span>
          </h2>
          <KeyValueTable rows={params} testId="run-params" rowTestId="param-row" label="Parameters" empty="No parameters logged." />
        </section>
        <section aria-labelledby="run-metrics-title">
          <h2 id="run-metrics-title" className="section-title">
            Metrics <span className="count-pill">{metrics.length}</span>
          </h2>
          {metrics.length === 0 ? (
            <p className="muted small kv-empty">No metrics logged.</p>
          ) : (
            <div className="table-wrap">
              <table className="data-table kv-table" data-testid="run-metrics" aria-label="Latest metrics">
                <thead>
                  <tr>
                    <th scope="col" className="kv-key">
                      Name
                    </th>
                    <th scope="col" className="right">
                      Latest
                    </th>
                    <th scope="col" className="right kv-step">
                      Step
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {metrics.map((m) => (
                    <tr key={m.key} data-testid="metric-row" data-key={m.key}>
                      <td className="kv-key mono" title={m.key}>
                        {m.key}
                      </td>
                      <td className="right tabular" title={String(m.value)}>
                        {formatMetric(m.value)}
                      </td>
                      <td className="right tabular muted kv-step">{m.step}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      <section aria-labelledby="run-tags-title">
        <h2 id="run-tags-title" className="section-title">
          Tags <span className="count-pill">{showSystemTags ? allTags.length : userTags.length}</span>
          {systemCount > 0 ? (
            <button type="button" className="link-button small" onClick={() => setShowSystemTags((v) => !v)} data-testid="toggle-system-tags">
              {showSystemTags ? 'Hide' : 'Show'} {systemCount} system tag{systemCount === 1 ? '' : 's'}
            </button>
          ) : null}
        </h2>
        <KeyValueTable
          rows={showSystemTags ? allTags : userTags}
          testId="run-tags"
          rowTestId="tag-row"
          label="Tags"
          empty={systemCount > 0 ? 'Only system tags (mlflow.*, mldesk.*).' : 'No tags.'}
          onRemove={readOnly ? undefined : { can: (k) => !isSystem(k), remove: (k) => void removeTag(info.run_id, k) }}
        />
        {readOnly ? null : <TagAdder runId={info.run_id} existing={tagKeys} />}
      </section>
    </div>
  );
}
