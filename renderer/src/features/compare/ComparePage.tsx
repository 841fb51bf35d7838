import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { RefreshIcon } from '../../app/icons';
import { useReadyWhen } from '../../app/ready';
import { navigate } from '../../app/router';
import { PALETTE, useViewColors } from '../../lib/runColors';
import { Spinner } from '../../ui/Spinner';
import { compareGroupLabels, groupValue } from './aggregate';
import { CompareChart } from './CompareChart';
import { CompareEmpty } from './CompareEmpty';
import { ComparePanels } from './ComparePanels';
import { CompareLegend } from './Legend';
import type { GroupDef } from './model';
import { selectShownKeys, useCompare } from './store';
import { CompareToolbar } from './Toolbar';

const NO_GROUP = '';

function buildGroups(runs: readonly RunRow[], groupBy: string): GroupDef[] {
  const byValue = new Map<string, string[]>();
  for (const r of runs) {
    const v = groupValue(r, groupBy) ?? NO_GROUP;
    let ids = byValue.get(v);
    if (!ids) byValue.set(v, (ids = []));
    ids.push(r.info.run_id);
  }
  const name = groupBy.slice(groupBy.indexOf('.') + 1);
  return [...byValue.keys()].sort(compareGroupLabels).map((value, i) => ({
    value,
    label: value === NO_GROUP ? `${name} not set` : `${name}=${value}`,
    color: PALETTE[i % PALETTE.length]!,
    runIds: byValue.get(value)!,
  }));
}

/** Runs side by side: one chart per metric (all runs overlaid or grouped), then params / summary / parallel / scatter. */
export default function ComparePage() {
  const page = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => useCompare.getState().open(), []);

  const runIds = useCompare((s) => s.view.runIds);
  const exp = useCompare((s) => s.view.exp);
  const hidden = useCompare((s) => s.view.hidden);
  const group = useCompare((s) => s.view.group);
  const runs = useCompare((s) => s.runs);
  const runsStatus = useCompare((s) => s.runsStatus);
  const runsError = useCompare((s) => s.runsError);
  const missing = useCompare((s) => s.missing);
  const metricKeys = useCompare((s) => s.metricKeys);
  const keysStatus = useCompare((s) => s.keysStatus);
  const shown = useCompare(selectShownKeys);
  // The panels (a 100-column params table…) wait until the charts are drawn, or a second at most.
  const drawnNow = useCompare((s) => s.runsStatus === 'ready' && s.readyFor === s.loadId);
  const [late, setLate] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setLate(true), 1000);
    return () => clearTimeout(t);
  }, []);
  const chartsDrawn = drawnNow || late;
  useReadyWhen(runsStatus === 'ready' || runsStatus === 'error');

  // The same colour per run as the runs table (distinct among up to 20 compared runs; remembered across pages).
  // Live updates refresh the rows every second (latest metrics for the panels); the charts only care about
  // ids, names, start times and group values, so they get a list that changes only with those.
  const ids = useMemo(() => runs.map((r) => r.info.run_id), [runs]);
  const colorOf = useViewColors(ids);
  const visible = useMemo(() => {
    if (hidden.length === 0) return runs;
    const h = new Set(hidden);
    return runs.filter((r) => !h.has(r.info.run_id));
  }, [runs, hidden]);
  const chartSig = visible.map((r) => `${r.info.run_id}|${r.info.run_name}|${r.info.start_time ?? ''}|${group ? (groupValue(r, group) ?? '') : ''}`).join('\n');
  const chartRuns = useMemo(() => visible, [chartSig]);
  const groups = useMemo(() => (group ? buildGroups(chartRuns, group) : null), [chartRuns, group]);

  if (runsStatus === 'idle') {
    return (
      <div className="page page-loading">
        <Spinner label="Loading comparison" size={16} />
      </div>
    );
  }
  if (runIds.length === 0) {
    return (
      <div className="page compare-page" data-testid="compare-page">
        <CompareEmpty experimentIds={exp.length ? exp.join(',') : undefined} />
      </div>
    );
  }

  const backToRuns = () => navigate('/runs', exp.length ? { exp: exp.join(',') } : undefined);
  return (
    <div ref={page} className="page compare-page" data-testid="compare-page">
      <header className="page-header compare-head">
        <div className="page-title-group">
          <button type="button" className="link-button small" onClick={backToRuns} title="Back to the runs table">
            ← Runs
          </button>
          <h1 className="page-title">Compare</h1>
          {runsStatus === 'ready' ? (
            <span className="count-pill" data-testid="compare-run-count" data-count={runs.length}>
              {runs.length} run{runs.length === 1 ? '' : 's'}
            </span>
          ) : null}
          {runsStatus === 'loading' || keysStatus === 'loading' ? <Spinner label="Loading" /> : null}
          {missing.length > 0 ? (
            <span className="compare-missing" title={missing.join('\n')} data-testid="compare-missing">
              {missing.length} run{missing.length === 1 ? '' : 's'} not found
            </span>
          ) : null}
        </div>
        <CompareToolbar runs={runs} metricKeys={metricKeys} shown={shown} />
      </header>
      <div className="page-body compare-body">
        {runsStatus === 'error' ? (
          <div className="error-panel" role="alert" data-testid="compare-error">
            <h2>Could not load the runs</h2>
            <p>
              <code className="error-code">{runsError?.code}</code> {runsError?.message}
            </p>
            <button type="button" className="button" onClick={() => useCompare.getState().reload()}>
              <RefreshIcon />
              Retry
            </button>
          </div>
        ) : runsStatus === 'ready' && runs.length === 0 ? (
          <div className="tab-empty" data-testid="compare-none-found">
            <p>None of the runs in this link exist any more.</p>
            <p>
              <button type="button" className="link-button" onClick={backToRuns}>
                Pick runs in the Runs table
              </button>
            </p>
          </div>
        ) : (
          <>
            {runs.length > 0 ? <CompareLegend runs={runs} colorOf={colorOf} groups={groups} pageRef={page} /> : null}
            {shown.length > 0 ? (
              <div className="compare-grid">
                {shown.map((k) => (
                  <CompareChart key={k} metricKey={k} runs={chartRuns} colorOf={colorOf} groups={groups} />
                ))}
              </div>
            ) : keysStatus === 'loading' || runsStatus === 'loading' ? (
              <div className="page-loading">
                <Spinner label="Loading metrics" size={16} />
              </div>
            ) : keysStatus === 'error' ? (
              <div className="tab-empty">
                <p className="text-danger">Could not list the metrics of these runs.</p>
                <button type="button" className="button" onClick={() => useCompare.getState().reload()}>
                  <RefreshIcon />
                  Retry
                </button>
              </div>
            ) : (
              <div className="tab-empty" data-testid="compare-no-metrics">
                <p>{metricKeys.length > 0 ? 'Only system metrics were logged: turn them on in Metrics.' : 'These runs have not logged any metric yet.'}</p>
              </div>
            )}
            <ComparePanels runs={visible} colorOf={colorOf} deferred={!chartsDrawn} />
          </>
        )}
      </div>
    </div>
  );
}
