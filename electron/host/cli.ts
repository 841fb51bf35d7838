import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDataDir, resolveUserPath } from '../core/paths';
import { VERSION } from '../core/version';
import { createDemoProject, DEMO_DEPLOYMENT, DEMO_EXPERIMENT, DEMO_MODEL, DEMO_RUNS, registerDemoModels, seedDemoRuns, serveDemo, type DemoServing } from '../core/projects/demo';
import path from 'node:path';
import { DATA_SUBCOMMANDS, DATA_USAGE, dataCommand } from './dataCli';
import { DataUsageError, type CliCommand } from './cliCommon';
import { USERS_SUBCOMMANDS, USERS_USAGE, usersCommand } from './usersCli';
import { MODELS_SUBCOMMANDS, MODELS_USAGE, modelsCommand } from './modelsCli';
import { BUILD_COMMAND } from './buildCli';
import { DEPLOY_COMMANDS } from './deployCli';
import { MONITOR_SUBCOMMANDS, MONITOR_USAGE, monitorCommand } from './monitorCli';
import { TARGETS_SUBCOMMANDS, TARGETS_USAGE, targetsCommand } from './targetsCli';
import { DRIFT_COMMAND } from './driftCli';
import { FAIRNESS_COMMAND } from './fairnessCli';
import { startServer } from './serve';
import type { Engine } from '../core/engine';
import { MldeskError } from '../../shared/contract/errors';

class UsageError extends Error {}

/** A command-line option: what parseArgs needs, plus its placeholder and help line. */
type Option = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; arg?: string; help: string };
type Values<O extends Record<string, Option>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
};

/** One entry of the command table: `mldesk <name> <synopsis>`, its help text and its handler. */

const portSchema = z.coerce.number().int().min(0).max(65535);

/**
 * A command whose usage is generated from the very option table it parses, so the two cannot drift.
 * With `trailing` (e.g. `-- <command...>`) only the arguments before the first `--` are options; the
 * rest reaches the handler untouched.
 */
