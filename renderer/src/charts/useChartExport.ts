import { useCallback, useState, type RefObject } from 'react';
import { toast } from '../app/toasts';
import { effectiveBackground, exportPng, exportSvg, findChartSvg, type LegendItem } from './exportChart';

/**
 * PNG/SVG export of the chart drawn inside `body`, titled `title`, on the background of `card`; `legend` (read at
 * export time, so colours follow the theme) adds a legend when the chart's own legend is HTML; `axes` writes the
 * axis titles. Returns the action and whether a PNG is being encoded.
 */
export function useChartExport(
  card: RefObject<HTMLElement | null>,
  body: RefObject<HTMLElement | null>,
  title: string,
  fileBase: string = title,
  legend?: () => readonly LegendItem[],
  axes?: { x?: string; y?: string },
): { exportAs: (kind: 'png' | 'svg') => Promise<void>; exporting: boolean } {
  const [exporting, setExporting] = useState(false);
  const exportAs = useCallback(
    async (kind: 'png' | 'svg') => {
      const svg = findChartSvg(body.current);
      if (!svg) {
        toast.warn('The chart has not been drawn yet');
        return;
      }
      const opts = { title, background: card.current ? effectiveBackground(card.current) : undefined, legend: legend?.(), axes };
      try {
        if (kind === 'svg') exportSvg(svg, fileBase, opts);
        else {
          setExporting(true);
          await exportPng(svg, fileBase, opts);
        }
      } catch (e) {
        toast.error(e, `Could not export ${title} as ${kind.toUpperCase()}`);
      } finally {
        setExporting(false);
      }
    },
    [body, card, title, fileBase, legend, axes],
  );
  return { exportAs, exporting };
}
