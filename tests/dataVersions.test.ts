import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { execFileSync } from 'node:child_process';
import { repoRoot, runCli, tmpDir, callOk } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { sha256File } from '../electron/core/data/hash';

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

const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
const csv = (rows: number, tweak = (i: number) => `${i % 7}`) => ['id,feature,label', ...Array.from({ length: rows }, (_, i) => `${i},${tweak(i)},${i % 2}`)].join('\n') + '\n';
const cacheObjects = () => {
  const c = path.join(dir, '.mldesk', 'cache');
  return fs.existsSync(c) ? fs.readdirSync(c, { recursive: true }).map(String).filter((f) => !fs.statSync(path.join(c, f)).isDirectory()) : [];
};

describe('dataset versions', () => {
  it('add snapshots into the cache, commits a pointer, ignores the data file; versions = pointer history; checkout restores', async () => {
    const file = path.join(dir, 'data', 'train.csv');
    fs.writeFileSync(file, csv(200));
    const v1 = await call<{ commit: string; pointer: { sha256: string; rows: number; columns: Array<{ name: string; type: string }> } }>('data.add', { projectId, path: 'data/train.csv' });
    expect(v1.pointer.rows).toBe(200);
    expect(v1.pointer.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:integer', 'feature:integer', 'label:integer']);
    const sha1 = await sha256File(file);
    expect(v1.pointer.sha256).toBe(sha1);
    expect(fs.existsSync(path.join(dir, '.mldesk', 'cache', sha1.slice(0, 2), sha1.slice(2)))).toBe(true);
    const tracked = await git.listFiles({ fs, dir, ref: 'HEAD' });
    expect(tracked).toContain('data/train.csv.mldesk');
    expect(tracked).not.toContain('data/train.csv');
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toContain('/data/train.csv');

    fs.writeFileSync(file, csv(220, (i) => (i === 5 ? 'changed' : `${i % 7}`)));
    const v2 = await call<{ commit: string }>('data.add', { projectId, path: 'data/train.csv' });
    const versions = await call<Array<{ commit: string; pointer: { rows: number } }>>('data.versions', { projectId, path: 'data/train.csv' });
    expect(versions.map((v) => v.commit)).toEqual([v2.commit, v1.commit]);
    expect(versions.map((v) => v.pointer.rows)).toEqual([220, 200]);

    await call('data.checkout', { projectId, path: 'data/train.csv', version: v1.commit.slice(0, 8) });
    expect(await sha256File(file)).toBe(sha1);
    const diff = await call<{ rows: Record<string, number> }>('data.diff', {
      a: { projectId, path: 'data/train.csv', version: v1.commit },
      b: { projectId, path: 'data/train.csv', version: v2.commit },
      key: ['id'],
    });
    expect(diff.rows).toEqual({ added: 20, removed: 0, changed: 1, unchanged: 199 });
  });

  it('a bad file is refused with file + line; nothing is committed and the cache gets no partial object', async () => {
    const head = await git.resolveRef({ fs, dir, ref: 'HEAD' });
    const before = cacheObjects();
    fs.writeFileSync(path.join(dir, 'data', 'bad.csv'), 'id,v\n1,2\n3\n');
    await expect(call('data.add', { projectId, path: 'data/bad.csv' })).rejects.toThrow(/bad\.csv: line 3: ragged row/);
    fs.writeFileSync(path.join(dir, 'data', 'empty.csv'), '');
    await expect(call('data.add', { projectId, path: 'data/empty.csv' })).rejects.toThrow(/empty\.csv: the file is empty/);
    await expect(call('data.add', { projectId, path: '../outside.csv' })).rejects.toThrow(/not inside the project/);
    expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(head);
    expect(cacheObjects()).toEqual(before);
    expect(fs.existsSync(path.join(dir, 'data', 'bad.csv.mldesk'))).toBe(false);
  });

  it('expectations: infer → commit → the launcher refuses to start on failed checks and records the report', async () => {
    const ref = path.join(dir, 'data', 'train.csv');
    const exp = await call<{ expectations: unknown; committed: boolean }>('data.expectations', { projectId, path: 'data/train.csv' });
    expect(exp.committed).toBe(false);
    await call('data.saveExpectations', { projectId, path: 'data/train.csv', expectations: exp.expectations });
    expect((await call<{ committed: boolean }>('data.expectations', { projectId, path: 'data/train.csv' })).committed).toBe(true);

    const ok = await s.engine.launcher.start({ command: [process.execPath, '-e', '0'], projectId, params: {}, env: {}, validate: 'data/train.csv' });
    await s.engine.launcher.wait(ok.runId);
    const okRun = s.engine.tracking.runs.get(ok.runId);
    expect(okRun.info.status).toBe('FINISHED');
    expect(okRun.data.tags).toContainEqual({ key: 'mldesk.validation', value: 'passed' });
    // Lineage: the run recorded the dataset version it started with, and the version lists the run.
    expect(okRun.inputs.dataset_inputs.map((d) => d.dataset.name)).toContain('data/train.csv');
    const versions = await call<Array<{ runs: Array<{ runId: string }> }>>('data.versions', { projectId, path: 'data/train.csv' });
    expect(versions.flatMap((v) => v.runs.map((r) => r.runId))).toContain(ok.runId);
    // …and from the run's side, its input leads back to that version (the run detail links to it).
    const input = okRun.inputs.dataset_inputs.find((d) => d.dataset.name === 'data/train.csv')!.dataset;
    const located = await call<{ projectId: string; path: string; commit: string }>('data.locate', { name: input.name, source: input.source, digest: input.digest });
    const used = (versions as unknown as Array<{ commit: string; runs: Array<{ runId: string }> }>).find((v) => v.runs.some((r) => r.runId === ok.runId))!;
    expect(located).toEqual({ projectId, path: 'data/train.csv', commit: used.commit });
    expect(await call('data.locate', { name: input.name, source: input.source, digest: 'ffffffffffff' })).toBeNull();
    expect(await call('data.locate', { name: 'nope.csv', digest: input.digest })).toBeNull();

    fs.writeFileSync(ref, csv(30)); // far fewer rows than the reference band allows
    const r = await s.engine.call('launcher.start', { command: [process.execPath, '-e', 'require("fs").writeFileSync("ran.txt","x")'], projectId, validate: 'data/train.csv' });
    expect(r.ok).toBe(false);
    const err = !r.ok ? r.error : null;
    expect(err?.code).toBe('FAILED_PRECONDITION');
    expect(err?.message).toMatch(/Data validation failed for data\/train\.csv: \d+ of \d+ checks failed \(row count/);
    const runId = (err?.details as { runId: string }).runId;
    expect(s.engine.tracking.runs.get(runId).info.status).toBe('FAILED');
    expect(fs.existsSync(path.join(s.engine.tracking.runArtifactDir(runId), 'validation', 'report.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'ran.txt'))).toBe(false);
  });
});

describe('mldesk data CLI', () => {
  it('diff --json prints numeric row counts; validate exits 1 on failure and 0 on success', async () => {
    const w = tmpDir();
    const a = path.join(w, 'a.csv');
    const b = path.join(w, 'b.csv');
    fs.writeFileSync(a, csv(100));
    fs.writeFileSync(b, csv(100, (i) => (i < 3 ? 'x' : `${i % 7}`)));
    const dataDir = path.join(w, 'data');
    const d = await runCli(['data', 'diff', a, b, '--key', 'id', '--json', '--data-dir', dataDir]);
    expect(d.code, d.out).toBe(0);
    const j = JSON.parse(d.out) as { schema: { added: unknown[]; removed: unknown[]; changed: unknown[] }; rows: Record<string, number>; samples: { rows: unknown[] } };
    expect(j.rows).toEqual({ added: 0, removed: 0, changed: 3, unchanged: 97 });
    expect(j.schema).toEqual({ added: [], removed: [], changed: [{ name: 'feature', from: 'BIGINT', to: 'VARCHAR' }] });
    const same = await runCli(['data', 'validate', a, '--reference', a, '--data-dir', dataDir]);
    expect(same.code, same.out).toBe(0);
    const small = path.join(w, 'small.csv');
    fs.writeFileSync(small, csv(10));
    const bad = await runCli(['data', 'validate', small, '--reference', a, '--json', '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.out) as { passed: boolean }).passed).toBe(false);
    const ragged = path.join(w, 'r.csv');
    fs.writeFileSync(ragged, 'id,v\n1,2\n3\n');
    const rr = await runCli(['data', 'diff', a, ragged, '--data-dir', dataDir]);
    expect(rr.code).not.toBe(0);
    expect(rr.out).toMatch(/r\.csv: line 3: ragged row: expected 2 fields, found 1/);
  }, 60_000);
});

// ── issue 11: commits of the data layer, checkout over local changes, paths relative to --project ──────────────

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
/** The git binary, as a user would run it. */
const sh = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: GIT_ENV });
const committed = (cwd: string, commit: string) => sh(cwd, 'show', '--name-only', '--format=', commit).trim().split('\n').sort();
const porcelain = (cwd: string) => sh(cwd, 'status', '--porcelain');

describe('commits of the data layer leave the index alone', () => {
  it('open, data add and saveExpectations commit only their own files: staged changes stay staged, unstaged ones unstaged', async () => {
    const w = path.join(tmpDir(), 'repo');
    fs.mkdirSync(path.join(w, 'data'), { recursive: true });
    sh(w, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(w, 'train.mjs'), 'console.log(1);\n');
    fs.writeFileSync(path.join(w, '.gitignore'), 'node_modules/\n');
    fs.writeFileSync(path.join(w, 'data', 'lookup.csv'), csv(20));
    sh(w, 'add', '.');
    sh(w, 'commit', '-qm', 'init');

    // Opening the folder commits the cache lines of .gitignore, nothing else.
    fs.writeFileSync(path.join(w, 'NOTES.md'), 'notes\n');
    sh(w, 'add', 'NOTES.md');
    const pid = (await s.engine.projects.open({ path: w })).id;
    expect(committed(w, 'HEAD')).toEqual(['.gitignore']);
    expect(porcelain(w)).toBe('A  NOTES.md\n');

    fs.appendFileSync(path.join(w, 'train.mjs'), 'console.log(2);\n');
    sh(w, 'add', 'train.mjs');
    fs.appendFileSync(path.join(w, '.gitignore'), '*.log\n'); // the user's own, unstaged edit
    fs.writeFileSync(path.join(w, 'data', 'production.csv'), csv(50));
    expect(porcelain(w)).toBe(' M .gitignore\nA  NOTES.md\nM  train.mjs\n?? data/production.csv\n');

    const r = await call<{ commit: string }>('data.add', { projectId: pid, path: 'data/production.csv' });
    expect(committed(w, r.commit)).toEqual(['.gitignore', 'data/production.csv.mldesk']);
    // Same staged entries; .gitignore keeps only the user's edit as a (still unstaged) change.
    expect(porcelain(w)).toBe(' M .gitignore\nA  NOTES.md\nM  train.mjs\n');
    expect(sh(w, 'show', 'HEAD:.gitignore')).toContain('/data/production.csv\n');
    expect(sh(w, 'show', 'HEAD:.gitignore')).not.toContain('*.log');
    expect(sh(w, 'diff', '--', '.gitignore').split('\n').filter((l) => /^[+-][^+-]/.test(l))).toEqual(['+*.log']);
    expect(sh(w, 'show', 'HEAD:train.mjs')).toBe('console.log(1);\n');
    expect(sh(w, 'diff', '--cached', '--name-only').trim().split('\n')).toEqual(['NOTES.md', 'train.mjs']);

    // A file git tracked before leaves the tree (and the index) in the dataset's commit; other entries stay.
    const r2 = await call<{ commit: string }>('data.add', { projectId: pid, path: 'data/lookup.csv' });
    expect(committed(w, r2.commit)).toEqual(['.gitignore', 'data/lookup.csv', 'data/lookup.csv.mldesk']);
    expect(sh(w, 'ls-files', 'data')).toBe('data/lookup.csv.mldesk\ndata/production.csv.mldesk\n');
    expect(porcelain(w)).toBe(' M .gitignore\nA  NOTES.md\nM  train.mjs\n');

    const exp = await call<{ expectations: unknown }>('data.expectations', { projectId: pid, path: 'data/production.csv' });
    const saved = await call<{ commit: string }>('data.saveExpectations', { projectId: pid, path: 'data/production.csv', expectations: exp.expectations });
    expect(committed(w, saved.commit)).toEqual(['data/production.csv.expectations.json']);
    expect(porcelain(w)).toBe(' M .gitignore\nA  NOTES.md\nM  train.mjs\n');
    expect(sh(w, 'fsck', '--no-dangling', '--no-progress')).toBe('');
    expect(sh(w, 'log', '--format=%s').trim().split('\n')).toHaveLength(5);
  });

  it('the CLI does the same: `mldesk data add` commits its pointer only', async () => {
    const w = path.join(tmpDir(), 'repo');
    fs.mkdirSync(path.join(w, 'data'), { recursive: true });
    sh(w, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(w, 'train.mjs'), 'console.log(1);\n');
    sh(w, 'add', '.');
    sh(w, 'commit', '-qm', 'init');
    fs.writeFileSync(path.join(w, 'NOTES.md'), 'notes\n');
    fs.appendFileSync(path.join(w, 'train.mjs'), 'console.log(2);\n');
    sh(w, 'add', 'NOTES.md', 'train.mjs');
    fs.writeFileSync(path.join(w, 'data', 'production.csv'), csv(50));
    const r = await runCli(['data', 'add', path.join(w, 'data', 'production.csv'), '--data-dir', path.join(w, '..', 'dd')], GIT_ENV);
    expect(r.code, r.out).toBe(0);
    // The pointer, and .gitignore (the data file's line; and the cache's lines, which were missing).
    expect(committed(w, 'HEAD')).toEqual(['.gitignore', 'data/production.csv.mldesk']);
    expect(sh(w, 'show', 'HEAD:.gitignore')).toMatch(/^\.mldesk\/cache\/$/m);
    expect(porcelain(w)).toBe('A  NOTES.md\nM  train.mjs\n');
  }, 60_000);
});

describe('checkout over local changes', () => {
  it('is refused with what differs (FAILED_PRECONDITION) unless forced; the pointer follows the checked-out version', async () => {
    const f = path.join(dir, 'data', 'co.csv');
    fs.writeFileSync(f, csv(200));
    const v1 = await call<{ commit: string; pointer: { sha256: string } }>('data.add', { projectId, path: 'data/co.csv' });
    fs.writeFileSync(f, csv(220));
    const v2 = await call<{ commit: string; pointer: { sha256: string } }>('data.add', { projectId, path: 'data/co.csv' });
    fs.appendFileSync(f, '999,1,1\n');
    const edited = await sha256File(f);
    const r = await s.engine.call('data.checkout', { projectId, path: 'data/co.csv', version: v1.commit.slice(0, 8) });
    expect(r.ok).toBe(false);
    const err = !r.ok ? r.error : null;
    expect(err?.code).toBe('FAILED_PRECONDITION');
    expect(err?.message).toMatch(
      new RegExp(`^data/co\\.csv has local changes \\(221 rows, [\\d.]+ KB, sha256 ${edited.slice(0, 12)}… vs the pointer's 220 rows, [\\d.]+ KB, ${v2.pointer.sha256.slice(0, 12)}…\\); .*--force`),
    );
    expect(err?.message).not.toContain('\n');
    expect(await sha256File(f)).toBe(edited); // untouched

    const p = await call<{ sha256: string }>('data.checkout', { projectId, path: 'data/co.csv', version: v1.commit.slice(0, 8), force: true });
    expect(p.sha256).toBe(v1.pointer.sha256);
    expect(await sha256File(f)).toBe(v1.pointer.sha256);
    // The working pointer now names that version: no local changes, so going back needs no --force.
    expect((JSON.parse(fs.readFileSync(f + '.mldesk', 'utf8')) as { sha256: string }).sha256).toBe(v1.pointer.sha256);
    await call('data.checkout', { projectId, path: 'data/co.csv', version: v2.commit });
    expect(await sha256File(f)).toBe(v2.pointer.sha256);
    expect(sh(dir, 'status', '--porcelain', '--', 'data/co.csv.mldesk')).toBe(''); // back at HEAD's pointer: nothing to commit

    // The CLI: one line naming the file and --force; exit 1; --force restores.
    fs.writeFileSync(f, csv(220, (i) => (i === 3 ? '9' : `${i % 7}`)));
    const dataDir = path.join(root, 'data');
    const refused = await runCli(['data', 'checkout', f, '--version', v1.commit.slice(0, 8), '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.out.trim().split('\n')).toHaveLength(1);
    expect(refused.out).toMatch(/^mldesk: data\/co\.csv has local changes \(220 rows, .* vs the pointer's 220 rows, .*--force/);
    const forced = await runCli(['data', 'checkout', f, '--version', v1.commit.slice(0, 8), '--force', '--data-dir', dataDir]);
    expect(forced.code, forced.out).toBe(0);
    expect(await sha256File(f)).toBe(v1.pointer.sha256);
  }, 60_000);
});

describe('paths relative to --project', () => {
  it('data add / versions / checkout / profile / status resolve a relative file against --project, not the shell cwd', async () => {
    const w = path.join(tmpDir(), 'proj');
    fs.mkdirSync(path.join(w, 'data'), { recursive: true });
    sh(w, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(w, 'data', 'rel.csv'), csv(30));
    const dd = path.join(w, '..', 'dd');
    // runCli runs in the repository root: data/rel.csv there does not exist.
    expect(fs.existsSync(path.join(repoRoot, 'data', 'rel.csv'))).toBe(false);
    const added = await runCli(['data', 'add', 'data/rel.csv', '--project', w, '--data-dir', dd], GIT_ENV);
    expect(added.code, added.out).toBe(0);
    expect(fs.existsSync(path.join(w, 'data', 'rel.csv.mldesk'))).toBe(true);
    const versions = await runCli(['data', 'versions', 'data/rel.csv', '--project', w, '--json', '--data-dir', dd]);
    expect(versions.code, versions.out).toBe(0);
    const [v] = JSON.parse(versions.out) as Array<{ commit: string }>;
    const profile = await runCli(['data', 'profile', 'data/rel.csv', '--project', w, '--json', '--data-dir', dd]);
    expect(profile.code, profile.out).toBe(0);
    expect((JSON.parse(profile.out) as { rows: number }).rows).toBe(30);
    const co = await runCli(['data', 'checkout', 'data/rel.csv', '--version', v!.commit.slice(0, 8), '--project', w, '--data-dir', dd]);
    expect(co.code, co.out).toBe(0);
    const outside = await runCli(['data', 'add', '../elsewhere.csv', '--project', w, '--data-dir', dd]);
    expect(outside.code).not.toBe(0);
    expect(outside.out).toMatch(/not inside the project/);
    const help = await runCli(['data', '--help']);
    expect(help.out).toMatch(/--project DIR.*relative/i);
  }, 60_000);
});
