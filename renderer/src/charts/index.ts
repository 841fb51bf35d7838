/** Reusable charts (recharts) and chart export helpers. */
export { MetricChart, finitePoints, type MetricChartProps, type MetricPoint } from './MetricChart';
export { chartFileName, effectiveBackground, exportPng, exportSvg, findChartSvg, serializeSvg, svgToPng, type SerializedSvg, type SerializeOptions } from './exportChart';
export { useElementWidth } from './useElementWidth';
export { useChartExport } from './useChartExport';
export { clockTickFormatter, durationTickFormatter, formatClock, formatDuration, formatInteger, formatTick, formatValue } from './axisFormat';
