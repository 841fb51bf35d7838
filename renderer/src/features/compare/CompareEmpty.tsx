import { navigate } from '../../app/router';
import { RunsIcon } from '../../app/icons';
import { EmptyState } from '../../ui/EmptyState';
import { CompareIcon } from './icon';
import { lastComparison } from './target';

/** No runs in the URL: how to pick some. */
export function CompareEmpty({ experimentIds }: { experimentIds: string | undefined }) {
  const last = lastComparison();
  return (
    <EmptyState icon={CompareIcon} title="No runs to compare" testId="compare-empty" className="compare-empty">
      <p className="empty-text">
        Open the <strong>Runs</strong> table, tick the checkboxes of the runs you want side by side (two or more), then press <strong>Compare</strong>.
        Metrics are overlaid one chart per key, with params, a metric summary, parallel coordinates and a scatter plot below.
      </p>
      <p className="muted small">
        The link keeps the whole comparison (runs, metrics, smoothing, zoom…): share it or bookmark it, e.g. <code>#/compare?runs=&lt;id&gt;,&lt;id&gt;</code>.
      </p>
      <div className="button-row center">
        <button type="button" className="button button-primary" onClick={() => navigate('/runs', experimentIds ? { exp: experimentIds } : undefined)} data-testid="compare-go-runs">
          <RunsIcon />
          Go to Runs
        </button>
        {last ? (
          <button type="button" className="button" onClick={() => navigate('/compare', last)} data-testid="compare-reopen-last">
            Reopen the last comparison ({last.runs?.split(',').length ?? 0} runs)
          </button>
        ) : null}
      </div>
    </EmptyState>
  );
}
