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

/** Creates the demo project, or returns it when it is already listed at that path. */
export async function createDemoProject(engine: Engine, target?: string): Promise<ProjectSummary> {
  const dir = target ? resolveUserPath(target) : defaultDemoPath(engine.ctx.dataDir);
  const listed = (await engine.projects.list()).find((p) => p.path === dir);
  if (listed) return listed;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return engine.projects.create({ path: dir, name: DEMO_NAME }, (d) => writeDemoFiles(d));
}
