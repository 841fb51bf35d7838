import type { RunRow } from '../../../../shared/contract';
import { MetricSummaryTable, ParallelCoordinates, ParamDiffTable, ScatterPlot } from './panels';
import { useCompare } from './store';
import type { PanelTab } from './url';

const TABS: readonly { id: PanelTab; label: string }[] = [
  { id: 'params', label: 'Params diff' },
  { id: 'summary', label: 'Metric summary' },
  { id: 'parallel', label: 'Parallel coordinates' },
  { id: 'scatter', label: 'Scatter' },
];

/** Params diff, metric summary, parallel coordinates and scatter of the compared runs; settings live in the URL. */
export function ComparePanels({ runs, colorOf, deferred = false }: { runs: readonly RunRow[]; colorOf: (runId: string) => string; deferred?: boolean }) {
  const tab = useCompare((s) => s.view.tab);
  const diffOnly = useCompare((s) => s.view.diffOnly);
  const scatterX = useCompare((s) => s.view.scatterX);
  const scatterY = useCompare((s) => s.view.scatterY);
  const pcMetric = useCompare((s) => s.view.pcMetric);
  const pcParams = useCompare((s) => s.view.pcParams);
  const set = useCompare.getState().setView;
  return (
    <section className="compare-panels" aria-label="Run details">
      <div className="tabs compare-tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            className={`tab${tab === t.id ? ' active' : ''}`}
            aria-selected={tab === t.id}
            onClick={() => set({ tab: t.id })}
            data-testid={`compare-tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="compare-panel-body" role="tabpanel" data-tab={tab}>
        {deferred || runs.length === 0 ? null : tab === 'params' ? (
          <ParamDiffTable runs={runs} colorOf={colorOf} diffOnly={diffOnly} onDiffOnlyChange={(on) => set({ diffOnly: on })} exportName="compare-params" />
        ) : tab === 'summary' ? (
          <MetricSummaryTable runs={runs} colorOf={colorOf} exportName="compare-metrics" />
        ) : tab === 'parallel' ? (
          <ParallelCoordinates
            runs={runs}
            colorOf={colorOf}
            metricKey={pcMetric ?? undefined}
            onMetricKeyChange={(k) => set({ pcMetric: k })}
            paramKeys={pcParams ?? undefined}
            onParamKeysChange={(keys) => set({ pcParams: keys })}
          />
        ) : (
          <ScatterPlot runs={runs} colorOf={colorOf} x={scatterX ?? undefined} y={scatterY ?? undefined} onAxesChange={({ x, y }) => set({ scatterX: x, scatterY: y })} />
        )}
      </div>
    </section>
  );
}
