import { useRef, type ReactNode } from 'react';
import { ExportButtons, useChartExport, useElementWidth, type LegendItem } from '../../charts';

/** A chart of the Insight views: title, subtitle, PNG/SVG export, a measured body (charts draw once it has a width). */
export function InsightChart({
  title,
  subtitle,
  height,
  children,
  empty,
  legend,
  axes,
  testId,
}: {
  title: string;
  subtitle?: ReactNode;
  height: number;
  children: (width: number) => ReactNode;
  empty?: ReactNode;
  legend?: () => readonly LegendItem[];
  axes?: { x?: string; y?: string };
  testId: string;
}) {
  const card = useRef<HTMLElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);
  const { exportAs, exporting } = useChartExport(card, body, title, title, legend, axes);
  return (
    <figure ref={card} className="ins-chart" aria-label={title} data-testid={testId}>
      <figcaption className="ins-chart-head">
        <div className="ins-chart-titles">
          <span className="ins-chart-title">{title}</span>
          {subtitle ? <span className="ins-chart-sub">{subtitle}</span> : null}
        </div>
        <div className="ins-chart-actions">
          <ExportButtons disabled={!!empty} exporting={exporting} onExport={(k) => void exportAs(k)} />
        </div>
      </figcaption>
      <div ref={body} className="ins-chart-body" style={{ height }}>
        {empty ? <div className="ins-chart-empty muted small">{empty}</div> : width > 0 ? children(width) : null}
      </div>
    </figure>
  );
}

/** A CSS custom property's value (export legends follow the theme). */
export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
