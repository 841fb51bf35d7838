import { m4Indices } from '../../../shared/lib/m4';
import { lttbIndices } from '../../../shared/lib/lttb';
import type { EngineContext } from '../context';
import { fromBlob, orderByStep, toBlob, type MetricStore, type Series } from './metricStore';

/** Series longer than this get a stored level-of-detail; shorter ones are read whole (cheaper than a lookup). */
export const LOD_MIN_POINTS = 8192;
const LOD_BUCKETS = 1024; // ≤ 4096 points kept: pixel-exact up to 1024 px, zoom reads full resolution
const WARM_DELAY_MS = 2000;

export interface SeriesOut {
  steps: number[];
  timestamps: number[];
  values: number[];
  total: number;
  sampled: boolean;
}

function pick(s: Series, idx: ArrayLike<number>): Series {
  const n = idx.length;
  const out: Series = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    out.steps[i] = s.steps[j]!;
    out.timestamps[i] = s.timestamps[j]!;
    out.values[i] = s.values[j]!;
  }
  return out;
}

function downsample(s: Series, maxPoints: number, total: number): SeriesOut {
  if (s.steps.length > maxPoints) {
    const keep = lttbIndices(s.steps, s.values, maxPoints);
    s = pick(s, keep);
  }
  return { steps: Array.from(s.steps), timestamps: Array.from(s.timestamps), values: Array.from(s.values), total, sampled: s.steps.length < total };
}

/**
 * Chart reads for many runs: a stored M4 level-of-detail per long (run, key) series, refreshed lazily when the
 * series grew and warmed in the background a moment after logging stops, so opening a comparison of 100 runs ×
 * 100k steps touches ~1 MB instead of 240 MB.
 */
export class LodCache {
  private readonly stmts;
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly metrics: MetricStore,
  ) {
    const db = ctx.store.db;
    this.stmts = {
      count: db.prepare('SELECT count FROM latest_metrics WHERE run_uuid = ? AND key = ?').pluck(),
      get: db.prepare('SELECT n, steps, timestamps, vals FROM metric_lod WHERE run_uuid = ? AND key = ?'),
      put: db.prepare(
        `INSERT INTO metric_lod (run_uuid, key, n, steps, timestamps, vals) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_uuid, key) DO UPDATE SET n = excluded.n, steps = excluded.steps, timestamps = excluded.timestamps, vals = excluded.vals`,
      ),
    };
    ctx.events.subscribe('tracking.metricsLogged', (e) => {
      for (const key of e.keys) this.scheduleWarm(e.run_id, key);
    });
  }

  /** Whole series sorted by step, downsampled to about maxPoints (LTTB over the M4 level-of-detail when long). */
  read(runId: string, key: string, maxPoints: number): SeriesOut {
    const total = (this.stmts.count.get(runId, key) as number | undefined) ?? 0;
    if (total === 0) return { steps: [], timestamps: [], values: [], total: 0, sampled: false };
    if (total <= Math.max(LOD_MIN_POINTS, maxPoints)) return downsample(this.sorted(runId, key), maxPoints, total);
    return downsample(this.lod(runId, key, total), maxPoints, total);
  }

  /** A step or timestamp window at full resolution when it fits in `cap` points, else LTTB inside the window. */
  readRange(runId: string, key: string, range: { by: 'step' | 'timestamp'; min: number; max: number }, maxPoints: number, cap: number): SeriesOut {
    let s =
      range.by === 'step'
        ? this.metrics.series(runId, key, { startStep: range.min, endStep: range.max })
        : this.metrics.series(runId, key);
    if (range.by === 'timestamp') {
      const idx: number[] = [];
      for (let i = 0; i < s.timestamps.length; i++) if (s.timestamps[i]! >= range.min && s.timestamps[i]! <= range.max) idx.push(i);
      s = pick(s, idx);
    }
    s = pick(s, orderByStep(s));
    const total = s.steps.length;
    return total <= cap ? downsample(s, total, total) : downsample(s, maxPoints, total);
  }

  private sorted(runId: string, key: string): Series {
    const s = this.metrics.series(runId, key);
    return pick(s, orderByStep(s));
  }

  private lod(runId: string, key: string, total: number): Series {
    const row = this.stmts.get.get(runId, key) as { n: number; steps: Buffer; timestamps: Buffer; vals: Buffer } | undefined;
    if (row && row.n === total) return { steps: fromBlob(row.steps), timestamps: fromBlob(row.timestamps), values: fromBlob(row.vals) };
    return this.build(runId, key);
  }

  private build(runId: string, key: string): Series {
    const s = this.sorted(runId, key);
    const lod = pick(s, m4Indices(s.values, LOD_BUCKETS));
    // Count read in the same snapshot as the series: a later append makes it stale, never wrong.
    this.stmts.put.run(runId, key, s.steps.length, toBlob(lod.steps), toBlob(lod.timestamps), toBlob(lod.values));
    return lod;
  }

  private scheduleWarm(runId: string, key: string): void {
    const id = `${runId}\u0000${key}`;
    const prev = this.pending.get(id);
    if (prev) clearTimeout(prev);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      if (!this.ctx.store.db.open) return;
      try {
        const total = (this.stmts.count.get(runId, key) as number | undefined) ?? 0;
        if (total > LOD_MIN_POINTS) this.lod(runId, key, total);
      } catch {
        // best effort: a deleted run or a closing store
      }
    }, WARM_DELAY_MS);
    timer.unref();
    this.pending.set(id, timer);
  }

  close(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
