import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MldeskError } from '../../../shared/contract/errors';
import type { ColumnTable, ColumnValues } from '../monitor/drift';
import { finiteSorted } from '../monitor/drift';
import { parseCsvColumns, type ColumnsSpec, type ParsedColumn, type ParsedTable } from './csvColumns';
import { ScanFailure } from './csvScan';
import { describe, ident, readError, scan, type Duck } from './duck';
import { columnTypeOf } from './profile';
import { dataError, openSource, type DataFormat, type DataSource } from './source';

/**
 * Two datasets as column tables for the drift engine (monitor/drift): per column, the sorted numbers or the
 * category counts, and the missing count. CSV goes through csvColumns.ts (both files in parallel worker
 * threads when the CLI bundle is there and the files are large); Parquet and JSONL through DuckDB.
 *
 * Types are decided for both sides together, like a profile would: a column is numeric when every value on
 * both sides is a number. Numbers on one side and text on the other is an INVALID_INPUT error naming the
 * column and the first text value, unless that text only spells numbers differently ("007", "+3": codes),
 * in which case both sides are read as text.
 */

export interface ColumnSource {
  file: string;
  format?: DataFormat;
  /** How the caller named it (reports and messages show it). */
  label: string;
}

type Side = { src: DataSource; label: string; table: ParsedTable };

/** Worker bundle next to this one (dist/scanWorker.js serves the diff's scans and these reads); absent in tests. */
function workerFile(): string | null {
  const f = path.join(__dirname.replace(/app\.asar([\\/]|$)/, 'app.asar.unpacked$1'), 'scanWorker.js');
  return fs.existsSync(f) ? f : null;
}

const workerMinBytes = () => Number(process.env.MLDESK_COLUMNS_WORKER_MIN_BYTES ?? 16 << 20);

/** Workers started ahead (warmColumnWorkers) while the caller opens the engine; each serves one read. */
const warm: Worker[] = [];

/** Starts the two CSV reader workers ahead of a comparison of about `bytes` (the CLI does, while the engine opens). */
export function warmColumnWorkers(bytes: number): void {
  const f = workerFile();
  if (!f || bytes < workerMinBytes()) return;
  while (warm.length < 2) {
    const w = new Worker(f);
    w.unref();
    warm.push(w);
  }
}

