import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import { lttbIndices } from '../../../shared/lib/lttb';
import type { EngineContext } from '../context';
import type { DataService } from '../data';
import type { Handlers } from '../engine';
import { orderByStep } from './metricStore';
import type { Tracking } from './index';

type TrackingHandlers = { [K in keyof Handlers as K extends `tracking.${string}` ? K : never]: Handlers[K] };

const IMAGE_MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.svg': 'image/svg+xml' };

/** Longest cell text a table preview returns. */
const CELL_MAX = 500;
/** DuckDB reads these as glob / list syntax in a path. */
const GLOB_CHARS = /[*?[\]{}]/;
const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * First rows of a Parquet artifact, read (only read) with the data service's DuckDB. `file` is the confined
 * absolute path (Tracking.readRunArtifact); errors name the artifact by its run-relative path, never the file.
 */
async function previewParquet(duck: DataService['duck'], file: string, shown: string, maxRows: number, dataDir: string) {
  if (GLOB_CHARS.test(file)) throw new MldeskError('FAILED_PRECONDITION', `No table preview for '${shown}': its path has characters DuckDB reads as a pattern`);
  const from = `read_parquet(${sqlLiteral(file)})`;
  try {
    const described = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`);
    const columns = described.map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
    const [count] = await duck.all<{ n: bigint | number }>(`SELECT count(*) AS n FROM ${from}`);
    const rows =
      columns.length === 0
        ? []
        : (await duck.all<Record<string, unknown>>(`SELECT COLUMNS(*)::VARCHAR FROM ${from} LIMIT ${Math.max(1, Math.floor(maxRows))}`)).map((r) =>
            columns.map((c) => {
              const v = r[c.name];
              if (v === null || v === undefined) return null;
              const t = String(v);
              return t.length > CELL_MAX ? `${t.slice(0, CELL_MAX)}…` : t;
            }),
          );
    return { columns, rows, totalRows: count ? Number(count.n) : null };
  } catch (e) {
    if (e instanceof MldeskError) throw e;
    // DuckDB names the file it failed on: name the artifact instead, and drop anything still pointing into the data dir.
    const raw = (e instanceof Error ? e.message : String(e)).split(file).join(shown).split('\n')[0] ?? '';
    const detail = raw.includes(dataDir) || /[\\/][^\s'"]*[\\/]/.test(raw.split(shown).join('')) ? '' : `: ${raw.slice(0, 300)}`;
    throw new MldeskError('INVALID_INPUT', `Could not read '${shown}' as Parquet${detail}`);
  }
}

/** The UI contract's tracking methods, over the same Tracking service the MLflow REST adapter uses. */
export function trackingHandlers(ctx: EngineContext, tracking: Tracking, data?: Pick<DataService, 'duck'>): TrackingHandlers {
  const db = ctx.store.db;
  return {
    'tracking.listExperiments': ({ viewType }) => {
      const counts = new Map(
        (
          db
            .prepare(
              `SELECT experiment_id AS id, count(*) AS n, sum(status = 'RUNNING') AS running, max(start_time) AS last FROM runs WHERE lifecycle_stage = 'active' GROUP BY experiment_id`,
            )
            .all() as Array<{ id: number; n: number; running: number; last: number | null }>
        ).map((r) => [String(r.id), r]),
      );
      return tracking.experiments
        .list(viewType)
        .map((row) => tracking.experiments.toJson(row))
        .map((e) => {
          const c = counts.get(e.experiment_id);
          return { ...e, run_count: c?.n ?? 0, running_count: c?.running ?? 0, last_run_time: c?.last ?? null };
        })
        .sort((a, b) => (b.last_run_time ?? b.creation_time ?? 0) - (a.last_run_time ?? a.creation_time ?? 0));
    },
    'tracking.createExperiment': ({ name }) => tracking.experiments.get(tracking.experiments.create(name)),
    'tracking.searchRuns': (i) =>
      tracking.searchRunRows({ experimentIds: i.experimentIds, filter: i.filter, orderBy: i.orderBy, viewType: i.viewType, maxResults: i.maxResults, pageToken: i.pageToken }),
    'tracking.getRun': ({ runId }) => tracking.runs.get(runId),
    'tracking.metricHistory': ({ runId, key, maxPoints }) => {
      tracking.runs.row(runId);
      const s = tracking.runs.metrics.series(runId, key);
      const order = orderByStep(s);
      const steps = Array.from(order, (j) => s.steps[j]!);
      const values = Array.from(order, (j) => s.values[j]!);
      const timestamps = Array.from(order, (j) => s.timestamps[j]!);
      if (steps.length <= maxPoints) return { key, steps, timestamps, values, total: steps.length };
      const keep = lttbIndices(steps, values, maxPoints);
      return { key, steps: keep.map((i) => steps[i]!), timestamps: keep.map((i) => timestamps[i]!), values: keep.map((i) => values[i]!), total: steps.length };
    },
    'tracking.listArtifacts': ({ runId, path: sub }) => tracking.listRunArtifacts(runId, sub).files,
    'tracking.readArtifact': ({ runId, path: rel, maxBytes }) => {
      // Confined to the artifact store (no symlink out, no s3:// or file: location elsewhere): Tracking.readRunArtifact.
      const { path: safe, file, size, head: buf } = tracking.readRunArtifact(runId, rel, maxBytes);
      const ext = path.extname(file).toLowerCase();
      const truncated = size > buf.length;
      if (IMAGE_MIME[ext]) return { path: safe, size, kind: 'image' as const, mime: IMAGE_MIME[ext]!, base64: buf.toString('base64'), truncated };
      const looksBinary = buf.subarray(0, 4096).includes(0);
      if (looksBinary) return { path: safe, size, kind: 'binary' as const, mime: 'application/octet-stream', truncated };
      const kind = ext === '.json' ? ('json' as const) : ext === '.csv' || ext === '.tsv' ? ('csv' as const) : ('text' as const);
      return { path: safe, size, kind, mime: kind === 'json' ? 'application/json' : kind === 'csv' ? 'text/csv' : 'text/plain', text: buf.toString('utf8'), truncated };
    },
    'tracking.setTag': ({ runId, key, value }) => {
      tracking.runs.logBatch(runId, { tags: [{ key, value }] });
      return { ok: true as const };
    },
    'tracking.deleteTag': ({ runId, key }) => {
      tracking.runs.deleteTag(runId, key);
      return { ok: true as const };
    },
    'tracking.renameRun': ({ runId, name }) => {
      tracking.runs.update(runId, { runName: name });
      return { ok: true as const };
    },
    'tracking.previewArtifactTable': async ({ runId, path: rel, maxRows }) => {
      // Confined like readArtifact; the 4-byte head tells Parquet ("PAR1") from anything else.
      const { path: safe, file, size, head } = tracking.readRunArtifact(runId, rel, 4);
      if (!data) throw new MldeskError('FAILED_PRECONDITION', 'No table preview in this host (no data service)');
      if (head.toString('latin1') !== 'PAR1') throw new MldeskError('INVALID_INPUT', `'${safe}' is not a Parquet file`);
      return { path: safe, size, ...(await previewParquet(data.duck, file, safe, maxRows, ctx.dataDir)) };
    },
    'tracking.deleteRun': ({ runId }) => {
      tracking.runs.setLifecycle(runId, 'deleted');
      return { ok: true as const };
    },
    'tracking.restoreRun': ({ runId }) => {
      tracking.runs.setLifecycle(runId, 'active');
      return { ok: true as const };
    },
  };
}
