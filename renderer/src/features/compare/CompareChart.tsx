import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { CartesianGrid, ComposedChart, XAxis, YAxis } from 'recharts';
import type { RunRow } from '../../../../shared/contract';
import { clockTickFormatter, durationTickFormatter, formatClock, formatDuration, formatInteger, formatTick, useChartExport, useElementWidth } from '../../charts';
import { linearTicks, logTicks, timeTicks } from '../../charts/ticks';
import { ChartProbe, HoverLayer, Pointer, pointerHandlers, type Geometry } from './HoverLayer';
import { buildModel, type GroupDef } from './model';
import { SeriesLayer } from './SeriesLayer';
import { useCompare } from './store';
import type { XMode } from './url';

export interface CompareChartProps {
  metricKey: string;
  /** Runs drawn (hidden ones already removed), in legend order. */
  runs: readonly RunRow[];
  colorOf: (runId: string) => string;
  groups: readonly GroupDef[] | null;
  height?: number;
}

const MARGIN = { top: 8, right: 16, bottom: 4, left: 4 };
const Y_AXIS_W = 56;
const EMPTY = {};

function xFormatters(x: XMode, domain: [number, number] | null): { tick: (v: number) => string; full: (v: number) => string; label: string } {
  const span = domain ? domain[1] - domain[0] : 0;
  if (x === 'wall') return { tick: clockTickFormatter(span), full: formatClock, label: 'wall time' };
  if (x === 'relative') return { tick: durationTickFormatter(span), full: formatDuration, label: 'relative time' };
  return { tick: formatTick, full: (v) => `step ${formatInteger(v)}`, label: 'step' };
}