function parseInWorker(file: string, spec: ColumnsSpec): Promise<ParsedTable> {
  return new Promise((resolve, reject) => {
    const w = warm.shift() ?? new Worker(file);
    w.ref();
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the CSV reader stopped (exit code ${code})`)));
    w.once('message', (m: { table?: ParsedTable; error?: { file?: string; problem?: string; line?: number; message?: string } }) => {
      void w.terminate();
      const e = m.error;
      if (e) reject(e.file ? dataError(e.file, e.problem!, e.line) : new Error(e.message));
      else resolve(m.table!);
    });
    w.postMessage({ columns: spec });
  });
}

function parseInline(spec: ColumnsSpec): ParsedTable {
  try {
    return parseCsvColumns(spec);
  } catch (e) {
    throw e instanceof ScanFailure ? dataError(e.file, e.problem, e.line) : e;
  }
}

const csvSpec = (src: DataSource, modes: number[]): ColumnsSpec => ({ file: src.file, delimiter: src.csv!.delimiter, columns: src.csv!.columns, modes, rowsHint: src.csv!.estimatedRows });

/** A Parquet / JSONL file (or a CSV on request) through DuckDB, as the CSV reader would give it. */
async function readWithDuck(duck: Duck, src: DataSource, modes?: Map<string, number>): Promise<ParsedTable> {
  const from = scan(src, true);
  try {
    const cols = await describe(duck, from);
    const wanted = cols.filter((c) => (modes ? (modes.get(c.name) ?? 0) !== 0 : true));
    const isNum = (c: { name: string; type: string }) => (modes?.get(c.name) ?? 1) === 1 && ['integer', 'float'].includes(columnTypeOf(c.type));
    const nums = wanted.filter(isNum);
    const texts = wanted.filter((c) => !isNum(c));
    const sel = [`count(*) AS n`, ...nums.map((c, i) => `count(${ident(c.name)}) AS k${i}, list(${ident(c.name)}::DOUBLE) FILTER (WHERE ${ident(c.name)} IS NOT NULL) AS v${i}`)];
    const [agg] = await duck.all<Record<string, unknown>>(`SELECT ${sel.join(', ')} FROM ${from}`);
    const rows = Number(agg?.n ?? 0);
    const out = new Map<string, ParsedColumn>();
    nums.forEach((c, i) => {
      const { sorted } = finiteSorted(Float64Array.from((agg?.[`v${i}`] as number[] | null) ?? []));
      // NaN and ±∞ are missing values too.
      out.set(c.name, { name: c.name, missing: rows - sorted.length, numeric: sorted, categories: null, counts: null, looseNumeric: true, firstText: null, partial: 0 });
    });
    if (texts.length) {
      const sets = texts.map((c) => `(${ident(c.name)})`).join(', ');
      const which = texts.map((c, k) => `WHEN GROUPING(${ident(c.name)}) = 0 THEN ${k}`).join(' ');
      const value = texts.map((c) => `WHEN GROUPING(${ident(c.name)}) = 0 THEN ${ident(c.name)}::VARCHAR`).join(' ');
      const groups = await duck.all<{ k: number; v: string | null; n: bigint | number }>(`SELECT CASE ${which} END AS k, CASE ${value} END AS v, count(*) AS n FROM ${from} GROUP BY GROUPING SETS (${sets})`);
      texts.forEach((c, k) => {
        const categories: string[] = [];
        const counts: number[] = [];
        let missing = 0;
        let loose = true;
        let firstText: ParsedColumn['firstText'] = null;
        for (const g of groups) {
          if (Number(g.k) !== k) continue;
          if (g.v === null || g.v === '') missing += Number(g.n);
          else {
            categories.push(g.v);
            counts.push(Number(g.n));
            if (loose && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(g.v)) {
              loose = false;
              firstText = { value: g.v.slice(0, 200), line: 0 };
            }
          }
        }
        firstText ??= categories.length ? { value: categories[0]!.slice(0, 200), line: 0 } : null;
        out.set(c.name, { name: c.name, missing, numeric: null, categories, counts, looseNumeric: loose, firstText, partial: 0 });
      });
    }
    return { rows, columns: cols.map((c) => out.get(c.name) ?? { name: c.name, missing: 0, numeric: new Float64Array(0), categories: null, counts: null, looseNumeric: true, firstText: null, partial: 0 }) };
  } catch (e) {
    throw readError(src, e);
  }
}

/** Reads one side (all columns numbers-first, or `modes` per column name). */
async function readSide(duck: Duck, src: DataSource, modes?: Map<string, number>, parallel?: string | null): Promise<ParsedTable> {
  if (src.format !== 'csv') return readWithDuck(duck, src, modes);
  const spec = csvSpec(
    src,
    src.csv!.columns.map((c) => (modes ? (modes.get(c) ?? 0) : 1)),
  );
  return parallel ? parseInWorker(parallel, spec) : parseInline(spec);
}

const kindOf = (p: ParsedColumn): 'numeric' | 'empty' | 'text' => (p.numeric ? (p.numeric.length ? 'numeric' : 'empty') : 'text');

function toValues(p: ParsedColumn): ColumnValues {
  if (p.numeric) return { type: 'numeric', sorted: p.numeric, missing: p.missing };
  const counts = new Map<string, number>();
  p.categories!.forEach((c, i) => counts.set(c, p.counts![i]!));
  return { type: 'categorical', counts, missing: p.missing };
}

/**
 * Reads `ref` and `cur` as column tables (`columnMap`: current column → reference column, to pair them for
 * the type decision). Throws INVALID_INPUT naming the column when one side holds numbers and the other text.
 */
export async function readColumnTables(duck: Duck, ref: ColumnSource, cur: ColumnSource, columnMap: Record<string, string> = {}): Promise<[ColumnTable, ColumnTable]> {
  const sides = [ref, cur].map((s) => ({ src: openSource(s.file, s.format), label: s.label }));
  const wf = workerFile();
  const csvBytes = sides.reduce((n, s) => n + (s.src.format === 'csv' ? s.src.size : 0), 0);
  const parallel = wf && csvBytes >= workerMinBytes() ? wf : null;
  const tables = await Promise.all(sides.map((s) => readSide(duck, s.src, undefined, parallel)));
  const [a, b]: Side[] = sides.map((s, i) => ({ ...s, table: tables[i]! }));

  // Pair the columns and settle their types.
  const refOf = (name: string) => columnMap[name] ?? name;
  const again: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  for (const pc of b!.table.columns) {
    const pr = a!.table.columns.find((c) => c.name === refOf(pc.name));
    if (!pr) continue; // compareTables names the missing column
    const [kr, kc] = [kindOf(pr), kindOf(pc)];
    if ((kr === 'numeric' && kc === 'text') || (kr === 'text' && kc === 'numeric')) {
      const [text, textSide, numSide] = kr === 'text' ? [pr, a!, b!] : [pc, b!, a!];
      if (!text.looseNumeric) {
        const ex = text.firstText;
        const where = ex ? ` ("${ex.value}"${ex.line ? ` at line ${ex.line}` : ''})` : '';
        throw new MldeskError(
          'INVALID_INPUT',
          `Column "${pr.name}" holds numbers in ${numSide.label} but text in ${textSide.label}${where}: the datasets' types differ`,
          { column: pr.name },
        );
      }
      // Numbers spelled as codes on one side ("007"): text on both.
      if (kr === 'numeric' || pr.partial > 0) again[0].set(pr.name, 2);
      if (kc === 'numeric' || pc.partial > 0) again[1].set(pc.name, 2);
    } else {
      // Text that started as numbers: those first values are read again as text.
      if (kr === 'text' && pr.partial > 0) again[0].set(pr.name, 2);
      if (kc === 'text' && pc.partial > 0) again[1].set(pc.name, 2);
    }
  }
  // Columns that turned to text part-way (or must be text) are read again as text.
  for (const [i, side] of [a!, b!].entries()) {
    if (again[i]!.size === 0) continue;
    const redo = await readSide(duck, side.src, again[i]);
    const byName = new Map(redo.columns.map((c) => [c.name, c]));
    side.table = { rows: side.table.rows, columns: side.table.columns.map((c) => (again[i]!.has(c.name) ? byName.get(c.name)! : c)) };
  }
  return [a!, b!].map((s) => ({ source: s.label, rows: s.table.rows, columns: s.table.columns.map((c) => ({ name: c.name, values: toValues(c) })) })) as [ColumnTable, ColumnTable];
}
