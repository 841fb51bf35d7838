import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir, callOk } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { createDemoProject, seedDemoRuns, DEMO_RUNS } from '../electron/core/projects/demo';

let s: Served;
let dataDir: string;
let dir: string;
let projectId: string;
const root = tmpDir();

const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);

beforeAll(async () => {
  dataDir = path.join(root, 'data');
  s = await startServer({ dataDir, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  dir = path.join(root, 'proj');
  projectId = (await s.engine.projects.create({ path: dir })).id;
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'src'));
  for (const [name, n] of [['train', 50], ['eval', 20], ['production', 30]] as const) {
    fs.writeFileSync(path.join(dir, 'data', `${name}.csv`), ['id,x', ...Array.from({ length: n }, (_, i) => `${i},${i % 5}`)].join('\n') + '\n');
    await call('data.add', { projectId, path: `data/${name}.csv` });
  }
}, 60_000);
afterAll(async () => {
  await s?.close();
});

type Launch = { command: string[]; params?: Record<string, string>; inputs?: string[]; cwd?: string };
/** Starts a tracked run that does nothing, waits for it, and returns the names of its dataset inputs (sorted). */
async function inputsOf(l: Launch): Promise<string[]> {
  const run = await s.engine.launcher.start({ projectId, params: {}, env: {}, ...l, command: [process.execPath, '-e', '0', '--', ...l.command] });
  await s.engine.launcher.wait(run.runId);
  expect(s.engine.tracking.runs.row(run.runId).status).toBe('FINISHED');
  return s.engine.tracking.runs.get(run.runId).inputs.dataset_inputs.map((d) => d.dataset.name).sort();
}

describe('lineage: a run records the datasets it used, each once', () => {
  it('records only the datasets its arguments name, not every pointer of the project', async () => {
    expect(await inputsOf({ command: ['data/train.csv', '--eval=data/eval.csv', 'data/train.csv'] })).toEqual(['data/eval.csv', 'data/train.csv']);
  });

  it('matches paths without the data/ prefix, absolute paths, ./ forms, --flag=path and params', async () => {
    expect(await inputsOf({ command: ['--train', 'train.csv'] })).toEqual(['data/train.csv']);
    expect(await inputsOf({ command: [path.join(dir, 'data', 'eval.csv')] })).toEqual(['data/eval.csv']);
    expect(await inputsOf({ command: ['--data=./data/production.csv'] })).toEqual(['data/production.csv']);
    expect(await inputsOf({ command: [], params: { train_file: 'data/train.csv', lr: '0.1' } })).toEqual(['data/train.csv']);
    // One shell string naming two files.
    expect(await inputsOf({ command: ['python fit.py --train data/train.csv --eval data/eval.csv'] })).toEqual(['data/eval.csv', 'data/train.csv']);
  });

  it('resolves relative paths against the working folder', async () => {
    expect(await inputsOf({ command: ['../data/eval.csv'], cwd: 'src' })).toEqual(['data/eval.csv']);
  });

  it('a command that names no dataset records none; similar names do not count', async () => {
    expect(await inputsOf({ command: [] })).toEqual([]);
    expect(await inputsOf({ command: ['data/train.csv.bak', 'data/train', 'mytrain.csv', '--x=data/'] })).toEqual([]);
  });

  it('inputs (mldesk run --input) names a dataset explicitly; named twice it is recorded once', async () => {
    expect(await inputsOf({ command: [], inputs: ['data/production.csv'] })).toEqual(['data/production.csv']);
    expect(await inputsOf({ command: ['data/production.csv'], inputs: ['data/production.csv', 'production.csv'] })).toEqual(['data/production.csv']);
  });

  it('an input that is not a versioned dataset is refused before anything runs', async () => {
    fs.writeFileSync(path.join(dir, 'data', 'loose.csv'), 'a\n1\n');
    const r = await s.engine.call('launcher.start', { command: [process.execPath, '-e', 'require("fs").writeFileSync("ran.txt","x")'], projectId, inputs: ['data/loose.csv'] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/data\/loose\.csv is not a versioned dataset/);
    const outside = await s.engine.call('launcher.start', { command: [process.execPath, '-e', '0'], projectId, inputs: ['../../etc/passwd'] });
    expect(outside.ok).toBe(false);
    expect(fs.existsSync(path.join(dir, 'ran.txt'))).toBe(false);
  });

  it('the version lists each run once', async () => {
    const run = await s.engine.launcher.start({ projectId, params: { f: 'data/eval.csv' }, env: {}, command: [process.execPath, '-e', '0', '--', 'data/eval.csv', 'eval.csv'], inputs: ['data/eval.csv'] });
    await s.engine.launcher.wait(run.runId);
    const versions = await call<Array<{ runs: Array<{ runId: string }> }>>('data.versions', { projectId, path: 'data/eval.csv' });
    expect(versions[0]!.runs.filter((r) => r.runId === run.runId)).toHaveLength(1);
    expect(s.engine.tracking.runs.get(run.runId).inputs.dataset_inputs).toHaveLength(1);
  });

  it('mldesk run --input FILE records it', async () => {
    const r = await runCli(['run', '--project', dir, '--input', 'data/eval.csv', '--data-dir', dataDir, '--no-system-metrics', '--', process.execPath, '-e', '0']);
    expect(r.code, r.out).toBe(0);
    const runId = /run ([0-9a-f]{32})/.exec(r.out)![1]!;
    expect(s.engine.tracking.runs.get(runId).inputs.dataset_inputs.map((d) => d.dataset.name)).toEqual(['data/eval.csv']);
  }, 30_000);
});

describe('lineage of the demo', () => {
  it('the demo runs link to train.csv (the file train.mjs reads) and not to production.csv', async () => {
    const demo = await createDemoProject(s.engine, path.join(root, 'demo'));
    const [runId] = await seedDemoRuns(s.engine, demo.id, undefined, DEMO_RUNS.slice(0, 1));
    const inputs = s.engine.tracking.runs.get(runId!).inputs.dataset_inputs.map((d) => d.dataset);
    const located = await Promise.all(inputs.map((d) => call<{ path: string } | null>('data.locate', { name: d.name, source: d.source, digest: d.digest, projectId: demo.id })));
    expect(located.map((l) => l?.path)).toEqual(inputs.map(() => 'data/train.csv'));
    expect(inputs).toHaveLength(1);
    const usedBy = async (p: string) => (await call<Array<{ runs: Array<{ runId: string }> }>>('data.versions', { projectId: demo.id, path: p })).flatMap((v) => v.runs.map((r) => r.runId));
    expect(await usedBy('data/train.csv')).toEqual([runId]);
    expect(await usedBy('data/production.csv')).toEqual([]);
  }, 60_000);
});
