import fs from 'node:fs';
import path from 'node:path';
import { DEMO_DATA_HISTORY, writeDemoData, writeDemoFiles } from '../../../resources/demo/generate';
import type { ProjectSummary } from '../../../shared/contract';
import type { Engine } from '../engine';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { resolveUserPath } from '../paths';
import { modelLineage } from '../registry';
import { replayDemoTraffic, type DemoTrafficReport } from '../monitor/demoTraffic';

export const DEMO_NAME = 'credit-risk-demo';

/** Default place for the demo: inside the data dir, so web mode never writes elsewhere unasked. */
export function defaultDemoPath(dataDir: string): string {
  return path.join(dataDir, 'projects', DEMO_NAME);
}

/** The dataset whose expectations the demo infers and commits (production.csv is checked against them). */
export const DEMO_REFERENCE = 'data/train.csv';

/**
 * Creates the demo project, or returns it when it is already listed at that path.
 * The data goes through the data engine like `mldesk data add` / `data expect --commit`: two versions of
 * data/train.csv, the drifted data/production.csv, and expectations inferred from the current train.csv.
 * `runs: 'background'` (the UI button) starts the demo trainings without waiting; the CLI awaits them.
 */
export async function createDemoProject(engine: Engine, target?: string, runs: 'none' | 'background' = 'none'): Promise<ProjectSummary> {
  const dir = target ? resolveUserPath(target) : defaultDemoPath(engine.ctx.dataDir);
  const listed = (await engine.projects.list()).find((p) => p.path === dir);
  if (listed) return listed;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const existed = fs.existsSync(dir); // then it is empty: create() refuses anything else
  const created = await engine.projects.create({ path: dir, name: DEMO_NAME }, (d) => writeDemoFiles(d, { datasets: false }));
  try {
    await versionDemoData(engine, created.id, dir);
  } catch (e) {
    // A demo without its data history is not the demo: leave nothing behind (the folder was new or empty).
    await engine.projects.remove(created.id);
    if (!existed) fs.rmSync(dir, { recursive: true, force: true });
    else for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    throw e;
  }
  // The project was announced before its data existed: a Data page already showing it reloads.
  engine.events.publish('projects.changed', { id: created.id });
  const project = await engine.projects.get(created.id);
  if (runs === 'background' && engine.ctx.trackingUri) {
    seedDemoRuns(engine, project.id)
      .then((ids) => registerDemoModels(engine, ids))
      .catch((e: unknown) => {
        if (engine.ctx.store.db.open) engine.events.publish('app.notice', { level: 'error', message: `Demo trainings failed: ${(e as Error).message}` });
      });
  }
  return project;
}

/** Writes each step of the demo's data history and snapshots it (`data add`), then commits the expectations. */
async function versionDemoData(engine: Engine, projectId: string, dir: string): Promise<void> {
  for (const step of DEMO_DATA_HISTORY) {
    await writeDemoData(dir, step);
    await engine.data.add(projectId, step.path);
  }
  const expectations = await engine.data.inferFromFile(path.join(dir, DEMO_REFERENCE));
  await engine.data.saveExpectations(dir, DEMO_REFERENCE, expectations);
}

export const DEMO_EXPERIMENT = 'credit-risk';

/** Six real training runs with different settings, so every page has something to show. */
export const DEMO_RUNS: Array<{ name: string; args: string[] }> = [
  { name: 'logreg-lr0.1', args: ['--model', 'logreg', '--lr', '0.1', '--epochs', '15', '--l2', '0.001'] },
  { name: 'logreg-lr0.05', args: ['--model', 'logreg', '--lr', '0.05', '--epochs', '15', '--l2', '0.001'] },
  { name: 'logreg-lr0.3-l2', args: ['--model', 'logreg', '--lr', '0.3', '--epochs', '10', '--l2', '0.01'] },
  { name: 'logreg-lr0.01', args: ['--model', 'logreg', '--lr', '0.01', '--epochs', '20', '--l2', '0'] },
  { name: 'gbt-60x2', args: ['--model', 'gbt', '--trees', '60', '--depth', '2', '--lr', '0.1'] },
  { name: 'gbt-100x3', args: ['--model', 'gbt', '--trees', '100', '--depth', '3', '--lr', '0.1'] },
];

/** Node to run the demo script with: inside Electron, its binary acts as Node with ELECTRON_RUN_AS_NODE. */
function nodeCommand(): { bin: string; env: Record<string, string> } {
  return process.versions.electron ? { bin: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } } : { bin: process.execPath, env: {} };
}

