import type { DiffResult, DiffRow } from '../../../shared/contract/data';
import { ident, lit, readError, scan, type Duck } from './duck';
import { dataError, type DataSource } from './source';

import type { DiffOptions } from './diff';

let seq = 0;

async function load(duck: Duck, src: DataSource, table: string): Promise<{ rows: number; columns: string[] }> {
  try {
    // Text columns: a diff compares what is written in the file, so "1.0" → "1" is a change.
    await duck.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${src.format === 'csv' ? scan(src, false) : `(SELECT COLUMNS(*)::VARCHAR FROM ${scan(src)})`}`);
  } catch (e) {
    throw readError(src, e);
  }
  const rows = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const columns = (await duck.all<{ column_name: string }>(`DESCRIBE ${table}`)).map((c) => c.column_name);
  return { rows, columns };
}

export async function typesOf(duck: Duck, src: DataSource): Promise<Map<string, string>> {
  try {
    const rows = await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${scan(src, true)}`);
    return new Map(rows.map((r) => [r.column_name, r.column_type]));
  } catch {
    return new Map();
  }
}

/** The source as text columns: a diff compares what is written in the file, so "1.0" → "1" is a change. */
const textScan = (src: DataSource) => (src.format === 'csv' ? scan(src, false) : `(SELECT COLUMNS(*)::VARCHAR FROM ${scan(src)})`);

