/**
 * Hover and drag-to-zoom for one compare chart, drawn as an HTML overlay above the recharts SVG.
 *
 * Pointer state lives in a tiny per-chart store read only by the overlay, so moving the mouse re-renders
 * this overlay (crosshair, dots, tooltip, selection) and never the chart with its hundred lines. The
 * recharts scales come from a probe component rendered inside the chart (`ChartProbe`).
 */
import { useLayoutEffect, useSyncExternalStore, type RefObject } from 'react';
import { usePlotArea, useXAxisInverseScale, useXAxisScale, useYAxisScale } from 'recharts';
import { formatValue } from '../../charts';
import type { DrawnLine } from './model';
import { nearestIndex } from './series';

export interface Geometry {
  plot: { x: number; y: number; width: number; height: number };
  xScale: (v: number) => number | undefined;
  yScale: (v: number) => number | undefined;
  invX: (px: number) => number;
}

export type GeometryRef = { current: Geometry | null };

/** Rendered inside the recharts chart: publishes the plot area and scales for the overlay. */
export function ChartProbe({ sink }: { sink: GeometryRef }) {
  const plot = usePlotArea();
  const xs = useXAxisScale();
  const ys = useYAxisScale();
  const inv = useXAxisInverseScale();
  useLayoutEffect(() => {
    sink.current =
      plot && xs && ys && inv
        ? {
            plot: { x: plot.x, y: plot.y, width: plot.width, height: plot.height },
            xScale: (v) => xs(v),
            yScale: (v) => ys(v),
            invX: (px) => Number(inv(px)),
          }
        : null;
  });
  return null;
}

interface PointerState {
  /** Cursor position in the chart body (px), when over the plot. */
  hover: { px: number; py: number } | null;
  /** Drag selection in px (x0 = where the button went down). */
  drag: { x0: number; x1: number } | null;
}

/** Per-chart pointer store (useSyncExternalStore). */
export class Pointer {
  private state: PointerState = { hover: null, drag: null };
  private listeners = new Set<() => void>();
  get = (): PointerState => this.state;
  subscribe = (cb: () => void): (() => void) => {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  };
  set(patch: Partial<PointerState>): void {
    const next = { ...this.state, ...patch };
    if (next.hover === this.state.hover && next.drag === this.state.drag) return;
    this.state = next;
    this.listeners.forEach((l) => l());
  }
}

/** Minimum drag width (px) that counts as a zoom rather than a click. */
export const MIN_DRAG_PX = 5;
const MAX_ROWS = 12;

interface Row {
  line: DrawnLine;
  x: number;
  y: number;
  raw: number | null;
  px: number;
  py: number;
}

