/**
 * Inference records → feature rows and predictions. A record's `inputs` is the request as the runtime parsed it: the
 * OIP `inputs` tensors, or the whole /invocations body (dataframe_split, dataframe_records, instances, inputs); its
 * `outputs` the OIP output tensors, or the /invocations `predictions` (one output: its nested array; several: by name).
 * Pure functions, bounded: at most MAX_ROWS rows and MAX_COLUMNS columns are read from one record.
 */

export type Cell = number | string | null;
export type FeatureRow = Record<string, Cell>;

export interface Prediction {
  /** P(positive class) for a binary classifier (the second column of a [N,2] probability output), else the numeric output. */
  score: number | null;
  /** The predicted class (a label output, the argmax of probabilities, or score ≥ 0.5). */
  cls: string | null;
}

export const MAX_ROWS = 10_000;
export const MAX_COLUMNS = 256;

const OIP_ROUTE = '/v2/models/{name}/infer';

function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return null;
}

function flat(v: unknown, out: unknown[] = [], limit = MAX_ROWS * MAX_COLUMNS): unknown[] {
  if (!Array.isArray(v)) {
    out.push(v);
    return out;
  }
  for (const x of v) {
    if (out.length >= limit) break;
    if (Array.isArray(x)) flat(x, out, limit);
    else out.push(x);
  }
  return out;
}

/** Rows of a nested value whose first dimension is the batch: each row's values flattened. */
function batchRows(v: unknown): unknown[][] {
  if (!Array.isArray(v)) return [[v]];
  return v.slice(0, MAX_ROWS).map((r) => (Array.isArray(r) ? flat(r, [], MAX_COLUMNS) : [r]));
}

/** Column names of a wide input (`k` values per row): `wide` (the reference's numeric features) when it has enough, else name[j]. */
function wideName(name: string, j: number, k: number, wide: readonly string[] | undefined): string {
  if (k === 1) return name;
  if (wide && wide.length >= k) return wide[j]!;
  return `${name}[${j}]`;
}

function addTensor(rows: FeatureRow[], name: string, perRow: unknown[][], wide: readonly string[] | undefined): void {
  const k = Math.min(MAX_COLUMNS, perRow.reduce((m, r) => Math.max(m, r.length), 0));
  for (let i = 0; i < perRow.length; i++) {
    const row = (rows[i] ??= {});
    const vals = perRow[i]!;
    for (let j = 0; j < k; j++) row[wideName(name, j, k, wide)] = cell(vals[j]);
  }
}

/** OIP input tensors → rows (each tensor's first dimension is the batch). */
function oipRows(inputs: unknown, wide?: readonly string[]): FeatureRow[] {
  if (!Array.isArray(inputs)) return [];
  const rows: FeatureRow[] = [];
  for (const t of inputs.slice(0, MAX_COLUMNS)) {
    if (!t || typeof t !== 'object') continue;
    const { name, shape, data } = t as { name?: unknown; shape?: unknown; data?: unknown };
    if (typeof name !== 'string' || !Array.isArray(data)) continue;
    const dims = Array.isArray(shape) && shape.every((d) => typeof d === 'number' && d >= 0) ? (shape as number[]) : [];
    const values = flat(data);
    const n = dims.length ? Math.min(MAX_ROWS, dims[0]!) : values.length ? 1 : 0;
    const k = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (n === 0 || k === 0 || values.length < n * k) continue;
    const perRow: unknown[][] = [];
    for (let i = 0; i < n; i++) perRow.push(values.slice(i * k, i * k + Math.min(k, MAX_COLUMNS)));
    addTensor(rows, name, perRow, wide);
  }
  return rows;
}

function recordRows(recs: unknown[]): FeatureRow[] {
  const rows: FeatureRow[] = [];
  for (const r of recs.slice(0, MAX_ROWS)) {
    if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
    const row: FeatureRow = {};
    let n = 0;
    for (const [k, v] of Object.entries(r)) {
      if (n++ >= MAX_COLUMNS) break;
      row[k] = cell(v);
    }
    rows.push(row);
  }
  return rows;
}

/** /invocations bodies → rows. */
function invocationRows(body: unknown, wide?: readonly string[]): FeatureRow[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  if (b.dataframe_split && typeof b.dataframe_split === 'object') {
    const { columns, data } = b.dataframe_split as { columns?: unknown; data?: unknown };
    if (!Array.isArray(data)) return [];
    const cols = Array.isArray(columns) ? columns.map(String) : null;
    return data.slice(0, MAX_ROWS).map((r) => {
      const row: FeatureRow = {};
      const vals = Array.isArray(r) ? r : [r];
      const k = Math.min(MAX_COLUMNS, vals.length);
      for (let j = 0; j < k; j++) row[cols?.[j] ?? (wide && wide.length >= k ? wide[j]! : String(j))] = cell(vals[j]);
      return row;
    });
  }
  if (Array.isArray(b.dataframe_records)) return recordRows(b.dataframe_records);
  const list = Array.isArray(b.instances) ? b.instances : Array.isArray(b.inputs) ? b.inputs : null;
  if (list) {
    if (list.length && list[0] && typeof list[0] === 'object' && !Array.isArray(list[0])) return recordRows(list);
    const rows: FeatureRow[] = [];
    addTensor(rows, 'input', batchRows(list), wide);
    return rows;
  }
  if (b.inputs && typeof b.inputs === 'object') {
    const rows: FeatureRow[] = [];
    for (const [name, v] of Object.entries(b.inputs as Record<string, unknown>).slice(0, MAX_COLUMNS)) addTensor(rows, name, batchRows(v), wide);
    return rows;
  }
  return [];
}

