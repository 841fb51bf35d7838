import { useRef, type HTMLAttributes, type ReactNode } from 'react';
import { ExportButtons } from './ExportButtons';
import type { LegendItem } from './exportChart';
import { useChartExport } from './useChartExport';
import { useElementWidth } from './useElementWidth';
import './ChartCard.css';

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
  /** The feature's class (its chart styles hang off it), added to `chart-card`. */
  className?: string;
  /** data-* attributes and the test id of the figure. */
  attrs?: HTMLAttributes<HTMLElement> & Record<`data-${string}`, string | number | boolean | undefined>;
}

/** A chart card (monitoring, model insight): title, subtitle, PNG/SVG export, a measured body (charts draw once it has a width). */
export function ChartCard({ title, subtitle, fileBase, height, children, empty, legend, axes, actions, className, attrs }: ChartCardProps) {
  const card = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  const { exportAs, exporting } = useChartExport(card, body, title, fileBase ?? title, legend, axes);
  return (
    <figure ref={card} className={`chart-card${className ? ` ${className}` : ''}`} aria-label={title} {...attrs}>
      <figcaption className="chart-card-head">
        <div className="chart-card-titles">
          <span className="chart-card-title">{title}</span>
          {subtitle ? <span className="chart-card-sub">{subtitle}</span> : null}
        </div>
        <div className="chart-card-actions">
          {actions}
          <ExportButtons disabled={empty !== undefined && empty !== null} exporting={exporting} onExport={(k) => void exportAs(k)} />
        </div>
      </figcaption>
      <div ref={body} className="chart-card-body" style={{ height }}>
        {empty ? <div className="chart-card-empty muted small">{empty}</div> : width > 0 ? children(width) : null}
      </div>
    </figure>
  );
}

/** A CSS custom property's value (export legends follow the theme). */
export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