function command<const O extends Record<string, Option>>(def: {
  name: string;
  summary: string;
  options: O;
  trailing?: string;
  run: (v: Values<O>, trailing: string[]) => Promise<number>;
}): CliCommand {
  const opts = Object.entries(def.options);
  const flag = (k: string, o: Option) => `--${k}${o.arg ? ` ${o.arg}` : ''}`;
  const synopsis = [...opts.map(([k, o]) => `[${flag(k, o)}${o.multiple ? ' ...' : ''}]`), def.trailing ?? ''].filter(Boolean).join(' ');
  const rows = [...opts.map(([k, o]) => [`${o.short ? `-${o.short}, ` : '    '}${flag(k, o)}`, o.help]), ['-h, --help', 'show this help']];
  const width = Math.max(...rows.map(([a]) => a!.length)) + 2;
  return {
    name: def.name,
    synopsis,
    summary: def.summary,
    details: `Options:\n${rows.map(([a, b]) => `  ${a!.padEnd(width)}${b}`).join('\n')}`,
    run: (args) => {
      const dash = def.trailing ? args.indexOf('--') : -1;
      const [head, tail] = dash < 0 ? [args, []] : [args.slice(0, dash), args.slice(dash + 1)];
      let values;
      try {
        values = parseArgs({ args: head, options: def.options, allowPositionals: false, strict: true }).values;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      return def.run(values as Values<O>, tail);
    },
  };
}

const dataDirOption = { type: 'string', arg: 'DIR', help: 'data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)' } as const;

const serve = command({
  name: 'serve',
  summary: 'Web UI + API + MLflow-compatible tracking server. Binds 127.0.0.1 by default;\na non-loopback --host needs --token (or MLDESK_TOKEN).',
  options: {
    port: { type: 'string', short: 'p', arg: 'N', help: 'port (default: MLDESK_PORT, else 5000; 0 picks a free one)' },
    host: { type: 'string', arg: 'H', help: 'interface to listen on (default: 127.0.0.1)' },
    'data-dir': dataDirOption,
    token: { type: 'string', arg: 'T', help: 'require `Authorization: Bearer T` on every request (default: MLDESK_TOKEN)' },
  },
  async run(v) {
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
  },
});

/** What `mldesk demo` printed about the deployment and its replayed traffic; false when it could not serve. */
function printServing(r: DemoServing): boolean {
  if (r.skipped) {
    console.log(`Not deployed: ${r.skipped}.`);
    return false;
  }
  if (r.url) console.log(`Serving ${DEMO_MODEL} v${r.version} as '${r.name}' at ${r.url}`);
  if (r.traffic) {
    const t = r.traffic;
    console.log(`Replayed ${t.rows} rows in ${t.requests} requests (${t.failed} failed) and ${t.labels} late labels in ${(t.tookMs / 1000).toFixed(1)} s`);
    console.log(`  ${r.windows} monitoring windows, ${r.driftedWindows} with drift`);
    for (const a of r.alerts) console.log(`  alert: ${a}`);
    console.log(`  Monitoring: open the deployment's Monitoring tab; \`mldesk monitor status ${r.name}\`; again: \`mldesk demo --traffic\``);
  }
  return true;
}

const demo = command({
  name: 'demo',
  summary:
    `Create the credit-risk demo project, add it to the project list, train ${DEMO_RUNS.length} runs and register the best two as model ${DEMO_MODEL};\n` +
    `when Docker is available, deploy the champion as '${DEMO_DEPLOYMENT}' and replay traffic (training-like, then drifted, labels late) for the Monitoring tab.`,
  options: {
    dir: { type: 'string', arg: 'DIR', help: 'where to create the project (default: under the data dir)' },
    'data-dir': dataDirOption,
    'no-runs': { type: 'boolean', help: 'create the project only, train nothing (and deploy nothing)' },
    'no-deploy': { type: 'boolean', help: 'do not deploy the champion (also MLDESK_DEMO_DEPLOY=0)' },
    'no-traffic': { type: 'boolean', help: 'deploy the champion but send it no traffic' },
    traffic: { type: 'boolean', help: `only replay the traffic again at the demo deployment (deployed first when missing)` },
  },
  async run(v) {
    const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
    // An ephemeral loopback tracking server for the demo trainings to log to.
    const served = await startServer({ dataDir, port: 0, uiDir: null, engineHost: 'web', launcher: { sampleMs: 1000 } });
    try {
      if (v.traffic) {
        const r = await serveDemo(served.engine, { log: (l) => console.log(l) });
        return printServing(r) ? 0 : 1;
      }
      const started = Date.now();
      const project = await createDemoProject(served.engine, v.dir);
      console.log(`Demo project ready: ${project.path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      console.log(`  commit ${project.git?.lastCommit?.oid.slice(0, 8) ?? '—'} on ${project.git?.branch ?? '—'}`);
      if (!v['no-runs']) {
        console.log(`Training ${DEMO_RUNS.length} demo runs into experiment "${DEMO_EXPERIMENT}"…`);
        let failed = 0;
        const runIds = await seedDemoRuns(served.engine, project.id, (name, status) => {
          if (status !== 'FINISHED') failed++;
          console.log(`  ${status.padEnd(8)} ${name}`);
        });
        const registered = registerDemoModels(served.engine, runIds);
        if (registered.length) console.log(`Registered model "${DEMO_MODEL}":`);
        for (const r of registered) console.log(`  v${r.version.padEnd(3)} @${r.alias.padEnd(11)} ${r.runName} (val_auc ${r.valAuc.toFixed(4)})`);
        if (failed) {
          console.error(`mldesk: ${failed} demo run(s) did not finish; see their logs in the Runs page.`);
          return 1;
        }
        if (!v['no-deploy'] && process.env.MLDESK_DEMO_DEPLOY !== '0' && registered.length) {
          // The project, runs and models are the demo; serving it is a bonus that may fail on its own.
          await serveDemo(served.engine, { traffic: !v['no-traffic'], log: (l) => console.log(l) })
            .then(printServing)
            .catch((e: unknown) => console.error(`mldesk: the demo deployment failed: ${(e as Error).message}`));
        }
      }
    } finally {
      await served.close();
    }
    return 0;
  },
});

const run = command({
  name: 'run',
  summary:
    'Run a command as a tracked run: MLFLOW_TRACKING_URI / MLFLOW_RUN_ID / MLFLOW_EXPERIMENT_ID are set,\n' +
    'output is captured as artifacts, CPU/RSS (and GPU) are logged as system/* metrics.\n' +
    'Everything after `--` is the command, passed as is (its own --help included).',
  options: {
    experiment: { type: 'string', short: 'e', arg: 'NAME', help: "experiment (default: the project's name)" },
    project: { type: 'string', arg: 'DIR', help: 'working folder (default: the current one)' },
    name: { type: 'string', short: 'n', arg: 'N', help: 'run name' },
    param: { type: 'string', short: 'p', multiple: true, arg: 'k=v', help: 'log a param (repeatable)' },
    validate: { type: 'string', arg: 'FILE', help: "refuse to start when FILE fails its expectations (mldesk data validate)" },
    input: { type: 'string', multiple: true, arg: 'FILE', help: 'record the versioned dataset FILE as an input of the run (repeatable; datasets named in the command are recorded anyway)' },
    'data-dir': dataDirOption,
    'no-system-metrics': { type: 'boolean', help: 'do not sample CPU/RSS/GPU' },
    target: { type: 'string', short: 't', arg: 'NAME', help: 'run on a deployment target (a one-shot Swarm service or Kubernetes Job from the project image)' },
    cpus: { type: 'string', arg: 'C', help: 'with --target: CPU limit in cores (e.g. 0.5)' },
    memory: { type: 'string', arg: 'M', help: 'with --target: memory limit (512m, 2g)' },
    gpus: { type: 'string', arg: 'N', help: 'with --target: GPUs to reserve' },
    grid: { type: 'string', multiple: true, arg: 'k=v1,v2', help: 'with --target: a sweep over every combination (repeatable; `{k}` in the command is replaced)' },
    parallel: { type: 'string', arg: 'K', help: 'with --target: how many runs of a sweep at once (default 1)' },
  },
  trailing: '-- <command...>',
  async run(v, command) {
    if (!command.length) throw new UsageError('give the command after `--`, e.g. mldesk run -- python train.py');
    const params: Record<string, string> = {};
    for (const p of v.param ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param must be key=value (got "${p}")`);
      params[p.slice(0, eq)] = p.slice(eq + 1);
    }
    const dataDir = v['data-dir'] ? resolveUserPath(v['data-dir']) : defaultDataDir();
    if (v.target) return runOnTarget(v, command, params, dataDir);
    for (const k of ['cpus', 'memory', 'gpus', 'grid', 'parallel'] as const) if (v[k] !== undefined) throw new UsageError(`--${k} needs --target`);
    const served = await startServer({
      dataDir,
      port: 0,
      uiDir: null,
      engineHost: 'web',
      launcher: { echo: true, sampleMs: v['no-system-metrics'] ? 0 : 1000 },
    });
    const engine = served.engine;
    try {
      const launched = await engine.launcher.start({
        command,
        ...(await runPlace(engine, v)),
        name: v.name,
        params,
        env: {},
        validate: v.validate,
        inputs: v.input,
      });
      console.error(`mldesk: run ${launched.runId} (experiment ${launched.experimentId}) started, pid ${launched.pid}`);
      await untilDone(
        () => void engine.launcher.stop(launched.runId),
        () => engine.launcher.wait(launched.runId),
      );
      const row = engine.tracking.runs.row(launched.runId);
      console.error(`mldesk: run ${launched.runId} ${row.status} in ${seconds(row)} s`);
      const exitTag = engine.tracking.runs.get(launched.runId).data.tags.find((t) => t.key === 'mldesk.exit_code');
      return row.status === 'FINISHED' ? 0 : row.status === 'KILLED' ? 130 : Number(exitTag?.value ?? 1) || 1;
    } finally {
      await served.close();
    }
  },
});

/** Where `mldesk run` runs: `--project` (else the working folder), its registered project, and the experiment to log to. */
async function runPlace(engine: Engine, v: { project?: string; experiment?: string }) {
  const cwd = v.project ? resolveUserPath(v.project) : process.cwd();
  const listed = (await engine.projects.list()).find((p) => p.path === cwd);
  return { cwd, projectId: listed?.id, experimentName: v.experiment ?? listed?.name ?? (v.project ? path.basename(cwd) : undefined) };
}

/** Waits for `done` while Ctrl-C and SIGTERM call `stop` (the run stops; its end is still waited for and reported). */
async function untilDone(stop: () => void, done: () => Promise<unknown>): Promise<void> {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await done();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** A run's duration in seconds, to one decimal (up to now while it has no end). */
const seconds = (t: { start_time?: number | null; end_time?: number | null }) => (((t.end_time ?? Date.now()) - (t.start_time ?? Date.now())) / 1000).toFixed(1);

/** `--memory 512m|2g|1024` (MiB without a unit) → MiB. */
export function parseMemoryMb(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`--memory must be a size like 512m or 2g (got "${s}")`);
  const mult: Record<string, number> = { k: 1 / 1024, '': 1, m: 1, g: 1024, t: 1024 * 1024 };
  const mb = Math.round(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
  if (mb < 4) throw new UsageError(`--memory must be at least 4m (got "${s}")`);
  return mb;
}

/** `mldesk run --target`: the run(s) as jobs on the target, their output streamed here; 0 when every run FINISHED. */
async function runOnTarget(
  v: { target?: string; project?: string; experiment?: string; name?: string; cpus?: string; memory?: string; gpus?: string; grid?: string[]; parallel?: string },
  command: string[],
  params: Record<string, string>,
  dataDir: string,
): Promise<number> {
  const num = (flag: string, s: string | undefined, int: boolean) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0 || (int && !Number.isInteger(n))) throw new UsageError(`--${flag} must be a positive ${int ? 'integer' : 'number'} (got "${s}")`);
    return n;
  };
  const grid: Record<string, string[]> = {};
  for (const g of v.grid ?? []) {
    const eq = g.indexOf('=');
    if (eq <= 0 || eq === g.length - 1) throw new UsageError(`--grid must be key=v1,v2,… (got "${g}")`);
    grid[g.slice(0, eq)] = g.slice(eq + 1).split(',');
  }
  const served = await startServer({ dataDir, port: 0, uiDir: null, engineHost: 'web' });
  const engine = served.engine;
  try {
    const labels = new Map<string, string>();
    const sweepOf = { multi: false };
    engine.remoteRuns.setEcho((runId, line) => {
      const prefix = sweepOf.multi ? `[${labels.get(runId) ?? runId.slice(0, 8)}] ` : '';
      if (line.stream === 'system') console.error(`mldesk: ${prefix}${line.text}`);
      else (line.stream === 'stdout' ? process.stdout : process.stderr).write(`${prefix}${line.text}\n`);
    });
    const r = await engine.call('launcher.startOn', {
      command,
      ...(await runPlace(engine, v)),
      name: v.name,
      params,
      env: {},
      target: v.target,
      cpus: num('cpus', v.cpus, false),
      memoryMb: v.memory === undefined ? undefined : parseMemoryMb(v.memory),
      gpus: num('gpus', v.gpus, true),
      parallel: num('parallel', v.parallel, true),
      grid: Object.keys(grid).length ? grid : undefined,
    });
    if (!r.ok) throw MldeskError.from(r.error);
    const launched = r.value as { sweepId: string | null; runs: Array<{ runId: string; params: Record<string, string> }>; jobId: string };
    sweepOf.multi = launched.sweepId !== null;
    for (const x of launched.runs) labels.set(x.runId, Object.entries(x.params).filter(([k]) => k in grid).map(([k, val]) => `${k}=${val}`).join(',') || x.runId.slice(0, 8));
    const off = engine.events.subscribe('jobs.progress', (p) => {
      if (p.id === launched.jobId) for (const l of p.lines) if (l.startsWith('» ')) console.error(`mldesk: ${l.slice(2)}`);
    });
    console.error(
      `mldesk: ${launched.sweepId ? `sweep ${launched.sweepId} of ${launched.runs.length} runs` : `run ${launched.runs[0]!.runId}`} on target ${v.target} (tracking URI ${served.url})`,
    );
    const ids = launched.runs.map((x) => x.runId);
    let jobError: string | null = null;
    await untilDone(
      () => void engine.launcher.stop(launched.sweepId ?? ids[0]!),
      async () => {
        await engine.jobs.wait(launched.jobId).catch((e: unknown) => (jobError = e instanceof Error ? e.message : String(e)));
        await engine.remoteRuns.wait(ids);
      },
    );
    off();
    let firstFailure: string | null = jobError;
    let killed = false;
    for (const id of ids) {
      const run = engine.tracking.runs.get(id);
      const tag = (k: string) => run.data.tags.find((t) => t.key === k)?.value;
      console.error(`mldesk: ${sweepOf.multi ? `[${labels.get(id)}] ` : ''}run ${id} ${run.info.status} in ${seconds(run.info)} s`);
      if (run.info.status === 'KILLED') killed = true;
      else if (run.info.status !== 'FINISHED') {
        const [exit, error] = [tag('mldesk.exit'), tag('mldesk.error')];
        firstFailure ??= `run ${id} ${run.info.status}: ${[exit, error && error !== exit ? `(${error})` : ''].filter(Boolean).join(' ') || 'no reason given'}`;
      }
    }
    if (firstFailure) console.error(`mldesk: ${firstFailure}`);
    return firstFailure ? 1 : killed ? 130 : 0;
  } finally {
    await served.close();
  }
}

