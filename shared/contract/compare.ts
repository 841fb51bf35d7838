import { z } from 'zod';
import { method } from './define';

const runId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'not a run id');

export const seriesRange = z
  .object({ by: z.enum(['step', 'timestamp']), min: z.number(), max: z.number() })
  .refine((r) => r.min <= r.max, 'range.min must be ≤ range.max');

export const metricSeries = z.object({
  runId: z.string(),
  key: z.string(),
  /** Sorted by step then timestamp. Non-finite values cross HTTP as null; the UI drops them. */
  steps: z.array(z.number()),
  timestamps: z.array(z.number()),
  values: z.array(z.number().nullable()),
  /** Points in the requested range before downsampling. */
  total: z.number(),
  sampled: z.boolean(),
});
export type MetricSeries = z.infer<typeof metricSeries>;

export const compareMethods = {
  series: method(
    'Metric series of many runs for charts: LTTB-downsampled server-side to about maxPoints each; a range (zoom) returns full resolution inside it when it fits.',
    z
      .object({
        runIds: z.array(runId).min(1).max(500),
        keys: z.array(z.string().min(1).max(250)).min(1).max(50),
        maxPoints: z.number().int().min(10).max(20_000).default(1000),
        range: seriesRange.optional(),
      })
      .strict(),
    z.object({ series: z.array(metricSeries), elapsedMs: z.number() }),
    'viewer',
  ),
  metricKeys: method(
    'Metric keys logged by the given runs (union), with how many of the runs have each.',
    z.object({ runIds: z.array(runId).min(1).max(10_000) }).strict(),
    z.array(z.object({ key: z.string(), runs: z.number() })),
    'viewer',
  ),
};
