import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../shared/contract';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';
import { fmt } from './format';
import { WhyDialog } from './LocalExplain';
import './insight.css';

type Inference = Output<'insight.inferences'>[number];

/** The latest recorded inferences of a deployment, each with "Why this prediction?" (the waterfall of its first row). */
export function RecentInferences({ deployment, model, version, refresh }: { deployment: string; model: string; version: string; refresh?: number }) {
  const [list, setList] = useState<Inference[] | { code: string; message: string } | null>(null);
  const [open, setOpen] = useState<Inference | null>(null);
  const load = useCallback(() => {
    api.insight.inferences({ deployment, limit: 10 }).then(
      (l) => setList(l),
      (e: unknown) => {
        const err = asMldeskError(e);
        setList({ code: err.code, message: err.message });
      },
    );
  }, [deployment]);
  useEffect(load, [load, refresh]);
  return (
    <div className="card ins-recent" data-testid="recent-inferences">
      <div className="deploy-card-head">
        <h3 className="card-title">Recent predictions</h3>
        <button type="button" className="button button-xs" onClick={load}>
          Reload
        </button>
      </div>
      {list === null ? (
        <p className="muted small">
          <Spinner /> Loading…
        </p>
      ) : 'code' in list ? (
        <p className="field-error" role="alert">
          <code className="error-code">{list.code}</code> {list.message}
        </p>
      ) : list.length === 0 ? (
        <p className="muted small">No inference recorded yet. Each one lands here with a “Why?” button that explains it (SHAP, LIME).</p>
      ) : (
        <table className="table small">
          <thead>
            <tr>
              <th>Time</th>
              <th className="num">Rows</th>
              <th className="num">Score</th>
              <th>Inputs</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.seq} data-testid="recent-inference" data-seq={r.seq}>
                <td className="mono">{new Date(r.time).toLocaleTimeString()}</td>
                <td className="num">{r.rows}</td>
                <td className="num mono">{fmt(r.score, 4)}</td>
                <td className="mono truncate ins-recent-row" title={r.row ? JSON.stringify(r.row) : undefined}>
                  {r.row ? Object.entries(r.row).slice(0, 4).map(([k, v]) => `${k}=${String(v)}`).join(', ') : '—'}
                </td>
                <td>
                  <button type="button" className="button button-xs" disabled={!r.row || r.status >= 300} onClick={() => setOpen(r)} data-testid="why-inference" title="Explain this prediction">
                    Why?
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open ? <WhyDialog model={model} version={version} source={{ record: { deployment, seq: open.seq, index: 0 } }} title={`Why this prediction? (request ${open.id.slice(0, 8)})`} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}