async function columnsOf(duck: Duck, src: DataSource): Promise<string[]> {
  if (src.csv) return src.csv.columns;
  try {
    return (await duck.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${textScan(src)}`)).map((c) => c.column_name);
  } catch (e) {
    throw readError(src, e);
  }
}

/**
 * The DuckDB diff (Parquet, JSONL, and CSVs beyond the in-memory scan's budget: DuckDB spills to disk).
 * Data diff of two files: schema (added / removed / type-changed columns), rows keyed (added / removed /
 * changed with per-cell old → new) or, without a key, as row multisets by row hash.
 * Keyed: each side is read once into (key, hash of the other common columns) — an eighth of the bytes of the
 * full rows — joined, and only the differing rows are read back in full for cell-level detail.
 */
export async function duckDiff(duck: Duck, a: DataSource, b: DataSource, opts: DiffOptions): Promise<DiffResult> {
  const started = performance.now();
  const lap = (what: string) => process.env.MLDESK_DIFF_TRACE && console.error(`[diff] ${what} ${(performance.now() - started).toFixed(0)} ms`);
  const id = ++seq;
  const ta = `mldesk_da${id}`;
  const tb = `mldesk_db${id}`;
  const td = `mldesk_dd${id}`;
  const ra = `mldesk_ra${id}`;
  const rb = `mldesk_rb${id}`;
  try {
    if (opts.key.length === 0) return await unkeyedDiff(duck, a, b, opts, { ta, tb, td }, started);
    const [colsA, colsB] = [await columnsOf(duck, a), await columnsOf(duck, b)];
    const [typesA, typesB] = [await typesOf(duck, a), await typesOf(duck, b)];
    const schema = schemaDiff(colsA, colsB, typesA, typesB);
    const setA = new Set(colsA);
    const setB = new Set(colsB);
    const common = colsA.filter((c) => setB.has(c));
    if (opts.column && !common.includes(opts.column)) throw dataError(b.file, `no column "${opts.column}" in both files`);
    for (const k of opts.key) {
      if (!setA.has(k)) throw dataError(a.file, `key column "${k}" is missing (columns: ${colsA.join(', ')})`);
      if (!setB.has(k)) throw dataError(b.file, `key column "${k}" is missing (columns: ${colsB.join(', ')})`);
    }
    const values = common.filter((c) => !opts.key.includes(c));
    const keyList = opts.key.map(ident).join(', ');
    const rowHash = values.length ? `hash(${values.map(ident).join(', ')})` : '0::UBIGINT';
    const rows: Record<string, number> = {};
    for (const [t, src, side] of [
      [ta, a, 'a'],
      [tb, b, 'b'],
    ] as const) {
      try {
        await duck.run(`CREATE TEMP TABLE ${t} AS SELECT ${keyList}, ${rowHash} AS __h FROM ${textScan(src)}`);
      } catch (e) {
        throw readError(src, e);
      }
      // One aggregate per side; the GROUP BY that names a duplicate only runs when there is one.
      const keyTuple = opts.key.length === 1 ? ident(opts.key[0]!) : `(${keyList})`;
      const [agg] = await duck.all<{ n: bigint; d: bigint; nulls: bigint }>(
        `SELECT count(*) AS n, count(DISTINCT ${keyTuple}) AS d, count(*) FILTER (WHERE ${opts.key.map((c) => `${ident(c)} IS NULL`).join(' OR ')}) AS nulls FROM ${t}`,
      );
      rows[side] = Number(agg!.n);
      if (Number(agg!.nulls) > 0) throw dataError(src.file, `${Number(agg!.nulls)} row(s) have an empty key (${opts.key.join(', ')})`);
      if (agg!.d !== agg!.n) {
        const dup = await duck.all<Record<string, string | null> & { n: bigint }>(`SELECT ${keyList}, count(*) AS n FROM ${t} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
        const k = opts.key.map((c) => `${c}=${dup[0]![c] ?? 'NULL'}`).join(', ');
        throw dataError(src.file, `duplicate key (${k}) appears ${Number(dup[0]!.n)} times — a keyed diff needs unique keys`);
      }
    }
    lap('loaded keys + row hashes');
    const on = (x: string, y: string) => opts.key.map((k) => `${x}.${ident(k)} = ${y}.${ident(k)}`).join(' AND ');
    await duck.run(
      `CREATE TEMP TABLE ${td} AS
       SELECT ${opts.key.map((k) => `COALESCE(a.${ident(k)}, b.${ident(k)}) AS ${ident(k)}`).join(', ')},
              CASE WHEN a.__h IS NULL THEN 'added' WHEN b.__h IS NULL THEN 'removed' ELSE 'changed' END AS kind
       FROM ${ta} a FULL OUTER JOIN ${tb} b ON ${on('a', 'b')}
       WHERE a.__h IS DISTINCT FROM b.__h`,
    );
    lap('joined');
    // Full rows only for the differences (a second, filtered read of each file).
    for (const [t, src, skip] of [
      [ra, a, 'added'],
      [rb, b, 'removed'],
    ] as const) {
      try {
        await duck.run(`CREATE TEMP TABLE ${t} AS SELECT s.* FROM ${textScan(src)} s SEMI JOIN (SELECT ${keyList} FROM ${td} WHERE kind <> '${skip}') k ON ${on('s', 'k')}`);
      } catch (e) {
        throw readError(src, e);
      }
    }
    lap('differing rows read');
    const counts = await duck.all<{ kind: string; n: bigint }>(`SELECT kind, count(*) AS n FROM ${td} GROUP BY kind`);
    const n = (k: string) => Number(counts.find((c) => c.kind === k)?.n ?? 0);
    const changedByColumn: Record<string, number> = {};
    if (values.length) {
      const [byCol] = await duck.all<Record<string, bigint>>(
        `SELECT ${values.map((c, i) => `count(*) FILTER (WHERE a.${ident(c)} IS DISTINCT FROM b.${ident(c)}) AS c${i}`).join(', ')}
         FROM ${td} d JOIN ${ra} a ON ${on('a', 'd')} JOIN ${rb} b ON ${on('b', 'd')} WHERE d.kind = 'changed'`,
      );
      values.forEach((c, i) => (changedByColumn[c] = Number(byCol![`c${i}`] ?? 0)));
    }
    const counted = { added: n('added'), removed: n('removed'), changed: n('changed') };
    const result = { ...counted, unchanged: rows.a! - counted.removed - counted.changed };

    const where = [`d.kind IN (${opts.kinds.map(lit).join(', ')})`];
    if (opts.column && values.includes(opts.column)) where.push(`(d.kind <> 'changed' OR a.${ident(opts.column)} IS DISTINCT FROM b.${ident(opts.column)})`);
    const from = `${td} d LEFT JOIN ${ra} a ON ${on('a', 'd')} LEFT JOIN ${rb} b ON ${on('b', 'd')} WHERE ${where.join(' AND ')}`;
    const total = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${from}`))[0]!.n);
    const page = opts.limit
      ? await duck.all<Record<string, string | null>>(
          `SELECT d.kind, ${common.map((c) => `a.${ident(c)} AS ${ident('a:' + c)}, b.${ident(c)} AS ${ident('b:' + c)}`).join(', ')}
           ${schema.added.map((c) => `, b.${ident(c.name)} AS ${ident('b:' + c.name)}`).join('')}
           ${schema.removed.map((c) => `, a.${ident(c.name)} AS ${ident('a:' + c.name)}`).join('')}
           FROM ${from}
           ORDER BY ${opts.key.map((k) => `TRY_CAST(d.${ident(k)} AS DOUBLE) NULLS LAST, d.${ident(k)}`).join(', ')}
           LIMIT ${opts.limit} OFFSET ${opts.offset}`,
        )
      : [];
    const samples: DiffRow[] = page.map((r) => {
      const kind = r.kind as DiffRow['kind'];
      const side = kind === 'removed' ? 'a' : 'b';
      const cells: Record<string, string | null> = {};
      for (const c of [...common, ...schema.added.map((x) => x.name), ...schema.removed.map((x) => x.name)]) {
        const v = r[`${side}:${c}`] ?? r[`${side === 'a' ? 'b' : 'a'}:${c}`];
        cells[c] = v ?? null;
      }
      const changes = kind === 'changed' ? values.filter((c) => r[`a:${c}`] !== r[`b:${c}`]).map((c) => ({ column: c, old: r[`a:${c}`] ?? null, new: r[`b:${c}`] ?? null })) : [];
      return { kind, key: Object.fromEntries(opts.key.map((k) => [k, cells[k] ?? null])), cells, changes };
    });
    lap('page');
    return { schema, rows: result, keyed: true, key: opts.key, changedByColumn, samples: { rows: samples, offset: opts.offset, total }, elapsedMs: Math.round(performance.now() - started), engine: 'duckdb' };
  } finally {
    for (const t of [ta, tb, td, ra, rb]) await duck.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
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

/** No key: rows compared as multisets of their common-column values (row hash counts per side). */
async function unkeyedDiff(
  duck: Duck,
  a: DataSource,
  b: DataSource,
  opts: DiffOptions,
  { ta, tb, td }: { ta: string; tb: string; td: string },
  started: number,
): Promise<DiffResult> {
  const [la, lb] = [await load(duck, a, ta), await load(duck, b, tb)];
  const schema = schemaDiff(la.columns, lb.columns, await typesOf(duck, a), await typesOf(duck, b));
  const colsB = new Set(lb.columns);
  const common = la.columns.filter((c) => colsB.has(c));
  if (opts.column && !common.includes(opts.column)) throw dataError(b.file, `no column "${opts.column}" in both files`);
  const hashExpr = `hash(${common.map((c) => ident(c)).join(', ')})`;
  await duck.run(
    `CREATE TEMP TABLE ${td} AS
     SELECT h, ca, cb FROM (
       SELECT COALESCE(x.h, y.h) AS h, COALESCE(x.c, 0) AS ca, COALESCE(y.c, 0) AS cb
       FROM (SELECT ${hashExpr} AS h, count(*) AS c FROM ${ta} GROUP BY 1) x
       FULL OUTER JOIN (SELECT ${hashExpr} AS h, count(*) AS c FROM ${tb} GROUP BY 1) y ON x.h = y.h
     ) WHERE ca <> cb`,
  );
  const [agg] = await duck.all<{ added: bigint | null; removed: bigint | null }>(
    `SELECT sum(GREATEST(cb - ca, 0)) AS added, sum(GREATEST(ca - cb, 0)) AS removed FROM ${td}`,
  );
  const added = Number(agg?.added ?? 0);
  const removed = Number(agg?.removed ?? 0);
  const rows = { added, removed, changed: 0, unchanged: la.rows - removed };
  const kinds = opts.kinds.filter((k) => k !== 'changed');
  const total = (kinds.includes('added') ? added : 0) + (kinds.includes('removed') ? removed : 0);
  // Only the surplus copies of a row hash are differences: number the copies and keep the excess.
  const pick = async (t: string, kind: 'added' | 'removed') =>
    duck.all<Record<string, string | null>>(
      `SELECT r.* EXCLUDE (__h, __n)
       FROM (SELECT *, ${hashExpr} AS __h, row_number() OVER (PARTITION BY ${hashExpr}) AS __n FROM ${t}) r
       JOIN ${td} d ON d.h = r.__h
       WHERE r.__n <= ${kind === 'added' ? 'd.cb - d.ca' : 'd.ca - d.cb'}
       LIMIT ${opts.limit + opts.offset}`,
    );
  const list: DiffRow[] = [];
  const columns = [...common, ...schema.added.map((c) => c.name), ...schema.removed.map((c) => c.name)];
  for (const kind of kinds as Array<'added' | 'removed'>) {
    // Cells of every column of either file (null where this row's file lacks it), as in keyed diffs.
    for (const r of await pick(kind === 'added' ? tb : ta, kind)) list.push({ kind, key: {}, cells: Object.fromEntries(columns.map((c) => [c, r[c] ?? null])), changes: [] });
  }
  return {
    schema,
    rows,
    keyed: false,
    key: [],
    changedByColumn: {},
    samples: { rows: list.slice(opts.offset, opts.offset + opts.limit), offset: opts.offset, total },
    elapsedMs: Math.round(performance.now() - started), engine: 'duckdb',
  };
}
