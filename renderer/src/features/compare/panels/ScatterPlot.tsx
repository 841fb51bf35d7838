import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis, type ScatterShapeProps } from 'recharts';
import { ExportButtons } from '../../../charts/ExportButtons';
import { useChartExport } from '../../../charts/useChartExport';
import { useElementWidth } from '../../../charts/useElementWidth';
import { PanelHead, RunSwatch, formatNumber, formatTick, useControllable, type ComparePanelProps } from './common';
import {
  collectMetricKeys,
  decodeAxisRef,
  defaultScatterAxes,
  diffParams,
  encodeAxisRef,
  linearAxis,
  logAxis,
  paramKinds,
  scatterData,
  type AxisRef,
  type ScatterDatum,
} from './logic';

export interface ScatterPlotProps extends ComparePanelProps {
  /** X axis as "param:<key>" or "metric:<key>" (default: a numeric param that differs across runs). */
  x?: string;
  /** Y axis as "metric:<key>" (default: the first non-system metric). */
  y?: string;
  /** Called when the user picks another axis (both values encoded as above). */
  onAxesChange?: (axes: { x: string; y: string }) => void;
  /** Chart height in px (default 320). */
  height?: number;
  /** Base of exported file names. Default "scatter". */
  exportName?: string;
}

const CATEGORY_LABEL_MAX = 14;

