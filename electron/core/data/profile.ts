import fs from 'node:fs';
import path from 'node:path';
import type { ColumnProfile, ColumnType, Profile } from '../../../shared/contract/data';
import { ident, readError, scan, type Duck } from './duck';
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

let tableSeq = 0;

/** Loads a source into a temp table (validating CSV structure first); `fn` gets the table name; dropped after. */
export async function withTable<T>(duck: Duck, src: DataSource, fn: (table: string, columns: Array<{ name: string; type: string }>) => Promise<T>, typed = true): Promise<T> {
  const table = `mldesk_t${++tableSeq}`;
  try {
    if (src.format === 'csv') await duck.all(`SELECT count(*) AS n FROM ${scan(src, false)}`); // strict structural pass
    try {
      await duck.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${scan(src, typed)}`);
    } catch (e) {
      if (!typed || src.format !== 'csv') throw e;
      await duck.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${scan(src, false)}`);
    }
  } catch (e) {
    await duck.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    throw readError(src, e);
  }
  try {
    const cols = (await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE ${table}`)).map((c) => ({ name: c.column_name, type: c.column_type }));
    return await fn(table, cols);
  } finally {
    await duck.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

export async function profileSource(duck: Duck, src: DataSource, sha256: string): Promise<Profile> {
  const started = performance.now();
  return withTable(duck, src, async (table, cols) => {
    const rows = num((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n) ?? 0;
    const columns: ColumnProfile[] = [];
    for (const c of cols) {
      const col = ident(c.name);
      const type = columnTypeOf(c.type);
      const numeric = type === 'integer' || type === 'float';
      const [agg] = await duck.all<Record<string, unknown>>(
        `SELECT count(${col}) AS cnt, approx_count_distinct(${col}) AS dist,
                ${numeric ? `min(${col})::DOUBLE AS mn, max(${col})::DOUBLE AS mx, avg(${col})::DOUBLE AS mean, stddev_samp(${col})::DOUBLE AS sd,
                quantile_cont(${col}, [${QUANTILES.join(',')}]) AS q` : `min(${col})::VARCHAR AS mn, max(${col})::VARCHAR AS mx`}
         FROM ${table}`,
      );
      const count = num(agg?.cnt) ?? 0;
      const p: ColumnProfile = {
        name: c.name,
        type,
        sqlType: c.type,
        count: rows,
        missing: rows - count,
        distinct: Math.min(num(agg?.dist) ?? 0, count),
        min: numeric ? num(agg?.mn) : ((agg?.mn as string | null) ?? null),
        max: numeric ? num(agg?.mx) : ((agg?.mx as string | null) ?? null),
        mean: numeric ? num(agg?.mean) : null,
        std: numeric ? num(agg?.sd) : null,
        quantiles: null,
        histogram: null,
        top: null,
      };
      if (numeric && count > 0) {
        const q = (agg?.q as unknown[] | null) ?? [];
        p.quantiles = Object.fromEntries(QUANTILES.map((k, i) => [`p${Math.round(k * 100)}`, num(q[i]) ?? NaN]));
        const lo = p.min as number;
        const hi = p.max as number;
        const width = hi > lo ? (hi - lo) / BINS : 1;
        const bins = await duck.all<{ b: number; n: bigint }>(
          `SELECT LEAST(${BINS - 1}, floor((${col}::DOUBLE - ${lo}) / ${width}))::INTEGER AS b, count(*) AS n FROM ${table} WHERE ${col} IS NOT NULL GROUP BY b ORDER BY b`,
        );
        const counts = new Array<number>(hi > lo ? BINS : 1).fill(0);
        for (const r of bins) counts[Math.max(0, Math.min(counts.length - 1, r.b))]! += Number(r.n);
        p.histogram = counts.map((n, i) => ({ lo: lo + i * width, hi: hi > lo ? lo + (i + 1) * width : hi, count: n }));
      } else if (!numeric) {
        const top = await duck.all<{ v: string | null; n: bigint }>(`SELECT ${col}::VARCHAR AS v, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY n DESC, v LIMIT 10`);
        p.top = top.map((t) => ({ value: t.v, count: Number(t.n) }));
      }
      columns.push(p);
    }
    return { sha256, rows, columns, elapsedMs: Math.round(performance.now() - started) };
  });
}

/** Profiles are cached by content hash: the same bytes are profiled once. */
export class ProfileCache {
  constructor(private readonly dir: string) {}
  get(sha: string): Profile | null {
    const f = path.join(this.dir, `${sha}.json`);
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8')) as Profile;
    } catch {
      return null;
    }
  }
  put(p: Profile): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const f = path.join(this.dir, `${p.sha256}.json`);
    const tmp = `${f}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(p));
    fs.renameSync(tmp, f);
  }
}
