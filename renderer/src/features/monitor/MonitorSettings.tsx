import { useEffect, useMemo, useState } from 'react';
import { driftMethod, RULE_METRICS, type AlertRule, type DriftMethod, type MonitorConfig, type Output } from '../../../../shared/contract';
import { api } from '../../api/client';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { InlineError } from '../../ui/InlineError';
import { Spinner } from '../../ui/Spinner';
import { useProjects, useProjectsSync } from '../projects';
import { columnLabel, METHOD_LABEL, metricLabel } from './format';

type Err = { code: string; message: string };
const errOf = (e: unknown): Err => {
  const m = asMldeskError(e);
  return { code: m.code, message: m.message };
};

interface RuleDraft {
  id?: string;
  metric: string;
  op: '>=' | '<=';
  threshold: string;
  windows: string;
  enabled: boolean;
}
const toDraft = (r: AlertRule): RuleDraft => ({ id: r.id, metric: r.metric, op: r.op, threshold: String(r.threshold), windows: String(r.windows), enabled: r.enabled });

/** Rule metrics a user can pick: the contract's list and one drift rule per feature. */
function metricChoices(features: readonly string[]): string[] {
  return [...RULE_METRICS, ...features.map((f) => `feature_drift:${f}`)];
}

type Datasets = Output<'data.datasets'>;

/**
 * Monitoring settings of one deployment: windows, the reference dataset (lineage or an override), per-column methods
 * and thresholds, the alert webhook, and the alert rules.
 */
