import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDataDir, resolveUserPath } from '../core/paths';
import { VERSION } from '../core/version';
import { createDemoProject, DEMO_EXPERIMENT, DEMO_RUNS, seedDemoRuns } from '../core/projects/demo';
import path from 'node:path';
import { DATA_USAGE, DataUsageError, dataCommand } from './dataCli';
import { startServer } from './serve';
import { MldeskError } from '../../shared/contract/errors';

const USAGE = `mldesk ${VERSION} — local-first ML workbench

Usage:
  mldesk serve [--port N] [--host H] [--data-dir DIR] [--token T]
      Web UI + API + MLflow-compatible tracking server. Binds 127.0.0.1 by default;
      a non-loopback --host needs --token (or MLDESK_TOKEN).
  mldesk demo [--dir DIR] [--data-dir DIR] [--no-runs]
      Create the credit-risk demo project, add it to the project list and train 6 runs.
  mldesk run [--experiment NAME] [--project DIR] [--name N] [--param k=v ...] [--validate FILE] [--data-dir DIR] -- <command...>
      Run a command as a tracked run: MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID are set,
      output is captured as artifacts, CPU/RSS (and GPU) are logged as system/* metrics.
${DATA_USAGE}
  mldesk version
  mldesk help

Data dir: --data-dir, else MLDESK_DATA_DIR, else ~/.mldesk`;

class UsageError extends Error {}

const portSchema = z.coerce.number().int().min(0).max(65535);

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function serve(args: string[]): Promise<number> {
  const v = parse(args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    token: { type: 'string' },
  });
  const port = portSchema.safeParse(v.port ?? process.env.MLDESK_PORT ?? '5000');
  if (!port.success) throw new UsageError(`--port must be an integer 0–65535 (got "${v.port}")`);
  const host = v.host ?? '127.0.0.1';
  const token = v.token ?? process.env.MLDESK_TOKEN ?? undefined;
  const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
  const served = await startServer({ dataDir, host, port: port.data, token });
  const shown = token ? `${served.url}/?token=${encodeURIComponent(token)}` : `${served.url}/`;
  console.log(`mldesk ${VERSION} serving at ${shown}`);
  console.log(`  data dir:     ${dataDir}`);
  console.log(`  tracking URI: MLFLOW_TRACKING_URI=${served.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await served.close();
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const v = parse(args, { dir: { type: 'string' }, 'data-dir': { type: 'string' }, 'no-runs': { type: 'boolean' } });
  const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
  // An ephemeral loopback tracking server for the demo trainings to log to.
  const served = await startServer({ dataDir, port: 0, uiDir: null, engineHost: 'web', launcher: { sampleMs: 1000 } });
  try {
    const started = Date.now();
    const project = await createDemoProject(served.engine, v.dir);
    console.log(`Demo project ready: ${project.path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.log(`  commit ${project.git?.lastCommit?.oid.slice(0, 8) ?? '—'} on ${project.git?.branch ?? '—'}`);
    if (!v['no-runs']) {
      console.log(`Training ${DEMO_RUNS.length} demo runs into experiment "${DEMO_EXPERIMENT}"…`);
      let failed = 0;
      await seedDemoRuns(served.engine, project.id, (name, status) => {
        if (status !== 'FINISHED') failed++;
        console.log(`  ${status.padEnd(8)} ${name}`);
      });
      if (failed) {
        console.error(`mldesk: ${failed} demo run(s) did not finish; see their logs in the Runs page.`);
        return 1;
      }
    }
  } finally {
    await served.close();
  }
  return 0;
}

async function runCommand(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  if (dash < 0 || dash === args.length - 1) throw new UsageError('mldesk run: give the command after `--`, e.g. mldesk run -- python train.py');
  const v = parse(args.slice(0, dash), {
    experiment: { type: 'string', short: 'e' },
    project: { type: 'string' },
    name: { type: 'string', short: 'n' },
    param: { type: 'string', short: 'p', multiple: true },
    'data-dir': { type: 'string' },
    'no-system-metrics': { type: 'boolean' },
    validate: { type: 'string' },
  });
  const command = args.slice(dash + 1);
  const params: Record<string, string> = {};
  for (const p of (v.param as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must be key=value (got "${p}")`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
  const served = await startServer({
    dataDir,
    port: 0,
    uiDir: null,
    engineHost: 'web',
    launcher: { echo: true, sampleMs: v['no-system-metrics'] ? 0 : 1000 },
  });
  const engine = served.engine;
  try {
    const cwd = v.project ? resolveUserPath(v.project as string) : process.cwd();
    const listed = (await engine.projects.list()).find((p) => p.path === cwd);
    const launched = await engine.launcher.start({
      command,
      cwd,
      projectId: listed?.id,
      experimentName: (v.experiment as string | undefined) ?? listed?.name ?? (v.project ? path.basename(cwd) : undefined),
      name: v.name as string | undefined,
      params,
      env: {},
      validate: v.validate as string | undefined,
    });
    console.error(`mldesk: run ${launched.runId} (experiment ${launched.experimentId}) started, pid ${launched.pid}`);
    const stop = () => void engine.launcher.stop(launched.runId);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await engine.launcher.wait(launched.runId);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    const row = engine.tracking.runs.row(launched.runId);
    const secs = ((row.end_time ?? Date.now()) - (row.start_time ?? Date.now())) / 1000;
    console.error(`mldesk: run ${launched.runId} ${row.status} in ${secs.toFixed(1)} s`);
    const exitTag = engine.tracking.runs.get(launched.runId).data.tags.find((t) => t.key === 'mldesk.exit_code');
    return row.status === 'FINISHED' ? 0 : row.status === 'KILLED' ? 130 : Number(exitTag?.value ?? 1) || 1;
  } finally {
    await served.close();
  }
}

/** Entry used by bin/mldesk.js; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        return await serve(rest);
      case 'demo':
        return await demo(rest);
      case 'run':
        return await runCommand(rest);
      case 'data':
        return await dataCommand(rest);
      case 'version':
      case '--version':
      case '-v':
        console.log(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`Unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataUsageError) {
      console.error(`mldesk: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof MldeskError) {
      console.error(`mldesk: ${e.message}`);
      return e.code === 'INVALID_INPUT' ? 2 : 1;
    }
    throw e;
  }
}
