import fs from 'node:fs';
import path from 'node:path';
import type { ColumnProfile, ColumnType, Profile } from '../../../shared/contract/data';
import { describe, ident, readError, scan, type Duck } from './duck';
import type { DataSource } from './source';

export function columnTypeOf(sqlType: string): ColumnType {
  const t = sqlType.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return 'integer';
  if (/^(FLOAT|DOUBLE|REAL)$/.test(t) || t.startsWith('DECIMAL')) return 'float';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'VARCHAR') return 'string';
  return 'other';
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v));
const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];
const BINS = 20;

/** Files up to this size get exact distinct counts and quantiles; larger ones HyperLogLog and t-digest (bounded memory). */
const exactBytes = () => Number(process.env.MLDESK_PROFILE_EXACT_BYTES ?? 256 * 1024 * 1024);

/**
 * Profile of a source in a few streaming passes (nothing is materialized, so files larger than memory work):
 * a strict structural read (CSV: errors with line numbers), one pass for counts / min / max / mean / std /
 * distinct / quantiles of every column, one for the histograms of numeric columns, one for the top values of
 * the others. A typed read that fails deep in a file (a value the sniffer did not foresee) falls back to text.
 */
export async function profileSource(duck: Duck, src: DataSource, sha256: string): Promise<Profile> {
  const started = performance.now();
  try {
    if (src.format === 'csv') await duck.all(`SELECT count(*) AS n FROM ${scan(src, false)}`); // strict structural pass
    const typed = await describe(duck, scan(src, true)).catch(() => null);
    if (typed) {
      try {
        return await profilePasses(duck, src, scan(src, true), typed, sha256, started);
      } catch (e) {
        if (src.format !== 'csv') throw e;
      }
    }
    return await profilePasses(duck, src, scan(src, false), await describe(duck, scan(src, false)), sha256, started);
  } catch (e) {
    throw readError(src, e);
  }
}