/** `mldesk data`: options are parsed in dataCli.ts, next to DATA_SUBCOMMANDS (its usage). */
const data: CliCommand = {
  name: 'data',
  synopsis: '<subcommand> ...',
  summary: 'Version datasets in git projects; profile, diff and validate them.',
  details: `Subcommands:\n${DATA_USAGE}\n\nEach also takes --data-dir DIR (where profiles are cached). \`mldesk data <subcommand> --help\` shows one.`,
  subcommands: DATA_SUBCOMMANDS,
  run: dataCommand,
};

/** `mldesk users`: team-server users and roles (usersCli.ts). */
const users: CliCommand = {
  name: 'users',
  synopsis: '<subcommand> ...',
  summary: 'Team-server users: each has a role (viewer, member, admin) and its own token.',
  details: `Subcommands:\n${USERS_USAGE}`,
  subcommands: USERS_SUBCOMMANDS,
  run: usersCommand,
};

/** `mldesk models`: the model registry (modelsCli.ts). */
const models: CliCommand = {
  name: 'models',
  synopsis: '<subcommand> ...',
  summary: 'Registered models: list them, and the lineage of a version (run, commit, datasets, image, deployments).',
  details: `Subcommands:\n${MODELS_USAGE}`,
  subcommands: MODELS_SUBCOMMANDS,
  run: modelsCommand,
};

