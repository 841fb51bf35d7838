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

export const profile = z.object({
  sha256: z.string(),
  rows: z.number(),
  columns: z.array(columnProfile),
  elapsedMs: z.number(),
  /** Distinct counts and quantiles are estimates (HyperLogLog, t-digest): the file was too large for exact ones in bounded memory. */
  approximate: z.boolean().optional(),
});
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
  /** `scan`: the in-memory CSV diff; `duckdb`: Parquet, JSONL and files beyond the scan's memory budget (spills to disk). */
  engine: z.enum(['scan', 'duckdb']),
});
export type DiffResult = z.infer<typeof diffResult>;

export const pointer = z.object({
  schema: z.literal('mldesk-dataset/1'),
  path: z.string(),
  format: z.enum(['csv', 'parquet', 'jsonl']),
  sha256: z.string(),
  size: z.number(),
  rows: z.number(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), sqlType: z.string() })),
});
export type Pointer = z.infer<typeof pointer>;

export const datasetVersion = z.object({ commit: z.string(), message: z.string(), author: z.string(), timestamp: z.number(), pointer, runs: z.array(z.object({ runId: z.string(), runName: z.string(), experimentId: z.string(), status: z.string() })) });
export type DatasetVersion = z.infer<typeof datasetVersion>;

export const check = z.object({ name: z.string(), column: z.string().optional(), passed: z.boolean(), message: z.string(), observed: z.unknown().optional(), expected: z.unknown().optional() });
/** What a report was checked against (see electron/core/data/reference.ts for the rules). */
export const against = z.object({
  reference: z.string().nullable(),
  rule: z.enum(['given', 'explicit', 'declared', 'own', 'training']),
  source: z.enum(['given', 'committed', 'inferred']),
  rowCount: z.enum(['band', 'batch']),
});
export const validationReport = z.object({ passed: z.boolean(), checks: z.array(check), failed: z.number(), against: against.optional() });
export type ValidationReportT = z.infer<typeof validationReport>;

/** Editable expectations (see electron/core/data/validate.ts). */
export const expectations = z.object({
  schema: z.literal('mldesk-expectations/1'),
  reference: z.object({ sha256: z.string(), rows: z.number() }),
  /** `min`–`max`: checked when a file meets its own expectations; `batchMin`: the least rows of a batch checked against them. */
  rows: z.object({ min: z.number().int().min(0), max: z.number().int().min(0), batchMin: z.number().int().min(0).optional() }),
  columns: z.array(
    z.object({
      name: z.string().min(1),
      type: z.string(),
      maxMissing: z.number().min(0).max(1),
      refMissing: z.number().min(0).max(1).optional(),
      range: z.object({ min: z.number(), max: z.number() }).optional(),
      categories: z.array(z.string()).optional(),
      unique: z.boolean().optional(),
      drift: z.object({ psiMax: z.number().positive(), bins: z.array(z.number()).optional(), refShares: z.array(z.number()), categories: z.array(z.string()).optional() }).optional(),
    }),
  ),
});

export const datasetState = z.enum(['current', 'modified', 'missing', 'not-cached', 'not-added']);
export type DatasetState = z.infer<typeof datasetState>;
/** `data.status` (see electron/core/data/status.ts for the rules). */
export const datasetStatus = z.object({
  path: z.string(),
  state: datasetState,
  /** What the pointer names; null for not-added files. */
  pointer: z.object({ sha256: z.string(), size: z.number(), rows: z.number() }).nullable(),
  /** The working file; null when missing. `sha256` is null for not-added files; `rows` is counted for modified ones. */
  working: z.object({ sha256: z.string().nullable(), size: z.number(), rows: z.number().nullable() }).nullable(),
  /** The pointer's object is in .mldesk/cache (checkout can restore it). */
  cached: z.boolean(),
  /** One line for people (a modified file: what differs, as `data checkout` says when it refuses). */
  message: z.string(),
});
export type DatasetStatus = z.infer<typeof datasetStatus>;
export const datasetStatusList = z.object({ datasets: z.array(datasetStatus), hashed: z.number(), elapsedMs: z.number() });

const projectFile = z.object({ projectId: z.string().min(8).max(64), path: z.string().min(1).max(4096) }).strict();

export const dataMethods = {
  datasets: method(
    'Dataset pointers of a project (working tree) with their version count.',
    z.object({ projectId: z.string().min(8).max(64) }).strict(),
    z.array(pointer.extend({ versions: z.number(), hasExpectations: z.boolean() })),
    'member',
  ),
  versions: method('Versions of a dataset (git history of its pointer) with the runs that used each.', projectFile, z.array(datasetVersion), 'member'),
  add: method(
    'Snapshot a file into the content-addressed cache and commit its pointer ("Add dataset").',
    projectFile,
    z.object({ pointer, pointerPath: z.string(), commit: z.string().nullable() }),
    'admin',
  ),
  checkout: method(
    'Restore a version of a dataset (and its pointer) into the working tree. Refused (FAILED_PRECONDITION, saying what differs) when the working file has changes never added as a version, unless `force`.',
    projectFile.extend({ version: z.string().regex(/^[0-9a-f]{4,40}$/), force: z.boolean().optional() }),
    pointer,
    'admin',
  ),
  status: method(
    'State of each dataset of the project like `dvc status`: current, modified, missing, not-cached, or not-added (a data file without a pointer). Only `paths` when given.',
    z.object({ projectId: z.string().min(8).max(64), paths: z.array(z.string().min(1).max(4096)).max(1000).optional() }).strict(),
    datasetStatusList,
    'member',
  ),
  expectations: method(
    'The committed expectations of a dataset, or ones inferred from a reference version when none are committed.',
    projectFile.extend({ version: z.string().regex(/^[0-9a-f]{4,40}$/).optional() }),
    z.object({ expectations, committed: z.boolean() }),
    'member',
  ),
  saveExpectations: method('Commit edited expectations next to the dataset.', projectFile.extend({ expectations }), z.object({ commit: z.string() }), 'admin'),
  validate: method(
    'Validate a file or version: against `expectations` as given, else those of `reference` (committed, else inferred), else the ones it is declared against (a {"reference"} file next to it, its own, or the project’s training reference). `rowCount`: band (own expectations) or batch (another dataset’s; default by the rule).',
    z.object({ target: fileRef, expectations: expectations.optional(), reference: fileRef.optional(), rowCount: z.enum(['band', 'batch']).optional() }).strict(),
    validationReport,
    'member',
  ),
  reference: method(
    'The dataset a project dataset is validated against by default (declared, its own, or the training reference) and the training-reference candidates, best first.',
    projectFile,
    z.object({
      reference: z.string().nullable(),
      rule: z.enum(['declared', 'own', 'training']).nullable(),
      source: z.enum(['committed', 'inferred']).nullable(),
      candidates: z.array(z.object({ path: z.string(), rows: z.number(), lastUsed: z.number().nullable() })),
    }),
    'member',
  ),
  locate: method(
    'The project dataset version a run input refers to (name or source = its path, digest = a prefix of its sha256), if any.',
    z
      .object({
        name: z.string().max(4096),
        source: z.string().max(65536).default(''),
        digest: z.string().max(128),
        projectId: z.string().min(8).max(64).optional(),
      })
      .strict(),
    z.object({ projectId: z.string(), path: z.string(), commit: z.string() }).nullable(),
    'member',
  ),
  profile: method('Profile of a data file (per-column stats, quantiles, histograms/top values), cached by content hash.', z.object({ ref: fileRef }).strict(), profile, 'member'),
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
    'member',
  ),
};
