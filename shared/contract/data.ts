import { z } from 'zod';
import { method } from './define';

export const columnType = z.enum(['integer', 'float', 'boolean', 'date', 'timestamp', 'string', 'other']);
export type ColumnType = z.infer<typeof columnType>;

export const columnProfile = z.object({
  name: z.string(),
  type: columnType,
  sqlType: z.string(),
  count: z.number(),
  missing: z.number(),
  distinct: z.number(),
  min: z.union([z.number(), z.string()]).nullable(),
  max: z.union([z.number(), z.string()]).nullable(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  quantiles: z.record(z.string(), z.number()).nullable(),
  histogram: z.array(z.object({ lo: z.number(), hi: z.number(), count: z.number() })).nullable(),
  top: z.array(z.object({ value: z.string().nullable(), count: z.number() })).nullable(),
});
export type ColumnProfile = z.infer<typeof columnProfile>;

export const profile = z.object({ sha256: z.string(), rows: z.number(), columns: z.array(columnProfile), elapsedMs: z.number() });
export type Profile = z.infer<typeof profile>;

/** A file in a project (optionally at a git version) or an absolute path. */
export const fileRef = z.union([
  z.object({ projectId: z.string().min(8).max(64), path: z.string().min(1).max(4096), version: z.string().regex(/^[0-9a-f]{4,40}$/).optional() }).strict(),
  z.object({ file: z.string().min(1).max(4096) }).strict(),
]);
export type FileRef = z.infer<typeof fileRef>;

export const cellChange = z.object({ column: z.string(), old: z.string().nullable(), new: z.string().nullable() });
export const diffRow = z.object({
  kind: z.enum(['added', 'removed', 'changed']),
  key: z.record(z.string(), z.string().nullable()),
  cells: z.record(z.string(), z.string().nullable()),
  changes: z.array(cellChange),
});
export type DiffRow = z.infer<typeof diffRow>;

export const diffResult = z.object({
  schema: z.object({
    added: z.array(z.object({ name: z.string(), type: z.string() })),
    removed: z.array(z.object({ name: z.string(), type: z.string() })),
    changed: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
  }),
  rows: z.object({ added: z.number(), removed: z.number(), changed: z.number(), unchanged: z.number() }),
  keyed: z.boolean(),
  key: z.array(z.string()),
  changedByColumn: z.record(z.string(), z.number()),
  samples: z.object({ rows: z.array(diffRow), offset: z.number(), total: z.number() }),
  elapsedMs: z.number(),
});
export type DiffResult = z.infer<typeof diffResult>;

export const dataMethods = {
  profile: method('Profile of a data file (per-column stats, quantiles, histograms/top values), cached by content hash.', z.object({ ref: fileRef }).strict(), profile),
  diff: method(
    'Schema, row and stats diff of two files or versions; keyed (--key) or as row multisets.',
    z
      .object({
        a: fileRef,
        b: fileRef,
        key: z.array(z.string().min(1)).max(8).default([]),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(0).max(1000).default(100),
        kinds: z.array(z.enum(['added', 'removed', 'changed'])).default(['added', 'removed', 'changed']),
        column: z.string().optional(),
      })
      .strict(),
    diffResult,
  ),
};