/** Runs the demo training script once per DEMO_RUNS entry (or `runs`) through the launcher (sequentially: 2-core machines). */
export async function seedDemoRuns(engine: Engine, projectId: string, onRun?: (name: string, status: string) => void, runs: ReadonlyArray<{ name: string; args: string[] }> = DEMO_RUNS): Promise<string[]> {
  const { bin, env } = nodeCommand();
  const ids: string[] = [];
  for (const r of runs) {
    const launched = await engine.launcher.start({ command: [bin, 'train.mjs', ...r.args], projectId, experimentName: DEMO_EXPERIMENT, name: r.name, params: {}, env });
    await engine.launcher.wait(launched.runId);
    const status = engine.tracking.runs.row(launched.runId).status;
    onRun?.(r.name, status);
    ids.push(launched.runId);
  }
  return ids;
}

export const DEMO_MODEL = 'credit-risk';
const DEMO_ALIASES = ['champion', 'challenger'] as const;
const DEMO_MODEL_DESCRIPTION =
  'Credit default risk, from the mldesk demo: an ONNX model over the raw columns of data/train.csv ' +
  '(numbers as double, categories as string; outputs label and probabilities).';

export interface DemoRegistration {
  version: string;
  alias: (typeof DEMO_ALIASES)[number];
  runId: string;
  runName: string;
  valAuc: number;
}

/**
 * Registers the best demo run (highest final val_auc; a tie goes to the earlier run) as a new
 * version of DEMO_MODEL with alias champion, and the runner-up with alias challenger, each from
 * the run's `model` artifact folder (model.onnx + MLmodel). Runs that did not finish or logged
 * no ONNX model are passed over. On a fresh data dir that is v1 and v2; a second `mldesk demo`
 * on the same data dir adds versions and moves the aliases.
 */
export function registerDemoModels(services: { tracking: Tracking; registry: RegistryService }, runIds: readonly string[]): DemoRegistration[] {
  const { tracking, registry } = services;
  const candidates = runIds.flatMap((runId, order) => {
    const run = tracking.runs.get(runId);
    const valAuc = run.data.metrics.find((m) => m.key === 'val_auc')?.value;
    if (run.info.status !== 'FINISHED' || valAuc === undefined || !Number.isFinite(valAuc)) return [];
    if (!tracking.listRunArtifacts(runId, 'model').files.some((f) => f.path.endsWith('/model.onnx'))) return [];
    return [{ runId, order, valAuc, runName: run.info.run_name }];
  });
  candidates.sort((a, b) => b.valAuc - a.valAuc || a.order - b.order);
  try {
    registry.getRegisteredModel(DEMO_MODEL);
  } catch {
    if (candidates.length > 0) registry.createRegisteredModel({ name: DEMO_MODEL, description: DEMO_MODEL_DESCRIPTION });
  }
  const registered: DemoRegistration[] = [];
  for (const [i, alias] of DEMO_ALIASES.entries()) {
    const c = candidates[i];
    if (!c) break;
    const description = `Demo run ${c.runName}: val_auc ${c.valAuc.toFixed(4)} (${alias} when registered).`;
    const mv = registry.createModelVersion({ name: DEMO_MODEL, source: `runs:/${c.runId}/model`, run_id: c.runId, description });
    registry.setRegisteredModelAlias(DEMO_MODEL, alias, mv.version);
    registered.push({ version: mv.version, alias, runId: c.runId, runName: c.runName, valAuc: c.valAuc });
  }
  return registered;
}

/** The demo deployment (the champion of DEMO_MODEL) and its monitoring windows: small, so the replay shows several. */
export const DEMO_DEPLOYMENT = 'credit-risk';
/**
 * 500 rows: with a reference over 1000 rows Evidently's rules pick Wasserstein / Jensen–Shannon (threshold 0.1), which
 * windows of a few hundred rows of the very training distribution cross now and then by chance; at 500 they rarely do,
 * while the production batch's shifts (income, credit score: 0.4–0.7) stand far above.
 */
export const DEMO_WINDOW = { kind: 'count', size: 500 } as const;

export interface DemoServing {
  /** Why nothing was deployed or replayed (Docker unavailable, no champion), else null. */
  skipped: string | null;
  /** The deployment (DEMO_DEPLOYMENT, or a name of this data dir's own when another one holds it on the engine). */
  name: string | null;
  url: string | null;
  version: string | null;
  traffic: DemoTrafficReport | null;
  windows: number;
  driftedWindows: number;
  alerts: string[];
}

