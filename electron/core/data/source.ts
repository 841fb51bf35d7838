import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';
import { parseCsv } from '../../../shared/lib/csv';

export type DataFormat = 'csv' | 'parquet' | 'jsonl';

export interface CsvDialect {
  delimiter: string;
  columns: string[];
  /** Rows the file holds, estimated from the lines in the sniffed head (sizes the diff's scan arrays and budget). */
  estimatedRows: number;
}

export interface DataSource {
  file: string;
  format: DataFormat;
  size: number;
  csv?: CsvDialect;
}

const SNIFF_BYTES = 256 * 1024;
const DELIMITERS = [',', ';', '\t', '|'];

export const dataError = (file: string, problem: string, line?: number) =>
  new MldeskError('INVALID_INPUT', `${file}${line !== undefined ? `: line ${line}` : ''}: ${problem}`, { file, ...(line !== undefined ? { line } : {}) });

export function formatOf(file: string): DataFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  throw dataError(file, `unsupported format "${ext || '(none)'}" — use .csv/.tsv, .parquet or .jsonl`);
}

/** Delimiter = the candidate giving the same field count (> 1) on the most sampled records; header from line 1. */
export function sniffCsv(file: string, head: string, truncated: boolean): Omit<CsvDialect, 'estimatedRows'> {
  let best: { delim: string; score: number; columns: string[] } | null = null;
  const ext = path.extname(file).toLowerCase();
  for (const delim of ext === '.tsv' ? ['\t'] : DELIMITERS) {
    const { rows, complete } = parseCsv(head, 51, delim);
    // The last record of a truncated sample may be cut in half: leave it out.
    const sample = truncated || !complete ? rows.slice(0, Math.max(1, rows.length - 1)) : rows;
    const n = sample[0]?.length ?? 0;
    if (n < 2) continue;
    const score = sample.filter((r) => r.length === n).length * 100 + n;
    if (!best || score > best.score) best = { delim, score, columns: sample[0]! };
  }
  if (!best) return { delimiter: ',', columns: checkHeader(file, parseCsv(head, 1).rows[0] ?? []) };
  return { delimiter: best.delim, columns: checkHeader(file, best.columns) };
}

function checkHeader(file: string, cols: string[]): string[] {
  const names = cols.map((c) => c.replace(/^\uFEFF/, '').trim());
  names.forEach((c, i) => {
    if (c === '') throw dataError(file, `header column ${i + 1} has no name`, 1);
  });
  const seen = new Set<string>();
  for (const c of names) {
    if (seen.has(c)) throw dataError(file, `duplicate column name "${c}" in the header`, 1);
    seen.add(c);
  }
  return names;
}

const TYPE_SAMPLE_BYTES = 64 * 1024;
const LEADING_ZERO = /^-?0\d/;
const TYPE_TESTS: Array<[string, RegExp]> = [
  ['BOOLEAN', /^(true|false|t|f)$/i],
  ['BIGINT', /^-?(0|[1-9]\d{0,17})$/],
  ['DOUBLE', /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/],
  ['DATE', /^\d{4}-\d{2}-\d{2}$/],
  ['TIMESTAMP', /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/],
];

/**
 * Column types of a CSV from its first 64 KB, named as DuckDB's sniffer names them (BIGINT, DOUBLE, …;
 * integers with leading zeros or a plus sign stay VARCHAR, as there): the schema diff of CSVs needs them
 * without starting DuckDB.
 */
export function csvTypes(src: DataSource): Map<string, string> {
  const fd = fs.openSync(src.file, 'r');
  const buf = Buffer.alloc(Math.min(TYPE_SAMPLE_BYTES, src.size));
  try {
    fs.readSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const { rows, complete } = parseCsv(buf.toString('utf8'), 20481, src.csv!.delimiter);
  const sample = (complete && src.size <= buf.length ? rows : rows.slice(0, -1)).slice(1);
  const types = new Map<string, string>();
  src.csv!.columns.forEach((name, c) => {
    const alive = TYPE_TESTS.map(() => true);
    let left = alive.length;
    let seen = false;
    for (const r of sample) {
      const v = r[c];
      if (!v) continue;
      seen = true;
      TYPE_TESTS.forEach(([type, re], t) => {
        if (alive[t] && (!re.test(v) || (type === 'DOUBLE' && LEADING_ZERO.test(v)))) {
          alive[t] = false;
          left--;
        }
      });
      if (left === 0) break;
    }
    const first = alive.indexOf(true);
    types.set(name, seen && first >= 0 ? TYPE_TESTS[first]![0] : 'VARCHAR');
  });
  return types;
}

/** Checks the file exists, is not empty and is not binary, detects its format and (CSV) dialect. */
/** `format` overrides the extension (cache objects have none: their pointer knows the format). */
export function openSource(file: string, format?: DataFormat): DataSource {
  if (!fs.existsSync(file)) throw new MldeskError('NOT_FOUND', `${file}: file does not exist`, { file });
  const st = fs.statSync(file);
  if (!st.isFile()) throw dataError(file, 'is not a regular file');
  format ??= formatOf(file);
  if (st.size === 0) throw dataError(file, 'the file is empty');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(SNIFF_BYTES, st.size));
  try {
    fs.readSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (format === 'parquet') {
    if (buf.subarray(0, 4).toString('latin1') !== 'PAR1') throw dataError(file, 'not a Parquet file (missing PAR1 magic bytes)');
    return { file, format, size: st.size };
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const line = buf.subarray(0, nul).toString('latin1').split('\n').length;
    throw dataError(file, `binary content (NUL byte at offset ${nul}) — not a text ${format.toUpperCase()} file`, line);
  }
  if (format === 'jsonl') return { file, format, size: st.size };
  const head = buf.toString('utf8');
  const text = head.trim();
  if (text === '') throw dataError(file, 'the file has no header row');
  let lines = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
  const estimatedRows = Math.ceil((st.size / buf.length) * Math.max(1, lines));
  return { file, format, size: st.size, csv: { ...sniffCsv(file, head, st.size > buf.length), estimatedRows } };
}
