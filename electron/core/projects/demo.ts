import fs from 'node:fs';
import path from 'node:path';
import { DEMO_DATA_HISTORY, writeDemoData, writeDemoFiles } from '../../../resources/demo/generate';
import type { ProjectSummary } from '../../../shared/contract';
import type { Engine } from '../engine';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { resolveUserPath } from '../paths';

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