/**
 * Serves the demo champion as DEMO_DEPLOYMENT (deployed when missing or serving another version) and replays traffic
 * at it: rows like the training data, then the drifted production batch, labels sent late (monitor/demoTraffic.ts).
 * The records are then pulled and folded into windows at once, so the Monitoring tab shows the drift and its alert on
 * first open. Without Docker it says why and does nothing. `traffic: false` deploys only.
 */
export async function serveDemo(engine: Engine, opts: { traffic?: boolean; log?: (line: string) => void } = {}): Promise<DemoServing> {
  const log = opts.log ?? (() => undefined);
  const out: DemoServing = { skipped: null, name: null, url: null, version: null, traffic: null, windows: 0, driftedWindows: 0, alerts: [] };
  const st = await engine.containers.status();
  if (!st.available) {
    out.skipped = `the Docker engine is not available (${st.problem?.message ?? 'unknown problem'})${st.problem?.hint ? `; ${st.problem.hint}` : ''}`;
    return out;
  }
  let champion;
  try {
    champion = engine.registry.getModelVersionByAlias(DEMO_MODEL, 'champion');
  } catch {
    out.skipped = `model ${DEMO_MODEL} has no champion yet (run mldesk demo first)`;
    return out;
  }
  // The demo deployment of this data dir: the one serving DEMO_MODEL already, else DEMO_DEPLOYMENT — or, when another
  // data dir on this Docker engine has a deployment of that name (container names are the engine's), a suffixed one.
  const mine = engine.deploy.table.byModel(DEMO_MODEL);
  const alternate = `${DEMO_DEPLOYMENT}-${engine.deploy.target.storeId.slice(0, 6)}`;
  let name = mine.find((r) => r.name === DEMO_DEPLOYMENT)?.name ?? mine.find((r) => r.name === alternate)?.name ?? null;
  if (!name) name = engine.deploy.table.get(DEMO_DEPLOYMENT) ? alternate : DEMO_DEPLOYMENT;
  const running = engine.deploy.table.get(name) ? await engine.deploy.get(name).catch(() => null) : null;
  if (!running || running.status !== 'running' || running.version !== champion.version) {
    const deploy = async (as: string) => {
      log(`Deploying ${DEMO_MODEL} v${champion.version} (@champion) as '${as}'…`);
      const started = Date.now();
      const { jobId } = await engine.deploy.apply({ model: DEMO_MODEL, version: champion.version, name: as, runtime: { kind: 'onnx' }, env: {}, readyTimeoutSec: 120, target: 'local', transport: 'auto' });
      await engine.jobs.wait(jobId);
      log(`  ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    try {
      await deploy(name);
    } catch (e) {
      if (name !== DEMO_DEPLOYMENT || !/is not this mldesk data dir's/.test((e as Error).message)) throw e;
      // Nothing of it runs: forget the failed attempt, deploy under this data dir's own name.
      await engine.deploy.remove(name).catch(() => undefined);
      log(`  '${name}' is taken on this Docker engine by another mldesk data dir`);
      name = alternate;
      await deploy(name);
    }
  }
  const d = await engine.deploy.get(name);
  out.name = name;
  out.url = d.url;
  out.version = d.version;
  if (opts.traffic === false) return out;
  await engine.monitor.configure({ deployment: name, window: DEMO_WINDOW });
  const lineage = await modelLineage(engine.registry, engine.tracking, engine.data, DEMO_MODEL, d.version);
  const projectId = lineage.projectId ?? lineage.datasets.find((x) => x.version)?.version?.projectId;
  if (!projectId) {
    out.skipped = `${DEMO_MODEL} v${d.version} does not lead to its project (lineage): no data to replay`;
    return out;
  }
  const before = new Set(engine.monitor.alerts({ deployment: name, limit: 10_000 }).map((a) => a.id));
  out.traffic = await replayDemoTraffic({ port: d.port, model: DEMO_MODEL, projectDir: engine.projects.pathOf(projectId), onPhase: log });
  // Pull what the runtime recorded (and the labels), then fold it into windows now rather than on the next ticks.
  await engine.deploy.readRecords(name, 0, 1);
  await engine.monitor.flush(name);
  const ov = await engine.monitor.overview(name, 1000);
  const closed = ov.windows.filter((w) => !w.open);
  out.windows = closed.length;
  out.driftedWindows = closed.filter((w) => w.datasetDrift || w.prediction?.drifted).length;
  out.alerts = engine.monitor
    .alerts({ deployment: name, limit: 10_000 })
    .filter((a) => !before.has(a.id))
    .reverse()
    .map((a) => a.message);
  return out;
}
