import { z } from 'zod';
import { method, topic } from './define';

const runId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'not a run id');
const paramKey = z.string().min(1).max(250).regex(/^[/\w.\- :]*$/, 'param names may only contain alphanumerics, _ - . space : /');

export const logLine = z.object({ stream: z.enum(['stdout', 'stderr', 'system']), text: z.string(), at: z.number() });
export type LogLine = z.infer<typeof logLine>;

export const launchInput = z
  .object({
    command: z.array(z.string().max(10_000)).min(1, 'command: give the program to run').max(1000),
    experimentName: z.string().trim().min(1).max(500).optional(),
    projectId: z.string().regex(/^[a-z0-9-]{8,64}$/).optional(),
    cwd: z.string().max(4096).optional(),
    name: z.string().trim().max(250).optional(),
    params: z.record(paramKey, z.string().max(6000)).default({}),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).default({}),
    /** Data file (relative to the working folder) to validate against its committed expectations before starting. */
    validate: z.string().min(1).max(4096).optional(),
    /** Versioned datasets (relative to the working folder) the run reads, recorded as its inputs with those its command names. */
    inputs: z.array(z.string().min(1).max(4096)).max(100).optional(),
  })
  .strict();
export type LaunchInput = z.input<typeof launchInput>;

export const launchedRun = z.object({
  runId: z.string(),
  experimentId: z.string(),
  pid: z.number(),
  command: z.array(z.string()),
  cwd: z.string(),
  startedAt: z.number(),
});
export type LaunchedRun = z.infer<typeof launchedRun>;

export const launcherMethods = {
  start: method('Create a run and start a process tracked by it (MLFLOW_* env set, logs captured, system metrics sampled).', launchInput, launchedRun, 'admin'),
  stop: method('Stop a launched run: kills the whole process tree; the run ends KILLED.', z.object({ runId }).strict(), z.object({ stopped: z.boolean() }), 'admin'),
  list: method('Processes this engine launched that are still running.', z.object({}).strict().default({}), z.array(launchedRun), 'viewer'),
  tail: method(
    'Last lines of a run’s output (live runs from memory, finished runs from the captured artifacts).',
    z.object({ runId, maxLines: z.number().int().min(1).max(10_000).default(500) }).strict(),
    z.object({ lines: z.array(logLine), running: z.boolean() }),
    'viewer',
  ),
};

export const launcherTopics = {
  'launcher.output': topic('New output lines of a launched run.', z.object({ run_id: z.string(), lines: z.array(logLine) })),
};
