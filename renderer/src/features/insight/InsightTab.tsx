import { useEffect, useId, useState } from 'react';
import type { InsightRow } from '../../../../shared/contract';
import { api } from '../../api/client';
import { FairnessPanel } from './FairnessPanel';
import { rowOfBody } from './format';
import { GlobalPanel } from './GlobalPanel';
import { LocalExplain, type RowSource } from './LocalExplain';
import { ModelCardPanel } from './ModelCardPanel';
import './insight.css';

type View = 'global' | 'local' | 'fairness' | 'card';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'global', label: 'Explanations' },
  { id: 'local', label: 'One prediction' },
  { id: 'fairness', label: 'Fairness' },
  { id: 'card', label: 'Model card' },
];

/** One prediction to explain: a row (JSON) prefilled from a training row, edited freely. */
function LocalPanel({ model, version }: { model: string; version: string }) {
  const [text, setText] = useState('');
  const [source, setSource] = useState<RowSource | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();
  useEffect(() => {
    let alive = true;
    api.deploy.example({ model, version }).then(
      (ex) => {
        const row = rowOfBody(ex.invocations);
        if (!alive || !row) return;
        setText(JSON.stringify(row, null, 2));
        setSource({ row });
      },
      () => alive && setText('{\n  \n}'),
    );
    return () => {
      alive = false;
    };
  }, [model, version]);
  const apply = () => {
    try {
      const row = JSON.parse(text) as unknown;
      if (!row || typeof row !== 'object' || Array.isArray(row)) throw new Error('a JSON object of column → value');
      setProblem(null);
      setSource({ row: row as InsightRow });
    } catch (e) {
      setProblem(`The row is not valid: ${(e as Error).message}`);
    }
  };
  return (
    <section className="ins-section ins-local-panel" data-testid="insight-local" aria-label="Explain one prediction">
      <div className="ins-local-input">
        <label htmlFor={id} className="small">
          Row (a training row to start with; edit any value)
        </label>
        <textarea
          id={id}
          className="input textarea mono"
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              apply();
            }
          }}
          data-testid="local-row"
        />
        <button type="button" className="button button-sm" onClick={apply} title="Explain (Ctrl+Enter)" data-testid="local-apply">
          Explain this row
        </button>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
      <div className="ins-local-out">
        <LocalExplain model={model} version={version} source={source} />
      </div>
    </section>
  );
}

/** The Insight tab of a model version: global explanations, one prediction, fairness, the model card. */
export function InsightTab({ model, version }: { model: string; version: string }) {
  const [view, setView] = useState<View>('global');
  return (
    <div className="ins-tab" data-testid="insight-tab" data-model={model} data-version={version}>
      <div className="segmented ins-views" role="tablist" aria-label="Insight views">
        {VIEWS.map((v) => (
          <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className={view === v.id ? 'active' : undefined} onClick={() => setView(v.id)} data-testid={`insight-view-${v.id}`}>
            {v.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={VIEWS.find((v) => v.id === view)?.label}>
        {view === 'global' ? <GlobalPanel model={model} version={version} /> : null}
        {view === 'local' ? <LocalPanel model={model} version={version} /> : null}
        {view === 'fairness' ? <FairnessPanel model={model} version={version} /> : null}
        {view === 'card' ? <ModelCardPanel model={model} version={version} /> : null}
      </div>
    </div>
  );
}