/** The feature rows of one record (none when its inputs were not kept or not understood). */
export function featureRows(route: string, inputs: unknown, wide?: readonly string[]): FeatureRow[] {
  return route === OIP_ROUTE ? oipRows(inputs, wide) : invocationRows(inputs, wide);
}

interface NamedOutput {
  name: string;
  rows: unknown[];
}

/** Outputs → named per-row values (a row value is a scalar or the row's flattened values). */
function namedOutputs(route: string, outputs: unknown): NamedOutput[] {
  if (outputs === null || outputs === undefined) return [];
  if (route === OIP_ROUTE) {
    if (!Array.isArray(outputs)) return [];
    const out: NamedOutput[] = [];
    for (const t of outputs) {
      if (!t || typeof t !== 'object') continue;
      const { name, shape, data } = t as { name?: unknown; shape?: unknown; data?: unknown };
      if (typeof name !== 'string' || !Array.isArray(data)) continue;
      const dims = Array.isArray(shape) ? (shape as number[]) : [data.length];
      const n = Math.min(MAX_ROWS, dims[0] ?? data.length);
      const k = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : 1;
      const rows: unknown[] = [];
      for (let i = 0; i < n; i++) rows.push(k === 1 ? data[i] : data.slice(i * k, (i + 1) * k));
      out.push({ name, rows });
    }
    return out;
  }
  const p = (outputs as { predictions?: unknown } | null)?.predictions !== undefined && !Array.isArray(outputs) ? (outputs as { predictions: unknown }).predictions : outputs;
  const rowsOf = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_ROWS).map((r) => (Array.isArray(r) ? (r.length === 1 ? r[0] : flat(r, [], 64)) : r)) : [v]);
  if (Array.isArray(p)) return [{ name: 'predictions', rows: rowsOf(p) }];
  if (p && typeof p === 'object') return Object.entries(p as Record<string, unknown>).map(([name, v]) => ({ name, rows: rowsOf(v) }));
  return [];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** One prediction per row of the record's outputs. */
export function predictions(route: string, outputs: unknown): Prediction[] {
  const outs = namedOutputs(route, outputs);
  if (outs.length === 0) return [];
  const numeric = (o: NamedOutput) => o.rows.length > 0 && o.rows.every((r) => isNum(r) || (Array.isArray(r) && r.length > 0 && r.every(isNum)));
  const prob = outs.find((o) => /prob/i.test(o.name) && numeric(o)) ?? null;
  const scalar = (o: NamedOutput) => o.rows.every((r) => !Array.isArray(r));
  const labelOut = outs.find((o) => o !== prob && scalar(o) && (/label|class/i.test(o.name) || !numeric(o))) ?? null;
  const scoreOut = prob ?? outs.find((o) => o !== labelOut && numeric(o)) ?? null;
  // One integer output and nothing else: a classifier's labels (its class is the value too).
  const intLabels = !prob && !labelOut && scoreOut !== null && scalar(scoreOut) && scoreOut.rows.every((r) => Number.isInteger(r));
  const n = Math.max(...outs.map((o) => o.rows.length));
  const preds: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    let score: number | null = null;
    let cls: string | null = null;
    const s = scoreOut?.rows[i];
    if (Array.isArray(s)) {
      if (s.length === 2) score = s[1] as number;
      else if (s.length === 1) score = s[0] as number;
      else if (s.length > 2) {
        let best = 0;
        for (let j = 1; j < s.length; j++) if ((s[j] as number) > (s[best] as number)) best = j;
        score = s[best] as number;
        cls = String(best);
      }
    } else if (isNum(s)) score = s;
    const l = labelOut?.rows[i];
    if (l !== undefined && l !== null && !Array.isArray(l)) cls = typeof l === 'boolean' ? (l ? '1' : '0') : String(l);
    else if (cls === null && prob && score !== null) cls = score >= 0.5 ? '1' : '0';
    else if (intLabels && score !== null) cls = String(score);
    preds.push({ score, cls });
  }
  return preds;
}

/** A label as sent (number, string or boolean) normalised for comparison with predicted classes: true → "1". */
export function normLabel(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  return String(v ?? '').trim();
}
