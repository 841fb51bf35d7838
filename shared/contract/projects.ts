import { z } from 'zod';
import { method, topic } from './define';

const absPath = z
  .string()
  .trim()
  .min(1, 'path is required')
  .max(4096, 'path is too long')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('~'), 'path must be absolute (or start with ~)');

export const projectId = z.string().regex(/^[a-z0-9-]{8,64}$/, 'not a project id');

export const projectSummary = z.object({
  id: projectId,
  name: z.string(),
  path: z.string(),
  addedAt: z.number(),
  /** null when the folder has gone missing since it was added. */
  git: z
    .object({
      branch: z.string().nullable(),
      lastCommit: z.object({ oid: z.string(), message: z.string(), author: z.string(), timestamp: z.number() }).nullable(),
      dirty: z.boolean(),
      changedFiles: z.number().int(),
    })
    .nullable(),
  missing: z.boolean(),
});
export type ProjectSummary = z.infer<typeof projectSummary>;

export const projectsMethods = {
  list: method('All projects with branch, last commit and dirty state.', z.object({}).strict().default({}), z.array(projectSummary), 'viewer'),
  get: method('One project by id.', z.object({ id: projectId }).strict(), projectSummary, 'viewer'),
  create: method(
    'Create a new project folder (must not exist or be empty), init git with a first commit.',
    z.object({ path: absPath, name: z.string().trim().min(1).max(200).optional() }).strict(),
    projectSummary,
    'admin',
  ),
  open: method(
    'Add an existing folder; initialises git (and .gitignore) if it is not a repo yet.',
    z.object({ path: absPath, name: z.string().trim().min(1).max(200).optional() }).strict(),
    projectSummary,
    'admin',
  ),
  remove: method('Remove from the list. Never deletes files.', z.object({ id: projectId }).strict(), z.object({ removed: z.boolean() }), 'admin'),
  createDemo: method(
    'Create the deterministic credit-risk demo project (data, drifted production batch, training script).',
    z.object({ path: absPath.optional() }).strict().default({}),
    projectSummary,
    'admin',
  ),
};

export const projectsTopics = {
  'projects.changed': topic('The project list or a project changed.', z.object({ id: projectId.nullable() })),
};
