import { useEffect, useState } from 'react';
import { SCORINGS, type GlobalResult, type Input, type JobInfo } from '../../../../shared/contract';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { EmptyState } from '../../ui/EmptyState';
import { JobProgress } from '../../ui/JobProgress';
import { Spinner } from '../../ui/Spinner';
import { HBarChart, importanceRows, PdpChart, shapRows } from './charts';
import { fmt } from './format';
import { InsightIcon } from './icon';

type Settings = NonNullable<Input<'insight.global'>['settings']>;
const DEFAULTS = { repeats: 5, scoring: 'roc_auc', sampleRows: 2000, shapRows: 200, pdpFeatures: 4, seed: 42 } as const satisfies Settings;

type Err = { code: string; message: string };

/** Global explanations of a version: permutation importance with CIs, mean |SHAP|, PD/ICE; computed as a job, cached. */
export function GlobalPanel({ model, version }: { model: string; version: string }) {
  const [settings, setSettings] = useState<typeof DEFAULTS | Settings>(DEFAULTS);
  const [result, setResult] = useState<GlobalResult | null | undefined>(undefined);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<Err | null>(null);

  // The cached result for these settings, if any (nothing is computed until asked).
  useEffect(() => {
    let alive = true;
    setResult(undefined);
    setError(null);
    api.insight.globalResult({ model, version, settings }).then(
      (r) => alive && setResult(r),
      (e: unknown) => {
        if (!alive) return;
        const err = asMldeskError(e);
        setError({ code: err.code, message: err.message });
        setResult(null);
      },
    );
    return () => {
      alive = false;
    };
  }, [model, version, settings]);

  const compute = async () => {
    setError(null);
    try {
      const started = await api.insight.global({ model, version, settings });
      setJobId(started.jobId);
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
    }
  };
  const onEnd = (info: JobInfo) => {
    if (info.state === 'done') {
      setResult(info.result as GlobalResult);
      setJobId(null);
    }
  };
  const num = (k: 'repeats' | 'sampleRows' | 'shapRows' | 'pdpFeatures', label: string, min: number, max: number) => (
    <label className="ins-field small">
      {label}
      <input className="input input-sm" type="number" min={min} max={max} value={settings[k] ?? DEFAULTS[k]} onChange={(e) => setSettings((s) => ({ ...s, [k]: Math.max(min, Math.min(max, Number(e.target.value) || min)) }))} data-testid={`global-${k}`} />
    </label>
  );

  return (
    <section className="ins-section" data-testid="insight-global" aria-label="Global explanations">
      <form
        className="ins-settings"
        onSubmit={(e) => {
          e.preventDefault();
          void compute();
        }}
      >
        {num('repeats', 'Repeats', 1, 50)}
        <label className="ins-field small">
          Scoring
          <select className="input input-sm" value={settings.scoring ?? DEFAULTS.scoring} onChange={(e) => setSettings((s) => ({ ...s, scoring: e.target.value as Settings['scoring'] }))} data-testid="global-scoring">
            {SCORINGS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {num('sampleRows', 'Rows', 20, 200_000)}
        {num('shapRows', 'SHAP rows', 5, 5000)}
        {num('pdpFeatures', 'PD/ICE features', 0, 20)}
        <button type="submit" className="button button-primary button-sm" disabled={jobId !== null} data-testid="global-compute">
          {result ? 'Recompute' : 'Compute'}
        </button>
      </form>
      {error ? (
        <p className="field-error" role="alert" data-testid="global-error">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : null}
      {jobId ? <JobProgress jobId={jobId} onEnd={onEnd} testId="global-job" /> : null}
      {result === undefined ? (
        <p className="muted small">
          <Spinner /> Looking for computed explanations…
        </p>
      ) : result === null ? (
        jobId ? null : (
          <EmptyState icon={InsightIcon} title="No global explanations for these settings yet" testId="global-empty">
            <p className="empty-text">
              Compute them on the version’s validation data from lineage: <strong>permutation importance</strong> (how much the score drops when a feature is shuffled, with a 95% CI over
              the repeats), <strong>mean |SHAP|</strong> (exact TreeSHAP for tree ensembles, else KernelSHAP) and <strong>partial dependence / ICE</strong> curves of the top features. It runs
              as a job; the result is kept and reused as long as the model, the data and the settings stay the same.
            </p>
          </EmptyState>
        )
      ) : (
        <GlobalView g={result} />
      )}
    </section>
  );
}

function GlobalView({ g }: { g: GlobalResult }) {
  const space = g.shap.space === 'log-odds' ? 'log-odds' : 'P(positive)';
  return (
    <div className="ins-global" data-testid="global-result" data-key={g.key}>
      <p className="muted small" data-testid="global-dataset">
        On <span className="mono">{g.dataset.label}</span>
        {g.dataset.labelColumn ? (
          <>
            {' '}
            · label <code className="mono">{g.dataset.labelColumn}</code>
          </>
        ) : null}{' '}
        · {g.settings.scoring} baseline {fmt(g.baseline, 4)} · computed {new Date(g.computedAt).toLocaleString()} in {(g.tookMs / 1000).toFixed(1)} s
      </p>
      {g.notes.map((n) => (
        <p key={n} className="callout small">
          {n}
        </p>
      ))}
      <div className="ins-grid-2">
        <HBarChart
          title="Permutation importance"
          subtitle={`drop of ${g.settings.scoring} when shuffled · mean and 95% CI over ${g.settings.repeats} repeats`}
          rows={importanceRows(g)}
          unit={`${g.settings.scoring} drop`}
          testId="chart-importance"
          empty="No labels in the data: permutation importance needs them"
        />
        <HBarChart title="Mean |SHAP|" subtitle={`${g.shap.method === 'treeshap' ? 'exact TreeSHAP' : 'KernelSHAP'} on ${g.shap.rows} rows · ${g.shap.space}`} rows={shapRows(g)} unit="mean |SHAP|" tone="b" testId="chart-shap" />
      </div>
      {g.pdp.length ? (
        <div className="ins-grid-2" data-testid="pdp-charts">
          {g.pdp.map((c) => (
            <PdpChart key={c.feature} curve={c} space={space === 'log-odds' ? 'P(positive)' : space} />
          ))}
        </div>
      ) : null}
    </div>
  );
}