function ScatterTip({ active, payload, xName, yName, colorOf }: { active?: boolean; payload?: ReadonlyArray<{ payload?: ScatterDatum }>; xName: string; yName: string; colorOf: (runId: string) => string }) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="chart-tooltip" data-testid="scatter-tooltip">
      <div className="pc-tooltip-name">
        <RunSwatch color={colorOf(p.runId)} />
        <span className="truncate">{p.label}</span>
      </div>
      <table className="pc-tooltip-table">
        <tbody>
          <tr>
            <td className="mono truncate">{xName}</td>
            <td className="mono tabular">{typeof p.xText === 'number' ? formatNumber(p.xText) : p.xText === '' ? '(empty)' : p.xText}</td>
          </tr>
          <tr>
            <td className="mono truncate">{yName}</td>
            <td className="mono tabular">{formatNumber(p.y)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

type ColoredDatum = ScatterDatum & { color: string };

/**
 * Stable shape renderer. No recharts activeShape: it re-mounts the hovered point in another layer, which
 * detaches the element under the pointer (flaky e2e hovers); the hover highlight is CSS (`.scatter-dot:hover`).
 */
function Dot(props: ScatterShapeProps): ReactNode {
  const d = props.payload as ColoredDatum | undefined;
  if (props.cx === undefined || props.cy === undefined || !d) return null;
  return <circle className="scatter-dot" cx={props.cx} cy={props.cy} r={5} style={{ fill: d.color }} data-run-id={d.runId} />;
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Scatter of one point per run (recharts): x = a param (numeric, or categorical as jittered categories) or a metric,
 * y = a metric; points in run colours, optional log scales.
 */
export function ScatterPlot({ runs, colorOf, x: xProp, y: yProp, onAxesChange, height = 320, exportName = 'scatter' }: ScatterPlotProps) {
  const root = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);

  const metricKeys = useMemo(() => collectMetricKeys(runs), [runs]);
  const paramKeys = useMemo(() => diffParams(runs).rows.map((r) => r.key), [runs]);
  const kinds = useMemo(() => paramKinds(runs, paramKeys), [runs, paramKeys]);
  const defaults = useMemo(() => defaultScatterAxes(runs), [runs]);

  const valid = (r: AxisRef | null): r is AxisRef => r !== null && (r.source === 'param' ? kinds.has(r.key) : metricKeys.includes(r.key));
  const [xChoice, setXChoice] = useControllable(xProp, undefined);
  const [yChoice, setYChoice] = useControllable(yProp, undefined);
  const xDecoded = decodeAxisRef(xChoice);
  const yDecoded = decodeAxisRef(yChoice);
  const xRef = valid(xDecoded) ? xDecoded : defaults.x;
  const yRef = valid(yDecoded) && yDecoded.source === 'metric' ? yDecoded : defaults.y;
  const setAxes = (next: { x?: string; y?: string }) => {
    if (next.x !== undefined) setXChoice(next.x);
    if (next.y !== undefined) setYChoice(next.y);
    const xs = next.x ?? (xRef ? encodeAxisRef(xRef) : '');
    const ys = next.y ?? (yRef ? encodeAxisRef(yRef) : '');
    onAxesChange?.({ x: xs, y: ys });
  };

  const [logXChoice, setLogX] = useState(false);
  const [logY, setLogY] = useState(false);
  const xCategorical = xRef?.source === 'param' && kinds.get(xRef.key) === 'categorical';
  const logX = logXChoice && !xCategorical;

  const data = useMemo(() => (xRef && yRef ? scatterData(runs, xRef, yRef, { logX, logY }) : null), [runs, xRef, yRef, logX, logY]);
  const points = useMemo(() => data?.points ?? [], [data]);
  const categories = data?.categories ?? null;

  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xAxis = categories ? { domain: [-0.5, Math.max(0, categories.length - 1) + 0.5] as [number, number], ticks: categories.map((_, i) => i) } : logX ? logAxis(xs) : linearAxis(xs);
  const yAxis = logY ? logAxis(ys) : linearAxis(ys);

  const colored = useMemo(() => points.map((p): ColoredDatum => ({ ...p, color: colorOf(p.runId) })), [points, colorOf]);

  const xName = xRef?.key ?? '';
  const yName = yRef?.key ?? '';
  const exportLegend = useCallback(() => colored.map((p) => ({ label: p.label, color: p.color })), [colored]);
  const axes = useMemo(() => ({ x: xName, y: yName }), [xName, yName]);
  const { exporting, exportAs } = useChartExport(root, body, `${yName} vs ${xName}`, exportName === 'scatter' ? `scatter-${yName}-vs-${xName}` : exportName, exportLegend, axes);
  const hidden: string[] = [];
  if (data && data.missing > 0) hidden.push(`${data.missing} run${data.missing === 1 ? '' : 's'} without both values`);
  if (data && data.nonPositive > 0) hidden.push(`${data.nonPositive} value${data.nonPositive === 1 ? '' : 's'} ≤ 0 hidden on the log axis`);

  const emptyText =
    runs.length === 0 ? 'No runs selected.' : metricKeys.length === 0 ? 'These runs have no metrics.' : points.length === 0 ? 'No run has both values.' : '';

  return (
    <figure ref={root} className="cmp-panel scatter-panel" data-testid="scatter-plot" data-points={points.length} data-x={xRef ? encodeAxisRef(xRef) : ''} data-y={yRef ? encodeAxisRef(yRef) : ''}>
      <PanelHead title="Scatter" sub={hidden.length > 0 ? <span data-testid="scatter-hidden-note">{hidden.join(' · ')}</span> : `${points.length} run${points.length === 1 ? '' : 's'}`}>
        <label className="cmp-inline">
          <span className="muted small">x</span>
          <select
            className="input input-sm cmp-select"
            value={xRef ? encodeAxisRef(xRef) : ''}
            onChange={(e) => setAxes({ x: e.target.value })}
            disabled={paramKeys.length + metricKeys.length === 0}
            aria-label="X axis"
            data-testid="scatter-x"
          >
            {xRef ? null : <option value="">(nothing to plot)</option>}
            {paramKeys.length > 0 ? (
              <optgroup label="Parameters">
                {paramKeys.map((k) => (
                  <option key={k} value={encodeAxisRef({ source: 'param', key: k })}>
                    {k}
                    {kinds.get(k) === 'categorical' ? ' (categorical)' : ''}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {metricKeys.length > 0 ? (
              <optgroup label="Metrics">
                {metricKeys.map((k) => (
                  <option key={k} value={encodeAxisRef({ source: 'metric', key: k })}>
                    {k}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        </label>
        <label className="cmp-check" title={xCategorical ? 'A categorical axis has no log scale' : 'Logarithmic x axis'}>
          <input type="checkbox" checked={logX} disabled={xCategorical} onChange={(e) => setLogX(e.target.checked)} data-testid="scatter-log-x" />
          log
        </label>
        <label className="cmp-inline">
          <span className="muted small">y</span>
          <select
            className="input input-sm cmp-select"
            value={yRef ? encodeAxisRef(yRef) : ''}
            onChange={(e) => setAxes({ y: e.target.value })}
            disabled={metricKeys.length === 0}
            aria-label="Y axis"
            data-testid="scatter-y"
          >
            {yRef ? null : <option value="">(no metrics)</option>}
            {metricKeys.map((k) => (
              <option key={k} value={encodeAxisRef({ source: 'metric', key: k })}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="cmp-check" title="Logarithmic y axis">
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} data-testid="scatter-log-y" />
          log
        </label>
        <ExportButtons
          disabled={points.length === 0 || width <= 0}
          exporting={exporting}
          onExport={(kind) => void exportAs(kind)}
        />
      </PanelHead>
      <div ref={body} className="scatter-body" style={{ height }}>
        {emptyText ? (
          <p className="cmp-empty muted">{emptyText}</p>
        ) : width > 0 ? (
          <ScatterChart width={width} height={height} margin={{ top: 10, right: 18, bottom: 14, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid />
            <XAxis
              type="number"
              dataKey="x"
              name={xName}
              scale={logX ? 'log' : 'linear'}
              domain={xAxis.domain}
              ticks={xAxis.ticks}
              allowDataOverflow
              interval={categories ? 'preserveStartEnd' : undefined}
              tickFormatter={(v: number) => (categories ? truncate(categories[Math.round(v)] ?? '', CATEGORY_LABEL_MAX) : formatTick(v))}
              tickLine={false}
              height={40}
              label={{ value: xName, position: 'insideBottom', offset: 0, className: 'scatter-axis-label' }}
            />
            <YAxis
              type="number"
              dataKey="y"
              name={yName}
              scale={logY ? 'log' : 'linear'}
              domain={yAxis.domain}
              ticks={yAxis.ticks}
              allowDataOverflow
              tickFormatter={formatTick}
              tickLine={false}
              axisLine={false}
              width={64}
              label={{ value: yName, angle: -90, position: 'insideLeft', offset: 10, className: 'scatter-axis-label', style: { textAnchor: 'middle' } }}
            />
            <Tooltip content={<ScatterTip xName={xName} yName={yName} colorOf={colorOf} />} isAnimationActive={false} cursor={{ className: 'chart-cursor', strokeDasharray: '3 3' }} />
            <Scatter data={colored} shape={Dot} activeShape={false} isAnimationActive={false} />
          </ScatterChart>
        ) : null}
      </div>
    </figure>
  );
}
