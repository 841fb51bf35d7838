/** The PNG + SVG buttons of a chart card (pair them with `useChartExport`). */
export function ExportButtons({ disabled, exporting, onExport }: { disabled: boolean; exporting: boolean; onExport: (kind: 'png' | 'svg') => void }) {
  // Test ids match the metric charts' (`btn-export-png`, `btn-export-svg`): e2e scopes them by the card's own test id.
  return (
    <>
      <button type="button" className="button button-xs" onClick={() => onExport('png')} disabled={disabled || exporting} aria-busy={exporting || undefined} title="Download as PNG" data-testid="btn-export-png">
        PNG
      </button>
      <button type="button" className="button button-xs" onClick={() => onExport('svg')} disabled={disabled} title="Download as SVG" data-testid="btn-export-svg">
        SVG
      </button>
    </>
  );
}
