import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir, callOk } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { type ModelLineage, type ModelVersion, type RegisteredModel } from '../shared/contract';

let s: Served;
let dataDir: string;
let dir: string;
let projectId: string;
let runId: string;
const root = tmpDir();

const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);

beforeAll(async () => {
  dataDir = path.join(root, 'data');
  s = await startServer({ dataDir, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  dir = path.join(root, 'proj');
  projectId = (await s.engine.projects.create({ path: dir })).id;
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'train.csv'), ['id,x', ...Array.from({ length: 20 }, (_, i) => `${i},${i % 3}`)].join('\n') + '\n');
  await call('data.add', { projectId, path: 'data/train.csv' });
  const run = await s.engine.launcher.start({ projectId, params: {}, env: {}, command: [process.execPath, '-e', '0'], inputs: ['data/train.csv'] });
  await s.engine.launcher.wait(run.runId);
  runId = run.runId;
  s.engine.tracking.writeRunArtifact(runId, 'model/MLmodel', 'flavors:\n  python_function: {}\n');
  s.engine.tracking.writeRunArtifact(runId, 'notes/readme.txt', 'not a model');
}, 60_000);
afterAll(async () => {
  await s?.close();
});

describe('models: the registry through the contract', () => {
  it('lists nothing before anything is registered', async () => {
    expect(await call<RegisteredModel[]>('models.list', {})).toEqual([]);
  });

  it('registers a run’s model/ folder (creating the model) and refuses a folder without a model', async () => {
    const v1 = await call<ModelVersion>('models.register', { name: 'credit', runId, path: 'model' });
    expect(v1).toMatchObject({ name: 'credit', version: '1', run_id: runId, source: `runs:/${runId}/model`, current_stage: 'None' });
    const v2 = await call<ModelVersion>('models.register', { name: 'credit', runId, path: 'model/' });
    expect(v2.version).toBe('2');
    await expect(call('models.register', { name: 'credit', runId, path: 'notes' })).rejects.toThrow(/no MLmodel or \.onnx/);
    const list = await call<RegisteredModel[]>('models.list', { filter: "name LIKE 'cre%'" });
    expect(list.map((m) => m.name)).toEqual(['credit']);
    expect(await call<RegisteredModel[]>('models.list', { filter: "name LIKE 'zzz%'" })).toEqual([]);
    expect((await call<ModelVersion[]>('models.versions', { name: 'credit' })).map((v) => v.version)).toEqual(['2', '1']);
  });

  it('sets and removes aliases, transitions stages (archiving existing), edits descriptions and tags', async () => {
    await call('models.setAlias', { name: 'credit', version: '1', alias: 'champion' });
    await call('models.setAlias', { name: 'credit', version: 2, alias: 'challenger' });
    let m = await call<RegisteredModel>('models.get', { name: 'credit' });
    expect(m.aliases).toEqual(expect.arrayContaining([{ alias: 'champion', version: '1' }, { alias: 'challenger', version: '2' }]));
    await call('models.deleteAlias', { name: 'credit', alias: 'challenger' });
    m = await call<RegisteredModel>('models.get', { name: 'credit' });
    expect(m.aliases).toEqual([{ alias: 'champion', version: '1' }]);

    await call('models.transition', { name: 'credit', version: '1', stage: 'Production' });
    const v2 = await call<ModelVersion>('models.transition', { name: 'credit', version: '2', stage: 'Production', archiveExisting: true });
    expect(v2.current_stage).toBe('Production');
    const versions = await call<ModelVersion[]>('models.versions', { name: 'credit' });
    expect(versions.find((v) => v.version === '1')?.current_stage).toBe('Archived');

    await call('models.update', { name: 'credit', description: 'Credit risk' });
    await call('models.update', { name: 'credit', version: '2', description: 'retrained' });
    await call('models.setTag', { name: 'credit', key: 'team', value: 'risk' });
    await call('models.setTag', { name: 'credit', version: '2', key: 'validated', value: 'yes' });
    m = await call<RegisteredModel>('models.get', { name: 'credit' });
    expect(m.description).toBe('Credit risk');
    expect(m.tags).toEqual([{ key: 'team', value: 'risk' }]);
    const v = (await call<ModelVersion[]>('models.versions', { name: 'credit' }))[0]!;
    expect(v).toMatchObject({ description: 'retrained', tags: [{ key: 'validated', value: 'yes' }] });
    await call('models.deleteTag', { name: 'credit', version: '2', key: 'validated' });
    await call('models.deleteTag', { name: 'credit', key: 'team' });
    expect((await call<RegisteredModel>('models.get', { name: 'credit' })).tags).toEqual([]);
  });

  it('refuses garbage with 4xx codes', async () => {
    for (const [name, input] of [
      ['models.transition', { name: 'credit', version: '1', stage: 'Prod' }],
      ['models.setAlias', { name: 'credit', version: 'one', alias: 'x' }],
      ['models.get', { name: '' }],
      ['models.register', { name: 'x', runId: '../etc' }],
    ] as const) {
      const r = await s.engine.call(name, input);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error.code).toBe('INVALID_INPUT');
    }
    const missing = await s.engine.call('models.lineage', { name: 'credit', version: '99' });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });

  it('lineage: run, git commit, dataset versions; image and deployments absent', async () => {
    const l = await call<ModelLineage>('models.lineage', { name: 'credit', version: '2' });
    expect(l.model).toMatchObject({ name: 'credit', version: '2', stage: 'Production' });
    expect(l.run?.runId).toBe(runId);
    expect(l.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(l.projectId).toBe(projectId);
    expect(l.datasets).toHaveLength(1);
    expect(l.datasets[0]!.version).toMatchObject({ projectId, path: 'data/train.csv' });
    expect(l.datasets[0]!.version!.commit).toMatch(/^[0-9a-f]{7,40}$/);
    expect(l.image).toBeUndefined();
    expect(l.deployments).toBeUndefined();
  });

  it('deletes a version', async () => {
    await call('models.deleteVersion', { name: 'credit', version: '1' });
    expect((await call<ModelVersion[]>('models.versions', { name: 'credit' })).map((v) => v.version)).toEqual(['2']);
  });
});

describe('mldesk models (CLI, after node scripts/build.mjs)', () => {
  it('prints the lineage as JSON and lists models', async () => {
    await s.close();
    const lineage = await runCli(['models', 'lineage', 'credit', '--version', '2', '--json', '--data-dir', dataDir]);
    expect(lineage.code, lineage.out).toBe(0);
    const l = JSON.parse(lineage.out) as ModelLineage;
    expect(l.run?.runId).toBe(runId);
    expect(l.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(l.datasets[0]!.version?.path).toBe('data/train.csv');
    const list = await runCli(['models', 'list', '--json', '--data-dir', dataDir]);
    expect(list.code, list.out).toBe(0);
    expect((JSON.parse(list.out) as RegisteredModel[]).map((m) => m.name)).toEqual(['credit']);
    const text = await runCli(['models', 'lineage', 'credit', '--version', '2', '--data-dir', dataDir]);
    expect(text.out).toMatch(/not built/);
    expect(text.out).toMatch(/not deployed/);
    const bad = await runCli(['models', 'lineage', 'credit', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
  }, 60_000);
});