export function HoverLayer({
  pointer,
  geometry,
  lines,
  formatX,
  height,
}: {
  pointer: Pointer;
  geometry: GeometryRef;
  lines: readonly DrawnLine[];
  formatX: (v: number) => string;
  height: number;
}) {
  const { hover, drag } = useSyncExternalStore(pointer.subscribe, pointer.get);
  const g = geometry.current;
  if (!g || (!hover && !drag)) return null;
  const { plot } = g;

  let rows: Row[] = [];
  if (hover && !drag) {
    const xValue = g.invX(hover.px);
    const tol = Math.max(10, plot.width * 0.02);
    for (const line of lines) {
      const pts = line.points;
      const i = nearestIndex(pts, xValue);
      if (i < 0) continue;
      const p = pts[i]!;
      const px = g.xScale(p.x);
      if (px === undefined) continue;
      const inside = xValue >= pts[0]!.x && xValue <= pts[pts.length - 1]!.x;
      if (!inside && Math.abs(px - hover.px) > tol) continue;
      if (px < plot.x - 1 || px > plot.x + plot.width + 1) continue;
      const py = g.yScale(p.y);
      if (py === undefined || !Number.isFinite(py)) continue;
      const rawPts = line.raw;
      const raw = rawPts && rawPts.length === pts.length ? rawPts[i]!.y : null;
      rows.push({ line, x: p.x, y: p.y, raw, px, py });
    }
    rows.sort((a, b) => b.y - a.y);
  }
  const more = Math.max(0, rows.length - MAX_ROWS);
  if (more > 0) {
    // Keep the rows closest to the cursor's height.
    const py = hover?.py ?? 0;
    rows = [...rows]
      .sort((a, b) => Math.abs(a.py - py) - Math.abs(b.py - py))
      .slice(0, MAX_ROWS)
      .sort((a, b) => b.y - a.y);
  }

  const left = hover ? hover.px : 0;
  const flip = hover ? hover.px > plot.x + plot.width * 0.6 : false;
  return (
    <div className="compare-overlay" style={{ height }} aria-hidden="true">
      {drag ? (
        <div
          className="compare-selection"
          style={{ left: Math.min(drag.x0, drag.x1), width: Math.abs(drag.x1 - drag.x0), top: plot.y, height: plot.height }}
          data-testid="compare-zoom-selection"
        />
      ) : null}
      {hover && !drag ? (
        <>
          <div className="compare-crosshair" style={{ left, top: plot.y, height: plot.height }} />
          {rows.map((r) => (
            <span key={r.line.id} className="compare-dot" style={{ left: r.px, top: r.py, background: r.line.color }} />
          ))}
          {rows.length > 0 ? (
            <div
              className="chart-tooltip compare-tooltip"
              style={flip ? { right: `calc(100% - ${left - 12}px)`, top: plot.y } : { left: left + 12, top: plot.y }}
              data-testid="compare-tooltip"
            >
              <div className="chart-tooltip-step">{formatX(nearestX(rows, left))}</div>
              <table>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.line.id}>
                      <td>
                        <span className="compare-swatch" style={{ background: r.line.color }} />
                      </td>
                      <td className="compare-tooltip-name">
                        {r.line.label}
                        {r.line.kind === 'group' ? <span className="muted"> · {r.line.runs}</span> : null}
                      </td>
                      <td className="tabular compare-tooltip-value">{formatValue(r.y)}</td>
                      {r.raw !== null ? <td className="tabular muted">{formatValue(r.raw)}</td> : null}
                    </tr>
                  ))}
                </tbody>
              </table>
              {more > 0 ? <div className="muted small">+{more} more</div> : null}
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** x of the row drawn closest to the cursor (the tooltip's heading). */
function nearestX(rows: readonly Row[], px: number): number {
  let best = rows[0]!;
  for (const r of rows) if (Math.abs(r.px - px) < Math.abs(best.px - px)) best = r;
  return best.x;
}

/** Pointer handlers for the chart body: hover, drag-select (→ onZoom), double-click (→ onReset). */
export function pointerHandlers(
  body: RefObject<HTMLElement | null>,
  pointer: Pointer,
  geometry: GeometryRef,
  onZoom: (min: number, max: number) => void,
  onReset: () => void,
) {
  const local = (e: { clientX: number; clientY: number }) => {
    const r = body.current?.getBoundingClientRect();
    return r ? { px: e.clientX - r.left, py: e.clientY - r.top } : null;
  };
  const inPlot = (p: { px: number; py: number }) => {
    const g = geometry.current;
    if (!g) return false;
    const { plot } = g;
    return p.px >= plot.x && p.px <= plot.x + plot.width && p.py >= plot.y && p.py <= plot.y + plot.height;
  };
  const clampX = (px: number) => {
    const g = geometry.current;
    return g ? Math.min(Math.max(px, g.plot.x), g.plot.x + g.plot.width) : px;
  };
  return {
    onMouseMove(e: React.MouseEvent) {
      if (pointer.get().drag) return; // the window listener follows the drag
      const p = local(e);
      pointer.set({ hover: p && inPlot(p) ? p : null });
    },
    onMouseLeave() {
      if (!pointer.get().drag) pointer.set({ hover: null });
    },
    onMouseDown(e: React.MouseEvent) {
      if (e.button !== 0) return;
      const p = local(e);
      if (!p || !inPlot(p)) return;
      e.preventDefault(); // no text selection while dragging
      pointer.set({ drag: { x0: p.px, x1: p.px }, hover: null });
      const move = (ev: MouseEvent) => {
        const q = local(ev);
        const d = pointer.get().drag;
        if (q && d) pointer.set({ drag: { x0: d.x0, x1: clampX(q.px) } });
      };
      const up = (ev: MouseEvent) => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
        const d = pointer.get().drag;
        const q = local(ev);
        pointer.set({ drag: null, hover: q && inPlot(q) ? q : null });
        const g = geometry.current;
        if (!d || !g) return;
        const x1 = q ? clampX(q.px) : d.x1;
        if (Math.abs(x1 - d.x0) < MIN_DRAG_PX) return;
        const a = g.invX(Math.min(d.x0, x1));
        const b = g.invX(Math.max(d.x0, x1));
        if (Number.isFinite(a) && Number.isFinite(b) && b > a) onZoom(a, b);
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    },
    onDoubleClick() {
      onReset();
    },
  };
}