/** One metric, every compared run overlaid (or one mean line + band per group). */
export const CompareChart = memo(function CompareChart({ metricKey, runs, colorOf, groups, height = 240 }: CompareChartProps) {
  const card = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);

  const x = useCompare((s) => s.view.x);
  const smooth = useCompare((s) => s.view.smooth);
  const clip = useCompare((s) => s.view.clip);
  const band = useCompare((s) => s.view.band);
  const log = useCompare((s) => s.view.log.includes(metricKey));
  const zoom = useCompare((s) => s.view.zoom[metricKey]);
  const data = useCompare((s) => s.data[metricKey]);
  const zoomData = useCompare((s) => s.zoomData[metricKey]);
  const runsReady = useCompare((s) => s.runsStatus === 'ready');
  const runsKnown = useCompare((s) => s.runsStatus === 'ready' || s.runsStatus === 'loading');
  const loadId = useCompare((s) => s.loadId);

  // About one point per pixel of the chart; the store only refetches on a real resize.
  // Two points per CSS pixel: crisp on HiDPI screens, and ≥ 1000 points per series on a half-width chart.
  const maxPoints = width > 0 ? Math.max(100, Math.round(width * 2)) : 0;
  useEffect(() => {
    if (maxPoints > 0 && runsKnown) useCompare.getState().requestSeries(metricKey, maxPoints);
  }, [metricKey, maxPoints, runsKnown, runsReady, loadId]);
  useEffect(() => {
    if (zoom && maxPoints > 0 && runsReady) useCompare.getState().requestZoom(metricKey, maxPoints);
  }, [metricKey, zoom, x, maxPoints, runsReady, loadId]);

  const zoomSeries = zoom && zoomData?.status === 'ready' ? zoomData.series : null;
  const model = useMemo(
    () =>
      buildModel({
        runs,
        colorOf,
        series: data?.series ?? EMPTY,
        zoomSeries,
        zoom,
        x,
        smooth,
        log,
        clip,
        groups,
        band,
        width,
      }),
    [runs, colorOf, data?.series, zoomSeries, zoom, x, smooth, log, clip, groups, band, width],
  );
  const fmt = useMemo(() => xFormatters(x, model.xDomain), [x, model.xDomain]);
  const xTicks = useMemo(() => {
    const d = model.xDomain;
    if (!d) return undefined;
    const count = Math.max(2, Math.floor((width - Y_AXIS_W) / 90));
    return x === 'step' ? linearTicks(d[0], d[1], count, true) : timeTicks(d[0], d[1], count, x === 'wall');
  }, [model.xDomain, x, width]);
  const yTicks = useMemo(() => {
    const d = model.yDomain;
    if (!d) return undefined;
    const count = Math.max(2, Math.round(height / 50));
    return log ? logTicks(d[0], d[1], count) : linearTicks(d[0], d[1], count);
  }, [model.yDomain, log, height]);

  // "Drawn": once the data of this load is committed and every line's path exists, tell the store.
  const settled = runsReady && data !== undefined && data.loadId === loadId && data.status !== 'loading' && (!zoom || (zoomData !== undefined && zoomData.status !== 'loading'));
  const expected = model.lines.filter((l) => l.points.length > 0).length;
  useEffect(() => {
    if (!settled || width <= 0 || !data) return;
    const id = data.loadId;
    let frames = 0;
    let raf = requestAnimationFrame(function check() {
      const drawn = card.current?.querySelectorAll('.compare-line').length ?? 0;
      if (drawn >= expected || ++frames > 120) {
        useCompare.getState().reportRendered(metricKey, id);
        return;
      }
      raf = requestAnimationFrame(check);
    });
    return () => cancelAnimationFrame(raf);
  }, [settled, data, width, expected, metricKey, model]);

  // Pointer: hover tooltip and drag-to-zoom, outside React's render of the chart.
  const pointer = useMemo(() => new Pointer(), []);
  const geometry = useRef<Geometry | null>(null);
  const onZoom = useCallback(
    (min: number, max: number) => {
      const whole = x === 'step' ? [Math.floor(min), Math.ceil(max)] : [Math.round(min), Math.round(max)];
      const lo = whole[0]!;
      const hi = whole[1]! > lo ? whole[1]! : lo + 1;
      useCompare.getState().setZoom(metricKey, { min: lo, max: hi });
    },
    [metricKey, x],
  );
  const onReset = useCallback(() => useCompare.getState().setZoom(metricKey, null), [metricKey]);
  const handlers = useMemo(() => pointerHandlers(body, pointer, geometry, onZoom, onReset), [pointer, onZoom, onReset]);
  // A new x mode or zoom window moves every point: a tooltip or selection drawn for the old scales is stale (the
  // cursor may not even be over the chart any more), so it goes until the pointer moves again. (Live data growing
  // the domain does not: the tooltip follows it, and a drag in progress survives.)
  const scaleKey = `${x}|${zoom ? `${zoom.min}:${zoom.max}` : ''}`;
  useLayoutEffect(() => {
    pointer.set({ hover: null, drag: null });
  }, [pointer, scaleKey]);

  // Exports carry the title, the axis titles and a legend of the lines drawn (run names, or groups).
  const linesRef = useRef(model.lines);
  linesRef.current = model.lines;
  const exportLegend = useCallback(
    () => linesRef.current.filter((l) => l.points.length > 0).map((l) => ({ label: l.kind === 'group' ? `${l.label} (${l.runs ?? 0} runs)` : l.label, color: l.color })),
    [],
  );
  const axes = useMemo(() => ({ x: x === 'relative' ? 'time since run start' : fmt.label, y: log ? `${metricKey} (log scale)` : metricKey }), [fmt.label, x, log, metricKey]);
  const { exportAs, exporting } = useChartExport(card, body, metricKey, metricKey, exportLegend, axes);

  const loading = !data || data.status === 'loading' || !runsReady || (zoom !== undefined && zoomData?.status === 'loading');
  const error = data?.status === 'error' ? data.error : zoom && zoomData?.status === 'error' ? zoomData.error : null;
  const hasData = model.lines.some((l) => l.points.length > 0);
  const runCount = model.runsWithData;

  return (
    <figure
      ref={card}
      className="compare-chart"
      data-testid="compare-chart"
      data-metric-key={metricKey}
      data-series={model.lines.filter((l) => l.points.length > 0).length}
      data-points={model.maxPoints}
      data-zoomed={zoom ? '1' : '0'}
      data-log={log ? '1' : '0'}
      aria-busy={loading || undefined}
    >
      <figcaption className="metric-chart-head">
        <div className="metric-chart-titles">
          <span className="metric-chart-title mono" title={metricKey}>
            {metricKey}
          </span>
          <span className="metric-chart-sub muted">
            {data && data.status !== 'loading' ? (
              <>
                {runCount} run{runCount === 1 ? '' : 's'}
                {model.sampled && !zoom ? ` · ${formatInteger(model.total)} points, ~${formatInteger(model.maxPoints)}/line shown` : ''}
                {zoom ? ` · zoomed ${fmt.full(zoom.min)} – ${fmt.full(zoom.max)}` : ''}
              </>
            ) : (
              'Loading…'
            )}
          </span>
        </div>
        <div className="metric-chart-actions">
          <label className="compare-toggle" title="Logarithmic y-axis (values ≤ 0 are not drawn)">
            <input type="checkbox" checked={log} onChange={() => useCompare.getState().toggleLog(metricKey)} data-testid="compare-log-toggle" />
            log
          </label>
          {zoom ? (
            <button type="button" className="button button-xs" onClick={onReset} title="Reset zoom (or double-click the chart)" data-testid="compare-reset-zoom">
              Reset zoom
            </button>
          ) : null}
          <button type="button" className="button button-xs" onClick={() => void exportAs('png')} disabled={!hasData || exporting} title="Download as PNG" data-testid="btn-export-png">
            PNG
          </button>
          <button type="button" className="button button-xs" onClick={() => void exportAs('svg')} disabled={!hasData} title="Download as SVG" data-testid="btn-export-svg">
            SVG
          </button>
        </div>
      </figcaption>
      <div
        ref={body}
        className={`metric-chart-body compare-chart-body${hasData ? ' interactive' : ''}`}
        style={{ height }}
        {...(hasData ? handlers : { onMouseLeave: handlers.onMouseLeave })}
        data-testid="compare-chart-body"
      >
        {error && !hasData ? (
          <p className="metric-chart-msg text-danger">{error}</p>
        ) : !hasData ? (
          <p className="metric-chart-msg muted">{loading ? 'Loading…' : model.dropped > 0 ? 'Every value is NaN or infinite' : log && model.droppedLog > 0 ? 'No positive values for a log scale' : 'No values'}</p>
        ) : width > 0 && model.xDomain && model.yDomain ? (
          <ComposedChart width={width} height={height} margin={MARGIN} accessibilityLayer={false}>
            <CartesianGrid vertical={false} />
            <XAxis
              dataKey="x"
              type="number"
              scale="linear"
              domain={model.xDomain}
              allowDataOverflow
              ticks={xTicks}
              interval="preserveStartEnd"
              tickFormatter={fmt.tick}
              tickLine={false}
              allowDecimals={x !== 'step'}
              minTickGap={32}
              height={24}
              name={fmt.label}
            />
            <YAxis
              type="number"
              scale={log ? 'log' : 'linear'}
              domain={model.yDomain}
              allowDataOverflow
              ticks={yTicks}
              interval="preserveStartEnd"
              tickFormatter={formatTick}
              tickLine={false}
              axisLine={false}
              width={Y_AXIS_W}
            />
            <SeriesLayer lines={model.lines} xDomain={model.xDomain} yDomain={model.yDomain} log={log} />
            <ChartProbe sink={geometry} />
          </ComposedChart>
        ) : null}
        {hasData ? <HoverLayer pointer={pointer} geometry={geometry} lines={model.lines} formatX={fmt.full} height={height} /> : null}
      </div>
      <ChartNotes dropped={model.dropped} droppedLog={log ? model.droppedLog : 0} clipped={clip ? model.clipped : 0} />
    </figure>
  );
});

function ChartNotes({ dropped, droppedLog, clipped }: { dropped: number; droppedLog: number; clipped: number }) {
  if (!dropped && !droppedLog && !clipped) return null;
  return (
    <p className="metric-chart-note compare-chart-notes">
      {dropped > 0 ? (
        <span data-testid="compare-dropped-note">
          {formatInteger(dropped)} non-finite value{dropped === 1 ? '' : 's'} (NaN/±Inf) not drawn
        </span>
      ) : null}
      {droppedLog > 0 ? (
        <span data-testid="compare-log-note">
          {formatInteger(droppedLog)} value{droppedLog === 1 ? '' : 's'} ≤ 0 hidden on the log scale
        </span>
      ) : null}
      {clipped > 0 ? (
        <span className="muted" data-testid="compare-clip-note">
          y clipped to the 1st–99th percentile ({formatInteger(clipped)} outside)
        </span>
      ) : null}
    </p>
  );
}
