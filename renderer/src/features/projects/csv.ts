import type { ProjectSummary } from '../../../../shared/contract';
import { datedFileName, exportCsv, type CsvColumn } from '../../lib/exportCsv';

export const projectCsvColumns: readonly CsvColumn<ProjectSummary>[] = [
  { header: 'name', value: (p) => p.name },
  { header: 'path', value: (p) => p.path },
  { header: 'branch', value: (p) => p.git?.branch },
  { header: 'last_commit', value: (p) => p.git?.lastCommit?.oid },
  { header: 'last_commit_message', value: (p) => p.git?.lastCommit?.message },
  { header: 'last_commit_author', value: (p) => p.git?.lastCommit?.author },
  { header: 'last_commit_time', value: (p) => (p.git?.lastCommit ? new Date(p.git.lastCommit.timestamp) : null) },
  { header: 'dirty', value: (p) => p.git?.dirty ?? null },
  { header: 'changed_files', value: (p) => p.git?.changedFiles ?? null },
  { header: 'missing', value: (p) => p.missing },
  { header: 'added_at', value: (p) => new Date(p.addedAt) },
  { header: 'id', value: (p) => p.id },
];

export function exportProjectsCsv(rows: readonly ProjectSummary[]): void {
  exportCsv(datedFileName('mldesk-projects'), projectCsvColumns, rows);
}
