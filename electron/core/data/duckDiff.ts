import type { DiffResult, DiffRow } from '../../../shared/contract/data';
import { describe, ident, lit, readError, scan, type Duck } from './duck';
import type { PageOptions, PreparedDiff } from './diff';
import { dataError, type DataSource } from './source';

let seq = 0;

export async function typesOf(duck: Duck, src: DataSource): Promise<Map<string, string>> {
  return new Map((await describe(duck, scan(src, true)).catch(() => [])).map((c) => [c.name, c.type]));
}

/** The source as text columns: a diff compares what is written in the file, so "1.0" → "1" is a change. */
const textScan = (src: DataSource) => (src.format === 'csv' ? scan(src, false) : `(SELECT COLUMNS(*)::VARCHAR FROM ${scan(src)})`);

async function columnsOf(duck: Duck, src: DataSource): Promise<string[]> {
  if (src.csv) return src.csv.columns;
  try {
    return (await describe(duck, textScan(src))).map((c) => c.name);
  } catch (e) {
    throw readError(src, e);
  }
}

async function create(duck: Duck, src: DataSource, table: string, select: string): Promise<void> {
  try {
    await duck.run(`CREATE TEMP TABLE ${table} AS ${select}`);
  } catch (e) {
    throw readError(src, e);
  }
}

/** Both files must have every key column. */
export function requireKeyColumns(a: DataSource, colsA: string[], b: DataSource, colsB: string[], key: string[]): void {
  for (const k of key) {
    if (!colsA.includes(k)) throw dataError(a.file, `key column "${k}" is missing (columns: ${colsA.join(', ')})`);
    if (!colsB.includes(k)) throw dataError(b.file, `key column "${k}" is missing (columns: ${colsB.join(', ')})`);
  }
}

/** The columns a diff row shows: those in both files, then B's new ones, then A's dropped ones. */
export function diffColumns(colsA: string[], colsB: string[]): string[] {
  return [...colsA.filter((c) => colsB.includes(c)), ...colsB.filter((c) => !colsA.includes(c)), ...colsA.filter((c) => !colsB.includes(c))];
}

export function schemaDiff(colsA: string[], colsB: string[], typesA: Map<string, string>, typesB: Map<string, string>): DiffResult['schema'] {
  const setA = new Set(colsA);
  const setB = new Set(colsB);
  return {
    added: colsB.filter((c) => !setA.has(c)).map((name) => ({ name, type: typesB.get(name) ?? 'VARCHAR' })),
    removed: colsA.filter((c) => !setB.has(c)).map((name) => ({ name, type: typesA.get(name) ?? 'VARCHAR' })),
    changed: colsA
      .filter((c) => setB.has(c) && (typesA.get(c) ?? 'VARCHAR') !== (typesB.get(c) ?? 'VARCHAR'))
      .map((name) => ({ name, from: typesA.get(name)!, to: typesB.get(name)! })),
  };
}

/**
 * The DuckDB diff: Parquet, JSONL, and CSVs beyond the in-memory scan's budget (DuckDB spills to disk).
 * Keyed: each side is read once into (key, hash of the other common columns) — a fraction of the bytes of the
 * full rows — joined, and only the differing rows are read back in full. Without a key: row multisets by row
 * hash. The result tables stay until the diff leaves the cache, so pages are single queries.
 */
export async function prepareDuckDiff(duck: Duck, a: DataSource, b: DataSource, key: string[]): Promise<PreparedDiff> {
  const id = ++seq;
  const t = { a: `mldesk_da${id}`, b: `mldesk_db${id}`, d: `mldesk_dd${id}`, ra: `mldesk_ra${id}`, rb: `mldesk_rb${id}` };
  const drop = async (names: string[]) => {
    for (const n of names) await duck.run(`DROP TABLE IF EXISTS ${n}`).catch(() => undefined);
  };
  try {
    const [colsA, colsB] = [await columnsOf(duck, a), await columnsOf(duck, b)];
    const schema = schemaDiff(colsA, colsB, await typesOf(duck, a), await typesOf(duck, b));
    requireKeyColumns(a, colsA, b, colsB, key);
    const common = colsA.filter((c) => colsB.includes(c));
    const columns = diffColumns(colsA, colsB);
    const base = { schema, common, engine: 'duckdb' as const };
    if (key.length === 0) return { ...base, ...(await prepareRows(duck, a, b, t, common, columns)), dispose: () => void drop([t.a, t.b, t.d]) };
    const prepared = await prepareKeyed(duck, a, b, t, key, common, columns, schema);
    await drop([t.a, t.b]);
    return { ...base, ...prepared, dispose: () => void drop([t.d, t.ra, t.rb]) };
  } catch (e) {
    await drop(Object.values(t));
    throw e;
  }
}

