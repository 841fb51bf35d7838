import { useCallback, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { ExportButtons } from '../../../charts/ExportButtons';
import { useChartExport } from '../../../charts/useChartExport';
import { useElementWidth } from '../../../charts/useElementWidth';
import { AxisChooser } from './AxisChooser';
import { PanelHead, RunSwatch, formatNumber, formatTick, sameList, useControllable, type ComparePanelProps } from './common';
import {
  brushFilter,
  buildParallelModel,
  collectMetricKeys,
  defaultMetricKey,
  defaultParallelParams,
  diffParams,
  normalizeBrush,
  paramKinds,
  rampColor,
  rampColors,
  tickPositions,
  type AxisValue,
  type Brush,
  type ParallelAxis,
} from './logic';

export interface ParallelCoordinatesProps extends ComparePanelProps {
  /** Metric on the last axis (default: the first non-system metric). Changeable in the panel. */
  metricKey?: string;
  onMetricKeyChange?: (key: string) => void;
  /** Params shown as axes, in order (default: the params that differ across runs, at most 8). */
  paramKeys?: readonly string[];
  onParamKeysChange?: (keys: string[]) => void;
  /** Chart height in px (default 340). */
  height?: number;
  /** Base of exported file names. Default "parallel-coordinates". */
  exportName?: string;
}

const M = { top: 40, right: 60, bottom: 16, left: 76 };
/** Tick labels closer than this (px) are skipped. */
const LABEL_GAP = 12;
/** A drag shorter than this (px) does not make a brush. */
const MIN_BRUSH_PX = 4;
const CHAR_W = 6.2;

interface Drag {
  axisId: string;
  from: number;
  to: number;
}

function truncate(s: string, max: number): string {
  const n = Math.max(3, Math.floor(max));
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function valueText(v: AxisValue): string {
  if (v === null) return '—';
  return typeof v === 'number' ? formatNumber(v) : v === '' ? '(empty)' : v;
}

/** SVG path through the non-missing positions; a missing value breaks the line. Isolated points are returned for dots. */
function linePath(pos: readonly (number | null)[], xs: readonly number[], y: (p: number) => number): { d: string; dots: [number, number][] } {
  let d = '';
  const dots: [number, number][] = [];
  let run: [number, number][] = [];
  const flush = () => {
    if (run.length === 1 && run[0]) dots.push(run[0]);
    else if (run.length > 1) d += run.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
    run = [];
  };
  pos.forEach((p, j) => {
    const x = xs[j];
    if (p === null || x === undefined) flush();
    else run.push([x, y(p)]);
  });
  flush();
  return { d, dots };
}

function AxisView({ axis, x, top, plotH, maxTitle, maxLabel }: { axis: ParallelAxis; x: number; top: number; plotH: number; maxTitle: number; maxLabel: number }) {
  const ticks: { y: number; label: string; full: string }[] = [];
  let lastY = Number.POSITIVE_INFINITY;
  for (const t of tickPositions(axis.scale)) {
    const ty = top + (1 - t.pos) * plotH;
    if (lastY - ty < LABEL_GAP) continue;
    lastY = ty;
    const full = typeof t.value === 'number' ? formatNumber(t.value) : t.value === '' ? '(empty)' : t.value;
    ticks.push({ y: ty, label: typeof t.value === 'number' ? formatTick(t.value) : truncate(full, maxLabel / CHAR_W), full });
  }
  const isMetric = axis.source === 'metric';
  return (
    <g data-testid="parallel-axis" data-key={axis.key} data-source={axis.source} data-scale={axis.scale.kind} className="pc-axis">
      <line className="pc-axis-line" x1={x} x2={x} y1={top} y2={top + plotH} />
      {ticks.map((t) => (
        <g key={`${t.y}:${t.full}`}>
          <line className="pc-tick-mark" x1={x - 3} x2={x} y1={t.y} y2={t.y} />
          <text className="pc-tick" x={x - 5} y={t.y} textAnchor="end" dominantBaseline="middle">
            <title>{t.full}</title>
            {t.label}
          </text>
        </g>
      ))}
      <text className={`pc-axis-title${isMetric ? ' metric' : ''}`} x={x} y={top - 16} textAnchor="middle">
        <title>{`${isMetric ? 'metric' : 'param'}: ${axis.key}`}</title>
        {truncate(axis.key, maxTitle / CHAR_W)}
      </text>
    </g>
  );
}

/**
 * Parallel coordinates (hand-made SVG): one vertical axis per chosen param (numeric → linear, else evenly spaced
 * categories) and the chosen metric last; one line per run. Hover a line for its values; drag along an axis to
 * brush (several brushes AND together), double-click an axis to clear its brush.
 */
export function ParallelCoordinates({
  runs,
  colorOf,
  metricKey: metricKeyProp,
  onMetricKeyChange,
  paramKeys: paramKeysProp,
  onParamKeysChange,
  height = 340,
  exportName = 'parallel-coordinates',
}: ParallelCoordinatesProps) {
  const root = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useElementWidth(body);

  const metricKeys = useMemo(() => collectMetricKeys(runs), [runs]);
  const diff = useMemo(() => diffParams(runs), [runs]);
  const allParams = useMemo(() => diff.rows.map((r) => r.key), [diff]);
  const kinds = useMemo(() => paramKinds(runs, allParams), [runs, allParams]);
  const differing = useMemo(() => new Set(diff.rows.filter((r) => r.differs).map((r) => r.key)), [diff]);

  const [metricChoice, setMetricChoice] = useControllable(metricKeyProp, onMetricKeyChange);
  const metricKey = metricChoice !== undefined && metricKeys.includes(metricChoice) ? metricChoice : defaultMetricKey(metricKeys);
  // The legend of exported pictures: run names in their line colours (read at export time).
  const legendRef = useRef<() => { label: string; color: string }[]>(() => []);
  const exportLegend = useCallback(() => legendRef.current(), []);
  const { exporting, exportAs } = useChartExport(root, body, `Parallel coordinates${metricKey ? ` · ${metricKey}` : ''}`, exportName, exportLegend);
  const [paramChoice, setParamChoice] = useControllable<readonly string[]>(paramKeysProp, onParamKeysChange ? (v) => onParamKeysChange([...v]) : undefined, sameList);
  const paramKeys = useMemo(() => {
    if (paramChoice === undefined) return defaultParallelParams(diff);
    const have = new Set(allParams);
    return paramChoice.filter((k) => have.has(k));
  }, [paramChoice, diff, allParams]);

  const [colorByMetric, setColorByMetric] = useState(false);
  const [brushes, setBrushes] = useState<Record<string, Brush>>({});
  const [drag, setDrag] = useState<Drag | null>(null);
  const [hover, setHover] = useState<{ runId: string; x: number; y: number } | null>(null);

  const model = useMemo(() => buildParallelModel(runs, paramKeys, metricKey), [runs, paramKeys, metricKey]);
  const liveBrushes = useMemo(() => (drag ? { ...brushes, [drag.axisId]: normalizeBrush(drag.from, drag.to) } : brushes), [brushes, drag]);
  const selected = useMemo(() => brushFilter(model, liveBrushes), [model, liveBrushes]);
  const activeBrushes = model.axes.filter((a) => brushes[a.id]).length;

  const metricIdx = metricKey === null ? -1 : model.axes.length - 1;
  const metricValues = useMemo(() => model.lines.map((l) => (metricIdx < 0 ? null : (l.values[metricIdx] ?? null))).map((v) => (typeof v === 'number' ? v : null)), [model, metricIdx]);
  const ramp = useMemo(() => rampColors(metricValues), [metricValues]);
  const finiteMetric = metricValues.filter((v): v is number => v !== null);
  const byMetric = colorByMetric && metricKey !== null && finiteMetric.length > 0;
  const lineColor = (i: number, runId: string) => (byMetric ? (ramp[i] ?? 'var(--text-faint)') : colorOf(runId));
  legendRef.current = () => (byMetric ? [] : model.lines.map((l, i) => ({ label: l.label, color: lineColor(i, l.runId) })));

  // geometry
  const plotH = Math.max(40, height - M.top - M.bottom);
  const innerW = Math.max(0, width - M.left - M.right);
  const n = model.axes.length;
  const xs = model.axes.map((_, j) => (n === 1 ? M.left + innerW / 2 : M.left + (innerW * j) / (n - 1)));
  const spacing = n > 1 ? innerW / (n - 1) : innerW;
  const yOf = (p: number) => M.top + (1 - p) * plotH;

  const paths = model.lines.map((l, i) => ({ line: l, i, ...linePath(l.pos, xs, yOf) }));
  const drawn = paths.filter((p) => p.d !== '' || p.dots.length > 0);
  const selectedCount = drawn.filter((p) => selected[p.i]).length;
  // faded first, selected on top; the hovered line is redrawn last as an overlay
  const ordered = [...drawn.filter((p) => !selected[p.i]), ...drawn.filter((p) => selected[p.i])];
  const hovered = hover ? drawn.find((p) => p.line.runId === hover.runId) : undefined;

  const posAt = (e: ReactPointerEvent<SVGElement>): number => {
    const top = svgRef.current?.getBoundingClientRect().top ?? 0;
    return 1 - (e.clientY - top - M.top) / plotH;
  };
  const onBrushDown = (axisId: string) => (e: ReactPointerEvent<SVGRectElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = posAt(e);
    setHover(null);
    setDrag({ axisId, from: p, to: p });
  };
  const onBrushMove = (axisId: string) => (e: ReactPointerEvent<SVGRectElement>) => {
    if (drag?.axisId !== axisId) return;
    const p = posAt(e);
    setDrag({ ...drag, to: p });
  };
  const onBrushUp = (axisId: string) => (e: ReactPointerEvent<SVGRectElement>) => {
    if (drag?.axisId !== axisId) return;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    const to = posAt(e);
    if (Math.abs(to - drag.from) * plotH >= MIN_BRUSH_PX) setBrushes((b) => ({ ...b, [axisId]: normalizeBrush(drag.from, to) }));
    setDrag(null);
  };
  const clearBrush = (axisId: string) =>
    setBrushes((b) => {
      const next = { ...b };
      delete next[axisId];
      return next;
    });

  const onLineHover = (runId: string) => (e: ReactPointerEvent<SVGPathElement>) => {
    if (drag) return;
    const r = body.current?.getBoundingClientRect();
    if (!r) return;
    setHover({ runId, x: e.clientX - r.left, y: e.clientY - r.top });
  };

  const hoverLine = hover ? model.lines.find((l) => l.runId === hover.runId) : undefined;
  const canDraw = runs.length > 0 && n > 0;
  const emptyText =
    runs.length === 0
      ? 'No runs selected.'
      : allParams.length === 0 && metricKeys.length === 0
        ? 'These runs have no parameters or metrics.'
        : n === 0
          ? 'Choose parameters to show as axes.'
          : '';

  return (
    <figure
      ref={root}
      className="cmp-panel pc-panel"
      data-testid="parallel-coords"
      data-lines={canDraw ? drawn.length : 0}
      data-selected={canDraw ? selectedCount : 0}
      data-axes={n}
      data-brushes={activeBrushes}
    >
      <PanelHead
        title="Parallel coordinates"
        sub={
          activeBrushes > 0 ? (
            <>
              {selectedCount} of {drawn.length} runs in the brushed ranges ·{' '}
              <button type="button" className="link-button" onClick={() => setBrushes({})} data-testid="parallel-clear-brushes">
                clear
              </button>
            </>
          ) : (
            'Drag along an axis to filter; double-click it to clear'
          )
        }
      >
        <AxisChooser keys={allParams} kinds={kinds} differing={differing} selected={paramKeys} onChange={setParamChoice} />
        <select
          className="input input-sm cmp-select"
          value={metricKey ?? ''}
          onChange={(e) => setMetricChoice(e.target.value)}
          disabled={metricKeys.length === 0}
          aria-label="Metric axis"
          title="Metric on the last axis"
          data-testid="parallel-metric-select"
        >
          {metricKeys.length === 0 ? <option value="">(no metrics)</option> : null}
          {metricKeys.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <label className="cmp-check" title="Colour lines by the metric value instead of the run colour">
          <input type="checkbox" checked={colorByMetric} onChange={(e) => setColorByMetric(e.target.checked)} disabled={metricKey === null} data-testid="parallel-color-by-metric" />
          Color by metric
        </label>
        <ExportButtons disabled={!canDraw || width <= 0} exporting={exporting} onExport={(kind) => void exportAs(kind)} />
      </PanelHead>
      <div ref={body} className="pc-body" style={{ height }} onPointerLeave={() => setHover(null)}>
        {!canDraw ? (
          <p className="cmp-empty muted">{emptyText}</p>
        ) : width > 0 ? (
          <svg
            ref={svgRef}
            className={`pc-svg${hovered ? ' has-hover' : ''}${drag ? ' dragging' : ''}`}
            width={width}
            height={height}
            viewBox={`0 0 ${width} ${height}`}
            role="img"
            aria-label={`Parallel coordinates of ${runs.length} runs`}
          >
            <g className="pc-lines">
              {ordered.map(({ line, i, d, dots }) => {
                const color = lineColor(i, line.runId);
                const isSel = selected[i] ?? true;
                return (
                  <g key={line.runId} className={`pc-line${isSel ? '' : ' faded'}`} data-testid="parallel-line" data-run-id={line.runId} data-selected={isSel ? '1' : '0'}>
                    {d ? <path className="pc-line-path" d={d} style={{ stroke: color }} /> : null}
                    {dots.map(([cx, cy]) => (
                      <circle key={`${cx},${cy}`} className="pc-dot" cx={cx} cy={cy} r={2.5} style={{ fill: color }} />
                    ))}
                    {d ? <path className="pc-hit" d={d} onPointerEnter={onLineHover(line.runId)} onPointerMove={onLineHover(line.runId)} onPointerLeave={() => setHover(null)} /> : null}
                  </g>
                );
              })}
            </g>
            {hovered ? (
              <g className="pc-hover" pointerEvents="none">
                {hovered.d ? <path className="pc-line-path" d={hovered.d} style={{ stroke: lineColor(hovered.i, hovered.line.runId) }} /> : null}
                {hovered.dots.map(([cx, cy]) => (
                  <circle key={`${cx},${cy}`} className="pc-dot" cx={cx} cy={cy} r={3.5} style={{ fill: lineColor(hovered.i, hovered.line.runId) }} />
                ))}
              </g>
            ) : null}
            {model.axes.map((a, j) => {
              const x = xs[j] ?? 0;
              const last = j === n - 1;
              const maxTitle = n === 1 ? innerW : last ? Math.min(spacing, (M.right - 6) * 2) : j === 0 ? Math.min(spacing, (M.left - 6) * 2) : spacing - 8;
              const maxLabel = j === 0 ? M.left - 10 : Math.min(spacing - 16, 140);
              return <AxisView key={a.id} axis={a} x={x} top={M.top} plotH={plotH} maxTitle={Math.max(24, maxTitle)} maxLabel={Math.max(24, maxLabel)} />;
            })}
            {model.axes.map((a, j) => {
              const x = xs[j] ?? 0;
              const b = liveBrushes[a.id];
              return (
                <g key={a.id} className="pc-brush-layer">
                  {b ? <rect className="pc-brush" x={x - 8} width={16} y={yOf(b.hi)} height={Math.max(1, yOf(b.lo) - yOf(b.hi))} pointerEvents="none" /> : null}
                  <rect
                    className="pc-brush-hit"
                    x={x - 12}
                    width={24}
                    y={M.top - 4}
                    height={plotH + 8}
                    onPointerDown={onBrushDown(a.id)}
                    onPointerMove={onBrushMove(a.id)}
                    onPointerUp={onBrushUp(a.id)}
                    onPointerCancel={() => setDrag(null)}
                    onDoubleClick={() => clearBrush(a.id)}
                    data-testid="parallel-brush-area"
                    data-key={a.key}
                    data-brushed={brushes[a.id] ? '1' : '0'}
                  >
                    <title>{`Drag to filter by ${a.key}; double-click to clear`}</title>
                  </rect>
                </g>
              );
            })}
          </svg>
        ) : null}
        {hover && hoverLine ? (
          <div
            className="chart-tooltip pc-tooltip"
            style={{
              left: hover.x,
              top: hover.y,
              transform: `translate(${hover.x > width - 240 ? 'calc(-100% - 12px)' : '12px'}, ${hover.y > height / 2 ? 'calc(-100% - 12px)' : '12px'})`,
            }}
            data-testid="parallel-tooltip"
          >
            <div className="pc-tooltip-name">
              <RunSwatch color={colorOf(hoverLine.runId)} />
              <span className="truncate">{hoverLine.label}</span>
            </div>
            <table className="pc-tooltip-table">
              <tbody>
                {model.axes.map((a, j) => (
                  <tr key={a.id} className={a.source === 'metric' ? 'metric' : undefined}>
                    <td className="mono truncate">{a.key}</td>
                    <td className="mono tabular">{valueText(hoverLine.values[j] ?? null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
      {byMetric && metricKey ? (
        <div className="pc-legend small muted" data-testid="parallel-color-legend">
          <span className="mono">{metricKey}</span>
          <span>{formatNumber(Math.min(...finiteMetric))}</span>
          <span className="pc-ramp" style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(', ')})` }} aria-hidden />
          <span>{formatNumber(Math.max(...finiteMetric))}</span>
        </div>
      ) : null}
    </figure>
  );
}
