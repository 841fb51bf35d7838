import { MldeskError } from '../../../../shared/contract/errors';
import type { ColumnarPredict } from '../predict';
import type { Cell, Predict, Progress, Row } from '../types';

/**
 * Rows as columns, once: the explainers replace one column at a time and score the table again. A column of
 * finite numbers only is a Float64Array (permuting and converting it is several times faster); any other stays
 * an array of cells, so a missing value reaches the model exactly as given.
 */
export type Column = Cell[] | Float64Array;

export interface Table {
  n: number;
  cols: Record<string, Column>;
}

export function tableOf(rows: Row[], extra: string[] = []): Table {
  const keys = new Set<string>(extra);
  // Rows may be ragged (a missing key is a missing value): take every key any row has.
  for (const r of rows) for (const k in r) keys.add(k);
  const cols: Record<string, Column> = {};
  for (const k of keys) {
    const c = new Array<Cell>(rows.length);
    let finite = true;
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![k] ?? null;
      c[i] = v;
      if (finite && !(typeof v === 'number' && Number.isFinite(v))) finite = false;
    }
    cols[k] = finite && rows.length ? Float64Array.from(c as number[]) : c;
  }
  return { n: rows.length, cols };
}

/** Scores the table with column `name` replaced: by the predict's column path when it has one, else as row objects. */
export function scoreWith(predict: Predict, t: Table, name: string | null, column: Column | null): Promise<Float64Array> {
  const cols = name && column ? { ...t.cols, [name]: column } : t.cols;
  const p = predict as ColumnarPredict;
  if (p.columns) return p.columns(cols, column?.length ?? t.n);
  const n = column?.length ?? t.n;
  const keys = Object.keys(cols);
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r: Row = {};
    for (const k of keys) r[k] = cols[k]![i]!;
    rows[i] = r;
  }
  return predict(rows);
}

/** What a cancelled computation throws. */
export function cancelledError(): MldeskError {
  return new MldeskError('CONFLICT', 'The explanation was cancelled', { cancelled: true });
}

export function isCancelled(e: unknown): boolean {
  return e instanceof MldeskError && (e.details as { cancelled?: boolean } | undefined)?.cancelled === true;
}

export function checkCancelled(progress?: Progress): void {
  if (progress?.cancelled?.()) throw cancelledError();
}

/** Labels as numbers: booleans and "true"/"yes" are 1, other text is read as a number. */
export function numericLabels(labels: ArrayLike<number | boolean | string | null>): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    out[i] = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : v === null || v === undefined ? NaN : /^(true|yes|y|t)$/i.test(v.trim()) ? 1 : /^(false|no|n|f)$/i.test(v.trim()) ? 0 : Number(v);
  }
  return out;
}
