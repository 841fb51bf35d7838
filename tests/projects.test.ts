import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { Engine } from '../electron/core/engine';
import { MldeskError } from '../shared/contract';
import { tmpDir } from './helpers';

let engine: Engine;
let root: string;
beforeAll(() => {
  root = tmpDir();
  engine = new Engine({ dataDir: path.join(root, 'data'), host: 'web' });
});
afterAll(() => engine.close());

const call = async (name: string, input: unknown) => {
  const r = await engine.call(name, input);
  if (!r.ok) throw MldeskError.from(r.error);
  return r.value as Record<string, unknown> & { git: { branch: string; dirty: boolean; changedFiles: number; lastCommit: { message: string; oid: string } } };
};

describe('projects', () => {
  it('create makes a git repo with .gitignore and an initial commit', async () => {
    const dir = path.join(root, 'p1');
    const p = await call('projects.create', { path: dir });
    expect(p.name).toBe('p1');
    expect(p.git.branch).toBe('main');
    expect(p.git.dirty).toBe(false);
    expect(p.git.lastCommit.message).toBe('Create p1');
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\.mldesk\/cache\/$/m);
    const files = await git.listFiles({ fs, dir, ref: 'HEAD' });
    expect(files.sort()).toEqual(['.gitignore', 'README.md']);
  });

  it('create refuses a non-empty folder and leaves it untouched', async () => {
    const dir = path.join(root, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'x.txt'), 'keep');
    const r = await engine.call('projects.create', { path: dir });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('ALREADY_EXISTS');
    expect(fs.readdirSync(dir)).toEqual(['x.txt']);
  });

  it('open inits git in a plain folder, keeps user files uncommitted, reports dirty state', async () => {
    const dir = path.join(root, 'plain');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.md'), 'hello');
    const p = await call('projects.open', { path: dir });
    expect(p.git.lastCommit.message).toBe('Start tracking with mldesk');
    expect(p.git.dirty).toBe(true);
    expect(p.git.changedFiles).toBe(1);
    // Opening the same path again returns the same project, not a duplicate.
    const again = await call('projects.open', { path: dir + '/' });
    expect(again.id).toBe(p.id);
  });

  it('open keeps an existing repo history and appends the ignore rule', async () => {
    const dir = path.join(root, 'existing');
    fs.mkdirSync(dir);
    await git.init({ fs, dir, defaultBranch: 'dev' });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
    await git.add({ fs, dir, filepath: 'a.txt' });
    const first = await git.commit({ fs, dir, message: 'mine', author: { name: 't', email: 't@x' } });
    const p = await call('projects.open', { path: dir });
    expect(p.git.branch).toBe('dev');
    const log = await git.log({ fs, dir });
    expect(log.at(-1)!.oid).toBe(first);
    expect(log[0]!.commit.message.trim()).toBe('mldesk: ignore data cache');
  });

  it('open of a missing folder is NOT_FOUND and creates nothing', async () => {
    const dir = path.join(root, 'ghost');
    const r = await engine.call('projects.open', { path: dir });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'NOT_FOUND', message: `Folder ${dir} does not exist` });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('relative paths are rejected by the contract', async () => {
    const r = await engine.call('projects.open', { path: 'relative/dir' });
    expect(!r.ok && r.error.code).toBe('INVALID_INPUT');
  });

  it('remove drops it from the list but never deletes files; a vanished folder shows as missing', async () => {
    const dir = path.join(root, 'gone');
    const p = await call('projects.create', { path: dir });
    await call('projects.remove', { id: p.id });
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
    const list = (await call('projects.list', {})) as unknown as Array<{ id: string }>;
    expect(list.some((x) => x.id === p.id)).toBe(false);

    const dir2 = path.join(root, 'vanish');
    const p2 = await call('projects.create', { path: dir2 });
    fs.rmSync(dir2, { recursive: true });
    const got = await call('projects.get', { id: p2.id });
    expect(got.missing).toBe(true);
    expect(got.git).toBeNull();
  });

  it('persists across engine restarts (same SQLite file)', async () => {
    const dataDir = path.join(root, 'data2');
    const e1 = new Engine({ dataDir, host: 'web' });
    const r = await e1.call('projects.create', { path: path.join(root, 'persist') });
    e1.close();
    const e2 = new Engine({ dataDir, host: 'web' });
    const list = await e2.call('projects.list', {});
    e2.close();
    expect(r.ok && list.ok && (list.value as Array<{ id: string }>).map((p) => p.id)).toEqual([r.ok && (r.value as { id: string }).id]);
  });

  it('demo project is created with a clean committed tree, idempotently', async () => {
    const first = await call('projects.createDemo', { path: path.join(root, 'demo') });
    expect(first.git.dirty).toBe(false);
    const files = await git.listFiles({ fs, dir: path.join(root, 'demo'), ref: 'HEAD' });
    // The data is versioned like DVC: pointers and expectations are committed, the CSVs live in the cache.
    expect(files).toEqual(expect.arrayContaining(['data/train.csv.mldesk', 'data/production.csv.mldesk', 'data/train.csv.expectations.json', 'train.mjs', '.gitignore']));
    expect(files).not.toContain('data/train.csv');
    const again = await call('projects.createDemo', { path: path.join(root, 'demo') });
    expect(again.id).toBe(first.id);
  });
});
