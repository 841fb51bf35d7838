import { useEffect, useState } from 'react';
import type { ModelLineage } from '../../../../shared/contract';
import { api } from '../../api/client';
import { buildHash } from '../../app/router';
import { toast } from '../../app/toasts';
import { describeError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';

type State = { status: 'loading' } | { status: 'ok'; lineage: ModelLineage } | { status: 'error'; message: string };

function Hop({ label, children, testId }: { label: string; children: React.ReactNode; testId: string }) {
  return (
    <li className="lineage-hop" data-testid={testId}>
      <span className="lineage-label">{label}</span>
      <div className="lineage-body">{children}</div>
    </li>
  );
}

/** run → git commit → dataset versions → model version → image → deployments; every hop is a link or a button. */
export function LineageView({ name, version, refresh }: { name: string; version: string; refresh: number }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    api.models.lineage({ name, version }).then(
      (lineage) => !cancelled && setState({ status: 'ok', lineage }),
      (e: unknown) => !cancelled && setState({ status: 'error', message: describeError(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [name, version, refresh]);

  if (state.status === 'loading') {
    return (
      <p className="muted small">
        <Spinner /> Loading lineage…
      </p>
    );
  }
  if (state.status === 'error') return <p className="text-danger small">{state.message}</p>;
  const l = state.lineage;
  return (
    <ol className="plain-list lineage" data-testid="model-lineage" aria-label="Lineage">
      <Hop label="Run" testId="lineage-run">
        {l.run ? (
          <a href={buildHash('/runs', { exp: l.run.experimentId, run: l.run.runId })} data-testid="lineage-run-link" data-run-id={l.run.runId}>
            {l.run.name || l.run.runId} <code className="mono muted small">{l.run.runId.slice(0, 8)}</code>
          </a>
        ) : (
          <span className="muted">No run (registered from outside a run, or the run was deleted)</span>
        )}
      </Hop>
      <Hop label="Commit" testId="lineage-commit">
        {l.commit ? (
          <button
            type="button"
            className="link-button mono"
            title="Copy the commit hash"
            onClick={() => void navigator.clipboard?.writeText(l.commit ?? '').then(() => toast.success('Commit copied'), () => undefined)}
          >
            {l.commit.slice(0, 12)}
          </button>
        ) : (
          <span className="muted">No git commit recorded</span>
        )}
      </Hop>
      <Hop label="Datasets" testId="lineage-datasets">
        {l.datasets.length === 0 ? (
          <span className="muted">No dataset inputs logged</span>
        ) : (
          <ul className="plain-list">
            {l.datasets.map((d, i) => (
              <li key={i}>
                {d.version ? (
                  <a
                    href={buildHash('/data', { project: d.version.projectId, path: d.version.path, tab: 'versions', version: d.version.commit })}
                    data-testid="lineage-dataset-link"
                    data-commit={d.version.commit}
                    title={`Open version ${d.version.commit} of ${d.version.path} on the Data page`}
                  >
                    <span className="mono">{d.version.path}</span> @ <code className="mono">{d.version.commit.slice(0, 8)}</code>
                  </a>
                ) : (
                  <span title={d.source}>
                    {d.name} <code className="mono muted small">{d.digest}</code>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </Hop>
      <Hop label="Model" testId="lineage-model">
        <a href={buildHash('/models', { model: l.model.name, version: l.model.version })}>
          {l.model.name} v{l.model.version}
        </a>{' '}
        <span className="badge badge-neutral">{l.model.stage}</span>
        {l.model.aliases.map((a) => (
          <span key={a} className="badge model-alias">
            @{a}
          </span>
        ))}
      </Hop>
      <Hop label="Image" testId="lineage-image">
        {l.image?.length ? (
          <ul className="plain-list">
            {l.image.map((i) => (
              <li key={i.digest}>
                <a
                  href={buildHash('/deployments', { image: i.digest })}
                  data-testid="lineage-image-link"
                  data-digest={i.digest}
                  title={`${i.ref ? `${i.ref}\n` : ''}${i.digest}\nShow the deployments running this image`}
                >
                  {i.ref ? <span className="mono small">{i.ref}</span> : null} <code className="mono small">{i.digest.replace(/^sha256:/, '').slice(0, 12)}</code>
                </a>
                {i.builtAt ? <span className="muted small"> · built {new Date(i.builtAt).toLocaleString()}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">not built</span>
        )}
      </Hop>
      <Hop label="Deployments" testId="lineage-deployments">
        {l.deployments?.length ? (
          <ul className="plain-list">
            {l.deployments.map((d) => (
              <li key={d.id}>
                <a href={buildHash('/deployments', { name: d.id })} className="mono" data-testid="lineage-deployment-link" data-name={d.id} title={`Open ${d.id} on the Deployments page`}>
                  {d.id}
                </a>{' '}
                <span className={`badge ${d.status === 'running' ? 'badge-ok' : d.status === 'failed' || d.status === 'gone' ? 'badge-danger' : 'badge-neutral'}`}>{d.status}</span>{' '}
                <span className="muted small">{d.target}</span>
                {d.url ? (
                  <>
                    {' '}
                    <a href={d.url} target="_blank" rel="noreferrer" className="mono small">
                      {d.url}
                    </a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">not deployed</span>
        )}
      </Hop>
    </ol>
  );
}
