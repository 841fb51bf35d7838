import { Fragment, useMemo, useState } from 'react';
import { CsvButton } from '../../../ui/CsvButton';
import { NoRunsOrItems, PanelHead, RunsHeadRow, formatNumber, type ComparePanelProps } from './common';
import { defaultGoal, isSystemMetric, metricSummaryCsv, summarizeMetrics, type Goal, type MetricCell } from './logic';

export interface MetricSummaryTableProps extends ComparePanelProps {
  /** Optimisation direction per metric key (default: loss / error / rmse / mae / mse → min, else max). */
  goal?: (key: string) => Goal;
  /** Base of the CSV file name (a date is appended). Default "mldesk-metrics". */
  exportName?: string;
}

/** Show a "find" box above the table from this many metric keys. */
const FILTER_FROM = 9;

function Cell({ cell, best }: { cell: MetricCell; best: boolean }) {
  const hasRange = cell.min !== null || cell.max !== null;
  const title = !cell.present ? 'Not logged by this run' : cell.last === null ? 'The latest value is NaN or infinite' : best ? 'Best of these runs' : undefined;
  return (
    <td className={best ? 'cmp-best' : undefined} data-best={best ? '1' : undefined} title={title}>
      <div className="cmp-last tabular">{cell.last === null ? <span className="cmp-missing">—</span> : formatNumber(cell.last)}</div>
      {hasRange ? (
        <div className="cmp-minmax tabular">
          min {cell.min === null ? '—' : formatNumber(cell.min)} · max {cell.max === null ? '—' : formatNumber(cell.max)}
        </div>
      ) : null}
    </td>
  );
}

/**
 * Metrics side by side: rows = metric keys (union, system/* last), columns = runs. Each cell shows the latest
 * value with min / max under it; the best run of each row (by latest value and the metric's goal) is highlighted.
 */
export function MetricSummaryTable({ runs, colorOf, goal = defaultGoal, exportName = 'mldesk-metrics' }: MetricSummaryTableProps) {
  const [q, setQ] = useState('');
  const all = useMemo(() => summarizeMetrics(runs, goal), [runs, goal]);
  const needle = q.trim().toLowerCase();
  const rows = needle ? all.filter((r) => r.key.toLowerCase().includes(needle)) : all;
  const firstSystem = rows.findIndex((r) => isSystemMetric(r.key));

  return (
    <section className="cmp-panel" data-testid="metric-summary-table" data-rows={rows.length}>
      <PanelHead title="Metrics" sub={`${all.length} metric${all.length === 1 ? '' : 's'} · latest value, min · max; best run highlighted`}>
        {all.length >= FILTER_FROM ? (
          <input
            className="input input-sm cmp-filter"
            type="search"
            placeholder="Find a metric…"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-label="Find a metric"
            data-testid="metric-summary-filter"
          />
        ) : null}
        <CsvButton base={exportName} rows={() => metricSummaryCsv(runs, rows)} disabled={rows.length === 0} testId="btn-export-metrics-csv" />
      </PanelHead>
      {runs.length === 0 || all.length === 0 ? (
        <NoRunsOrItems runs={runs.length} what="metrics" />
      ) : rows.length === 0 ? (
        <p className="cmp-empty muted">No metric matches “{q.trim()}”.</p>
      ) : (
        <div className="cmp-table-wrap">
          <table className="cmp-table cmp-metrics">
            <thead>
              <RunsHeadRow label="Metric" runs={runs} colorOf={colorOf} />
            </thead>
            <tbody>
              {rows.map((row, ri) => {
                const best = new Set(row.best);
                return (
                  <Fragment key={row.key}>
                    {ri === firstSystem && ri > 0 ? (
                      <tr className="cmp-group-row">
                        <th scope="rowgroup" colSpan={runs.length + 1}>
                          System metrics
                        </th>
                      </tr>
                    ) : null}
                    <tr
                      data-testid="metric-summary-row"
                      data-key={row.key}
                      data-goal={row.goal}
                      data-best={row.best.map((i) => runs[i]?.info.run_id ?? '').join(',')}
                    >
                      <th scope="row" className="cmp-key-col mono" title={`${row.key}\n${row.goal === 'min' ? 'lower' : 'higher'} is better`}>
                        <span className="cmp-goal" aria-label={row.goal === 'min' ? 'lower is better' : 'higher is better'}>
                          {row.goal === 'min' ? '↓' : '↑'}
                        </span>
                        {row.key}
                      </th>
                      {row.cells.map((c, i) => (
                        <Cell key={runs[i]?.info.run_id ?? i} cell={c} best={best.has(i)} />
                      ))}
                    </tr>
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
