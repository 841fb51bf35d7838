import fs from 'node:fs';
import path from 'node:path';
import { writeDemoFiles } from '../../../resources/demo/generate';
import type { ProjectSummary } from '../../../shared/contract';
import type { Engine } from '../engine';
import { resolveUserPath } from '../paths';

export const DEMO_NAME = 'credit-risk-demo';

/** Default place for the demo: inside the data dir, so web mode never writes elsewhere unasked. */
export function defaultDemoPath(dataDir: string): string {
  return path.join(dataDir, 'projects', DEMO_NAME);
}

/**
 * Creates the demo project, or returns it when it is already listed at that path.
 * `runs: 'background'` (the UI button) starts the demo trainings without waiting; the CLI awaits them.
 */
export async function createDemoProject(engine: Engine, target?: string, runs: 'none' | 'background' = 'none'): Promise<ProjectSummary> {
  const dir = target ? resolveUserPath(target) : defaultDemoPath(engine.ctx.dataDir);
  const listed = (await engine.projects.list()).find((p) => p.path === dir);
  if (listed) return listed;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const project = await engine.projects.create({ path: dir, name: DEMO_NAME }, (d) => writeDemoFiles(d));
  if (runs === 'background' && engine.ctx.trackingUri) {
    seedDemoRuns(engine, project.id).catch((e: unknown) => {
      if (engine.ctx.store.db.open) engine.events.publish('app.notice', { level: 'error', message: `Demo trainings failed: ${(e as Error).message}` });
    });
  }
  return project;
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

/** Runs the demo training script once per DEMO_RUNS entry through the launcher (sequentially: 2-core machines). */
export async function seedDemoRuns(engine: Engine, projectId: string, onRun?: (name: string, status: string) => void): Promise<string[]> {
  const { bin, env } = nodeCommand();
  const ids: string[] = [];
  for (const r of DEMO_RUNS) {
    const launched = await engine.launcher.start({ command: [bin, 'train.mjs', ...r.args], projectId, experimentName: DEMO_EXPERIMENT, name: r.name, params: {}, env });
    await engine.launcher.wait(launched.runId);
    const status = engine.tracking.runs.row(launched.runId).status;
    onRun?.(r.name, status);
    ids.push(launched.runId);
  }
  return ids;
}
