import { z } from 'zod';
import { method, topic } from './define';

/**
 * Long work (image builds, rollouts, later explanations and drift over big files) runs as a job.
 * Every job reports on one topic with one shape, so every progress bar in the UI is the same component
 * and the CLI prints the same lines.
 */
export const jobState = z.enum(['running', 'done', 'failed']);
export type JobState = z.infer<typeof jobState>;

export const jobInfo = z.object({
  id: z.string(),
  /** What kind of work: 'build', 'deploy', … */
  kind: z.string(),
  title: z.string(),
  state: jobState,
  /** The current step, in words ("Building base image", "Waiting for readiness"). */
  phase: z.string(),
  /** 0..1 when known, null while indeterminate. */
  fraction: z.number().min(0).max(1).nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** What the job produced (kind-specific, e.g. an image reference or a deployment). */
  result: z.unknown().optional(),
});
export type JobInfo = z.infer<typeof jobInfo>;

const jobId = z.string().regex(/^[a-z0-9-]{1,64}$/);

export const jobsMethods = {
  list: method('Jobs of this engine session, newest first (running ones and the last finished).', z.object({}).strict().default({}), z.array(jobInfo), 'viewer'),
  get: method(
    'One job with the tail of its log.',
    z.object({ id: jobId, maxLines: z.number().int().min(1).max(10_000).default(500) }).strict(),
    jobInfo.extend({ log: z.array(z.string()) }),
    'viewer',
  ),
};

export const jobsTopics = {
  'jobs.progress': topic('A job started, advanced, logged lines or ended.', jobInfo.extend({ lines: z.array(z.string()) })),
};