type Tables = { a: string; b: string; d: string; ra: string; rb: string };

async function prepareKeyed(duck: Duck, a: DataSource, b: DataSource, t: Tables, key: string[], common: string[], columns: string[], schema: DiffResult['schema']) {
  const values = common.filter((c) => !key.includes(c));
  const keyList = key.map(ident).join(', ');
  const rowHash = values.length ? `hash(${values.map(ident).join(', ')})` : '0::UBIGINT';
  const rowsA: number[] = [];
  for (const [table, src] of [
    [t.a, a],
    [t.b, b],
  ] as const) {
    await create(duck, src, table, `SELECT ${keyList}, ${rowHash} AS __h FROM ${textScan(src)}`);
    // One aggregate per side; the GROUP BY that names a duplicate only runs when there is one.
    const keyTuple = key.length === 1 ? ident(key[0]!) : `(${keyList})`;
    const [agg] = await duck.all<{ n: bigint; d: bigint; nulls: bigint }>(
      `SELECT count(*) AS n, count(DISTINCT ${keyTuple}) AS d, count(*) FILTER (WHERE ${key.map((c) => `${ident(c)} IS NULL`).join(' OR ')}) AS nulls FROM ${table}`,
    );
    rowsA.push(Number(agg!.n));
    if (Number(agg!.nulls) > 0) throw dataError(src.file, `${Number(agg!.nulls)} row(s) have an empty key (${key.join(', ')})`);
    if (agg!.d !== agg!.n) {
      const dup = await duck.all<Record<string, string | null> & { n: bigint }>(`SELECT ${keyList}, count(*) AS n FROM ${table} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
      const k = key.map((c) => `${c}=${dup[0]![c] ?? 'NULL'}`).join(', ');
      throw dataError(src.file, `duplicate key (${k}) appears ${Number(dup[0]!.n)} times — a keyed diff needs unique keys`);
    }
  }
  const on = (x: string, y: string) => key.map((k) => `${x}.${ident(k)} = ${y}.${ident(k)}`).join(' AND ');
  await duck.run(
    `CREATE TEMP TABLE ${t.d} AS
     SELECT ${key.map((k) => `COALESCE(a.${ident(k)}, b.${ident(k)}) AS ${ident(k)}`).join(', ')},
            CASE WHEN a.__h IS NULL THEN 'added' WHEN b.__h IS NULL THEN 'removed' ELSE 'changed' END AS kind
     FROM ${t.a} a FULL OUTER JOIN ${t.b} b ON ${on('a', 'b')}
     WHERE a.__h IS DISTINCT FROM b.__h`,
  );
  // Full rows only for the differences (a second, filtered read of each file).
  await create(duck, a, t.ra, `SELECT s.* FROM ${textScan(a)} s SEMI JOIN (SELECT ${keyList} FROM ${t.d} WHERE kind <> 'added') k ON ${on('s', 'k')}`);
  await create(duck, b, t.rb, `SELECT s.* FROM ${textScan(b)} s SEMI JOIN (SELECT ${keyList} FROM ${t.d} WHERE kind <> 'removed') k ON ${on('s', 'k')}`);
  const counts = await duck.all<{ kind: string; n: bigint }>(`SELECT kind, count(*) AS n FROM ${t.d} GROUP BY kind`);
  const n = (k: string) => Number(counts.find((c) => c.kind === k)?.n ?? 0);
  const changedByColumn: Record<string, number> = {};
  if (values.length) {
    const [byCol] = await duck.all<Record<string, bigint>>(
      `SELECT ${values.map((c, i) => `count(*) FILTER (WHERE a.${ident(c)} IS DISTINCT FROM b.${ident(c)}) AS c${i}`).join(', ')}
       FROM ${t.d} d JOIN ${t.ra} a ON ${on('a', 'd')} JOIN ${t.rb} b ON ${on('b', 'd')} WHERE d.kind = 'changed'`,
    );
    values.forEach((c, i) => (changedByColumn[c] = Number(byCol![`c${i}`] ?? 0)));
  }
  const rows = { added: n('added'), removed: n('removed'), changed: n('changed'), unchanged: rowsA[0]! - n('removed') - n('changed') };

  const page = async (opts: PageOptions): Promise<DiffResult['samples']> => {
    const where = [`d.kind IN (${opts.kinds.map(lit).join(', ')})`];
    if (opts.column && values.includes(opts.column)) where.push(`(d.kind <> 'changed' OR a.${ident(opts.column)} IS DISTINCT FROM b.${ident(opts.column)})`);
    const from = `${t.d} d LEFT JOIN ${t.ra} a ON ${on('a', 'd')} LEFT JOIN ${t.rb} b ON ${on('b', 'd')} WHERE ${where.join(' AND ')}`;
    const total = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${from}`))[0]!.n);
    const found = opts.limit
      ? await duck.all<Record<string, string | null>>(
          `SELECT d.kind, ${common.map((c) => `a.${ident(c)} AS ${ident('a:' + c)}, b.${ident(c)} AS ${ident('b:' + c)}`).join(', ')}
           ${schema.added.map((c) => `, b.${ident(c.name)} AS ${ident('b:' + c.name)}`).join('')}
           ${schema.removed.map((c) => `, a.${ident(c.name)} AS ${ident('a:' + c.name)}`).join('')}
           FROM ${from}
           ORDER BY ${key.map((k) => `TRY_CAST(d.${ident(k)} AS DOUBLE) NULLS LAST, d.${ident(k)}`).join(', ')}
           LIMIT ${opts.limit} OFFSET ${opts.offset}`,
        )
      : [];
    const samples: DiffRow[] = found.map((r) => {
      const kind = r.kind as DiffRow['kind'];
      const side = kind === 'removed' ? 'a' : 'b';
      const cells: Record<string, string | null> = {};
      for (const c of columns) cells[c] = r[`${side}:${c}`] ?? r[`${side === 'a' ? 'b' : 'a'}:${c}`] ?? null;
      const changes = kind === 'changed' ? values.filter((c) => r[`a:${c}`] !== r[`b:${c}`]).map((c) => ({ column: c, old: r[`a:${c}`] ?? null, new: r[`b:${c}`] ?? null })) : [];
      return { kind, key: Object.fromEntries(key.map((k) => [k, cells[k] ?? null])), cells, changes };
    });
    return { rows: samples, offset: opts.offset, total };
  };
  return { rows, keyed: true, key, changedByColumn, page };
}

