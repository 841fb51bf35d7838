import { z } from 'zod';
import { method } from './define';

/** Model registry (the Models page and `mldesk models …`): MLflow registered models, versions, aliases, stages. */

const modelName = z.string().trim().min(1).max(256);
const versionNo = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)]).transform((v) => String(v));
const aliasName = z.string().trim().min(1).max(255);
const tagKey = z.string().min(1).max(250);
const tagValue = z.string().max(5000);
export const modelStage = z.enum(['None', 'Staging', 'Production', 'Archived']);

const registryTag = z.object({ key: z.string(), value: z.string() });
export const modelVersion = z.object({
  name: z.string(),
  version: z.string(),
  creation_timestamp: z.number(),
  last_updated_timestamp: z.number(),
  user_id: z.string().optional(),
  current_stage: z.string(),
  description: z.string().optional(),
  source: z.string(),
  run_id: z.string().optional(),
  status: z.string(),
  status_message: z.string().optional(),
  tags: z.array(registryTag),
  run_link: z.string().optional(),
  aliases: z.array(z.string()),
  model_id: z.string().optional(),
});
export type ModelVersion = z.infer<typeof modelVersion>;

export const registeredModel = z.object({
  name: z.string(),
  creation_timestamp: z.number(),
  last_updated_timestamp: z.number(),
  description: z.string().optional(),
  latest_versions: z.array(modelVersion),
  tags: z.array(registryTag),
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })),
});
export type RegisteredModel = z.infer<typeof registeredModel>;

/**
 * Lineage of one model version: run → git commit → dataset versions → model version → image → deployments.
 * `image` and `deployments` are optional: absent means "not built" / "not deployed".
 */
export const modelLineage = z.object({
  model: z.object({ name: z.string(), version: z.string(), stage: z.string(), aliases: z.array(z.string()), source: z.string() }),
  run: z.object({ runId: z.string(), name: z.string(), experimentId: z.string(), status: z.string() }).nullable(),
  commit: z.string().nullable(),
  projectId: z.string().nullable(),
  datasets: z.array(
    z.object({
      name: z.string(),
      digest: z.string(),
      source: z.string(),
      /** The project dataset version it resolves to (data.locate), if any. */
      version: z.object({ projectId: z.string(), path: z.string(), commit: z.string() }).nullable(),
    }),
  ),
  image: z.array(z.object({ digest: z.string(), ref: z.string().optional(), builtAt: z.number().optional() })).optional(),
  deployments: z.array(z.object({ id: z.string(), target: z.string(), status: z.string(), url: z.string().optional() })).optional(),
});
export type ModelLineage = z.infer<typeof modelLineage>;

const ok = z.object({ ok: z.literal(true) });
const nameVersion = { name: modelName, version: versionNo };

export const modelsMethods = {
  list: method(
    'Registered models, optionally filtered (MLflow filter, e.g. name LIKE \'%iris%\').',
    z.object({ filter: z.string().max(1000).default(''), maxResults: z.number().int().min(1).max(1000).default(200) }).strict().default({ filter: '', maxResults: 200 }),
    z.array(registeredModel),
    'viewer',
  ),
  get: method('One registered model.', z.object({ name: modelName }).strict(), registeredModel, 'viewer'),
  versions: method('All versions of a registered model, newest first.', z.object({ name: modelName }).strict(), z.array(modelVersion), 'viewer'),
  lineage: method('Lineage of a model version: run, git commit, dataset versions, image, deployments.', z.object(nameVersion).strict(), modelLineage, 'viewer'),
  register: method(
    'Register a run artifact folder (holding an MLmodel or .onnx file) as a new version; creates the model if needed.',
    z
      .object({
        name: modelName,
        runId: z.string().regex(/^[0-9a-zA-Z_-]{1,64}$/),
        path: z.string().max(4096).default('model'),
        description: z.string().max(65536).optional(),
      })
      .strict(),
    modelVersion,
    'member',
  ),
  setAlias: method('Point an alias (e.g. champion, challenger) at a version.', z.object({ ...nameVersion, alias: aliasName }).strict(), ok, 'member'),
  deleteAlias: method('Remove an alias.', z.object({ name: modelName, alias: aliasName }).strict(), ok, 'member'),
  transition: method(
    'Move a version to a stage, optionally archiving the versions already in it.',
    z.object({ ...nameVersion, stage: modelStage, archiveExisting: z.boolean().default(false) }).strict(),
    modelVersion,
    'member',
  ),
  update: method(
    'Edit the description of a model (no version) or of a version.',
    z.object({ name: modelName, version: versionNo.optional(), description: z.string().max(65536) }).strict(),
    ok,
    'member',
  ),
  setTag: method('Set a tag on a model (no version) or a version.', z.object({ name: modelName, version: versionNo.optional(), key: tagKey, value: tagValue }).strict(), ok, 'member'),
  deleteTag: method('Remove a tag from a model (no version) or a version.', z.object({ name: modelName, version: versionNo.optional(), key: tagKey }).strict(), ok, 'member'),
  deleteVersion: method('Delete a model version.', z.object(nameVersion).strict(), ok, 'member'),
};
