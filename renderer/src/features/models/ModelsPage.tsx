import { useCallback, useEffect, useState } from 'react';
import type { ModelVersion, RegisteredModel } from '../../../../shared/contract';
import { api } from '../../api/client';
import { setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { describeError } from '../../lib/errors';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { DeployWizard, QuickDeploy } from '../deploy';
import { InsightTab } from '../insight';
import { ModelIcon } from './icon';
import { LineageView } from './LineageView';

const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
type Stage = (typeof STAGES)[number];

/** MLflow filter for a search box: `name LIKE '%text%'` (quotes doubled), or empty. */
export function nameFilter(q: string): string {
  const t = q.trim();
  return t ? `name LIKE '%${t.replace(/'/g, "''")}%'` : '';
}

/** Runs an action, toasts its error, and reports whether it worked. */
async function act(what: () => Promise<unknown>, done?: string): Promise<boolean> {
  try {
    await what();
    if (done) toast.success(done);
    return true;
  } catch (e) {
    toast.error(describeError(e));
    return false;
  }
}

function ModelsEmpty() {
  return (
    <EmptyState icon={ModelIcon} title="No registered models yet" testId="models-empty">
      <p className="empty-text">
        Open a run, go to its Artifacts tab and choose <strong>Register model</strong> on a folder holding an <code>MLmodel</code> or <code>.onnx</code> file (usually{' '}
        <code>model/</code>). From Python: <code>mlflow.register_model(&quot;runs:/&lt;run_id&gt;/model&quot;, &quot;name&quot;)</code>.
      </p>
    </EmptyState>
  );
}

function Tags({ tags, onSet, onDelete, testId }: { tags: ReadonlyArray<{ key: string; value: string }>; onSet: (k: string, v: string) => Promise<boolean>; onDelete: (k: string) => void; testId: string }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  return (
    <div className="model-tags" data-testid={testId}>
      {tags.map((t) => (
        <span key={t.key} className="badge badge-neutral model-tag" data-testid="model-tag" data-key={t.key}>
          {t.key}={t.value}
          <button type="button" className="icon-button model-tag-remove" aria-label={`Remove tag ${t.key}`} onClick={() => onDelete(t.key)}>
            ×
          </button>
        </span>
      ))}
      <form
        className="model-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!key.trim()) return;
          void onSet(key.trim(), value).then((ok) => {
            if (ok) {
              setKey('');
              setValue('');
            }
          });
        }}
      >
        <input className="input input-sm" placeholder="tag" value={key} onChange={(e) => setKey(e.target.value)} aria-label="Tag key" maxLength={250} />
        <input className="input input-sm" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} aria-label="Tag value" maxLength={5000} />
        <button type="submit" className="button button-xs" disabled={!key.trim()}>
          Add tag
        </button>
      </form>
    </div>
  );
}

