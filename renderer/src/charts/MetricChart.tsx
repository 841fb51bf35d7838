import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { toast } from '../app/toasts';
import { effectiveBackground, exportPng, exportSvg, findChartSvg } from './exportChart';
import { useElementWidth } from './useElementWidth';

export interface MetricPoint {
  step: number;
  value: number;
}

export interface MetricChartProps {
  /** Metric name: title, `data-metric-key`, export file name. */
  metricKey: string;
  steps: readonly number[];
  values: readonly number[];
  height?: number;
  /** Shown under the title (latest value, point counts…). */
  subtitle?: ReactNode;
  /** Extra header content, right-aligned before the export buttons. */
  actions?: ReactNode;
  loading?: boolean;
  error?: string | null;
  /** Base of exported file names (defaults to the metric key). */
  exportName?: string;
  /** Reports the measured plot width, e.g. to request about one point per pixel. */
  onWidth?: (width: number) => void;
  /** Shown when there is no data at all. */
  emptyText?: string;
  xLabel?: string;
  /** What the line is (e.g. the run name): the legend of exported pictures. */
  seriesLabel?: string;
}

const nf = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 6 });

function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}B`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e12)) return v.toExponential(4);
  return nf.format(v);
}

/** Finite points only; NaN / ±Infinity are counted so the chart can say it dropped them. */
export function finitePoints(steps: readonly number[], values: readonly number[]): { points: MetricPoint[]; dropped: number } {
  const points: MetricPoint[] = [];
  let dropped = 0;
  const n = Math.min(steps.length, values.length);
  for (let i = 0; i < n; i++) {
    const step = steps[i] as number;
    const value = values[i] as number;
    if (Number.isFinite(value) && Number.isFinite(step)) points.push({ step, value });
    else dropped++;
  }
  return { points, dropped };
}

function ChartTooltip({ active, payload }: { active?: boolean; payload?: ReadonlyArray<{ payload?: MetricPoint }> }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-value">{formatValue(p.value)}</div>
      <div className="chart-tooltip-step">step {nf.format(p.step)}</div>
    </div>
  );
}

/**
 * Line chart of one metric over steps (recharts). Sizes itself to its container, follows the theme
 * through CSS variables (see `.metric-chart` in theme.css), drops non-finite values with a note,
 * offers PNG/SVG export, and sets `performance.mark('mldesk:chart-rendered')` once drawn.
 */
export function MetricChart({
  metricKey,
  steps,
  values,
  height = 220,
  subtitle,
  actions,
  loading = false,
  error = null,
  exportName,
  onWidth,
  emptyText = 'No values logged yet',
  xLabel = 'step',
  seriesLabel,
}: MetricChartProps) {
  const root = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  const { points, dropped } = useMemo(() => finitePoints(steps, values), [steps, values]);
  const [exporting, setExporting] = useState(false);

  const onWidthRef = useRef(onWidth);
  useEffect(() => {
    onWidthRef.current = onWidth;
  });
  useEffect(() => {
    if (width > 0) onWidthRef.current?.(width);
  }, [width]);

  // Signal "drawn" once the line path is in the DOM for this data (benchmarks wait for it).
  useEffect(() => {
    if (width <= 0 || points.length === 0) return;
    let frames = 0;
    let raf = requestAnimationFrame(function check() {
      const drawn = root.current?.querySelector('.recharts-line-curve, .recharts-line-dot, .recharts-dot');
      if (drawn || ++frames > 30) {
        if (drawn) performance.mark('mldesk:chart-rendered', { detail: { metricKey, points: points.length } });
        return;
      }
      raf = requestAnimationFrame(check);
    });
    return () => cancelAnimationFrame(raf);
  }, [points, width, metricKey]);

  const doExport = async (kind: 'png' | 'svg') => {
    const svg = findChartSvg(body.current);
    if (!svg) {
      toast.warn('The chart has not been drawn yet');
      return;
    }
    const base = exportName ?? metricKey;
    const line = body.current?.querySelector('.recharts-line-curve');
    const color = line ? getComputedStyle(line).stroke : '';
    const opts = {
      title: metricKey,
      background: root.current ? effectiveBackground(root.current) : undefined,
      axes: { x: xLabel, y: metricKey },
      legend: seriesLabel ? [{ label: seriesLabel, color: color && color !== 'none' ? color : '#4e79a7' }] : undefined,
    };
    try {
      if (kind === 'svg') exportSvg(svg, base, opts);
      else {
        setExporting(true);
        await exportPng(svg, base, opts);
      }
    } catch (e) {
      toast.error(e, `Could not export ${metricKey} as ${kind.toUpperCase()}`);
    } finally {
      setExporting(false);
    }
  };

  const single = points.length === 1;
  return (
    <figure ref={root} className="metric-chart" data-testid="metric-chart" data-metric-key={metricKey} data-points={points.length} aria-busy={loading || undefined}>
      <figcaption className="metric-chart-head">
        <div className="metric-chart-titles">
          <span className="metric-chart-title mono" title={metricKey}>
            {metricKey}
          </span>
          {subtitle ? <span className="metric-chart-sub">{subtitle}</span> : null}
        </div>
        <div className="metric-chart-actions">
          {actions}
          <button type="button" className="button button-xs" onClick={() => void doExport('png')} disabled={points.length === 0 || exporting} title="Download as PNG" data-testid="btn-export-png">
            PNG
          </button>
          <button type="button" className="button button-xs" onClick={() => void doExport('svg')} disabled={points.length === 0} title="Download as SVG" data-testid="btn-export-svg">
            SVG
          </button>
        </div>
      </figcaption>
      <div ref={body} className="metric-chart-body" style={{ height }}>
        {error ? (
          <p className="metric-chart-msg text-danger">{error}</p>
        ) : points.length === 0 ? (
          <p className="metric-chart-msg muted">{loading ? 'Loading…' : dropped > 0 ? 'Every value is NaN or infinite' : emptyText}</p>
        ) : width > 0 ? (
          <LineChart width={width} height={height} data={points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="step"
              type="number"
              domain={single ? ['dataMin - 1', 'dataMax + 1'] : ['dataMin', 'dataMax']}
              tickFormatter={formatTick}
              tickLine={false}
              allowDecimals={false}
              minTickGap={24}
              height={24}
              name={xLabel}
            />
            <YAxis dataKey="value" type="number" domain={['auto', 'auto']} tickFormatter={formatTick} tickLine={false} axisLine={false} width={52} />
            <Tooltip content={<ChartTooltip />} isAnimationActive={false} cursor={{ className: 'chart-cursor' }} />
            <Line type="linear" dataKey="value" dot={single ? { r: 3 } : false} activeDot={{ r: 3.5 }} strokeWidth={1.6} isAnimationActive={false} connectNulls />
          </LineChart>
        ) : null}
      </div>
      {dropped > 0 && points.length > 0 ? (
        <p className="metric-chart-note" data-testid="chart-dropped-note">
          {dropped} non-finite value{dropped === 1 ? '' : 's'} (NaN or ±Infinity) not drawn
        </p>
      ) : null}
    </figure>
  );
}