/** No key: rows compared as multisets of their common-column values (row hash counts per side). */
async function prepareRows(duck: Duck, a: DataSource, b: DataSource, t: Tables, common: string[], columns: string[]) {
  await create(duck, a, t.a, `SELECT * FROM ${textScan(a)}`);
  await create(duck, b, t.b, `SELECT * FROM ${textScan(b)}`);
  const hashExpr = `hash(${common.map((c) => ident(c)).join(', ')})`;
  await duck.run(
    `CREATE TEMP TABLE ${t.d} AS
     SELECT h, ca, cb FROM (
       SELECT COALESCE(x.h, y.h) AS h, COALESCE(x.c, 0) AS ca, COALESCE(y.c, 0) AS cb
       FROM (SELECT ${hashExpr} AS h, count(*) AS c FROM ${t.a} GROUP BY 1) x
       FULL OUTER JOIN (SELECT ${hashExpr} AS h, count(*) AS c FROM ${t.b} GROUP BY 1) y ON x.h = y.h
     ) WHERE ca <> cb`,
  );
  const [agg] = await duck.all<{ added: bigint | null; removed: bigint | null; n: bigint }>(
    `SELECT sum(GREATEST(cb - ca, 0)) AS added, sum(GREATEST(ca - cb, 0)) AS removed, (SELECT count(*) FROM ${t.a}) AS n FROM ${t.d}`,
  );
  const added = Number(agg?.added ?? 0);
  const removed = Number(agg?.removed ?? 0);
  const rows = { added, removed, changed: 0, unchanged: Number(agg?.n ?? 0) - removed };
  // Only the surplus copies of a row hash are differences: number the copies and keep the excess.
  const pick = (table: string, kind: 'added' | 'removed', upTo: number) =>
    duck.all<Record<string, string | null>>(
      `SELECT r.* EXCLUDE (__h, __n)
       FROM (SELECT *, ${hashExpr} AS __h, row_number() OVER (PARTITION BY ${hashExpr}) AS __n FROM ${table}) r
       JOIN ${t.d} d ON d.h = r.__h
       WHERE r.__n <= ${kind === 'added' ? 'd.cb - d.ca' : 'd.ca - d.cb'}
       ORDER BY r.__h, r.__n
       LIMIT ${upTo}`,
    );
  const page = async (opts: PageOptions): Promise<DiffResult['samples']> => {
    const kinds = opts.kinds.filter((k): k is 'added' | 'removed' => k !== 'changed');
    const total = (kinds.includes('added') ? added : 0) + (kinds.includes('removed') ? removed : 0);
    const list: DiffRow[] = [];
    for (const kind of kinds) {
      // Cells of every column of either file (null where this row's file lacks it), as in keyed diffs.
      for (const r of await pick(kind === 'added' ? t.b : t.a, kind, opts.limit + opts.offset)) list.push({ kind, key: {}, cells: Object.fromEntries(columns.map((c) => [c, r[c] ?? null])), changes: [] });
    }
    return { rows: list.slice(opts.offset, opts.offset + opts.limit), offset: opts.offset, total };
  };
  return { rows, keyed: false, key: [], changedByColumn: {}, page };
}
