import type { ColumnDrift, columnDriftOption } from '../../../shared/contract';
import type { z } from 'zod';
import { categoricalValues, columnDrift, numericValues, type ColumnValues } from './drift';
import type { Cell } from './flatten';
import type { RefColumn } from './reference';

/**
 * The monitor's use of the drift engine (./drift): one column of a window against the same column of the reference.
 * The reference side is prepared once per column and reused by every window (sorting 5000 values per window per
 * feature would be most of the monitor's cost).
 */

export type ColumnOption = z.infer<typeof columnDriftOption>;

export interface PreparedReference {
  column: string;
  kind: RefColumn['kind'];
  /** The reference column as the drift engine takes it (sorted numbers, or counts per category). */
  values: ColumnValues;
}

export function prepareReference(column: string, ref: RefColumn): PreparedReference {
  const values = ref.kind === 'numeric' ? numericValues(ref.values.map((v) => (typeof v === 'number' ? v : null))) : categoricalValues(ref.values);
  return { column, kind: ref.kind, values };
}

/** Current values as the reference column's kind: numbers for a numeric column (non-numbers missing), strings otherwise. */
export function coerce(kind: RefColumn['kind'], values: readonly Cell[]): Cell[] {
  if (kind === 'numeric') return values.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null));
  return values.map((v) => (v === null ? null : typeof v === 'number' ? String(v) : v));
}

/** Throws INVALID_INPUT when a per-column override does not apply (e.g. ks on text). */
export function compareColumn(ref: PreparedReference, current: readonly Cell[], opt: ColumnOption | undefined, withDistribution: boolean): ColumnDrift {
  const cur = ref.kind === 'numeric' ? numericValues(current.map((v) => (typeof v === 'number' ? v : null))) : categoricalValues(current);
  return columnDrift(ref.column, ref.values, cur, opt ?? {}, { distribution: withDistribution, checkEncodings: false });
}
