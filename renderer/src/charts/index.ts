/** Reusable charts (recharts) and chart export helpers. */
export { MetricChart, finitePoints, type MetricChartProps, type MetricPoint } from './MetricChart';
export { chartFileName, effectiveBackground, exportPng, exportSvg, findChartSvg, serializeSvg, svgToPng, type LegendItem, type SerializedSvg, type SerializeOptions } from './exportChart';
export { useElementWidth } from './useElementWidth';
export { useChartExport } from './useChartExport';
export { ExportButtons } from './ExportButtons';
export { clockTickFormatter, durationTickFormatter, formatClock, formatDuration, formatInteger, formatTick, formatValue } from './axisFormat';
export { ChartCard, cssVar, type ChartCardProps } from './ChartCard';
