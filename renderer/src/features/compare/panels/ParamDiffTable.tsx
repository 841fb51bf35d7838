import { useMemo } from 'react';
import { CsvButton } from '../../../ui/CsvButton';
import { NoRunsOrItems, PanelHead, RunsHeadRow, useControllable, type ComparePanelProps } from './common';
import { diffParams, paramDiffCsv, runLabel, visibleParamRows } from './logic';

export interface ParamDiffTableProps extends ComparePanelProps {
  /** "Differences only" (default on). Pass it with `onDiffOnlyChange` to keep it in the URL. */
  diffOnly?: boolean;
  onDiffOnlyChange?: (on: boolean) => void;
  /** Base of the CSV file name (a date is appended). Default "mldesk-params". */
  exportName?: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Params side by side: rows = param keys (union), columns = runs. Cells that differ from the first run are
 * highlighted; "Differences only" hides params equal across all runs (a missing value counts as a value).
 */
export function ParamDiffTable({ runs, colorOf, diffOnly: diffOnlyProp, onDiffOnlyChange, exportName = 'mldesk-params' }: ParamDiffTableProps) {
  const [diffOnlyValue, setDiffOnly] = useControllable(diffOnlyProp, onDiffOnlyChange);
  const diffOnly = diffOnlyValue ?? true;
  const diff = useMemo(() => diffParams(runs), [runs]);
  // A single run has nothing to differ from: show its params.
  const comparable = runs.length > 1;
  const rows = visibleParamRows(diff, diffOnly && comparable);
  const first = runs[0];

  return (
    <section className="cmp-panel" data-testid="params-diff-table" data-total={diff.total} data-differ={diff.differing} data-rows={rows.length}>
      <PanelHead
        title="Parameters"
        sub={
          <span data-testid="params-diff-counts">
            {plural(diff.total, 'param', 'params')}, {diff.differing} differ{diff.differing === 1 ? 's' : ''}
          </span>
        }
      >
        <label className="cmp-check">
          <input type="checkbox" checked={diffOnly} disabled={!comparable} onChange={(e) => setDiffOnly(e.target.checked)} data-testid="params-diff-only" />
          Differences only
        </label>
        <CsvButton base={exportName} rows={() => paramDiffCsv(runs, rows)} disabled={rows.length === 0} testId="btn-export-params-csv" />
      </PanelHead>
      {runs.length === 0 || diff.total === 0 ? (
        <NoRunsOrItems runs={runs.length} what="parameters" />
      ) : rows.length === 0 ? (
        <p className="cmp-empty muted" data-testid="params-all-equal">
          All {plural(diff.total, 'parameter is', 'parameters are')} equal across these runs.{' '}
          <button type="button" className="link-button" onClick={() => setDiffOnly(false)}>
            Show all
          </button>
        </p>
      ) : (
        <div className="cmp-table-wrap">
          <table className="cmp-table">
            <thead>
              <RunsHeadRow label="Parameter" runs={runs} colorOf={colorOf} />
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} data-testid="param-diff-row" data-key={row.key} data-differs={row.differs ? '1' : '0'} className={row.differs ? 'cmp-row-differs' : undefined}>
                  <th scope="row" className="cmp-key-col mono" title={row.key}>
                    {row.key}
                  </th>
                  {row.values.map((v, i) => {
                    const changed = row.changed[i] ?? false;
                    const runId = runs[i]?.info.run_id ?? String(i);
                    const hint = changed && first ? ` (differs from ${runLabel(first)})` : '';
                    return (
                      <td key={runId} className={`mono${changed ? ' cmp-changed' : ''}`} data-changed={changed ? '1' : undefined} title={`${v ?? 'not set'}${hint}`}>
                        {v === null ? <span className="cmp-missing">—</span> : v === '' ? <span className="cmp-missing">(empty)</span> : v}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