/** `mldesk monitor`: deployment monitoring (monitorCli.ts). */
const monitor: CliCommand = {
  name: 'monitor',
  synopsis: '<subcommand> ...',
  summary: 'Deployment monitoring: drift, performance and alerts of a deployment; the Grafana dashboard over /metrics.',
  details: `Subcommands:\n${MONITOR_USAGE}`,
  subcommands: MONITOR_SUBCOMMANDS,
  run: monitorCommand,
};

/** `mldesk targets`: deployment targets (targetsCli.ts). */
const targets: CliCommand = {
  name: 'targets',
  synopsis: '<subcommand> ...',
  summary: 'Deployment targets: the local engine, remote Docker engines (TLS or SSH), Swarm managers, Kubernetes contexts.',
  details: `Subcommands:\n${TARGETS_USAGE}`,
  subcommands: TARGETS_SUBCOMMANDS,
  run: targetsCommand,
};

const version = command({
  name: 'version',
  summary: 'Print the version (also --version, -v).',
  options: {},
  async run() {
    console.log(VERSION);
    return 0;
  },
});

const help: CliCommand = {
  name: 'help',
  synopsis: '[command [subcommand]]',
  summary: 'This help, or the usage and options of one command (also `mldesk <command> --help`).',
  async run(topic) {
    console.log(helpText(topic[0] === '--help' || topic[0] === '-h' ? ['help'] : topic));
    return 0;
  },
};

