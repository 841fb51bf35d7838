// The setup the deploy suites share: dist/ built when a lone run lacks it, and an in-process engine with a project
// whose registered model versions come from a run that read a tracked data file (so lineage and records have one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { callOk, repoRoot } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import type { ModelVersion } from '../shared/contract';

/** npm test builds first; a lone run builds what is missing (the CLI, the runtime programs baked into the images). */
export function ensureNodeBuild(): void {
  const proxyJs = path.join(repoRoot, 'dist/runtime/proxy.js');
  if (!fs.existsSync(path.join(repoRoot, 'dist/cli.js')) || !fs.existsSync(proxyJs) || fs.readFileSync(proxyJs, 'utf8').includes('not implemented yet')) {
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'node'], { cwd: repoRoot, stdio: 'inherit' });
  }
}

export interface DeployServer {
  s: Served;
  /** The server's data dir (root/data), for the CLI's --data-dir. */
  dataDir: string;
  projectId: string;
  /** Registers `file` (an .onnx) as the next version of the model, from a run of the project that used data/train.csv; its version. */
  register(file: string): Promise<string>;
}

/** An in-process server (data in root/data) with a project (root/proj) whose data/train.csv is tracked. */
export async function startDeployServer(root: string, model: string): Promise<DeployServer> {
  const dataDir = path.join(root, 'data');
  const s = await startServer({ dataDir, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  const dir = path.join(root, 'proj');
  const projectId = (await s.engine.projects.create({ path: dir })).id;
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'train.csv'), ['id,f0,f1,f2,f3,label', '7,0.5,1.5,-2,3.25,1', '8,1,1,1,1,0'].join('\n') + '\n');
  await callOk(s.engine, 'data.add', { projectId, path: 'data/train.csv' });
  const register = async (file: string): Promise<string> => {
    const run = await s.engine.launcher.start({ projectId, params: {}, env: {}, command: [process.execPath, '-e', '0'], inputs: ['data/train.csv'] });
    await s.engine.launcher.wait(run.runId);
    s.engine.tracking.writeRunArtifact(run.runId, 'model/model.onnx', fs.readFileSync(file));
    return (await callOk<ModelVersion>(s.engine, 'models.register', { name: model, runId: run.runId, path: 'model' })).version;
  };
  return { s, dataDir, projectId, register };
}