function Description({ text, onSave, testId }: { text: string | undefined; onSave: (d: string) => Promise<boolean>; testId: string }) {
  const [editing, setEditing] = useState<string | null>(null);
  if (editing === null) {
    return (
      <div className="model-description" data-testid={testId}>
        {text ? <p>{text}</p> : <p className="muted small">No description.</p>}
        <button type="button" className="button button-xs" onClick={() => setEditing(text ?? '')}>
          Edit description
        </button>
      </div>
    );
  }
  return (
    <form
      className="model-description"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(editing).then((ok) => ok && setEditing(null));
      }}
    >
      <textarea className="input" rows={3} value={editing} onChange={(e) => setEditing(e.target.value)} aria-label="Description" data-autofocus />
      <div className="button-row">
        <button type="submit" className="button button-primary button-xs">
          Save
        </button>
        <button type="button" className="button button-xs" onClick={() => setEditing(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function VersionPanel({ model, v, onChanged, tick }: { model: RegisteredModel; v: ModelVersion; onChanged: () => void; tick: number }) {
  const [alias, setAlias] = useState('');
  const [stage, setStage] = useState<Stage>('Staging');
  const [archive, setArchive] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deploying, setDeploying] = useState(false);
  const name = model.name;
  const version = v.version;
  const run = async (what: () => Promise<unknown>, done?: string) => {
    const ok = await act(what, done);
    if (ok) onChanged();
    return ok;
  };
  const addAlias = (a: string) => void run(() => api.models.setAlias({ name, version, alias: a }), `@${a} → version ${version}`).then((ok) => ok && setAlias(''));
  // The version's tabs: its details and lineage, or model insight (explanations, fairness, model card); in the URL.
  const insight = useQueryParam('vtab') === 'insight';
  return (
    <section className="model-version-panel" data-testid="model-version-panel" data-version={version} aria-label={`Version ${version}`}>
      <header className="model-version-head">
        <h3>
          Version {version} <span className="badge badge-neutral" data-testid="version-stage">{v.current_stage}</span>
        </h3>
        <div className="button-row">
          <QuickDeploy model={name} version={version} onDeployed={onChanged} />
          <button type="button" className="button button-xs" onClick={() => setDeploying(true)} data-testid="deploy-version" title={`Deploy ${name} v${version} step by step: runtime, target, resources, review`}>
            Deploy…
          </button>
          <button type="button" className="button button-xs button-danger" onClick={() => setDeleting(true)} data-testid="delete-version">
            Delete version
          </button>
        </div>
      </header>
      <div className="segmented model-version-tabs" role="tablist" aria-label="Version views">
        {(['details', 'insight'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={insight === (t === 'insight')} className={insight === (t === 'insight') ? 'active' : undefined} onClick={() => setQuery({ vtab: t === 'insight' ? 'insight' : null })} data-testid={`version-tab-${t}`}>
            {t === 'insight' ? 'Insight' : 'Details'}
          </button>
        ))}
      </div>
      {insight ? <InsightTab model={name} version={version} /> : <>
      <p className="mono small muted truncate" title={v.source}>
        {v.source}
      </p>
      <div className="model-row">
        <span className="model-row-label">Aliases</span>
        <div className="model-aliases" data-testid="version-aliases">
          {v.aliases.map((a) => (
            <span key={a} className="badge model-alias" data-testid="version-alias" data-alias={a}>
              @{a}
              <button type="button" className="icon-button model-tag-remove" aria-label={`Remove alias ${a}`} onClick={() => void run(() => api.models.deleteAlias({ name, alias: a }), `Removed @${a}`)}>
                ×
              </button>
            </span>
          ))}
          {(['champion', 'challenger'] as const)
            .filter((a) => !v.aliases.includes(a))
            .map((a) => (
              <button key={a} type="button" className="button button-xs" onClick={() => addAlias(a)} data-testid={`set-alias-${a}`}>
                Set @{a}
              </button>
            ))}
          <form
            className="model-inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (alias.trim()) addAlias(alias.trim());
            }}
          >
            <input className="input input-sm" placeholder="alias" value={alias} onChange={(e) => setAlias(e.target.value)} aria-label="Alias" maxLength={255} />
            <button type="submit" className="button button-xs" disabled={!alias.trim()}>
              Set alias
            </button>
          </form>
        </div>
      </div>
      <div className="model-row">
        <span className="model-row-label">Stage</span>
        <form
          className="model-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api.models.transition({ name, version, stage, archiveExisting: archive }), `Version ${version} → ${stage}`);
          }}
        >
          <select className="input input-sm" value={stage} onChange={(e) => setStage(e.target.value as Stage)} aria-label="Stage" data-testid="stage-select">
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label className="small">
            <input type="checkbox" checked={archive} onChange={(e) => setArchive(e.target.checked)} disabled={stage !== 'Staging' && stage !== 'Production'} /> archive existing
          </label>
          <button type="submit" className="button button-xs" disabled={stage === v.current_stage} data-testid="transition-stage">
            Transition
          </button>
        </form>
      </div>
      <div className="model-row">
        <span className="model-row-label">Description</span>
        <Description key={`${name}/${version}`} text={v.description} testId="version-description" onSave={(d) => run(() => api.models.update({ name, version, description: d }))} />
      </div>
      <div className="model-row">
        <span className="model-row-label">Tags</span>
        <Tags
          tags={v.tags}
          testId="version-tags"
          onSet={(k, val) => run(() => api.models.setTag({ name, version, key: k, value: val }))}
          onDelete={(k) => void run(() => api.models.deleteTag({ name, version, key: k }))}
        />
      </div>
      <h4 className="section-title">Lineage</h4>
      <LineageView name={name} version={version} refresh={tick} />
      </>}
      {deploying ? <DeployWizard prefill={{ model: name, version }} onClose={() => setDeploying(false)} onDeployed={onChanged} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${name} version ${version}?`}
          confirmLabel="Delete version"
          busyLabel="Deleting…"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.models.deleteVersion({ name, version });
            toast.success(`Deleted version ${version}`);
            setQuery({ version: null });
            onChanged();
          }}
        >
          <p>Its aliases go with it. The run and its artifacts are kept.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function ModelView({ name, versionParam, tick, onChanged }: { name: string; versionParam: string | undefined; tick: number; onChanged: () => void }) {
  const [data, setData] = useState<{ model: RegisteredModel; versions: ModelVersion[] } | { error: string } | null>(null);
  useEffect(() => {
    let cancelled = false;
    Promise.all([api.models.get({ name }), api.models.versions({ name })]).then(
      ([model, versions]) => !cancelled && setData({ model, versions }),
      (e: unknown) => !cancelled && setData({ error: describeError(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [name, tick]);
  if (!data) {
    return (
      <div className="page-loading">
        <Spinner />
      </div>
    );
  }
  if ('error' in data) return <p className="text-danger" role="alert">{data.error}</p>;
  const { model, versions } = data;
  const selected = versions.find((v) => v.version === versionParam) ?? versions[0];
  const run = async (what: () => Promise<unknown>) => {
    const ok = await act(what);
    if (ok) onChanged();
    return ok;
  };
  return (
    <div className="model-view" data-testid="model-view" data-name={model.name}>
      <header className="model-head">
        <h2>{model.name}</h2>
        {model.aliases.map((a) => (
          <span key={a.alias} className="badge model-alias" data-testid="model-alias" data-alias={a.alias}>
            @{a.alias} → v{a.version}
          </span>
        ))}
      </header>
      <Description key={model.name} text={model.description} testId="model-description" onSave={(d) => run(() => api.models.update({ name, description: d }))} />
      <Tags
        tags={model.tags}
        testId="model-tags"
        onSet={(k, v) => run(() => api.models.setTag({ name, key: k, value: v }))}
        onDelete={(k) => void run(() => api.models.deleteTag({ name, key: k }))}
      />
      <table className="table model-versions" data-testid="model-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Run</th>
            <th>Registered</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr
              key={v.version}
              className={v.version === selected?.version ? 'selected' : undefined}
              onClick={() => setQuery({ version: v.version })}
              data-testid="model-version-row"
              data-version={v.version}
              aria-selected={v.version === selected?.version}
            >
              <td>
                <button type="button" className="link-button" onClick={() => setQuery({ version: v.version })}>
                  v{v.version}
                </button>
              </td>
              <td>{v.current_stage}</td>
              <td>{v.aliases.map((a) => `@${a}`).join(' ')}</td>
              <td className="mono small">{v.run_id?.slice(0, 8) ?? '—'}</td>
              <td className="small muted">{new Date(v.creation_timestamp).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected ? <VersionPanel key={`${model.name}/${selected.version}`} model={model} v={selected} onChanged={onChanged} tick={tick} /> : <p className="muted">No versions.</p>}
    </div>
  );
}

export default function ModelsPage() {
  const selected = useQueryParam('model');
  const versionParam = useQueryParam('version');
  const q = useQueryParam('q') ?? '';
  const [search, setSearch] = useState(q);
  const [models, setModels] = useState<RegisteredModel[] | { error: string } | null>(null);
  const [tick, setTick] = useState(0);
  const changed = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let cancelled = false;
    api.models.list({ filter: nameFilter(q) }).then(
      (list) => !cancelled && setModels(list),
      (e: unknown) => !cancelled && setModels({ error: describeError(e) }),
    );
    return () => {
      cancelled = true;
    };
  }, [q, tick]);

  if (models === null) {
    return (
      <div className="page-loading">
        <Spinner />
      </div>
    );
  }
  if (!('error' in models) && models.length === 0 && !q) return <ModelsEmpty />;
  return (
    <div className="models-page" data-testid="models-page">
      <aside className="models-list" aria-label="Registered models">
        <input
          className="input"
          type="search"
          placeholder="Search models"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setQuery({ q: e.target.value || null });
          }}
          aria-label="Search models"
          data-testid="models-search"
        />
        {'error' in models ? (
          <p className="text-danger small" role="alert">
            {models.error}
          </p>
        ) : models.length === 0 ? (
          <p className="muted small">No model matches.</p>
        ) : (
          <ul className="plain-list">
            {models.map((m) => (
              <li key={m.name}>
                <button
                  type="button"
                  className={`models-item${m.name === selected ? ' active' : ''}`}
                  onClick={() => setQuery({ model: m.name, version: null }, { replace: false })}
                  data-testid="model-item"
                  data-name={m.name}
                >
                  <span className="truncate">{m.name}</span>
                  <span className="muted small">{m.aliases.map((a) => `@${a.alias}`).join(' ')}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section className="models-main" aria-label="Model">
        {selected ? (
          <ModelView key={selected} name={selected} versionParam={versionParam} tick={tick} onChanged={changed} />
        ) : (
          <p className="muted models-pick">Pick a model on the left.</p>
        )}
      </section>
    </div>
  );
}
