import type { Db } from '../store';

export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number; // NaN and ±Infinity allowed
}

export interface Series {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** Small chunks (one per log call) are merged once a key has this many, so reads stay a handful of rows. */
const MERGE_AT = 64;
const SMALL_CHUNK = 4096;

export const toBlob = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
export function fromBlob(b: Buffer): Float64Array {
  // Copy: a Buffer from SQLite may not be 8-byte aligned.
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** MLflow's ordering for "latest": larger step wins, then larger timestamp, then larger value (NaN largest). */
export function isLater(a: MetricPoint, b: { step: number; timestamp: number; value: number }): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(a.value)) return !Number.isNaN(b.value);
  if (Number.isNaN(b.value)) return false;
  return a.value > b.value;
}

interface LatestRow {
  value: number | null;
  timestamp: number;
  step: number;
  is_nan: number;
  min_value: number | null;
  max_value: number | null;
  count: number;
}

/** Append-only packed metric history plus the latest/min/max table. Callers wrap calls in a transaction. */
export class MetricStore {
  private readonly insertChunk;
  private readonly countSmall;
  private readonly smallChunks;
  private readonly deleteChunk;
  private readonly getLatest;
  private readonly putLatest;
  private readonly chunksFor;
  private readonly chunksInRange;
  private readonly smallCounts = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.insertChunk = db.prepare(
      'INSERT INTO metric_chunks (run_uuid, key, n, min_step, max_step, steps, timestamps, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.countSmall = db.prepare('SELECT count(*) FROM metric_chunks WHERE run_uuid = ? AND key = ? AND n < ?').pluck();
    this.smallChunks = db.prepare('SELECT id, steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? AND n < ? ORDER BY id');
    this.deleteChunk = db.prepare('DELETE FROM metric_chunks WHERE id = ?');
    this.getLatest = db.prepare('SELECT value, timestamp, step, is_nan, min_value, max_value, count FROM latest_metrics WHERE run_uuid = ? AND key = ?');
    this.putLatest = db.prepare(
      `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan, min_value, max_value, count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step,
         is_nan = excluded.is_nan, min_value = excluded.min_value, max_value = excluded.max_value, count = excluded.count`,
    );
    this.chunksFor = db.prepare('SELECT steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY id');
    this.chunksInRange = db.prepare(
      'SELECT steps, timestamps, vals FROM metric_chunks WHERE run_uuid = ? AND key = ? AND max_step >= ? AND min_step <= ? ORDER BY id',
    );
  }

  /** Appends points of one key in log order. */
  append(runId: string, key: string, points: readonly MetricPoint[]): void {
    const n = points.length;
    if (n === 0) return;
    const steps = new Float64Array(n);
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    let minStep = Infinity;
    let maxStep = -Infinity;
    const prev = this.getLatest.get(runId, key) as LatestRow | undefined;
    let latest: MetricPoint | null = prev ? { step: prev.step, timestamp: prev.timestamp, value: prev.is_nan ? NaN : (prev.value as number) } : null;
    let min = prev?.min_value ?? null;
    let max = prev?.max_value ?? null;
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      steps[i] = p.step;
      ts[i] = p.timestamp;
      vals[i] = p.value;
      if (p.step < minStep) minStep = p.step;
      if (p.step > maxStep) maxStep = p.step;
      if (!latest || isLater(p, latest)) latest = p;
      if (!Number.isNaN(p.value)) {
        if (min === null || p.value < min) min = p.value;
        if (max === null || p.value > max) max = p.value;
      }
    }
    this.insertChunk.run(runId, key, n, minStep, maxStep, toBlob(steps), toBlob(ts), toBlob(vals));
    const l = latest!;
    const nan = Number.isNaN(l.value);
    this.putLatest.run(runId, key, nan ? null : l.value, l.timestamp, l.step, nan ? 1 : 0, min, max, (prev?.count ?? 0) + n);
    if (n < SMALL_CHUNK) {
      // Count small chunks in memory (seeded from the table once); another writer process only makes a merge come later.
      const id = `${runId}\u0000${key}`;
      const small = (this.smallCounts.get(id) ?? (this.countSmall.get(runId, key, SMALL_CHUNK) as number) - 1) + 1;
      if (small >= MERGE_AT) {
        this.mergeSmall(runId, key);
        this.smallCounts.set(id, (this.countSmall.get(runId, key, SMALL_CHUNK) as number));
      } else this.smallCounts.set(id, small);
      if (this.smallCounts.size > 10_000) this.smallCounts.clear();
    }
  }

  private mergeSmall(runId: string, key: string): void {
    const rows = this.smallChunks.all(runId, key, SMALL_CHUNK) as Array<{ id: number; steps: Buffer; timestamps: Buffer; vals: Buffer }>;
    const s = concat(rows.map((r) => ({ steps: fromBlob(r.steps), timestamps: fromBlob(r.timestamps), values: fromBlob(r.vals) })));
    for (const r of rows) this.deleteChunk.run(r.id);
    let minStep = Infinity;
    let maxStep = -Infinity;
    for (const v of s.steps) {
      if (v < minStep) minStep = v;
      if (v > maxStep) maxStep = v;
    }
    this.insertChunk.run(runId, key, s.steps.length, minStep, maxStep, toBlob(s.steps), toBlob(s.timestamps), toBlob(s.values));
  }

  /** Full history in log order, optionally limited to chunks overlapping [startStep, endStep] (then filtered exactly). */
  series(runId: string, key: string, range?: { startStep: number; endStep: number }): Series {
    const rows = (range ? this.chunksInRange.all(runId, key, range.startStep, range.endStep) : this.chunksFor.all(runId, key)) as Array<{
      steps: Buffer;
      timestamps: Buffer;
      vals: Buffer;
    }>;
    const s = concat(rows.map((r) => ({ steps: fromBlob(r.steps), timestamps: fromBlob(r.timestamps), values: fromBlob(r.vals) })));
    return range ? filterRange(s, range.startStep, range.endStep) : s;
  }
}

export function concat(parts: Series[]): Series {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.steps.length, 0);
  const out: Series = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  let o = 0;
  for (const p of parts) {
    out.steps.set(p.steps, o);
    out.timestamps.set(p.timestamps, o);
    out.values.set(p.values, o);
    o += p.steps.length;
  }
  return out;
}

function filterRange(s: Series, lo: number, hi: number): Series {
  const idx: number[] = [];
  for (let i = 0; i < s.steps.length; i++) if (s.steps[i]! >= lo && s.steps[i]! <= hi) idx.push(i);
  if (idx.length === s.steps.length) return s;
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]!);
  return { steps: pick(s.steps), timestamps: pick(s.timestamps), values: pick(s.values) };
}

/** Indices of the series sorted by (step, timestamp), stable. */
export function orderByStep(s: Series): Uint32Array {
  const idx = new Uint32Array(s.steps.length);
  let sorted = true;
  for (let i = 0; i < idx.length; i++) {
    idx[i] = i;
    if (i > 0 && (s.steps[i]! < s.steps[i - 1]! || (s.steps[i] === s.steps[i - 1] && s.timestamps[i]! < s.timestamps[i - 1]!))) sorted = false;
  }
  if (sorted) return idx;
  return idx.sort((a, b) => s.steps[a]! - s.steps[b]! || s.timestamps[a]! - s.timestamps[b]! || a - b);
}
