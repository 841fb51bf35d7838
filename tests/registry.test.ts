import { parseRoute } from './helpers';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Engine } from '../electron/core/engine';
import { RegistryService } from '../electron/core/registry/service';
import { LoggedModelsService } from '../electron/core/tracking/loggedModels';
import { registryRoutes } from '../electron/host/mlflow/registryRoutes';
import type { HttpMethod, MlflowRequest } from '../electron/host/mlflow/router';
import { mlflowErr as err, tmpDir } from './helpers';

const engine = new Engine({ dataDir: path.join(tmpDir(), 'data'), host: 'web' });
const db = engine.ctx.store.db;
const reg = new RegistryService(engine.ctx);
afterAll(() => engine.close());

let runSeq = 0;
function insertRun(opts: { lifecycle?: string } = {}): string {
  const id = `run${String(++runSeq).padStart(8, '0')}abcdef0123456789ab`;
  db.prepare('INSERT INTO runs (run_uuid, experiment_id, name, status, start_time, artifact_uri, lifecycle_stage) VALUES (?, 0, ?, ?, ?, ?, ?)').run(
    id,
    `run-${runSeq}`,
    'FINISHED',
    Date.now(),
    `mlflow-artifacts:/0/${id}/artifacts`,
    opts.lifecycle ?? 'active',
  );
  return id;
}

let clock = 1_700_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});
/** Moves the clock forward so timestamps differ between steps. */
const tick = (ms = 1000) => {
  clock += ms;
  vi.setSystemTime(clock);
};

const count = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;

