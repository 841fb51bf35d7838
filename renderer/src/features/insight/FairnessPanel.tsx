import { useEffect, useState } from 'react';
import type { FairnessGroup, FairnessReport, Output, SummaryMetric } from '../../../../shared/contract';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { HBarChart } from './charts';
import { fmt, pct } from './format';
import { InsightIcon } from './icon';

type Err = { code: string; message: string };
type Columns = Output<'insight.columns'>;

const METRICS: Array<{ id: 'selectionRate' | 'tpr' | 'fpr' | 'precision' | 'meanScore' | 'observedRate'; label: string; what: string; get: (g: FairnessGroup) => number | null }> = [
  { id: 'selectionRate', label: 'Selection rate', what: 'share predicted positive', get: (g) => g.selectionRate },
  { id: 'tpr', label: 'True positive rate', what: 'positives the model catches', get: (g) => g.tpr },
  { id: 'fpr', label: 'False positive rate', what: 'negatives wrongly flagged', get: (g) => g.fpr },
  { id: 'precision', label: 'Precision', what: 'flagged rows that are positive', get: (g) => g.precision },
  { id: 'meanScore', label: 'Calibration: mean score', what: 'average predicted probability', get: (g) => g.calibration.meanScore },
  { id: 'observedRate', label: 'Calibration: observed rate', what: 'actual positive rate', get: (g) => g.calibration.observedRate },
];

const SUMMARY: Array<{ id: keyof FairnessReport['summary']; label: string; ideal: string }> = [
  { id: 'demographicParityDifference', label: 'Demographic parity difference', ideal: '0 (max − min selection rate)' },
  { id: 'demographicParityRatio', label: 'Demographic parity ratio', ideal: '1 (min / max selection rate; < 0.8 fails the four-fifths rule)' },
  { id: 'equalOpportunityDifference', label: 'Equal opportunity difference', ideal: '0 (max − min TPR)' },
  { id: 'equalizedOddsDifference', label: 'Equalized odds difference', ideal: '0 (larger of the TPR and FPR differences)' },
];

const ci = (m: SummaryMetric) => (m.ci ? `[${fmt(m.ci[0])}, ${fmt(m.ci[1])}]` : '');

/** Fairness by group: pick one sensitive attribute (or two for their intersection) → a chart per metric + the summary. */
export function FairnessPanel({ model, version }: { model: string; version: string }) {
  const [cols, setCols] = useState<Columns | Err | null>(null);
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [threshold, setThreshold] = useState(0.5);
  const [report, setReport] = useState<FairnessReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Err | null>(null);

  useEffect(() => {
    let alive = true;
    setCols(null);
    api.insight.columns({ model, version }).then(
      (c) => {
        if (!alive) return;
        setCols(c);
        setFirst((f) => f || c.suggested[0] || '');
      },
      (e: unknown) => {
        if (!alive) return;
        const err = asMldeskError(e);
        setCols({ code: err.code, message: err.message });
      },
    );
    return () => {
      alive = false;
    };
  }, [model, version]);

  const compute = async () => {
    if (!first) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await api.insight.fairness({ model, version, sensitive: second && second !== first ? [first, second] : [first], threshold }));
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
    } finally {
      setBusy(false);
    }
  };
  // The suggested attribute is shown at once (the demo's disparity is visible on first open).
  const [autoRan, setAutoRan] = useState(false);
  useEffect(() => {
    if (!autoRan && cols && !('code' in cols) && first) {
      setAutoRan(true);
      void compute();
    }
    // compute reads the current selection: it runs once, when the columns arrive.
  }, [cols, first, autoRan]);

  if (cols === null)
    return (
      <p className="muted small">
        <Spinner /> Reading the columns of the data…
      </p>
    );
  if ('code' in cols)
    return (
      <p className="field-error" role="alert" data-testid="fairness-error">
        <code className="error-code">{cols.code}</code> {cols.message}
      </p>
    );
  const candidates = cols.columns.filter((c) => c.name !== cols.dataset.labelColumn && c.distinct <= 64);
  return (
    <section className="ins-section" data-testid="insight-fairness" aria-label="Fairness">
      <form
        className="ins-settings"
        onSubmit={(e) => {
          e.preventDefault();
          void compute();
        }}
      >
        <label className="ins-field small">
          Sensitive attribute
          <select className="input input-sm" value={first} onChange={(e) => setFirst(e.target.value)} data-testid="fairness-attr">
            <option value="">(pick one)</option>
            {candidates.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.distinct} values{c.isFeature ? ', a model input' : ''})
              </option>
            ))}
          </select>
        </label>
        <label className="ins-field small">
          × second (intersection)
          <select className="input input-sm" value={second} onChange={(e) => setSecond(e.target.value)} data-testid="fairness-attr2">
            <option value="">(none)</option>
            {candidates
              .filter((c) => c.name !== first)
              .map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
          </select>
        </label>
        <label className="ins-field small">
          Threshold
          <input className="input input-sm" type="number" step={0.05} min={0} max={1} value={threshold} onChange={(e) => setThreshold(Math.max(0, Math.min(1, Number(e.target.value))))} data-testid="fairness-threshold" />
        </label>
        <button type="submit" className="button button-primary button-sm" disabled={!first || busy} aria-busy={busy || undefined} data-testid="fairness-compute">
          {busy ? <Spinner /> : null}
          {busy ? 'Computing…' : 'Compute'}
        </button>
      </form>
      <p className="muted small">
        On <span className="mono">{cols.dataset.label}</span>, label <code className="mono">{cols.dataset.labelColumn ?? '(none found)'}</code>. Suggested:{' '}
        {cols.suggested.length ? cols.suggested.slice(0, 5).join(', ') : 'no low-cardinality column'}.
      </p>
      {error ? (
        <p className="field-error" role="alert" data-testid="fairness-error">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : null}
      {report ? (
        <FairnessView r={report} />
      ) : busy ? null : (
        <EmptyState icon={InsightIcon} title="Whom does the model fail?" testId="fairness-empty">
          <p className="empty-text">
            Pick a sensitive attribute (and optionally a second one for their intersections): each group gets its size, selection rate, true and false positive rates, precision and
            calibration, with 95% bootstrap intervals, and the parity, opportunity and odds differences summarise the gaps.
          </p>
        </EmptyState>
      )}
    </section>
  );
}

