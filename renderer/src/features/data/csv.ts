/**
 * CSV records (header first) of the data page's tables: diff rows, a profile, a validation report.
 * Pure: the buttons download them through ui/CsvButton's `downloadCsv`. Cells keep raw values (not the
 * rounded display text) so a spreadsheet can compute with them; null stays an empty cell.
 */
import type { DiffRow, Profile } from '../../../../shared/contract';
import type { CsvCell } from '../../lib/exportCsv';
import { baseName } from '../../lib/format';
import { diffColumns, type Check } from './logic';

export type CsvRecords = CsvCell[][];

/** `data/train.csv` → `train` (file names of the exports). */
export const datasetStem = (path: string): string => baseName(path).replace(/\.[^.]+$/, '') || 'dataset';

/** Quantiles a profile may carry, in the order of the profile cards. */
export const PROFILE_QUANTILES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

/** A changed cell as text: `score: 0.7 → 0.75` (NULL spelled out so it differs from an empty string). */
const changeText = (ch: DiffRow['changes'][number]): string => `${ch.column}: ${ch.old ?? 'NULL'} → ${ch.new ?? 'NULL'}`;

/**
 * Diff rows: `kind`, every column (key columns first; a changed row's values are B's, a removed row's A's),
 * then `changes` (`col: old → new; …`, empty unless changed).
 */
export function diffCsv(rows: readonly DiffRow[], key: readonly string[]): CsvRecords {
  const columns = diffColumns(rows, key);
  return [['kind', ...columns, 'changes'], ...rows.map((r): CsvCell[] => [r.kind, ...columns.map((c) => r.cells[c] ?? null), r.changes.map(changeText).join('; ')])];
}

/** One record per column of a profile: its type, counts, range, moments and quantiles. */
export function profileCsv(profile: Profile): CsvRecords {
  return [
    ['name', 'type', 'sqlType', 'count', 'missing', 'distinct', 'min', 'max', 'mean', 'std', ...PROFILE_QUANTILES],
    ...profile.columns.map((c): CsvCell[] => [c.name, c.type, c.sqlType, c.count, c.missing, c.distinct, c.min, c.max, c.mean, c.std, ...PROFILE_QUANTILES.map((q) => c.quantiles?.[q] ?? null)]),
  ];
}

/** One record per check, in the order shown (failures first); `column` is empty for dataset-level checks. */
export function validationCsv(checks: readonly Check[]): CsvRecords {
  return [['name', 'column', 'passed', 'message'], ...checks.map((c): CsvCell[] => [c.name, c.column ?? '', c.passed, c.message])];
}
