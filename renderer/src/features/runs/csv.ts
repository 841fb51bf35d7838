import type { RunRow } from '../../../../shared/contract';
import { datedFileName, exportCsv, type CsvColumn } from '../../lib/exportCsv';
import type { RunColumn } from './runColumns';

/** CSV columns for the visible table columns (run_id first so rows can be traced back). */
export function runCsvColumns(columns: readonly RunColumn[]): CsvColumn<RunRow>[] {
  return [
    { header: 'run_id', value: (r) => r.info.run_id },
    ...columns.filter((c) => c.id !== 'a:run_id').map((c) => ({ header: c.csvHeader, value: c.csv })),
  ];
}

export function exportRunsCsv(name: string, columns: readonly RunColumn[], rows: readonly RunRow[]): void {
  exportCsv(datedFileName(`mldesk-runs-${name}`), runCsvColumns(columns), rows);
}
