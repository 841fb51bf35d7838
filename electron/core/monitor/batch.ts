import type { ParsedInput } from '../../../shared/contract';
import type { DriftReport } from '../../../shared/contract/monitor';
import type { ColumnSource, DataService } from '../data';
import type { JobReporter } from '../jobs';
import { compareTables, type ColumnOptions } from './drift';

/**
 * Batch drift: two datasets (files or project dataset versions) compared column by column by the drift
 * engine (./drift). The monitor service runs `datasetDrift` as the job behind `monitor.datasetDrift`;
 * `mldesk drift` calls `driftFiles` with the files it resolved itself.
 */

export type DatasetDriftInput = ParsedInput<'monitor.datasetDrift'>;

export interface DriftOptions {
  /** Current column → reference column. */
  columnMap?: Record<string, string>;
  /** Per column (reference or current name): method and/or threshold. */
  columns?: Record<string, ColumnOptions>;
  /** Every applicable statistic per column (ColumnDrift.statistics), not only the chosen method's. */
  allStatistics?: boolean;
}

/** Reads both files (in parallel) and compares them; `tookMs` covers the reading too. */
export async function driftFiles(data: DataService, ref: ColumnSource, cur: ColumnSource, opts: DriftOptions = {}, reporter?: JobReporter): Promise<DriftReport> {
  const started = performance.now();
  reporter?.phase(`Reading ${ref.label} and ${cur.label}`, null);
  const [a, b] = await data.columnTables(ref, cur, opts.columnMap ?? {});
  return compare(a, b, opts, started, reporter);
}

/**
 * `monitor.datasetDrift`'s work: both project datasets (at their commits when given) read and compared.
 * Errors name the files as the caller named them (project-relative, `path@commit`).
 */
export async function datasetDrift(deps: { data: DataService }, input: DatasetDriftInput, reporter?: JobReporter): Promise<DriftReport> {
  const started = performance.now();
  const ref = { projectId: input.reference.projectId, path: input.reference.path, ...(input.reference.commit ? { version: input.reference.commit } : {}) };
  const cur = { projectId: input.current.projectId, path: input.current.path, ...(input.current.commit ? { version: input.current.commit } : {}) };
  reporter?.phase(`Reading ${input.reference.path} and ${input.current.path}`, null);
  const [a, b] = await deps.data.columnTablesOf(ref, cur, input.columnMap);
  return compare(a, b, { columnMap: input.columnMap, columns: input.columns }, started, reporter);
}

function compare(a: Parameters<typeof compareTables>[0], b: Parameters<typeof compareTables>[1], opts: DriftOptions, started: number, reporter?: JobReporter): DriftReport {
  reporter?.phase(`Comparing ${a.columns.length} columns`, 0.9);
  const report = compareTables(a, b, { columnMap: opts.columnMap, columns: opts.columns, allStatistics: opts.allStatistics });
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
  reporter?.log(`${report.driftedColumns} of ${report.columns.length} columns drifted${drifted.length ? ` (${drifted.join(', ')})` : ''}; dataset drift: ${report.datasetDrift ? 'yes' : 'no'}`);
  return { ...report, tookMs: Math.round(performance.now() - started) };
}
