import { useEffect, useId, useState } from 'react';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';
import { WhyDialog } from '../insight';
import { errorText, formatMs, prettyJson, summarizePrediction } from './format';

type Protocol = 'oip' | 'invocations';
type Example = { oip: string; invocations: string; source: string };
type Answer = { status: number; latencyMs: number; body: unknown };
type Err = { code: string; message: string };

const PROTOCOLS: readonly { id: Protocol; label: string; route: string }[] = [
  { id: 'oip', label: 'OIP v2', route: 'POST /v2/models/<name>/infer' },
  { id: 'invocations', label: '/invocations', route: 'POST /invocations' },
];

/**
 * "Try it": an example request built by the engine from the version's signature and a training row, editable,
 * sent through the engine (deploy.invoke) to the deployment; shows status, latency and the prediction.
 */
export function TryItPanel({ name, model, version, disabled }: { name: string; model: string; version: string; disabled?: string | null }) {
  const [example, setExample] = useState<Example | { error: Err } | null>(null);
  const [protocol, setProtocol] = useState<Protocol>('oip');
  const [bodies, setBodies] = useState<Record<Protocol, string>>({ oip: '', invocations: '' });
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<Err | null>(null);
  const bodyId = useId();
  /** The request body last answered, for "Why this prediction?" (its first row is explained). */
  const [sent, setSent] = useState<{ protocol: Protocol; body: Record<string, unknown> } | null>(null);
  const [why, setWhy] = useState(false);

  useEffect(() => {
    let alive = true;
    setExample(null);
    api.deploy.example({ model, version }).then(
      (ex) => {
        if (!alive) return;
        const e = { oip: prettyJson(ex.oip), invocations: prettyJson(ex.invocations), source: ex.source };
        setExample(e);
        setBodies({ oip: e.oip, invocations: e.invocations });
      },
      (e: unknown) => {
        if (!alive) return;
        const err = asMldeskError(e);
        setExample({ error: { code: err.code, message: err.message } });
        setBodies((b) => ({ oip: b.oip || '{\n  "inputs": []\n}', invocations: b.invocations || '{\n  "dataframe_records": []\n}' }));
      },
    );
    return () => {
      alive = false;
    };
  }, [model, version]);

  const send = async () => {
    let body: unknown;
    try {
      body = JSON.parse(bodies[protocol]);
    } catch (e) {
      setError({ code: 'INVALID_INPUT', message: `The request body is not valid JSON: ${(e as Error).message}` });
      return;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      setError({ code: 'INVALID_INPUT', message: 'The request body must be a JSON object' });
      return;
    }
    setSending(true);
    setError(null);
    try {
      setAnswer(await api.deploy.invoke({ name, protocol, body: body as Record<string, unknown> }));
      setSent({ protocol, body: body as Record<string, unknown> });
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
      setAnswer(null);
    } finally {
      setSending(false);
    }
  };

  const prediction = answer && answer.status < 300 ? summarizePrediction(answer.body) : null;
  const failure = answer && answer.status >= 300 ? errorText(answer.body) : null;
  const route = PROTOCOLS.find((p) => p.id === protocol)?.route ?? '';

  return (
    <section className="tryit" data-testid="tryit" aria-label="Try it">
      <div className="tryit-head">
        <h3 className="section-title">Try it</h3>
        <div className="segmented" role="radiogroup" aria-label="Protocol">
          {PROTOCOLS.map((p) => (
            <button
              key={p.id}
              type="button"
              role="radio"
              aria-checked={protocol === p.id}
              className={protocol === p.id ? 'active' : undefined}
              onClick={() => setProtocol(p.id)}
              data-testid={`tryit-protocol-${p.id}`}
            >
              {p.label}
            </button>
          ))}
        </div>
      </div>
      {example === null ? (
        <p className="muted small">
          <Spinner /> Building an example request from the model’s signature…
        </p>
      ) : 'error' in example ? (
        <p className="callout small" data-testid="tryit-example-error">
          No example request: <code className="error-code">{example.error.code}</code> {example.error.message}. Write the body by hand.
        </p>
      ) : (
        <p className="muted small" data-testid="tryit-source">
          Example built from {example.source}. Edit it freely.
        </p>
      )}
      <label htmlFor={bodyId} className="tryit-label small">
        Request body <span className="muted mono">{route}</span>
      </label>
      <textarea
        id={bodyId}
        className="input textarea mono tryit-body"
        spellCheck={false}
        rows={8}
        value={bodies[protocol]}
        onChange={(e) => setBodies((b) => ({ ...b, [protocol]: e.target.value }))}
        onKeyDown={(e) => {
          // Ctrl/Cmd+Enter sends (Enter alone is a newline in the JSON).
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            e.stopPropagation();
            if (!sending && !disabled && example !== null) void send();
          }
        }}
        data-testid="tryit-body"
      />
      <div className="tryit-actions">
        <button type="button" className="button button-primary" onClick={() => void send()} disabled={sending || !!disabled || example === null} aria-busy={sending || undefined} data-testid="tryit-send" title="Send (Ctrl+Enter)">
          {sending ? <Spinner /> : null}
          {sending ? 'Sending…' : 'Send request'}
        </button>
        {example && !('error' in example) ? (
          <button type="button" className="button" onClick={() => setBodies((b) => ({ ...b, [protocol]: example[protocol] }))} disabled={bodies[protocol] === example[protocol]}>
            Reset example
          </button>
        ) : null}
        {disabled ? <span className="muted small">{disabled}</span> : null}
      </div>
      {error ? (
        <p className="field-error" role="alert" data-testid="tryit-error">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : null}
      {answer ? (
        <div className="tryit-answer" data-testid="tryit-answer" data-status={answer.status}>
          <div className="tryit-meta">
            <span className={`badge ${answer.status < 300 ? 'badge-ok' : 'badge-danger'}`} data-testid="tryit-status">
              HTTP {answer.status}
            </span>
            <span className="muted small" data-testid="tryit-latency">
              {formatMs(answer.latencyMs)}
            </span>
          </div>
          {prediction && sent ? (
            <button type="button" className="button button-xs" onClick={() => setWhy(true)} data-testid="tryit-why" title="Explain the first row of this request: SHAP and LIME waterfalls">
              Why this prediction?
            </button>
          ) : null}
          {prediction ? (
            <dl className="tryit-prediction" data-testid="tryit-prediction" aria-label="Prediction">
              {prediction.map((p, i) => (
                <div key={i} className="tryit-prediction-row">
                  <dt>{p.label}</dt>
                  <dd className="mono">{p.value}</dd>
                </div>
              ))}
            </dl>
          ) : failure ? (
            <p className="text-danger small" data-testid="tryit-failure">
              {failure}
            </p>
          ) : null}
          <details className="tryit-raw">
            <summary className="small">Raw response</summary>
            <pre className="code-box tryit-raw-body">{prettyJson(answer.body)}</pre>
          </details>
        </div>
      ) : null}
      {why && sent ? <WhyDialog model={model} version={version} source={{ request: sent }} onClose={() => setWhy(false)} /> : null}
    </section>
  );
}
