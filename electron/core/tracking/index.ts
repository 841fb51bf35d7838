import { withFilterErrors } from './errors';
import fs from 'node:fs';
import { parseFilter, parseModelFilter, parseOrderBy, type FilterClause } from '../../../shared/lib/mlflowFilter';
import type { Experiment, RunRow } from '../../../shared/contract/tracking';
import type { EngineContext } from '../context';
import { ArtifactStore } from './artifacts';
import { invalidParam, notFound } from './errors';
import { safeFsError } from '../confine';
import { Experiments, type ViewType } from './experiments';
import { decodePageToken, encodePageToken } from './pageToken';
import { Runs } from './runs';
import { compileRunSearch } from './searchSql';
import { safeRelativePath } from './validate';

export { ArtifactStore } from './artifacts';
export type { ViewType } from './experiments';

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const re = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

function matchString(actual: string | undefined, c: FilterClause): boolean {
  const v = c.value;
  switch (c.op) {
    case 'IS NULL':
      return actual === undefined;
    case 'IS NOT NULL':
      return actual !== undefined;
  }
  if (actual === undefined) return false;
  switch (c.op) {
    case '=':
      return actual === v;
    case '!=':
      return actual !== v;
    case 'LIKE':
      return likeToRegExp(String(v), false).test(actual);
    case 'ILIKE':
      return likeToRegExp(String(v), true).test(actual);
    case 'IN':
      return Array.isArray(v) && v.includes(actual);
    case 'NOT IN':
      return Array.isArray(v) && !v.includes(actual);
    default:
      return false;
  }
}

/** The tracking engine: experiments, runs, metrics and artifacts, used by the UI contract and the MLflow REST adapter. */
export class Tracking {
  readonly experiments: Experiments;
  readonly runs: Runs;
  readonly artifacts: ArtifactStore;

  constructor(private readonly ctx: EngineContext) {
    this.experiments = new Experiments(ctx);
    this.runs = new Runs(ctx, this.experiments);
    this.artifacts = new ArtifactStore(ctx.dataDir);
  }

  searchExperiments(opts: { viewType: ViewType; filter?: string; orderBy?: string[]; maxResults: number; pageToken?: string }): { experiments: Experiment[]; next_page_token?: string } {
    if (opts.maxResults < 1 || opts.maxResults > 50_000) throw invalidParam(`Invalid value ${opts.maxResults} for parameter 'max_results' supplied. It must be at most 50000, but got value ${opts.maxResults}`);
    const ast = withFilterErrors(() => parseModelFilter(opts.filter ?? '', 'registered_models'));
    let list = this.experiments.list(opts.viewType).map((r) => this.experiments.toJson(r));
    list = list.filter((e) =>
      ast.clauses.every((c) => (c.entity === 'tag' ? matchString(e.tags.find((t) => t.key === c.key)?.value, c) : matchString(e.name, c))),
    );
    const order = (opts.orderBy ?? []).map((o) => {
      const m = /^\s*(?:attributes?\.)?(\w+)\s*(ASC|DESC)?\s*$/i.exec(o);
      if (!m || !['name', 'experiment_id', 'creation_time', 'last_update_time'].includes(m[1]!)) throw invalidParam(`Invalid order_by clause '${o}'.`);
      return { key: m[1] as 'name' | 'experiment_id' | 'creation_time' | 'last_update_time', asc: (m[2] ?? 'ASC').toUpperCase() === 'ASC' };
    });
    if (order.length === 0) order.push({ key: 'last_update_time', asc: false }, { key: 'experiment_id', asc: true });
    const val = (e: Experiment, k: string) => (k === 'experiment_id' ? Number(e.experiment_id) : (e as unknown as Record<string, string | number | undefined>)[k] ?? 0);
    list.sort((a, b) => {
      for (const o of order) {
        const x = val(a, o.key);
        const y = val(b, o.key);
        if (x < y) return o.asc ? -1 : 1;
        if (x > y) return o.asc ? 1 : -1;
      }
      return Number(a.experiment_id) - Number(b.experiment_id);
    });
    const offset = decodePageToken(opts.pageToken);
    const page = list.slice(offset, offset + opts.maxResults);
    return offset + opts.maxResults < list.length ? { experiments: page, next_page_token: encodePageToken(offset + opts.maxResults) } : { experiments: page };
  }

