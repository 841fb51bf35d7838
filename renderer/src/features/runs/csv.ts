import type { RunRow } from '../../../../shared/contract';
import { datedFileName, exportCsv, type CsvColumn } from '../../lib/exportCsv';
import type { RunColumn } from './runColumns';

const HEADER: Record<string, string> = { status: 'status', name: 'run_name', start: 'start_time', duration: 'duration_s', user: 'user' };

/** CSV columns for the visible table columns (run_id first so rows can be traced back). */
export function runCsvColumns(columns: readonly RunColumn[]): CsvColumn<RunRow>[] {
  return [
    { header: 'run_id', value: (r) => r.info.run_id },
    ...columns.map((c) => ({
      header: c.group === 'params' ? `params.${c.label}` : c.group === 'metrics' ? `metrics.${c.label}` : (HEADER[c.id] ?? c.id),
      value: c.csv,
    })),
  ];
}

export function exportRunsCsv(experimentName: string, columns: readonly RunColumn[], rows: readonly RunRow[]): void {
  exportCsv(datedFileName(`mldesk-runs-${experimentName}`), runCsvColumns(columns), rows);
}