describe('registered models', () => {
  it('create returns the MLflow shape with tags and description; omits unset fields', () => {
    const rm = reg.createRegisteredModel({ name: 'rm-create', tags: [{ key: 'team', value: 'vision' }], description: 'first' });
    expect(rm).toEqual({
      name: 'rm-create',
      creation_timestamp: clock,
      last_updated_timestamp: clock,
      description: 'first',
      latest_versions: [],
      tags: [{ key: 'team', value: 'vision' }],
      aliases: [],
    });
    const bare = reg.createRegisteredModel({ name: 'rm-bare' });
    expect(bare).not.toHaveProperty('description');
    expect(bare).not.toHaveProperty('user_id');
  });

  it('create rejects duplicates with MLflow message and empty names', () => {
    reg.createRegisteredModel({ name: 'rm-dup' });
    expect(err(() => reg.createRegisteredModel({ name: 'rm-dup' }))).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=rm-dup) already exists.',
    });
    expect(err(() => reg.createRegisteredModel({ name: '' })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.createRegisteredModel({ name: 'rm-badtag', tags: [{ key: '', value: 'x' }] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.createRegisteredModel({ name: 'rm-longtag', tags: [{ key: 'k'.repeat(251), value: 'x' }] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    // Nothing half-created.
    expect(err(() => reg.getRegisteredModel('rm-badtag')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('get of a missing model is RESOURCE_DOES_NOT_EXIST with MLflow message', () => {
    expect(err(() => reg.getRegisteredModel('nope'))).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=nope not found' });
  });

  it('update sets the description and bumps last_updated_timestamp', () => {
    reg.createRegisteredModel({ name: 'rm-update', description: 'old' });
    tick();
    const rm = reg.updateRegisteredModel('rm-update', 'new');
    expect(rm.description).toBe('new');
    expect(rm.last_updated_timestamp).toBe(clock);
    expect(rm.creation_timestamp).toBe(clock - 1000);
    expect(reg.updateRegisteredModel('rm-update')).not.toHaveProperty('description');
    expect(err(() => reg.updateRegisteredModel('nope', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('set/delete tag upserts, is idempotent on delete and needs the model', () => {
    reg.createRegisteredModel({ name: 'rm-tags' });
    reg.setRegisteredModelTag('rm-tags', 'a', '1');
    reg.setRegisteredModelTag('rm-tags', 'a', '2');
    reg.setRegisteredModelTag('rm-tags', 'b', '3');
    expect(reg.getRegisteredModel('rm-tags').tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    reg.deleteRegisteredModelTag('rm-tags', 'a');
    reg.deleteRegisteredModelTag('rm-tags', 'a');
    expect(reg.getRegisteredModel('rm-tags').tags).toEqual([{ key: 'b', value: '3' }]);
    expect(err(() => reg.setRegisteredModelTag('nope', 'a', '1')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.deleteRegisteredModelTag('nope', 'a')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.setRegisteredModelTag('rm-tags', '', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('rename cascades versions, tags, version tags and aliases, and refuses an existing name', () => {
    reg.createRegisteredModel({ name: 'rm-old', tags: [{ key: 't', value: 'v' }] });
    reg.createModelVersion({ name: 'rm-old', source: 's3://b/1', tags: [{ key: 'vt', value: '1' }] });
    reg.createModelVersion({ name: 'rm-old', source: 's3://b/2' });
    reg.setRegisteredModelAlias('rm-old', 'champion', '2');
    reg.createRegisteredModel({ name: 'rm-taken' });
    expect(err(() => reg.renameRegisteredModel('rm-old', 'rm-taken'))).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: 'Registered Model (name=rm-taken) already exists.',
    });
    expect(err(() => reg.renameRegisteredModel('rm-old', '')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.renameRegisteredModel('nope', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    tick();
    const rm = reg.renameRegisteredModel('rm-old', 'rm-new');
    expect(rm.name).toBe('rm-new');
    expect(rm.last_updated_timestamp).toBe(clock);
    expect(rm.tags).toEqual([{ key: 't', value: 'v' }]);
    expect(rm.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    expect(err(() => reg.getRegisteredModel('rm-old')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const v1 = reg.getModelVersion('rm-new', '1');
    expect(v1.name).toBe('rm-new');
    expect(v1.tags).toEqual([{ key: 'vt', value: '1' }]);
    expect(v1.last_updated_timestamp).toBe(clock);
    expect(reg.getModelVersionByAlias('rm-new', 'champion').version).toBe('2');
    expect(count("SELECT count(*) FROM model_versions WHERE name = 'rm-old'")).toBe(0);
    expect(count("SELECT count(*) FROM model_version_tags WHERE name = 'rm-old'")).toBe(0);
    // Version numbering continues under the new name.
    expect(reg.createModelVersion({ name: 'rm-new', source: 's3://b/3' }).version).toBe('3');
  });

  it('delete cascades to versions, tags, version tags and aliases', () => {
    reg.createRegisteredModel({ name: 'rm-del', tags: [{ key: 't', value: 'v' }] });
    reg.createModelVersion({ name: 'rm-del', source: 's3://b/1', tags: [{ key: 'vt', value: '1' }] });
    reg.setRegisteredModelAlias('rm-del', 'prod', 1);
    reg.deleteRegisteredModel('rm-del');
    for (const table of ['registered_models', 'registered_model_tags', 'model_versions', 'model_version_tags', 'registered_model_aliases']) {
      expect(count(`SELECT count(*) FROM ${table} WHERE name = 'rm-del'`)).toBe(0);
    }
    expect(err(() => reg.getRegisteredModel('rm-del')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.deleteRegisteredModel('rm-del')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    // The name is free again and versions restart at 1.
    reg.createRegisteredModel({ name: 'rm-del' });
    expect(reg.createModelVersion({ name: 'rm-del', source: 'x' }).version).toBe('1');
  });
});

describe('model versions', () => {
  it('create numbers versions per model and returns the MLflow shape', () => {
    reg.createRegisteredModel({ name: 'mv-a' });
    reg.createRegisteredModel({ name: 'mv-b' });
    const runId = insertRun();
    tick();
    const v1 = reg.createModelVersion({
      name: 'mv-a',
      source: `runs:/${runId}/model`,
      run_id: runId,
      tags: [{ key: 'k', value: 'v' }],
      description: 'd',
      run_link: 'http://x/run',
    });
    expect(v1).toEqual({
      name: 'mv-a',
      version: '1',
      creation_timestamp: clock,
      last_updated_timestamp: clock,
      current_stage: 'None',
      description: 'd',
      source: `runs:/${runId}/model`,
      run_id: runId,
      status: 'READY',
      tags: [{ key: 'k', value: 'v' }],
      run_link: 'http://x/run',
      aliases: [],
    });
    expect(reg.createModelVersion({ name: 'mv-a', source: 's3://x' }).version).toBe('2');
    expect(reg.createModelVersion({ name: 'mv-b', source: 's3://x' }).version).toBe('1');
    const minimal = reg.getModelVersion('mv-a', 2);
    for (const k of ['description', 'run_id', 'run_link', 'status_message', 'user_id', 'model_id']) expect(minimal).not.toHaveProperty(k);
    // Creating a version updates the model's last_updated_timestamp.
    expect(reg.getRegisteredModel('mv-a').last_updated_timestamp).toBe(clock);
  });

  it('create validates the model, the source and tags', () => {
    expect(err(() => reg.createModelVersion({ name: 'nope', source: 's3://x' })).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    reg.createRegisteredModel({ name: 'mv-val' });
    expect(err(() => reg.createModelVersion({ name: 'mv-val', source: '' })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.createModelVersion({ name: 'mv-val', source: 's', tags: [{ key: '', value: '' }] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.createModelVersion({ name: 'mv-val', source: 'models:/missing/1' })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('get validates the version number and reports MLflow messages', () => {
    reg.createRegisteredModel({ name: 'mv-get' });
    reg.createModelVersion({ name: 'mv-get', source: 's' });
    expect(reg.getModelVersion('mv-get', '1').version).toBe('1');
    expect(err(() => reg.getModelVersion('mv-get', '3'))).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Model Version (name=mv-get, version=3) not found' });
    expect(err(() => reg.getModelVersion('mv-get', 'abc'))).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: "Parameter 'version' must be an integer, got 'abc'." });
    expect(err(() => reg.getModelVersion('nope', '1')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('update sets the description', () => {
    reg.createRegisteredModel({ name: 'mv-upd' });
    reg.createModelVersion({ name: 'mv-upd', source: 's' });
    tick();
    const v = reg.updateModelVersion('mv-upd', '1', 'better');
    expect(v.description).toBe('better');
    expect(v.last_updated_timestamp).toBe(clock);
    expect(err(() => reg.updateModelVersion('mv-upd', '9', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('delete is soft: gone from get/search/latest, aliases dropped, numbers never reused', () => {
    reg.createRegisteredModel({ name: 'mv-del' });
    reg.createModelVersion({ name: 'mv-del', source: 's1' });
    reg.createModelVersion({ name: 'mv-del', source: 's2', tags: [{ key: 'k', value: 'v' }] });
    reg.setRegisteredModelAlias('mv-del', 'best', '2');
    reg.deleteModelVersion('mv-del', '2');
    expect(err(() => reg.getModelVersion('mv-del', '2')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.deleteModelVersion('mv-del', '2')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(reg.getRegisteredModel('mv-del').aliases).toEqual([]);
    expect(reg.getRegisteredModel('mv-del').latest_versions.map((v) => v.version)).toEqual(['1']);
    expect(reg.searchModelVersions({ filter: "name = 'mv-del'" }).model_versions.map((v) => v.version)).toEqual(['1']);
    expect(err(() => reg.setModelVersionTag('mv-del', '2', 'a', 'b')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(reg.createModelVersion({ name: 'mv-del', source: 's3' }).version).toBe('3');
  });

  it('set/delete version tags', () => {
    reg.createRegisteredModel({ name: 'mv-tags' });
    reg.createModelVersion({ name: 'mv-tags', source: 's' });
    reg.setModelVersionTag('mv-tags', '1', 'x', '1');
    reg.setModelVersionTag('mv-tags', 1, 'x', '2');
    expect(reg.getModelVersion('mv-tags', '1').tags).toEqual([{ key: 'x', value: '2' }]);
    reg.deleteModelVersionTag('mv-tags', '1', 'x');
    reg.deleteModelVersionTag('mv-tags', '1', 'x');
    expect(reg.getModelVersion('mv-tags', '1').tags).toEqual([]);
    expect(err(() => reg.setModelVersionTag('mv-tags', '2', 'x', '1')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.deleteModelVersionTag('mv-tags', '2', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.setModelVersionTag('mv-tags', '1', '', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('stages', () => {
  it('transition is case-insensitive, canonical on output, and rejects unknown stages', () => {
    reg.createRegisteredModel({ name: 'st-a' });
    reg.createModelVersion({ name: 'st-a', source: 's' });
    tick();
    const v = reg.transitionModelVersionStage('st-a', '1', 'production');
    expect(v.current_stage).toBe('Production');
    expect(v.last_updated_timestamp).toBe(clock);
    expect(reg.transitionModelVersionStage('st-a', '1', 'STAGING').current_stage).toBe('Staging');
    expect(reg.transitionModelVersionStage('st-a', '1', 'none').current_stage).toBe('None');
    expect(err(() => reg.transitionModelVersionStage('st-a', '1', 'Prod'))).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.',
    });
    expect(err(() => reg.transitionModelVersionStage('st-a', '7', 'Staging')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('archive_existing_versions archives the other versions in the target stage only', () => {
    reg.createRegisteredModel({ name: 'st-arch' });
    for (let i = 0; i < 4; i++) reg.createModelVersion({ name: 'st-arch', source: `s${i}` });
    reg.transitionModelVersionStage('st-arch', '1', 'Production');
    reg.transitionModelVersionStage('st-arch', '2', 'Production');
    reg.transitionModelVersionStage('st-arch', '3', 'Staging');
    tick();
    const v4 = reg.transitionModelVersionStage('st-arch', '4', 'Production', true);
    expect(v4.current_stage).toBe('Production');
    const stages = ['1', '2', '3', '4'].map((v) => reg.getModelVersion('st-arch', v).current_stage);
    expect(stages).toEqual(['Archived', 'Archived', 'Staging', 'Production']);
    expect(reg.getModelVersion('st-arch', '1').last_updated_timestamp).toBe(clock);
    // Without the flag nothing else moves.
    reg.transitionModelVersionStage('st-arch', '1', 'Staging', false);
    expect(reg.getModelVersion('st-arch', '3').current_stage).toBe('Staging');
    // Only Staging/Production may archive.
    const e = err(() => reg.transitionModelVersionStage('st-arch', '2', 'Archived', true));
    expect(e.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toMatch(/not an Active stage/);
    expect(err(() => reg.transitionModelVersionStage('st-arch', '2', 'None', true)).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('latest_versions and get-latest-versions give the latest version per stage', () => {
    reg.createRegisteredModel({ name: 'st-latest' });
    for (let i = 0; i < 5; i++) reg.createModelVersion({ name: 'st-latest', source: `s${i}` });
    reg.transitionModelVersionStage('st-latest', '1', 'Production');
    reg.transitionModelVersionStage('st-latest', '2', 'Production');
    reg.transitionModelVersionStage('st-latest', '3', 'Staging');
    // 4 and 5 stay in None.
    const latest = reg.getRegisteredModel('st-latest').latest_versions.map((v) => [v.current_stage, v.version]);
    expect(latest).toEqual([
      ['Production', '2'],
      ['Staging', '3'],
      ['None', '5'],
    ]);
    expect(reg.getLatestVersions('st-latest').map((v) => v.version)).toEqual(['2', '3', '5']);
    expect(reg.getLatestVersions('st-latest', ['production']).map((v) => v.version)).toEqual(['2']);
    expect(reg.getLatestVersions('st-latest', ['Staging', 'None']).map((v) => v.version)).toEqual(['3', '5']);
    expect(reg.getLatestVersions('st-latest', ['Archived'])).toEqual([]);
    expect(err(() => reg.getLatestVersions('st-latest', ['Prod'])).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.getLatestVersions('nope')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('aliases', () => {
  it('set/get/delete aliases; they show on the model and the version', () => {
    reg.createRegisteredModel({ name: 'al-a' });
    reg.createModelVersion({ name: 'al-a', source: 's1' });
    reg.createModelVersion({ name: 'al-a', source: 's2' });
    tick();
    reg.setRegisteredModelAlias('al-a', 'champion', '1');
    reg.setRegisteredModelAlias('al-a', 'challenger', 2);
    expect(reg.getRegisteredModel('al-a').last_updated_timestamp).toBe(clock);
    expect(reg.getRegisteredModel('al-a').aliases).toEqual([
      { alias: 'challenger', version: '2' },
      { alias: 'champion', version: '1' },
    ]);
    const byAlias = reg.getModelVersionByAlias('al-a', 'champion');
    expect(byAlias.version).toBe('1');
    expect(byAlias.aliases).toEqual(['champion']);
    // Moving an alias.
    reg.setRegisteredModelAlias('al-a', 'champion', '2');
    expect(reg.getModelVersion('al-a', '2').aliases).toEqual(['challenger', 'champion']);
    expect(reg.getModelVersion('al-a', '1').aliases).toEqual([]);
    reg.deleteRegisteredModelAlias('al-a', 'challenger');
    reg.deleteRegisteredModelAlias('al-a', 'challenger');
    expect(reg.getRegisteredModel('al-a').aliases).toEqual([{ alias: 'champion', version: '2' }]);
  });

  it('alias errors: missing version or model, reserved and invalid names, unknown alias', () => {
    reg.createRegisteredModel({ name: 'al-err' });
    reg.createModelVersion({ name: 'al-err', source: 's' });
    expect(err(() => reg.setRegisteredModelAlias('al-err', 'a', '5'))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=al-err, version=5) not found',
    });
    expect(err(() => reg.setRegisteredModelAlias('nope', 'a', '1')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.setRegisteredModelAlias('al-err', 'latest', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.setRegisteredModelAlias('al-err', 'V2', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.setRegisteredModelAlias('al-err', 'has space', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.setRegisteredModelAlias('al-err', '', '1')).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.getModelVersionByAlias('al-err', 'ghost'))).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Registered model alias ghost not found.',
    });
    expect(err(() => reg.getModelVersionByAlias('nope', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err(() => reg.deleteRegisteredModelAlias('nope', 'x')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('search', () => {
  it('registered models: name = / != / LIKE (case-sensitive) / ILIKE, tags, order_by, paging', () => {
    for (const n of ['srch-Alpha', 'srch-beta', 'srch-gamma', 'srch-delta', 'srch-epsilon']) {
      tick();
      reg.createRegisteredModel({ name: n, tags: n.endsWith('a') ? [{ key: 'kind', value: 'greek-a' }] : [] });
    }
    const names = (r: { registered_models: Array<{ name: string }> }) => r.registered_models.map((m) => m.name);
    expect(names(reg.searchRegisteredModels({ filter: "name = 'srch-beta'" }))).toEqual(['srch-beta']);
    expect(names(reg.searchRegisteredModels({ filter: "name LIKE 'srch-%'" }))).toEqual(['srch-Alpha', 'srch-beta', 'srch-delta', 'srch-epsilon', 'srch-gamma']);
    expect(names(reg.searchRegisteredModels({ filter: "name LIKE 'srch-a%'" }))).toEqual([]);
    expect(names(reg.searchRegisteredModels({ filter: "name ILIKE 'srch-a%'" }))).toEqual(['srch-Alpha']);
    expect(names(reg.searchRegisteredModels({ filter: "name LIKE 'srch-%' AND name != 'srch-beta' AND tags.kind = 'greek-a'" }))).toEqual([
      'srch-Alpha',
      'srch-delta',
      'srch-gamma',
    ]);
    expect(names(reg.searchRegisteredModels({ filter: "tags.kind LIKE 'greek%'", order_by: ['name DESC'] }))).toEqual(['srch-gamma', 'srch-delta', 'srch-beta', 'srch-Alpha']);
    expect(names(reg.searchRegisteredModels({ filter: "name LIKE 'srch-%'", order_by: ['last_updated_timestamp DESC'] }))).toEqual([
      'srch-epsilon',
      'srch-delta',
      'srch-gamma',
      'srch-beta',
      'srch-Alpha',
    ]);

    // Paging: 2 + 2 + 1, tokens chain, the last page has none.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = reg.searchRegisteredModels({ filter: "name LIKE 'srch-%'", max_results: 2, page_token: token });
      seen.push(...names(page));
      token = page.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['srch-Alpha', 'srch-beta', 'srch-delta', 'srch-epsilon', 'srch-gamma']);
    expect(reg.searchRegisteredModels({ filter: "name LIKE 'srch-%'", max_results: 5 })).not.toHaveProperty('next_page_token');
  });

  it('registered models: errors for bad filters, order_by, max_results and page tokens', () => {
    expect(err(() => reg.searchRegisteredModels({ filter: "run_id = 'x'" })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchRegisteredModels({ filter: "name = 'a' OR name = 'b'" })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchRegisteredModels({ filter: 'name = ' })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchRegisteredModels({ order_by: ['version_number DESC'] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchRegisteredModels({ max_results: 1001 }))).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid value for request parameter max_results. It must be at most 1000, but got value 1001',
    });
    expect(err(() => reg.searchRegisteredModels({ max_results: 0 })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchRegisteredModels({ page_token: 'not a token' })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('list (1.x) pages through every model by name', () => {
    const all = reg.listRegisteredModels({ max_results: 1000 }).registered_models.map((m) => m.name);
    expect(all).toEqual([...all].sort());
    const first = reg.listRegisteredModels({ max_results: 1 });
    expect(first.registered_models).toHaveLength(1);
    expect(first.next_page_token).toBeTruthy();
    const second = reg.listRegisteredModels({ max_results: 1, page_token: first.next_page_token });
    expect(second.registered_models[0]?.name).toBe(all[1]);
  });

  it('model versions: name, run_id =, run_id IN, tags, source_path, version_number; order_by; paging', () => {
    const r1 = insertRun();
    const r2 = insertRun();
    reg.createRegisteredModel({ name: 'sv-a' });
    reg.createRegisteredModel({ name: 'sv-b' });
    reg.createModelVersion({ name: 'sv-a', source: 's3://a/1', run_id: r1, tags: [{ key: 'env', value: 'prod' }] });
    reg.createModelVersion({ name: 'sv-a', source: 's3://a/2', run_id: r2 });
    reg.createModelVersion({ name: 'sv-a', source: 's3://a/3', run_id: r1, tags: [{ key: 'env', value: 'dev' }] });
    reg.createModelVersion({ name: 'sv-b', source: 's3://b/1', run_id: r2, tags: [{ key: 'env', value: 'prod' }] });
    const keys = (r: { model_versions: Array<{ name: string; version: string }> }) => r.model_versions.map((v) => `${v.name}/${v.version}`);
    expect(keys(reg.searchModelVersions({ filter: "name = 'sv-a'" }))).toEqual(['sv-a/3', 'sv-a/2', 'sv-a/1']);
    expect(keys(reg.searchModelVersions({ filter: `run_id = '${r1}'` }))).toEqual(['sv-a/3', 'sv-a/1']);
    expect(keys(reg.searchModelVersions({ filter: `run_id IN ('${r1}', '${r2}')` }))).toEqual(['sv-a/3', 'sv-a/2', 'sv-a/1', 'sv-b/1']);
    expect(keys(reg.searchModelVersions({ filter: "tags.env = 'prod'" }))).toEqual(['sv-a/1', 'sv-b/1']);
    expect(keys(reg.searchModelVersions({ filter: "name LIKE 'sv-%' AND tags.env = 'prod'" }))).toEqual(['sv-a/1', 'sv-b/1']);
    expect(keys(reg.searchModelVersions({ filter: "source_path = 's3://a/2'" }))).toEqual(['sv-a/2']);
    expect(keys(reg.searchModelVersions({ filter: "name = 'sv-a' AND version_number >= 2" }))).toEqual(['sv-a/3', 'sv-a/2']);
    expect(keys(reg.searchModelVersions({ filter: "name LIKE 'sv-%'", order_by: ['version_number ASC'] }))).toEqual(['sv-a/1', 'sv-b/1', 'sv-a/2', 'sv-a/3']);
    expect(keys(reg.searchModelVersions({ filter: "name LIKE 'sv-%'", order_by: ['name DESC'] }))).toEqual(['sv-b/1', 'sv-a/3', 'sv-a/2', 'sv-a/1']);

    const p1 = reg.searchModelVersions({ filter: "name LIKE 'sv-%'", max_results: 3 });
    expect(keys(p1)).toEqual(['sv-a/3', 'sv-a/2', 'sv-a/1']);
    expect(p1.next_page_token).toBeTruthy();
    const p2 = reg.searchModelVersions({ filter: "name LIKE 'sv-%'", max_results: 3, page_token: p1.next_page_token });
    expect(keys(p2)).toEqual(['sv-b/1']);
    expect(p2.next_page_token).toBeUndefined();

    expect(err(() => reg.searchModelVersions({ filter: "metrics.x > 1" })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchModelVersions({ max_results: 200_001 })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(err(() => reg.searchModelVersions({ order_by: ['bogus'] })).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('download uri', () => {
  it('returns the source, resolving runs:/ and models:/ URIs', () => {
    const runId = insertRun();
    reg.createRegisteredModel({ name: 'dl' });
    reg.createModelVersion({ name: 'dl', source: 's3://bucket/model' });
    reg.createModelVersion({ name: 'dl', source: `runs:/${runId}/model/sub` });
    reg.createModelVersion({ name: 'dl', source: 'models:/dl/2' });
    reg.setRegisteredModelAlias('dl', 'best', '1');
    reg.createModelVersion({ name: 'dl', source: 'models:/dl@best' });
    reg.transitionModelVersionStage('dl', '2', 'Production');
    reg.createModelVersion({ name: 'dl', source: 'models:/dl/production' });
    expect(reg.getModelVersionDownloadUri('dl', '1')).toBe('s3://bucket/model');
    expect(reg.getModelVersionDownloadUri('dl', '2')).toBe(`mlflow-artifacts:/0/${runId}/artifacts/model/sub`);
    expect(reg.getModelVersionDownloadUri('dl', '3')).toBe(`mlflow-artifacts:/0/${runId}/artifacts/model/sub`);
    expect(reg.getModelVersionDownloadUri('dl', '4')).toBe('s3://bucket/model');
    expect(reg.getModelVersionDownloadUri('dl', '5')).toBe(`mlflow-artifacts:/0/${runId}/artifacts/model/sub`);
    // The source itself is kept as given.
    expect(reg.getModelVersion('dl', '3').source).toBe('models:/dl/2');
    expect(err(() => reg.getModelVersionDownloadUri('dl', '9')).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('runs:/ of an unknown run is RESOURCE_DOES_NOT_EXIST at download time', () => {
    reg.createRegisteredModel({ name: 'dl-missing' });
    reg.createModelVersion({ name: 'dl-missing', source: 'runs:/0123456789abcdef0123456789abcdef/model' });
    expect(err(() => reg.getModelVersionDownloadUri('dl-missing', '1'))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=0123456789abcdef0123456789abcdef not found',
    });
  });

  it('models:/<model_id> resolves a logged model and records model_id and run_id', () => {
    const lm = new LoggedModelsService(engine.ctx);
    const runId = insertRun();
    const m = lm.create({ experiment_id: '0', name: 'clf', source_run_id: runId });
    reg.createRegisteredModel({ name: 'dl-lm' });
    const v = reg.createModelVersion({ name: 'dl-lm', source: `models:/${m.info.model_id}` });
    expect(v.model_id).toBe(m.info.model_id);
    expect(v.run_id).toBe(runId);
    expect(reg.getModelVersionDownloadUri('dl-lm', '1')).toBe(m.info.artifact_uri);
    const explicit = reg.createModelVersion({ name: 'dl-lm', source: 's3://x', model_id: 'm-explicit' });
    expect(explicit.model_id).toBe('m-explicit');
  });
});

describe('audit', () => {
  it('writes an audit row for registry writes', () => {
    reg.createRegisteredModel({ name: 'audited' });
    reg.createModelVersion({ name: 'audited', source: 's' });
    const actions = db.prepare("SELECT action FROM audit_log WHERE subject = 'audited' ORDER BY id").pluck().all();
    expect(actions).toEqual(['registry.createRegisteredModel', 'registry.createModelVersion']);
  });
});

describe('REST routes', () => {
  const fakeEngine = { registry: reg } as unknown as MlflowRequest['engine'];
  const call = (method: HttpMethod, p: string, body: Record<string, unknown>) => {
    const r = registryRoutes.find((x) => x.method === method && x.path === p);
    if (!r) throw new Error(`no route ${method} ${p}`);
    return r.handler(parseRoute(r, body), { params: {}, query: new URLSearchParams(), req: {} as IncomingMessage, res: {} as ServerResponse, engine: fakeEngine }) as Record<string, unknown>;
  };

  it('declares every registry endpoint with the proto methods', () => {
    const have = new Set(registryRoutes.map((r) => `${r.method} ${r.path}`));
    const want = [
      'POST registered-models/create',
      'GET registered-models/get',
      'POST registered-models/rename',
      'PATCH registered-models/update',
      'DELETE registered-models/delete',
      'GET registered-models/search',
      'GET registered-models/list',
      'POST registered-models/get-latest-versions',
      'GET registered-models/get-latest-versions',
      'POST registered-models/set-tag',
      'DELETE registered-models/delete-tag',
      'POST registered-models/alias',
      'GET registered-models/alias',
      'DELETE registered-models/alias',
      'POST model-versions/create',
      'GET model-versions/get',
      'PATCH model-versions/update',
      'DELETE model-versions/delete',
      'GET model-versions/search',
      'POST model-versions/set-tag',
      'DELETE model-versions/delete-tag',
      'POST model-versions/transition-stage',
      'GET model-versions/get-download-uri',
    ];
    for (const w of want) expect(have.has(w), w).toBe(true);
    expect(registryRoutes).toHaveLength(want.length);
  });

  it('parses proto3 JSON / query-string requests and wraps responses', () => {
    const created = call('POST', 'registered-models/create', { name: 'rest-m', tags: [{ key: 'a', value: 'b' }] });
    expect((created.registered_model as { name: string }).name).toBe('rest-m');
    const mv = call('POST', 'model-versions/create', { name: 'rest-m', source: 's3://x' });
    expect((mv.model_version as { version: string }).version).toBe('1');
    // GET params arrive as strings (repeated ones as arrays or a single string).
    expect(call('GET', 'model-versions/get', { name: 'rest-m', version: '1' }).model_version).toMatchObject({ name: 'rest-m', version: '1' });
    expect(call('GET', 'registered-models/search', { filter: "name = 'rest-m'", max_results: '10', order_by: 'name ASC' }).registered_models).toHaveLength(1);
    expect(call('GET', 'registered-models/get-latest-versions', { name: 'rest-m', stages: 'None' }).model_versions).toHaveLength(1);
    expect(call('POST', 'model-versions/transition-stage', { name: 'rest-m', version: '1', stage: 'staging', archive_existing_versions: false }).model_version).toMatchObject({
      current_stage: 'Staging',
    });
    expect(call('POST', 'registered-models/alias', { name: 'rest-m', alias: 'a1', version: '1' })).toEqual({});
    expect(call('GET', 'registered-models/alias', { name: 'rest-m', alias: 'a1' }).model_version).toMatchObject({ version: '1', aliases: ['a1'] });
    expect(call('DELETE', 'registered-models/alias', { name: 'rest-m', alias: 'a1' })).toEqual({});
    expect(call('GET', 'model-versions/get-download-uri', { name: 'rest-m', version: '1' })).toEqual({ artifact_uri: 's3://x' });
    expect(call('POST', 'registered-models/rename', { name: 'rest-m', new_name: 'rest-n' }).registered_model).toMatchObject({ name: 'rest-n' });
    expect(call('DELETE', 'registered-models/delete', { name: 'rest-n' })).toEqual({});
    expect(err(() => call('POST', 'model-versions/create', { name: 'x' }))).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'source'. See the API docs for more information about request parameters.",
    });
  });
});