async function profilePasses(duck: Duck, src: DataSource, from: string, cols: Array<{ name: string; type: string }>, sha256: string, started: number): Promise<Profile> {
  const exact = src.size <= exactBytes();
  const kinds = cols.map((c) => columnTypeOf(c.type));
  const isNum = (i: number) => kinds[i] === 'integer' || kinds[i] === 'float';
  const q = `[${QUANTILES.join(', ')}]`;
  const aggs = cols.map((c, i) => {
    const col = ident(c.name);
    const distinct = exact ? `count(DISTINCT ${col})` : `approx_count_distinct(${col})`;
    const base = `count(${col}) AS cnt${i}, ${distinct} AS dist${i}`;
    if (!isNum(i)) return `${base}, min(${col})::VARCHAR AS mn${i}, max(${col})::VARCHAR AS mx${i}`;
    return `${base}, min(${col})::DOUBLE AS mn${i}, max(${col})::DOUBLE AS mx${i}, avg(${col})::DOUBLE AS mean${i}, stddev_samp(${col})::DOUBLE AS sd${i},
      ${exact ? `quantile_cont(${col}, ${q})` : `approx_quantile(${col}, ${q})`} AS q${i}`;
  });
  const [agg] = await duck.all<Record<string, unknown>>(`SELECT count(*) AS n, ${aggs.join(',\n')} FROM ${from}`);
  const rows = num(agg?.n) ?? 0;
  const columns: ColumnProfile[] = cols.map((c, i) => {
    const count = num(agg?.[`cnt${i}`]) ?? 0;
    const numeric = isNum(i);
    const p: ColumnProfile = {
      name: c.name,
      type: kinds[i]!,
      sqlType: c.type,
      count: rows,
      missing: rows - count,
      distinct: Math.min(num(agg?.[`dist${i}`]) ?? 0, count),
      min: numeric ? num(agg?.[`mn${i}`]) : ((agg?.[`mn${i}`] as string | null) ?? null),
      max: numeric ? num(agg?.[`mx${i}`]) : ((agg?.[`mx${i}`] as string | null) ?? null),
      mean: numeric ? num(agg?.[`mean${i}`]) : null,
      std: numeric ? num(agg?.[`sd${i}`]) : null,
      quantiles: null,
      histogram: null,
      top: null,
    };
    if (numeric && count > 0) {
      const qs = (agg?.[`q${i}`] as unknown[] | null) ?? [];
      p.quantiles = Object.fromEntries(QUANTILES.map((k, j) => [`p${Math.round(k * 100)}`, num(qs[j]) ?? NaN]));
    }
    return p;
  });

  // Histograms: every numeric column's bin counts in one pass.
  const binned = columns.map((p, i) => ({ p, i })).filter(({ p, i }) => isNum(i) && p.count - p.missing > 0);
  if (binned.length) {
    const sel = binned.map(({ p, i }) => {
      const lo = p.min as number;
      const hi = p.max as number;
      const width = hi > lo ? (hi - lo) / BINS : 1;
      // Missing values are not a bin: without the filter DuckDB counts them under a NULL key, read back as bin 0.
      const col = ident(cols[i]!.name);
      return `histogram(LEAST(${BINS - 1}, floor((${col}::DOUBLE - ${lo}) / ${width}))::INTEGER) FILTER (WHERE ${col} IS NOT NULL) AS h${i}`;
    });
    const [h] = await duck.all<Record<string, unknown>>(`SELECT ${sel.join(', ')} FROM ${from}`);
    for (const { p, i } of binned) {
      const lo = p.min as number;
      const hi = p.max as number;
      const width = hi > lo ? (hi - lo) / BINS : 1;
      const counts = new Array<number>(hi > lo ? BINS : 1).fill(0);
      for (const [b, n] of mapEntries(h?.[`h${i}`])) counts[Math.max(0, Math.min(counts.length - 1, Number(b)))]! += Number(n);
      p.histogram = counts.map((n, k) => ({ lo: lo + k * width, hi: hi > lo ? lo + (k + 1) * width : hi, count: n }));
    }
  }

  // Top values of the other columns: one grouping-sets pass, ten per column.
  const others = cols.map((c, i) => ({ c, i })).filter(({ i }) => !isNum(i));
  if (others.length) {
    const sets = others.map(({ c }) => `(${ident(c.name)})`).join(', ');
    const which = others.map(({ c }, k) => `WHEN GROUPING(${ident(c.name)}) = 0 THEN ${k}`).join(' ');
    const value = others.map(({ c }) => `WHEN GROUPING(${ident(c.name)}) = 0 THEN ${ident(c.name)}::VARCHAR`).join(' ');
    const top = await duck.all<{ k: number; v: string | null; n: bigint }>(
      `SELECT k, v, n FROM (
         SELECT CASE ${which} END AS k, CASE ${value} END AS v, count(*) AS n FROM ${from} GROUP BY GROUPING SETS (${sets})
       ) QUALIFY row_number() OVER (PARTITION BY k ORDER BY n DESC, v NULLS LAST) <= 10 ORDER BY k, n DESC, v NULLS LAST`,
    );
    others.forEach(({ i }, k) => {
      columns[i]!.top = top.filter((t) => t.k === k).map((t) => ({ value: t.v, count: Number(t.n) }));
    });
  }
  return { sha256, rows, columns, elapsedMs: Math.round(performance.now() - started), ...(exact ? {} : { approximate: true }) };
}

/** DuckDB MAP values arrive as an array of {key, value} or a plain object depending on the binding. */
export function mapEntries(m: unknown): Array<[unknown, unknown]> {
  if (!m) return [];
  if (Array.isArray(m)) return m.map((e: { key: unknown; value: unknown }) => [e.key, e.value]);
  if (typeof m === 'object' && 'entries' in (m as object) && Array.isArray((m as { entries: unknown }).entries)) {
    return ((m as { entries: Array<{ key: unknown; value: unknown }> }).entries).map((e) => [e.key, e.value]);
  }
  return Object.entries(m as Record<string, unknown>);
}

/** Bumped when a profile of the same bytes would come out different (2: histograms without missing values). */
const PROFILE_VERSION = 2;

/** Profiles are cached by content hash (and PROFILE_VERSION): the same bytes are profiled once. */
export class ProfileCache {
  constructor(private readonly dir: string) {}
  private file(sha: string): string {
    return path.join(this.dir, `${sha}.v${PROFILE_VERSION}.json`);
  }
  get(sha: string): Profile | null {
    const f = this.file(sha);
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8')) as Profile;
    } catch {
      return null;
    }
  }
  put(p: Profile): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const f = this.file(p.sha256);
    const tmp = `${f}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(p));
    fs.renameSync(tmp, f);
  }
}
