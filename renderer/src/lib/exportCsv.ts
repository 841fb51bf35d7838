/**
 * CSV export shared by every table in the app.
 *
 * Output follows RFC 4180: CRLF line endings, fields quoted when they contain a comma,
 * a double quote, CR or LF (and, for spreadsheet friendliness, leading/trailing spaces),
 * and embedded quotes doubled.
 */

export type CsvCell = string | number | bigint | boolean | Date | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvCell;
}

export interface CsvOptions {
  /** Prefix a UTF-8 byte order mark so Excel detects the encoding. Default false. */
  bom?: boolean;
  /**
   * Neutralise spreadsheet formulas: text cells starting with = + - @ (or tab / CR) get a leading
   * apostrophe (OWASP "CSV injection"). Numbers are never touched. Default false.
   */
  escapeFormulas?: boolean;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const FORMULA_START = /^[=+\-@\t\r]/;

function cellText(cell: CsvCell, escapeFormulas: boolean): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString();
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : Number.isNaN(cell) ? 'NaN' : cell > 0 ? 'Infinity' : '-Infinity';
  if (typeof cell === 'string') return escapeFormulas && FORMULA_START.test(cell) ? `'${cell}` : cell;
  return String(cell);
}

/** Quotes one field if RFC 4180 requires it. */
export function csvField(cell: CsvCell, opts: CsvOptions = {}): string {
  const text = cellText(cell, opts.escapeFormulas ?? false);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of cells → CSV text (CRLF between records, no trailing line break). */
export function toCsv(rows: readonly (readonly CsvCell[])[], opts: CsvOptions = {}): string {
  const body = rows.map((r) => r.map((c) => csvField(c, opts)).join(',')).join('\r\n');
  return opts.bom ? `\uFEFF${body}` : body;
}

/** Typed rows + column definitions → CSV text with a header record. */
export function rowsToCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[], opts: CsvOptions = {}): string {
  return toCsv([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))], opts);
}

/** Turns arbitrary text into a safe download file name. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').trim();
  return cleaned === '' ? 'export.csv' : /\.csv$/i.test(cleaned) ? cleaned : `${cleaned}.csv`;
}

/** Offers a Blob as a file download (works in browsers and in Electron's renderer). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some engines start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Builds the CSV and downloads it; returns the CSV text (handy for tests and clipboard). */
export function exportCsv<T>(fileName: string, columns: readonly CsvColumn<T>[], rows: readonly T[], opts: CsvOptions = {}): string {
  const text = rowsToCsv(columns, rows, opts);
  downloadBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), safeFileName(fileName));
  return text;
}

/** `name-2025-01-31.csv` style stamp, local date. */
export function datedFileName(base: string, now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return safeFileName(`${base}-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`);
}
