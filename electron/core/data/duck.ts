import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { MldeskError } from '../../../shared/contract/errors';
import { dataError, type DataFormat, type DataSource } from './source';

/** SQL string literal (DuckDB): single quotes doubled. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** SQL identifier. */
export const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * One DuckDB per engine for data work. It reads CSV / Parquet / JSONL in a streaming, out-of-core way
 * (spilling to `<dataDir>/duckdb-tmp`), so files far larger than memory can be profiled and diffed.
 */
export class Duck {
  private conn: Promise<DuckDBConnection> | null = null;
  private instance: DuckDBInstance | null = null;
  constructor(private readonly tmpDir: string) {}

  private connection(): Promise<DuckDBConnection> {
    this.conn ??= (async () => {
      fs.mkdirSync(this.tmpDir, { recursive: true });
      // Loaded on first use: commands and diffs that never need DuckDB start faster without it.
      const { DuckDBInstance } = await import('@duckdb/node-api');
      this.instance = await DuckDBInstance.create(':memory:', {
        temp_directory: this.tmpDir,
        memory_limit: process.env.MLDESK_DUCKDB_MEMORY ?? '2GB',
        threads: String(Math.max(1, Number(process.env.MLDESK_DUCKDB_THREADS ?? 2))),
        // Keeping insertion order pins buffers: with it, a semi join over a 1.2 GB CSV failed under a 256 MB
        // limit ("failed to pin block"). Every query whose order matters has an ORDER BY.
        preserve_insertion_order: 'false',
      });
      return this.instance.connect();
    })();
    return this.conn;
  }

  async all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = await this.connection();
    const r = await c.runAndReadAll(sql, params as never);
    return r.getRowObjectsJS() as T[];
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    const c = await this.connection();
    await c.run(sql, params as never);
  }

  close(): void {
    try {
      this.instance?.closeSync?.();
    } catch {
      // closing is best effort
    }
    this.conn = null;
    this.instance = null;
  }
}

/**
 * The table expression reading a source. CSV is read with our sniffed dialect, every column as text and
 * strict_mode on, so ragged rows and broken quotes fail with a line number instead of being "fixed" silently.
 */
export function scan(src: DataSource, typed = false): string {
  const f = lit(src.file);
  switch (src.format) {
    case 'parquet':
      return `read_parquet(${f})`;
    case 'jsonl':
      return `read_json(${f}, format = 'newline_delimited')`;
    case 'csv': {
      const d = src.csv!;
      const common = `delim = ${lit(d.delimiter)}, quote = '"', escape = '"', header = true, strict_mode = true, null_padding = false`;
      if (typed) return `read_csv(${f}, ${common}, auto_detect = true, sample_size = 20480)`;
      const cols = d.columns.map((c) => `${lit(c)}: 'VARCHAR'`).join(', ');
      return `read_csv(${f}, ${common}, auto_detect = false, columns = {${cols}})`;
    }
  }
}

/** DuckDB's reader of a file with its own sniffing (read_csv_auto, read_json_auto, read_parquet), by format or extension. */
export function autoScan(file: string, format?: DataFormat): string {
  const fmt = format ?? (/\.parquet$/i.test(file) ? 'parquet' : /\.jsonl?$/i.test(file) ? 'jsonl' : 'csv');
  const reader = fmt === 'parquet' ? 'read_parquet' : fmt === 'jsonl' ? 'read_json_auto' : 'read_csv_auto';
  return `${reader}(${lit(file)})`;
}

/** SQL types read as numbers (the rest as text). */
export const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/i;

/** A value DuckDB returned as a cell: a finite number (numeric columns), else text (dates as YYYY-MM-DD); null when missing. */
export function cellOf(v: unknown, numeric: boolean): number | string | null {
  if (v === null || v === undefined) return null;
  if (numeric) {
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v);
}

/** Column names and SQL types of a table expression (DuckDB sniffs, reading only a sample). */
export async function describe(duck: Duck, from: string): Promise<Array<{ name: string; type: string }>> {
  return (await duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`)).map((c) => ({ name: c.column_name, type: c.column_type }));
}

/** Turns DuckDB's reader errors into "file: line N: problem". */
export function readError(src: DataSource, e: unknown): MldeskError {
  if (e instanceof MldeskError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const cols = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(msg);
  let problem: string;
  if (cols) problem = `ragged row: expected ${cols[1]} fields, found ${cols[2]}`;
  else if (/unterminated quote/i.test(msg)) problem = 'unterminated quoted field';
  else if (/Invalid unicode|not utf-8/i.test(msg)) problem = 'invalid UTF-8 byte sequence';
  else if (/state machine reached an invalid state/i.test(msg)) problem = 'malformed CSV (mixed line endings or a stray quote)';
  else if (/Malformed JSON|JSON/i.test(msg) && src.format === 'jsonl') problem = `malformed JSON: ${msg.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '')}`;
  else if (/No magic bytes|parquet/i.test(msg) && src.format === 'parquet') problem = `unreadable Parquet: ${msg.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '')}`;
  else problem = msg.split('\n').find((l) => l.trim() && !/^CSV Error on Line/.test(l.trim()))?.replace(/^[A-Za-z ]+Error: /, '').trim() ?? msg;
  return dataError(path.resolve(src.file), problem, line !== undefined ? Number(line) : undefined);
}
