import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MldeskError, type InsightDataset, type InsightDatasetRef } from '../../../shared/contract';
import { autoScan, cellOf, NUMERIC_TYPE, type DataService } from '../data';
import { modelLineage, trainingDataset, type RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { mulberry32, sampleIndices } from './explain/random';
import type { Cell, Row } from './types';

/**
 * The data a model version is explained on. Default: its validation data from lineage — the dataset version its run
 * logged as input (a "train" one preferred, as monitoring picks its reference), restricted to the rows the run held out
 * when it wrote them (the run's eval/val_predictions.csv `row` column, as the demo's train.mjs does); all rows when the
 * run kept no such list. The label column comes from the run's `label` param, else a column named like a label.
 */

export interface DataDeps {
  registry: RegistryService;
  tracking: Tracking;
  data: DataService;
}

export interface LoadedData {
  info: InsightDataset;
  columns: Array<{ name: string; kind: 'numeric' | 'categorical' }>;
  /** The rows used (validation subset or all), every column. */
  rows: Row[];
  /** 0/1 (classification) or the value, per row; null without a label column. */
  labels: Float64Array | null;
}

/** At most this many rows are read from a file (a seeded sample is taken from them when settings ask for fewer). */
export const MAX_ROWS = 200_000;
const LABEL_NAMES = ['label', 'target', 'y', 'class', 'outcome', 'default'];

interface Resolved {
  source: 'lineage' | 'given';
  projectId: string;
  path: string;
  commit: string | null;
  runId: string | null;
  labelParam: string | null;
}

function runParam(tracking: Tracking, runId: string | null, key: string): string | null {
  if (!runId) return null;
  try {
    return tracking.runs.get(runId).data.params.find((p) => p.key === key)?.value ?? null;
  } catch {
    return null;
  }
}

/** Which dataset version: the one given, else the version's training input from lineage. */
export async function resolveDataset(deps: DataDeps, model: string, version: string, given?: InsightDatasetRef): Promise<Resolved> {
  const mv = deps.registry.getModelVersion(model, version);
  const runId = mv.run_id ?? null;
  const labelParam = runParam(deps.tracking, runId, 'label');
  if (given) return { source: 'given', projectId: given.projectId, path: given.path, commit: given.commit ?? null, runId, labelParam };
  const lineage = await modelLineage(deps.registry, deps.tracking, deps.data, model, version);
  const trained = trainingDataset(lineage);
  if (trained) return { source: 'lineage', ...trained, runId, labelParam };
  throw new MldeskError(
    'FAILED_PRECONDITION',
    lineage.run ? `The run of ${model} v${version} recorded no dataset it was trained on: choose a dataset to explain it on` : `${model} v${version} has no run (no lineage to a dataset): choose a dataset to explain it on`,
  );
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The rows the run held out, from its eval/val_predictions.csv (0-based data rows), or null. */
async function validationRows(deps: DataDeps, runId: string | null): Promise<number[] | null> {
  if (!runId) return null;
  let file: string;
  try {
    file = path.join(deps.tracking.runArtifactDir(runId), 'eval', 'val_predictions.csv');
  } catch {
    return null;
  }
  if (!fs.existsSync(file)) return null;
  const head = fs.readFileSync(file, 'utf8').slice(0, 4096).split(/\r?\n/)[0] ?? '';
  if (!head.split(',').includes('row')) return null;
  const rows = await deps.data.duck.all<{ row: number | bigint }>(`SELECT "row" FROM ${autoScan(file, 'csv')} ORDER BY "row"`);
  return rows.map((r) => Number(r.row)).filter((n) => Number.isInteger(n) && n >= 0);
}

/** A label cell as a number: numbers as they are, booleans and yes/true strings as 1/0. */
function labelValue(v: Cell, positive: string | null): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'yes') return 1;
  if (s === 'false' || s === 'no') return 0;
  const n = Number(s);
  if (s !== '' && Number.isFinite(n)) return n;
  return positive !== null && v === positive ? 1 : 0;
}

function pickLabel(columns: string[], wanted: string | undefined, param: string | null): string | null {
  if (wanted !== undefined) {
    if (!columns.includes(wanted)) throw new MldeskError('INVALID_INPUT', `The data has no column '${wanted}' (label)`);
    return wanted;
  }
  if (param && columns.includes(param)) return param;
  return columns.find((c) => LABEL_NAMES.includes(c.toLowerCase())) ?? null;
}

/** Reads the dataset (validation subset by default), with its digest, columns and labels. */
export async function loadData(deps: DataDeps, model: string, version: string, given?: InsightDatasetRef, opts: { label?: string } = {}): Promise<LoadedData> {
  const ref = await resolveDataset(deps, model, version, given);
  const r = await deps.data.resolve({ projectId: ref.projectId, path: ref.path, ...(ref.commit ? { version: ref.commit } : {}) });
  if (!fs.existsSync(r.file)) throw new MldeskError('FAILED_PRECONDITION', `${r.label} is not on disk (pull the project's data first)`);
  const digest = `sha256:${r.sha ?? (await sha256Of(r.file))}`;
  const from = autoScan(r.file, r.format);
  const types = await deps.data.duck.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`);
  const raw = await deps.data.duck.all<Record<string, unknown>>(`SELECT * FROM ${from} LIMIT ${MAX_ROWS}`);
  const columns = types.map((t) => ({ name: t.column_name, kind: NUMERIC_TYPE.test(t.column_type) ? ('numeric' as const) : ('categorical' as const) }));
  const all: Row[] = raw.map((o) => {
    const row: Row = {};
    for (const c of columns) row[c.name] = cellOf(o[c.name], c.kind === 'numeric');
    return row;
  });
  // The held-out rows only make sense on the very file the run trained on (the lineage version).
  const held = ref.source === 'lineage' ? await validationRows(deps, ref.runId) : null;
  const picked = held && held.length > 0 && held.every((i) => i < all.length) ? held.map((i) => all[i]!) : null;
  const rows = picked ?? all;
  const labelColumn = pickLabel(
    columns.map((c) => c.name),
    opts.label,
    ref.labelParam,
  );
  let labels: Float64Array | null = null;
  if (labelColumn) {
    const distinct = [...new Set(rows.map((x) => x[labelColumn]).filter((v): v is string => typeof v === 'string'))].sort();
    const positive = distinct.length === 2 ? distinct[1]! : null;
    labels = Float64Array.from(rows, (x) => labelValue(x[labelColumn] ?? null, positive));
  }
  const at = ref.commit ? `@${ref.commit.slice(0, 8)}` : ' (working copy)';
  const info: InsightDataset = {
    source: ref.source,
    projectId: ref.projectId,
    path: ref.path,
    commit: ref.commit,
    digest,
    label: `${ref.path}${at}, ${picked ? `validation rows (${rows.length.toLocaleString('en')} of ${all.length.toLocaleString('en')})` : `${rows.length.toLocaleString('en')} rows`}`,
    totalRows: all.length,
    subset: picked ? 'validation' : 'all',
    rows: rows.length,
    labelColumn,
  };
  return { info, columns, rows, labels };
}

/** A seeded sample of `n` indexes out of `total` (all of them, in order, when n ≥ total). */
export function sampleIndexes(total: number, n: number, seed: number): number[] {
  const idx = Array.from({ length: total }, (_, i) => i);
  if (n >= total) return idx;
  return sampleIndices(mulberry32(seed >>> 0 || 1), total, n).sort((a, b) => a - b);
}
