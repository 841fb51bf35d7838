import { z } from 'zod';
import { method } from './define';
import { modelRef } from './deploy';

/** Docker engine and images (the packaging half: a model version → an image). */

export const engineStatus = z.object({
  available: z.boolean(),
  /** Where we connect: the local socket path or DOCKER_HOST. */
  host: z.string(),
  version: z.string().nullable(),
  apiVersion: z.string().nullable(),
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
  /** sha256 of the model file baked into the image. */
  modelDigest: z.string(),
  base: z.string(),
  createdAt: z.number(),
});
export type ModelImage = z.infer<typeof modelImage>;

export const containersMethods = {
  engine: method('Is a Docker engine reachable, which one, and how to fix it when not.', z.object({}).strict().default({}), engineStatus, 'viewer'),
  images: method('Model images mldesk built (by their labels), newest first.', z.object({ model: z.string().max(256).optional() }).strict().default({}), z.array(modelImage), 'viewer'),
  build: method(
    'Build the image of a model version (as a job: progress on jobs.progress; the job result is the ModelImage).',
    modelRef,
    z.object({ jobId: z.string() }),
    'member',
  ),
  dockerfile: method('The Dockerfile mldesk would generate for a model version (shown by the wizard before deploying).', modelRef, z.object({ dockerfile: z.string(), base: z.string() }), 'viewer'),
};
