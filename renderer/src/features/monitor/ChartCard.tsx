import { useRef, type HTMLAttributes, type ReactNode } from 'react';
import { ExportButtons, useChartExport, useElementWidth, type LegendItem } from '../../charts';

export interface ChartCardProps {
  title: string;
  /** Under the title: what is plotted ("p-value (drift below)"), the last value… */
  subtitle?: ReactNode;
  /** Export file name base (default: the title). */
  fileBase?: string;
  height: number;
  /** Drawn once the body has a width. */
  children: (width: number) => ReactNode;
  /** Shown instead of the chart when there is nothing to plot. */
  empty?: ReactNode;
  /** Legend of exported pictures (read at export time so colours follow the theme). */
  legend?: () => readonly LegendItem[];
  axes?: { x?: string; y?: string };
  actions?: ReactNode;
  className?: string;
  /** data-* attributes and the test id of the figure. */
  attrs?: HTMLAttributes<HTMLElement> & Record<`data-${string}`, string | number | boolean | undefined>;
}

/** A chart card of the monitoring views: title, PNG/SVG export, a measured body. */
export function ChartCard({ title, subtitle, fileBase, height, children, empty, legend, axes, actions, className, attrs }: ChartCardProps) {
  const card = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  const { exportAs, exporting } = useChartExport(card, body, title, fileBase ?? title, legend, axes);
  return (
    <figure ref={card} className={`mon-chart${className ? ` ${className}` : ''}`} aria-label={title} {...attrs}>
      <figcaption className="mon-chart-head">
        <div className="mon-chart-titles">
          <span className="mon-chart-title">{title}</span>
          {subtitle ? <span className="mon-chart-sub">{subtitle}</span> : null}
        </div>
        <div className="mon-chart-actions">
          {actions}
          <ExportButtons disabled={empty !== undefined && empty !== null} exporting={exporting} onExport={(k) => void exportAs(k)} />
        </div>
      </figcaption>
      <div ref={body} className="mon-chart-body" style={{ height }}>
        {empty ? <div className="mon-chart-empty muted small">{empty}</div> : width > 0 ? children(width) : null}
      </div>
    </figure>
  );
}

/** Reads a CSS custom property (for export legends). */
export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}
