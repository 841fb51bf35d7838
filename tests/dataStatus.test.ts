import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir, callOk } from './helpers';
import { startServer, type Served } from '../electron/host/serve';

let s: Served;
let projectId: string;
let dir: string;
const root = tmpDir();
beforeAll(async () => {
  s = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  dir = path.join(root, 'proj');
  projectId = (await s.engine.projects.create({ path: dir })).id;
  fs.mkdirSync(path.join(dir, 'data'));
});
afterAll(async () => {
  await s.close();
});

interface Entry {
  path: string;
  state: 'current' | 'modified' | 'missing' | 'not-cached' | 'not-added';
  cached: boolean;
  message: string;
  pointer: { sha256: string; size: number; rows: number } | null;
  working: { sha256: string | null; size: number; rows: number | null } | null;
}
interface Status {
  datasets: Entry[];
  hashed: number;
}

const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
const status = (paths?: string[]) => call<Status>('data.status', paths ? { projectId, paths } : { projectId });
const states = (st: Status) => Object.fromEntries(st.datasets.map((d) => [d.path, d.state]));
const csv = (rows: number, tweak = (i: number) => `${i % 7}`) => ['id,feature,label', ...Array.from({ length: rows }, (_, i) => `${i},${tweak(i)},${i % 2}`)].join('\n') + '\n';
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};
const cacheObject = (sha: string) => path.join(dir, '.mldesk', 'cache', sha.slice(0, 2), sha.slice(2));
/** Lets the files written so far age past the status cache's racy-timestamp margin. */
const settle = () => new Promise((r) => setTimeout(r, 250));

describe('data status', () => {
  it('current / modified / missing (restorable or not) / not-cached / not-added, like dvc status', async () => {
    const added: Record<string, { sha256: string }> = {};
    for (const [k, name] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      write(`data/${name}.csv`, csv(100, (i) => `${(i + k) % 7}`)); // distinct contents: distinct cache objects
      added[name] = (await call<{ pointer: { sha256: string } }>('data.add', { projectId, path: `data/${name}.csv` })).pointer;
    }
    // b: same size, other content (an edit that keeps the byte count), its mtime even set back to the old one.
    const b = path.join(dir, 'data', 'b.csv');
    const before = fs.statSync(b);
    write('data/b.csv', csv(100, (i) => (i === 50 ? '9' : `${(i + 1) % 7}`)));
    fs.utimesSync(b, before.atime, before.mtime);
    expect(fs.statSync(b).size).toBe(before.size);
    // c: deleted (its version is in the cache). d: deleted and not cached (a fresh clone). e: only the cache object gone.
    fs.rmSync(path.join(dir, 'data', 'c.csv'));
    fs.rmSync(path.join(dir, 'data', 'd.csv'));
    fs.rmSync(cacheObject(added.d!.sha256));
    fs.rmSync(cacheObject(added.e!.sha256));
    // Data-looking files without a pointer: reported unless git ignores them.
    write('data/new.csv', csv(5));
    write('events/log.jsonl', '{"a":1}\n');
    write('scratch/tmp.csv', csv(5));
    write('.gitignore', fs.readFileSync(path.join(dir, '.gitignore'), 'utf8') + 'scratch/\n*.tmp.csv\n');
    write('data/x.tmp.csv', csv(5));
    write('notes.txt', 'not data');

    const st = await status();
    expect(states(st)).toEqual({
      'data/a.csv': 'current',
      'data/b.csv': 'modified',
      'data/c.csv': 'missing',
      'data/d.csv': 'missing',
      'data/e.csv': 'not-cached',
      'data/new.csv': 'not-added',
      'events/log.jsonl': 'not-added',
    });
    const by = Object.fromEntries(st.datasets.map((d) => [d.path, d]));
    expect(by['data/c.csv']!.cached).toBe(true);
    expect(by['data/c.csv']!.message).toMatch(/in the cache/);
    expect(by['data/d.csv']!.cached).toBe(false);
    expect(by['data/d.csv']!.message).toMatch(/not in this clone's cache/);
    expect(by['data/b.csv']!.message).toMatch(/^data\/b\.csv has local changes \(100 rows, [\d.]+ K?B, sha256 [0-9a-f]{12}… vs the pointer's 100 rows, [\d.]+ K?B, [0-9a-f]{12}…\)$/);
    expect(by['data/b.csv']!.working).toMatchObject({ size: before.size, rows: 100 });
    expect(by['data/new.csv']!.pointer).toBeNull();
    for (const d of st.datasets) expect(d.message).not.toContain('\n');

    // Only some datasets.
    expect(states(await status(['data/a.csv', 'data/b.csv']))).toEqual({ 'data/a.csv': 'current', 'data/b.csv': 'modified' });
    await expect(status(['../up.csv'])).rejects.toThrow(/not inside the project/);
  });

  it('hashes only files whose size, mtime or ctime changed since the last look (a stat cache in .mldesk/tmp, ignored by git)', async () => {
    await settle();
    await status(); // fills the cache
    const again = await status();
    expect(again.hashed).toBe(0);
    expect(states(again)['data/a.csv']).toBe('current');
    expect(states(again)['data/b.csv']).toBe('modified');
    // An edit is seen at once, and only that file is re-hashed.
    fs.appendFileSync(path.join(dir, 'data', 'a.csv'), '100,1,0\n');
    const edited = await status();
    expect(states(edited)['data/a.csv']).toBe('modified');
    // Putting the content back makes it current again.
    write('data/a.csv', csv(100, (i) => `${i % 7}`));
    expect(states(await status())['data/a.csv']).toBe('current');
    await settle();
    await status();
    fs.appendFileSync(path.join(dir, 'data', 'a.csv'), '100,1,0\n');
    expect((await status()).hashed).toBe(1);
    write('data/a.csv', csv(100, (i) => `${i % 7}`));
    // The cache never shows up in git.
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('git', ['status', '--porcelain', '--ignored=no', '--', '.mldesk'], { cwd: dir, encoding: 'utf8' })).toBe('');
  });

  it('`mldesk data status [--project DIR] [--json]` exits 0 whatever the states', async () => {
    const dataDir = path.join(root, 'data');
    const text = await runCli(['data', 'status', '--project', dir, '--data-dir', dataDir]);
    expect(text.code, text.out).toBe(0);
    expect(text.out).toMatch(/^\s*current\s+data\/a\.csv/m);
    expect(text.out).toMatch(/^\s*modified\s+data\/b\.csv\s+.*has local changes/m);
    expect(text.out).toMatch(/^\s*not-added\s+data\/new\.csv/m);
    const json = await runCli(['data', 'status', '--project', dir, '--json', '--data-dir', dataDir]);
    expect(json.code, json.out).toBe(0);
    const st = JSON.parse(json.out) as Status;
    expect(states(st)['data/e.csv']).toBe('not-cached');
    // Without --project: the git project around the current folder… or a clear refusal outside one.
    const outside = await runCli(['data', 'status', '--project', path.join(root, 'nope'), '--data-dir', dataDir]);
    expect(outside.code).not.toBe(0);
    expect(outside.out.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
