import { MldeskError } from '../../../shared/contract/errors';
import { cellOf, describe, NUMERIC_TYPE, readError, scan, type Duck } from '../data/duck';
import { openSource, type DataFormat } from '../data/source';
import { fairnessReport, type FairnessReport } from './fairness';
import type { Cell, Predict, Row } from './types';

/**
 * Fairness on rows of raw columns: a file's rows (any format the data engine reads), their labels and sensitive
 * values, and the model's scores of them. data.ts reads a project's dataset versions for a model version; this reads
 * any file (the CLI's `--data file[@commit]`, resolved to a file by the caller).
 */

export interface LoadedRows {
  columns: Array<{ name: string; kind: 'numeric' | 'categorical' }>;
  rows: Row[];
}

/** Rows read from one file at most (the data engine's profiles and diffs handle bigger files; scoring them all here would not). */
export const MAX_FAIRNESS_ROWS = 1_000_000;

/** Every row of a CSV / Parquet / JSONL file, typed as DuckDB's sniffer types the columns (numbers, else text; empty = null). */
export async function loadRows(duck: Duck, file: string, format?: DataFormat): Promise<LoadedRows> {
  const src = openSource(file, format);
  const from = scan(src, true);
  try {
    const types = await describe(duck, from);
    const raw = await duck.all<Record<string, unknown>>(`SELECT * FROM ${from} LIMIT ${MAX_FAIRNESS_ROWS + 1}`);
    if (raw.length > MAX_FAIRNESS_ROWS) throw new MldeskError('INVALID_INPUT', `${file}: more than ${MAX_FAIRNESS_ROWS.toLocaleString('en')} rows; take a sample for the fairness report`);
    const columns = types.map((t) => ({ name: t.name, kind: NUMERIC_TYPE.test(t.type) ? ('numeric' as const) : ('categorical' as const) }));
    const rows = raw.map((o) => {
      const row: Row = {};
      for (const c of columns) row[c.name] = cellOf(o[c.name], c.kind === 'numeric');
      return row;
    });
    return { columns, rows };
  } catch (e) {
    throw readError(src, e);
  }
}

/** A binary label cell: 1/0, true/false, yes/no (any case); null when missing; NaN for anything else. */
export function binaryLabel(v: Cell): number | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v === 1 ? 1 : v === 0 ? 0 : NaN;
  const s = v.trim().toLowerCase();
  if (s === '') return null;
  if (s === '1' || s === 'true' || s === 'yes' || s === '1.0') return 1;
  if (s === '0' || s === 'false' || s === 'no' || s === '0.0') return 0;
  return NaN;
}

/** A sensitive value as a group value: text as it is, numbers and booleans spelled out; empty = missing. */
const groupValue = (v: Cell | undefined): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export interface FairnessOfRowsArgs {
  rows: Row[];
  /** The model's positive-class scores of `rows` (computed here with `predict` when absent). */
  scores?: Float64Array;
  predict?: Predict;
  label: string;
  /** One or two sensitive columns. */
  sensitive: string[];
  threshold?: number;
  bootstrap?: number;
  seed?: number;
  reference?: string;
}

/**
 * The fairness report of a model on rows: labels and sensitive values taken from the rows' columns, rows without a
 * label left out (with a note). Throws INVALID_INPUT for an unknown column or a label that is not binary.
 */
export async function fairnessOfRows(args: FairnessOfRowsArgs): Promise<FairnessReport> {
  const { rows, label, sensitive } = args;
  if (sensitive.length < 1 || sensitive.length > 2) throw new MldeskError('INVALID_INPUT', `Fairness takes one or two sensitive columns (got ${sensitive.length})`);
  const names = new Set(rows.length ? Object.keys(rows[0]!) : []);
  for (const c of [label, ...sensitive]) {
    if (rows.length && !names.has(c)) throw new MldeskError('INVALID_INPUT', `The data has no column "${c}" (columns: ${[...names].join(', ')})`);
  }
  if (sensitive.includes(label)) throw new MldeskError('INVALID_INPUT', `"${label}" is the label; it cannot be a sensitive attribute too`);
  const scores = args.scores ?? (args.predict ? await args.predict(rows) : null);
  if (!scores) throw new MldeskError('INVALID_INPUT', 'fairnessOfRows needs scores or a predict function');
  if (scores.length !== rows.length) throw new MldeskError('INVALID_INPUT', `${scores.length} scores for ${rows.length} rows`);

  const kept: number[] = [];
  const labels: Array<0 | 1> = [];
  let unlabeled = 0;
  for (let i = 0; i < rows.length; i++) {
    const y = binaryLabel(rows[i]![label] ?? null);
    if (y === null) unlabeled++;
    else if (Number.isNaN(y)) throw new MldeskError('INVALID_INPUT', `Row ${i + 1}: the label "${label}" is ${JSON.stringify(rows[i]![label])}; fairness needs a binary label (0/1)`);
    else {
      kept.push(i);
      labels.push(y as 0 | 1);
    }
  }
  const report = fairnessReport({
    scores: kept.length === rows.length ? scores : Float64Array.from(kept, (i) => scores[i]!),
    labels,
    groups: kept.map((i) => Object.fromEntries(sensitive.map((c) => [c, groupValue(rows[i]![c])]))),
    attributes: sensitive,
    ...(args.threshold !== undefined ? { threshold: args.threshold } : {}),
    ...(args.bootstrap !== undefined ? { bootstrap: args.bootstrap } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.reference !== undefined ? { reference: args.reference } : {}),
  });
  if (unlabeled) report.notes.unshift(`${unlabeled.toLocaleString('en')} rows without a "${label}" label were left out.`);
  return report;
}