const COMMANDS: readonly CliCommand[] = [serve, demo, run, data, DRIFT_COMMAND, FAIRNESS_COMMAND, users, models, BUILD_COMMAND, ...DEPLOY_COMMANDS, monitor, targets, version, help];

function generalUsage(): string {
  const lines = COMMANDS.map((c) =>
    c === data ? DATA_USAGE : c.subcommands && c.details ? c.details.replace(/^Subcommands:\n/, '') : `  mldesk ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}\n${c.summary.replace(/^/gm, '      ')}`,
  );
  return `mldesk ${VERSION} — local-first ML workbench

Usage:
${lines.join('\n')}

\`mldesk <command> --help\` (or \`mldesk help <command>\`) shows a command's options.
Data dir: --data-dir, else MLDESK_DATA_DIR, else ~/.mldesk`;
}

const synopsisOf = (c: CliCommand) => `Usage: mldesk ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}`;

/** `mldesk help [command [subcommand]]`; unknown topics are usage errors (exit 2). */
function helpText(topic: string[]): string {
  const [name, sub, ...extra] = topic;
  if (name === undefined) return generalUsage();
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`mldesk help: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  if (sub === undefined) return `${synopsisOf(cmd)}\n\n${cmd.summary}${cmd.details ? `\n\n${cmd.details}` : ''}`;
  if (!cmd.subcommands) throw new UsageError(`mldesk help: mldesk ${name} has no subcommands`);
  const s = cmd.subcommands.find((x) => x.name === sub);
  if (!s) throw new UsageError(`mldesk help: unknown subcommand "${name} ${sub}" (${name} subcommands: ${cmd.subcommands.map((x) => x.name).join(', ')})`);
  if (extra.length) throw new UsageError(`mldesk help: too many arguments (${extra.join(' ')})`);
  return `Usage: mldesk ${name} ${s.name} ${s.synopsis}\n\n${s.summary}`;
}

/** `--help` / `-h` among a command's own arguments: those before `--` (after it they belong to the user's command). */
function asksForHelp(args: string[]): boolean {
  const dash = args.indexOf('--');
  return (dash < 0 ? args : args.slice(0, dash)).some((a) => a === '--help' || a === '-h');
}

/** What follows a usage error's message: the usage of what was being run. */
function usageAfterError(cmd: CliCommand | undefined, topic: string[]): string {
  if (!cmd) return generalUsage();
  if (cmd === help) return '`mldesk help` lists the commands.';
  const usage = topic.length > 1 ? helpText(topic).split('\n')[0]! : cmd.details && cmd.subcommands ? `${synopsisOf(cmd)}\n\n${cmd.details}` : synopsisOf(cmd);
  return `${usage}\n\`mldesk help ${topic.join(' ')}\` for details.`;
}

