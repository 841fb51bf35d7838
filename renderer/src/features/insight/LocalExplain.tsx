import { useEffect, useState } from 'react';
import type { Input, LocalMethod, LocalResult } from '../../../../shared/contract';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { Dialog } from '../../ui/Dialog';
import { Spinner } from '../../ui/Spinner';
import { Waterfall } from './charts';
import { fmt, METHOD_LABEL } from './format';

/** Where the row comes from: given, a recorded inference, or the request the Try-it panel sends. */
export type RowSource = Pick<Input<'insight.local'>, 'row' | 'record' | 'request'>;

const METHODS: LocalMethod[] = ['treeshap', 'kernelshap', 'lime'];
const HINT: Record<LocalMethod, string> = {
  treeshap: 'Exact Shapley values of a tree ensemble (in its log-odds); only for tree models.',
  kernelshap: 'Model-agnostic Shapley estimate in probability space; additive by construction.',
  lime: 'A sparse linear surrogate fitted around the row; its R² says how faithful it is.',
};

type State = { status: 'idle' } | { status: 'loading' } | { status: 'ok'; result: LocalResult } | { status: 'error'; code: string; message: string };

/** Explains one prediction with the chosen methods and draws a waterfall per method. */
export function LocalExplain({ model, version, source, auto = true }: { model: string; version: string; source: RowSource | null; auto?: boolean }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const [shown, setShown] = useState<LocalMethod | null>(null);
  const key = JSON.stringify([model, version, source]);

  const run = async () => {
    if (!source) return;
    setState({ status: 'loading' });
    try {
      const result = await api.insight.local({ model, version, ...source, methods: METHODS });
      setState({ status: 'ok', result });
      setShown((s) => (s && result.explanations.some((e) => e.method === s) ? s : (result.explanations[0]?.method ?? null)));
    } catch (e) {
      const err = asMldeskError(e);
      setState({ status: 'error', code: err.code, message: err.message });
    }
  };
  useEffect(() => {
    if (auto && source) void run();
    else setState({ status: 'idle' });
    // `key` stands for model, version and source (a new object each render otherwise).
  }, [key, auto]);

  if (!source) return <p className="muted small">Pick a row to explain.</p>;
  if (state.status === 'idle')
    return (
      <button type="button" className="button button-primary" onClick={() => void run()} data-testid="local-explain-run">
        Explain this prediction
      </button>
    );
  if (state.status === 'loading')
    return (
      <p className="muted small" data-testid="local-explain-loading">
        <Spinner /> Explaining with TreeSHAP, KernelSHAP and LIME…
      </p>
    );
  if (state.status === 'error')
    return (
      <div>
        <p className="field-error" role="alert" data-testid="local-explain-error">
          <code className="error-code">{state.code}</code> {state.message}
        </p>
        <button type="button" className="button button-sm" onClick={() => void run()}>
          Try again
        </button>
      </div>
    );
  const r = state.result;
  const current = r.explanations.find((e) => e.method === shown) ?? r.explanations[0];
  return (
    <div className="ins-local" data-testid="local-explain">
      <div className="ins-local-head">
        <span>
          Prediction <strong className="mono" data-testid="local-prediction">{fmt(r.prediction, 4)}</strong>
        </span>
        <span className="muted small">background: {r.background.label}</span>
        <div className="segmented" role="radiogroup" aria-label="Explanation method">
          {r.explanations.map((e) => (
            <button key={e.method} type="button" role="radio" aria-checked={current?.method === e.method} className={current?.method === e.method ? 'active' : undefined} onClick={() => setShown(e.method)} title={HINT[e.method]} data-testid={`local-method-${e.method}`}>
              {METHOD_LABEL[e.method]}
            </button>
          ))}
        </div>
      </div>
      {current ? (
        <>
          <p className="muted small">
            {HINT[current.method]} {current.method === 'lime' ? <span data-testid="lime-r2">Fidelity R² = {fmt(current.r2, 3)}.</span> : null} Computed in {Math.round(current.tookMs)} ms.
          </p>
          <Waterfall e={current} prediction={r.prediction} />
        </>
      ) : null}
      {r.skipped.map((s) => (
        <p key={s.method} className="muted small" data-testid={`local-skipped-${s.method}`}>
          {METHOD_LABEL[s.method]}: {s.reason}.
        </p>
      ))}
    </div>
  );
}

/** "Why this prediction?": the waterfall of one prediction in a dialog (Try it, Monitoring). */
export function WhyDialog({ model, version, source, title, onClose }: { model: string; version: string; source: RowSource; title?: string; onClose: () => void }) {
  return (
    <Dialog title={title ?? 'Why this prediction?'} description={`${model} v${version}`} onClose={onClose} size="lg" testId="why-dialog">
      <LocalExplain model={model} version={version} source={source} />
    </Dialog>
  );
}
