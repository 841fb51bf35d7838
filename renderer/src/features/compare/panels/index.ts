/**
 * Comparison panels for a set of selected runs. Each takes `{ runs, colorOf }` (+ optional props);
 * pure logic lives in ./logic (unit-tested in tests/comparePanels.test.ts).
 */
export { ParamDiffTable, type ParamDiffTableProps } from './ParamDiffTable';
export { MetricSummaryTable, type MetricSummaryTableProps } from './MetricSummaryTable';
export { ParallelCoordinates, type ParallelCoordinatesProps } from './ParallelCoordinates';
export { ScatterPlot, type ScatterPlotProps } from './ScatterPlot';
export type { ComparePanelProps } from './common';
export {
  collectMetricKeys,
  collectParamKeys,
  decodeAxisRef,
  defaultGoal,
  defaultMetricKey,
  encodeAxisRef,
  runLabel,
  type AxisRef,
  type Goal,
} from './logic';