/** Entry used by bin/mldesk.js; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  let cmd: CliCommand | undefined;
  let topic: string[] = [];
  try {
    if (first === undefined) return await help.run([]);
    if (first === '--version' || first === '-v') return await version.run([]);
    cmd = COMMANDS.find((c) => c.name === (first === '--help' || first === '-h' ? 'help' : first));
    if (!cmd) throw new UsageError(`Unknown command "${first}"`);
    const sub = cmd.subcommands?.find((s) => s.name === rest[0]);
    topic = sub ? [cmd.name, sub.name] : [cmd.name];
    if (cmd.subcommands && rest.length === 0) throw new UsageError(`mldesk ${cmd.name}: missing subcommand`);
    if (cmd !== help && asksForHelp(rest)) {
      if (cmd.subcommands && !sub && rest[0] && !rest[0].startsWith('-')) throw new UsageError(`mldesk ${cmd.name}: unknown subcommand "${rest[0]}"`);
      console.log(helpText(topic));
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataUsageError) {
      const msg = e.message.startsWith('mldesk') ? e.message : `mldesk: ${e.message}`;
      console.error(`${msg}\n\n${usageAfterError(cmd, topic)}`);
      return 2;
    }
    if (e instanceof MldeskError) {
      console.error(`mldesk: ${e.message}`);
      return e.code === 'INVALID_INPUT' ? 2 : 1;
    }
    throw e;
  }
}