export function MonitorSettings({ deployment, config, features, onSaved, onClose }: { deployment: string; config: MonitorConfig; features: readonly string[]; onSaved: () => void; onClose: () => void }) {
  const [kind, setKind] = useState(config.window.kind);
  const [size, setSize] = useState(String(config.window.kind === 'count' ? config.window.size : config.window.seconds));
  useProjectsSync();
  const [refMode, setRefMode] = useState<'lineage' | 'override'>(config.reference?.source === 'override' ? 'override' : 'lineage');
  const projects = useProjects((s) => s.projects);
  const [projectId, setProjectId] = useState(config.reference?.projectId ?? '');
  const [path, setPath] = useState(config.reference?.path ?? '');
  const [commit, setCommit] = useState(config.reference?.source === 'override' ? (config.reference.commit ?? '') : '');
  const [datasets, setDatasets] = useState<Datasets | null>(null);
  const [webhook, setWebhook] = useState(config.webhook ?? '');
  const [columns, setColumns] = useState<Record<string, { method: DriftMethod | ''; threshold: string }>>(() =>
    Object.fromEntries(features.map((f) => [f, { method: config.columns[f]?.method ?? '', threshold: config.columns[f]?.threshold === undefined ? '' : String(config.columns[f]!.threshold) }])),
  );
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<Err | null>(null);

  const [rules, setRules] = useState<RuleDraft[] | null>(null);
  const [rulesError, setRulesError] = useState<Err | null>(null);
  const [savingRules, setSavingRules] = useState(false);
  const choices = useMemo(() => metricChoices(features), [features]);

  useEffect(() => {
    let alive = true;
    api.monitor
      .rules({ deployment })
      .then((r) => alive && setRules(r.map(toDraft)))
      .catch((e: unknown) => alive && setRulesError(errOf(e)));
    return () => {
      alive = false;
    };
  }, [deployment]);

  useEffect(() => {
    if (refMode !== 'override' || !projectId) return;
    let alive = true;
    api.data
      .datasets({ projectId })
      .then((d) => alive && setDatasets(d))
      .catch(() => alive && setDatasets([]));
    return () => {
      alive = false;
    };
  }, [refMode, projectId]);

  const save = async () => {
    setError(null);
    const n = Number(size);
    if (!Number.isInteger(n) || n < (kind === 'count' ? 10 : 5)) {
      setError({ code: 'INVALID_INPUT', message: kind === 'count' ? 'A window holds at least 10 predictions.' : 'A time window lasts at least 5 seconds.' });
      return;
    }
    const cols: Record<string, { method?: DriftMethod; threshold?: number }> = {};
    for (const [f, c] of Object.entries(columns)) {
      const t = c.threshold.trim() === '' ? undefined : Number(c.threshold);
      if (t !== undefined && !(Number.isFinite(t) && t >= 0)) {
        setError({ code: 'INVALID_INPUT', message: `${f}: the threshold “${c.threshold}” is not a number ≥ 0.` });
        return;
      }
      if (c.method || t !== undefined) cols[f] = { ...(c.method ? { method: c.method } : {}), ...(t !== undefined ? { threshold: t } : {}) };
    }
    if (refMode === 'override' && (!projectId || !path)) {
      setError({ code: 'INVALID_INPUT', message: 'Pick the project and the dataset of the reference.' });
      return;
    }
    setSaving(true);
    try {
      await api.monitor.configure({
        deployment,
        window: kind === 'count' ? { kind, size: n } : { kind, seconds: n },
        reference: refMode === 'lineage' ? null : { projectId, path, ...(commit.trim() ? { commit: commit.trim() } : {}) },
        columns: cols,
        webhook: webhook.trim() === '' ? null : webhook.trim(),
      });
      toast.success('Monitoring settings saved; windows are computed again with them.');
      onSaved();
    } catch (e) {
      setError(errOf(e));
    } finally {
      setSaving(false);
    }
  };

  const saveRules = async () => {
    if (!rules) return;
    setRulesError(null);
    const out = [];
    for (const r of rules) {
      const threshold = Number(r.threshold);
      const windows = Number(r.windows);
      if (!Number.isFinite(threshold) || r.threshold.trim() === '') return setRulesError({ code: 'INVALID_INPUT', message: `${metricLabel(r.metric)}: the threshold is not a number.` });
      if (!Number.isInteger(windows) || windows < 1) return setRulesError({ code: 'INVALID_INPUT', message: `${metricLabel(r.metric)}: windows in a row must be a whole number ≥ 1.` });
      out.push({ ...(r.id ? { id: r.id } : {}), metric: r.metric, op: r.op, threshold, windows, enabled: r.enabled });
    }
    setSavingRules(true);
    try {
      const saved = await api.monitor.setRules({ deployment, rules: out });
      setRules(saved.map(toDraft));
      toast.success(`Saved ${saved.length} alert rule${saved.length === 1 ? '' : 's'}`);
    } catch (e) {
      setRulesError(errOf(e));
    } finally {
      setSavingRules(false);
    }
  };

  const patchRule = (i: number, p: Partial<RuleDraft>) => setRules((rs) => rs && rs.map((r, j) => (j === i ? { ...r, ...p } : r)));

  return (
    <div className="card mon-settings" data-testid="monitor-settings">
      <div className="deploy-card-head">
        <h3 className="card-title">Monitoring settings</h3>
        <button type="button" className="button button-xs" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="mon-settings-grid">
        <fieldset className="mon-fieldset">
          <legend>Windows</legend>
          <div className="field-row">
            <select className="input input-sm" value={kind} onChange={(e) => setKind(e.target.value as 'count' | 'time')} aria-label="Window kind" data-testid="settings-window-kind">
              <option value="count">every N predictions (rows)</option>
              <option value="time">every N seconds</option>
            </select>
            <input className="input input-sm mon-num" type="number" min={kind === 'count' ? 10 : 5} value={size} onChange={(e) => setSize(e.target.value)} aria-label={kind === 'count' ? 'Predictions per window' : 'Seconds per window'} data-testid="settings-window-size" />
          </div>
          <legend className="mon-sublegend">Reference data</legend>
          <div className="segmented" role="group" aria-label="Reference">
            <button type="button" className={refMode === 'lineage' ? 'active' : ''} aria-pressed={refMode === 'lineage'} onClick={() => setRefMode('lineage')}>
              From lineage
            </button>
            <button type="button" className={refMode === 'override' ? 'active' : ''} aria-pressed={refMode === 'override'} onClick={() => setRefMode('override')}>
              Choose
            </button>
          </div>
          {refMode === 'lineage' ? (
            <p className="field-hint">The training dataset version of the deployed model’s run.</p>
          ) : (
            <div className="mon-ref-fields">
              <select className="input input-sm" value={projectId} onChange={(e) => setProjectId(e.target.value)} aria-label="Reference project">
                <option value="">Project…</option>
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
              <select className="input input-sm" value={path} onChange={(e) => setPath(e.target.value)} aria-label="Reference dataset" disabled={!datasets}>
                <option value="">Dataset…</option>
                {(datasets ?? []).map((d) => (
                  <option key={d.path} value={d.path}>
                    {d.path}
                  </option>
                ))}
              </select>
              <input className="input input-sm mono" placeholder="commit (optional)" value={commit} onChange={(e) => setCommit(e.target.value)} aria-label="Reference commit" />
            </div>
          )}
          <legend className="mon-sublegend">Webhook</legend>
          <input className="input input-sm mono" type="url" placeholder="https://… (each alert is POSTed here)" value={webhook} onChange={(e) => setWebhook(e.target.value)} aria-label="Alert webhook URL" />
        </fieldset>
        <fieldset className="mon-fieldset">
          <legend>Per-column drift test</legend>
          {features.length === 0 ? (
            <p className="field-hint">Columns appear once the first window is computed.</p>
          ) : (
            <div className="mon-columns">
              {features.map((f) => (
                <div key={f} className="mon-column-row">
                  <span className="mono truncate" title={f}>
                    {columnLabel(f)}
                  </span>
                  <select
                    className="input input-sm"
                    value={columns[f]?.method ?? ''}
                    onChange={(e) => setColumns((c) => ({ ...c, [f]: { threshold: c[f]?.threshold ?? '', method: e.target.value as DriftMethod | '' } }))}
                    aria-label={`Method for ${f}`}
                  >
                    <option value="">automatic</option>
                    {driftMethod.options.map((m) => (
                      <option key={m} value={m}>
                        {METHOD_LABEL[m]}
                      </option>
                    ))}
                  </select>
                  <input
                    className="input input-sm mon-num"
                    placeholder="default"
                    value={columns[f]?.threshold ?? ''}
                    onChange={(e) => setColumns((c) => ({ ...c, [f]: { method: c[f]?.method ?? '', threshold: e.target.value } }))}
                    aria-label={`Threshold for ${f}`}
                  />
                </div>
              ))}
            </div>
          )}
        </fieldset>
      </div>
      <InlineError error={error} />
      <div className="button-row">
        <button type="button" className="button button-primary button-sm" onClick={() => void save()} disabled={saving} data-testid="settings-save">
          {saving ? <Spinner /> : null}
          Save settings
        </button>
      </div>

      <h4 className="mon-sublegend">Alert rules</h4>
      {rules === null ? (
        rulesError ? (
          <InlineError error={rulesError} />
        ) : (
          <p className="muted small">
            <Spinner /> Loading the rules…
          </p>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table className="data-table mon-rules" data-testid="rules-table">
              <thead>
                <tr>
                  <th className="mon-rules-on">On</th>
                  <th>Metric</th>
                  <th className="mon-rules-op">When</th>
                  <th className="mon-rules-num">Threshold</th>
                  <th className="mon-rules-num">Windows in a row</th>
                  <th className="mon-rules-del" aria-label="Remove" />
                </tr>
              </thead>
              <tbody>
                {rules.map((r, i) => (
                  <tr key={r.id ?? `new-${i}`} data-testid="rule-row" data-metric={r.metric}>
                    <td className="mon-rules-on">
                      <input type="checkbox" checked={r.enabled} onChange={(e) => patchRule(i, { enabled: e.target.checked })} aria-label={`Enable ${metricLabel(r.metric)}`} />
                    </td>
                    <td>
                      <select className="input input-sm" value={r.metric} onChange={(e) => patchRule(i, { metric: e.target.value })} aria-label="Metric">
                        {(choices.includes(r.metric) ? choices : [r.metric, ...choices]).map((m) => (
                          <option key={m} value={m}>
                            {metricLabel(m)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="mon-rules-op">
                      <select className="input input-sm" value={r.op} onChange={(e) => patchRule(i, { op: e.target.value as '>=' | '<=' })} aria-label="Comparison">
                        <option value=">=">≥</option>
                        <option value="<=">≤</option>
                      </select>
                    </td>
                    <td className="mon-rules-num">
                      <input className="input input-sm mon-num" value={r.threshold} onChange={(e) => patchRule(i, { threshold: e.target.value })} aria-label="Threshold" />
                    </td>
                    <td className="mon-rules-num">
                      <input className="input input-sm mon-num" value={r.windows} onChange={(e) => patchRule(i, { windows: e.target.value })} aria-label="Windows in a row" />
                    </td>
                    <td className="mon-rules-del">
                      <button type="button" className="icon-button" onClick={() => setRules((rs) => rs && rs.filter((_, j) => j !== i))} aria-label={`Remove the rule on ${metricLabel(r.metric)}`}>
                        ×
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <InlineError error={rulesError} />
          <div className="button-row">
            <button type="button" className="button button-sm" onClick={() => setRules((rs) => [...(rs ?? []), { metric: 'drift_share', op: '>=', threshold: '0.5', windows: '1', enabled: true }])} data-testid="rule-add">
              Add a rule
            </button>
            <button type="button" className="button button-primary button-sm" onClick={() => void saveRules()} disabled={savingRules} data-testid="rules-save">
              {savingRules ? <Spinner /> : null}
              Save rules
            </button>
          </div>
        </>
      )}
    </div>
  );
}
