import type { Handlers } from '../engine';
import type { LodCache } from './lod';
import type { Tracking } from './index';

type CompareHandlers = { [K in keyof Handlers as K extends `compare.${string}` ? K : never]: Handlers[K] };

/** Full resolution inside a zoom window up to this many points per series. */
const RANGE_CAP = 20_000;

export function compareHandlers(tracking: Tracking, lod: LodCache): CompareHandlers {
  return {
    'compare.series': ({ runIds, keys, maxPoints, range }) => {
      const started = performance.now();
      for (const id of runIds) tracking.runs.row(id); // NOT_FOUND for unknown runs, before any work
      const series = [];
      for (const runId of runIds) {
        for (const key of keys) {
          const s = range ? lod.readRange(runId, key, range, maxPoints, RANGE_CAP) : lod.read(runId, key, maxPoints);
          if (s.total > 0) series.push({ runId, key, ...s });
        }
      }
      return { series, elapsedMs: Math.round((performance.now() - started) * 10) / 10 };
    },
    'compare.metricKeys': ({ runIds }) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < runIds.length; i += 500) {
        const ids = runIds.slice(i, i + 500);
        for (const r of tracking.runKeyCounts(ids)) counts.set(r.key, (counts.get(r.key) ?? 0) + r.runs);
      }
      return [...counts].map(([key, runs]) => ({ key, runs })).sort((a, b) => a.key.localeCompare(b.key));
    },
  };
}
