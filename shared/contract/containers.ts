import { z } from 'zod';
import { method } from './define';
import { runtimeChoice } from './deploy';

/** Docker engine and images (the packaging half: a model version → an image). */

export const engineStatus = z.object({
  available: z.boolean(),
  /** Where we connect: the local socket path or DOCKER_HOST. */
  host: z.string(),
  version: z.string().nullable(),
  apiVersion: z.string().nullable(),
  /** The engine's OS/architecture (linux/amd64) when reachable: images are built for it. */
  platform: z.string().nullable(),
  /** When unavailable: why, and how to fix it (shown as the empty state of the Deployments page and by the CLI). */
  problem: z.object({ code: z.string(), message: z.string(), hint: z.string() }).nullable(),
});
export type EngineStatus = z.infer<typeof engineStatus>;

export const modelImage = z.object({
  ref: z.string(),
  /** The image id (sha256:…): what lineage shows as the image digest. */
  digest: z.string(),
  sizeBytes: z.number(),
  model: z.string(),
  version: z.string(),
  runId: z.string().nullable(),
  /** sha256 of the model file baked into the image (of the model folder's files for a custom Dockerfile build). */
  modelDigest: z.string(),
  /** The image it was built FROM (the mldesk runtime image, or the first FROM of a custom Dockerfile). */
  base: z.string(),
  /** The built-in ONNX runtime, or the user's own Dockerfile. */
  runtime: z.enum(['onnx', 'dockerfile']),
  createdAt: z.number(),
});
export type ModelImage = z.infer<typeof modelImage>;

const modelName = z.string().trim().min(1).max(256);
const versionNo = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)]).transform((v) => String(v));

/** A model version (by number or alias) and, optionally, how to package it (default: the built-in ONNX runtime). */
export const buildInput = z
  .object({ model: modelName, version: versionNo.optional(), alias: z.string().trim().min(1).max(255).optional(), runtime: runtimeChoice.optional() })
  .strict()
  .refine((r) => (r.version === undefined) !== (r.alias === undefined), { message: 'give exactly one of version or alias' });
export type BuildInput = z.input<typeof buildInput>;

export const containersMethods = {
  engine: method('Is a Docker engine reachable, which one, and how to fix it when not.', z.object({}).strict().default({}), engineStatus, 'viewer'),
  images: method('Model images mldesk built (by their labels), newest first.', z.object({ model: z.string().max(256).optional() }).strict().default({}), z.array(modelImage), 'viewer'),
  build: method(
    'Build the image of a model version (as a job: progress on jobs.progress; the job result is the ModelImage).',
    buildInput,
    z.object({ jobId: z.string() }),
    'member',
  ),
  dockerfile: method(
    'The Dockerfile mldesk would generate for a model version (shown by the wizard before deploying).',
    buildInput,
    z.object({ dockerfile: z.string(), base: z.string() }),
    'viewer',
  ),
};

