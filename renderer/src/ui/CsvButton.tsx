/** CSV download of a table: the helper and the small "CSV" button of a panel or toolbar. */
import { DownloadIcon } from '../app/icons';
import { toast } from '../app/toasts';
import { datedFileName, downloadBlob, toCsv, type CsvCell } from '../lib/exportCsv';

/** Downloads CSV records (header first) as `<base>-YYYY-MM-DD.csv`; a failure becomes an error toast (→ false). */
export function downloadCsv(base: string, rows: readonly (readonly CsvCell[])[]): boolean {
  try {
    downloadBlob(new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' }), datedFileName(base));
    return true;
  } catch (e) {
    toast.error(e, 'Could not export the CSV');
    return false;
  }
}

/**
 * A table's "CSV" button: the rows are built only when clicked. `size="sm"` (with a download icon) sits in toolbars
 * of `button-sm` controls; the default `xs` in panel headers.
 */
export function CsvButton({
  base,
  rows,
  disabled,
  testId,
  title = 'Download the rows shown as CSV',
  size = 'xs',
}: {
  base: string;
  rows: () => readonly (readonly CsvCell[])[];
  disabled: boolean;
  testId: string;
  title?: string;
  size?: 'xs' | 'sm';
}) {
  return (
    <button type="button" className={`button button-${size}`} disabled={disabled} onClick={() => downloadCsv(base, rows())} title={title} data-testid={testId}>
      {size === 'sm' ? <DownloadIcon width={14} height={14} /> : null}
      CSV
    </button>
  );
}