function FairnessView({ r }: { r: FairnessReport }) {
  return (
    <div data-testid="fairness-result" data-groups={r.groups.length}>
      <table className="table small ins-summary" data-testid="fairness-summary">
        <thead>
          <tr>
            <th>Summary ({r.attributes.join(' × ')})</th>
            <th className="num">Value</th>
            <th>95% CI</th>
            <th>Between</th>
            <th>Ideal</th>
          </tr>
        </thead>
        <tbody>
          {SUMMARY.map((s) => {
            const m = r.summary[s.id];
            return (
              <tr key={s.id} data-testid={`fairness-${s.id}`}>
                <td>{s.label}</td>
                <td className="num mono">{fmt(m.value)}</td>
                <td className="mono">{ci(m)}</td>
                <td className="small">{m.max && m.min ? `${m.max} / ${m.min}` : '—'}</td>
                <td className="muted small">{s.ideal}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {r.notes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
      <div className="ins-grid-2" data-testid="fairness-charts">
        {METRICS.map((m) => (
          <HBarChart
            key={m.id}
            title={m.label}
            subtitle={`${m.what} · by ${r.attributes.join(' × ')} · 95% CI`}
            unit={m.label}
            tone={m.id === 'fpr' ? 'c' : 'a'}
            testId={`fairness-chart-${m.id}`}
            rows={r.groups
              .filter((g) => m.get(g) !== null)
              .map((g) => {
                const v = m.get(g)!;
                const c = g.ci[m.id] ?? null;
                const err: [number, number] | undefined = c ? [Math.max(0, v - c[0]), Math.max(0, c[1] - v)] : undefined;
                return { label: g.key, value: v, ci: c, err, note: `${g.size.toLocaleString()} rows, ${g.positives.toLocaleString()} positives` };
              })}
          />
        ))}
      </div>
      <table className="table small" data-testid="fairness-groups">
        <thead>
          <tr>
            <th>Group</th>
            <th className="num">Size</th>
            <th className="num">Selection rate</th>
            <th className="num">TPR</th>
            <th className="num">FPR</th>
            <th className="num">Precision</th>
            <th className="num">Mean score</th>
            <th className="num">Observed</th>
          </tr>
        </thead>
        <tbody>
          {r.groups.map((g) => (
            <tr key={g.key} data-testid="fairness-group" data-group={g.key}>
              <td>{g.key}</td>
              <td className="num mono">{g.size.toLocaleString()}</td>
              <td className="num mono">{pct(g.selectionRate)}</td>
              <td className="num mono">{pct(g.tpr)}</td>
              <td className="num mono">{pct(g.fpr)}</td>
              <td className="num mono">{pct(g.precision)}</td>
              <td className="num mono">{fmt(g.calibration.meanScore)}</td>
              <td className="num mono">{fmt(g.calibration.observedRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