  searchRuns(opts: { experimentIds: string[]; filter?: string; orderBy?: string[]; viewType: ViewType; maxResults: number; pageToken?: string }): {
    runIds: string[];
    nextPageToken?: string;
    total: number;
  } {
    if (opts.maxResults > 50_000) throw invalidParam(`Invalid value ${opts.maxResults} for parameter 'max_results' supplied. It must be at most 50000, but got value ${opts.maxResults}`);
    const filter = withFilterErrors(() => parseFilter(opts.filter ?? ''));
    const orderBy = withFilterErrors(() => parseOrderBy(opts.orderBy ?? []));
    const ids = opts.experimentIds.map((id) => {
      if (!/^\d{1,18}$/.test(id)) throw invalidParam(`Invalid experiment ID: '${id}'`);
      return Number(id);
    });
    const offset = decodePageToken(opts.pageToken);
    const { sql, params } = compileRunSearch({ experimentIds: ids, filter, orderBy, viewType: opts.viewType, limit: opts.maxResults + 1, offset });
    const found = this.ctx.store.db.prepare(sql).pluck().all(...params) as string[];
    const more = found.length > opts.maxResults;
    const runIds = more ? found.slice(0, opts.maxResults) : found;
    return more ? { runIds, nextPageToken: encodePageToken(offset + opts.maxResults), total: offset + found.length } : { runIds, total: offset + runIds.length };
  }

  searchRunRows(opts: Parameters<Tracking['searchRuns']>[0]): { runs: RunRow[]; nextPageToken?: string; total: number } {
    const r = this.searchRuns(opts);
    return { runs: this.runs.rows(r.runIds), total: r.total, ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}) };
  }

  /** Metric keys of the given runs with how many of them log each. */
  runKeyCounts(runIds: string[]): Array<{ key: string; runs: number }> {
    if (runIds.length === 0) return [];
    return this.ctx.store.db
      .prepare(`SELECT key, count(*) AS runs FROM latest_metrics WHERE run_uuid IN (${runIds.map(() => '?').join(',')}) GROUP BY key`)
      .all(...runIds) as Array<{ key: string; runs: number }>;
  }

  /**
   * Store-relative folder of a run's artifacts. Only runs whose artifacts live in mldesk's own store are
   * dereferenced: any other location (s3://, a file: path elsewhere) is FAILED_PRECONDITION.
   */
  runArtifactRel(runId: string): string {
    return this.artifacts.relativeFor(this.runs.row(runId).artifact_uri, 'this run');
  }

  /** Local folder holding a run's artifacts (inside the artifact store; see runArtifactRel). */
  runArtifactDir(runId: string): string {
    return this.artifacts.resolve(this.runArtifactRel(runId));
  }

  /** Store-relative path of `sub` (relative, checked) inside the run's artifact folder. */
  private runArtifactPath(runId: string, sub: string): { base: string; rel: string; safe: string } {
    const base = this.runArtifactRel(runId);
    const safe = safeRelativePath(sub);
    return { base, rel: safe ? (base ? `${base}/${safe}` : safe) : base, safe };
  }

  listRunArtifacts(runId: string, sub: string): { root_uri: string; files: Array<{ path: string; is_dir: boolean; file_size?: number }> } {
    const { base, rel } = this.runArtifactPath(runId, sub);
    return { root_uri: this.runs.row(runId).artifact_uri, files: this.artifacts.list(rel, base) };
  }

  /** The first `maxBytes` of a run artifact (UI preview). */
  readRunArtifact(runId: string, sub: string, maxBytes: number): { path: string; file: string; size: number; head: Buffer } {
    const { rel, safe } = this.runArtifactPath(runId, sub);
    if (!safe) throw invalidParam('An artifact path is required');
    const file = this.artifacts.resolve(rel);
    try {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw notFound(`Artifact '${safe}' not found in run ${runId}`);
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const head = Buffer.alloc(Math.min(size, maxBytes));
        const n = fs.readSync(fd, head, 0, head.length, 0);
        return { path: safe, file, size, head: head.subarray(0, n) };
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw safeFsError(e, safe);
    }
  }

  /** Writes a small artifact for a run (launcher logs, model files) without going through HTTP. */
  writeRunArtifact(runId: string, relPath: string, content: string | Buffer): void {
    const { rel, safe } = this.runArtifactPath(runId, relPath);
    if (!safe) throw invalidParam('An artifact path is required');
    this.artifacts.writeSmall(rel, content);
  }
}
