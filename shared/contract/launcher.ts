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

/**
 * A run (or a sweep of runs) on a deployment target: the project's image (its Dockerfile, else its files on the
 * offline Node base) runs the command as a one-shot Swarm service or Kubernetes Job, logging back to this mldesk's
 * tracking URI — which the target must be able to reach.
 * Params reach the command two ways: `{name}` in an argument is replaced by the value, and MLDESK_PARAM_<NAME>
 * (upper-cased, other characters `_`) is set; they are logged as the run's params.
 * The fields of a local launch but `validate` and `inputs`; `cwd` is the project folder (default: the project's), the
 * image is built from it.
 */
export const remoteLaunchInput = launchInput
  .omit({ validate: true, inputs: true })
  .extend({
    target: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a target name'),
    /** CPU limit in cores (e.g. 0.5, 2). */
    cpus: z.number().positive().max(1024).optional(),
    memoryMb: z.number().int().min(4).max(4 * 1024 * 1024).optional(),
    gpus: z.number().int().min(0).max(64).optional(),
    /** A parameter grid: every combination is one run (a sweep, grouped under a parent run). */
    grid: z.record(paramKey, z.array(z.string().max(6000)).min(1).max(1000)).optional(),
    /** How many runs of a sweep run at once (default 1). */
    parallel: z.number().int().min(1).max(256).optional(),
    /** Run this image (already where the target pulls from) instead of building one from the project. */
    image: z.string().trim().min(1).max(1024).regex(/^[a-z0-9][\w.\-/:@]*$/i, 'an image reference').optional(),
  })
  .strict();
export type RemoteLaunchInput = z.input<typeof remoteLaunchInput>;

export const remoteLaunched = z.object({
  /** The parent run of a sweep (null for a single run). */
  sweepId: z.string().nullable(),
  experimentId: z.string(),
  /** Every run, in grid order, and the service / Job name it runs as on the target. */
  runs: z.array(z.object({ runId: z.string(), job: z.string(), params: z.record(z.string(), z.string()) })),
  /** The background job (build, transport, then the queue): progress on `jobs.progress`. */
  jobId: z.string(),
  image: z.string(),
});
export type RemoteLaunched = z.infer<typeof remoteLaunched>;

export const remoteRunState = z.object({
  runId: z.string(),
  target: z.string(),
  job: z.string(),
  sweepId: z.string().nullable(),
  image: z.string(),
  state: z.enum(['queued', 'running', 'finished', 'failed', 'killed']),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  exitCode: z.number().nullable(),
  reason: z.string().nullable(),
});
export type RemoteRunState = z.infer<typeof remoteRunState>;

export const launcherMethods = {
  startOn: method(
    'Run a command on a deployment target (a one-shot Swarm service or Kubernetes Job from the project’s image); with a grid, a sweep of `parallel` jobs at a time. The tracking URI must be reachable from the target.',
    remoteLaunchInput,
    remoteLaunched,
    'admin',
  ),
  remote: method(
    'Runs started on targets (newest first); `sweepId` narrows to one sweep.',
    z.object({ sweepId: runId.optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict().default({ limit: 100 }),
    z.array(remoteRunState),
    'viewer',
  ),
  start: method('Create a run and start a process tracked by it (MLFLOW_* env set, logs captured, system metrics sampled).', launchInput, launchedRun, 'admin'),
  stop: method('Stop a launched run: kills the whole process tree (a run on a target: removes its service / Job; a sweep’s parent: every run of it); the run ends KILLED.', z.object({ runId }).strict(), z.object({ stopped: z.boolean() }), 'admin'),
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
