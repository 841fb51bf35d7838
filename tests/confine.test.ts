import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { post, serveInProcess, tmpDir } from './helpers';
import type { Served } from '../electron/host/serve';
import { runAs } from '../electron/core/principal';
import { allowedRoots, checkPathSyntax, confine, redactPaths, resolveRequestPath, safeFsError, setProjectRootsProvider } from '../electron/core/confine';
import { MldeskError } from '../shared/contract/errors';

/**
 * Security review, issue 10: every path a request names goes through electron/core/confine.ts. One test per
 * finding; each failed before the confinement module.
 */

let s: Served & { dataDir: string };
let api: string;
let outside: string; // a folder outside the data dir and every project, with a secret in it
let projDir: string;
let projectId: string;
const MEMBER = { name: 'm', role: 'member' } as const;
const VIEWER = { name: 'v', role: 'viewer' } as const;
/** Every error message any test saw: none may show the data dir or the server's working folder. */
const messages: string[] = [];

beforeAll(async () => {
  s = await serveInProcess();
  api = `${s.url}/api/2.0/mlflow`;
  outside = tmpDir('mldesk-outside-');
  fs.writeFileSync(path.join(outside, 'secret.csv'), 'id,secret\n1,hunter2\n');
  projDir = path.join(tmpDir('mldesk-proj-'), 'proj');
  projectId = (await s.engine.projects.create({ path: projDir })).id;
  fs.mkdirSync(path.join(projDir, 'data'));
  fs.writeFileSync(path.join(projDir, 'data', 'train.csv'), 'id,x\n1,2\n2,3\n3,5\n');
});
afterAll(async () => {
  await s.close();
});

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function mlflow(method: string, p: string, body?: J): Promise<{ status: number; body: J }> {
  const url = method === 'GET' && body ? `${api}/${p}?${new URLSearchParams(body as Record<string, string>)}` : `${api}/${p}`;
  const res = await fetch(url, { method, headers: method === 'GET' ? {} : { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as J) : {};
  if (typeof json.message === 'string') messages.push(json.message);
  return { status: res.status, body: json };
}
async function rpc(method: string, input: unknown): Promise<{ status: number; body: J }> {
  const r = await post(s.url, `/rpc/${method}`, input);
  if (typeof r.body?.message === 'string') messages.push(r.body.message);
  return r as { status: number; body: J };
}
/** engine.call as `who`; returns the error (fails the test when the call succeeds). */
async function failAs(who: { name: string; role: 'viewer' | 'member' | 'admin' | 'owner' }, method: string, input: unknown): Promise<{ code: string; message: string }> {
  const r = await runAs(who, () => s.engine.call(method, input));
  if (r.ok) throw new Error(`${method} should have failed`);
  messages.push(r.error.message);
  return r.error;
}
async function thrown(fn: () => unknown): Promise<MldeskError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MldeskError) {
      messages.push(e.message);
      return e;
    }
    throw e;
  }
  throw new Error('expected a refusal');
}
async function runIn(location: string): Promise<{ exp: string; runId: string }> {
  const exp = await mlflow('POST', 'experiments/create', { name: `exp-${Math.random()}`, artifact_location: location });
  expect(exp.status, JSON.stringify(exp.body)).toBe(200);
  const run = await mlflow('POST', 'runs/create', { experiment_id: exp.body.experiment_id });
  return { exp: exp.body.experiment_id as string, runId: run.body.run.info.run_id as string };
}

describe('confine.ts', () => {
  it('checkPathSyntax refuses NUL, Windows syntax on POSIX, names > 255 bytes, paths > 4096 bytes', () => {
    expect(checkPathSyntax('data/train.csv')).toBe('data/train.csv');
    for (const bad of ['a\0b', 'a\\b', 'C:\\x', 'C:/x', 'x/' + 'a'.repeat(256), 'é'.repeat(128), 'a/'.repeat(2100), '']) {
      if (process.platform === 'win32' && /\\|^C:/.test(bad)) continue;
      expect(() => checkPathSyntax(bad), JSON.stringify(bad.slice(0, 20))).toThrow(MldeskError);
    }
    expect(checkPathSyntax('a'.repeat(255))).toHaveLength(255);
  });

  it('confine resolves inside the root and refuses .., absolute paths elsewhere and symlinks out', () => {
    const root = tmpDir();
    fs.mkdirSync(path.join(root, 'in'));
    fs.symlinkSync(outside, path.join(root, 'out'));
    fs.symlinkSync(path.join(root, 'in'), path.join(root, 'alias'));
    expect(confine(root, 'in/x.csv')).toBe(path.join(root, 'in', 'x.csv'));
    expect(confine(root, path.join(root, 'in'))).toBe(path.join(root, 'in'));
    expect(confine(root, 'alias/new/deeper.txt')).toBe(path.join(root, 'alias', 'new', 'deeper.txt'));
    for (const bad of ['../x', 'in/../../x', outside, '/etc/passwd', 'out/secret.csv', 'out/not-yet/x']) {
      expect(() => confine(root, bad), bad).toThrow(/is not inside/);
    }
    // A dangling symlink could be written through: refused.
    fs.symlinkSync(path.join(outside, 'missing'), path.join(root, 'dangling'));
    expect(() => confine(root, 'dangling')).toThrow(/broken symbolic link/);
    // Lexical mode: symlinks are the caller's business.
    expect(confine(root, 'out/secret.csv', 'path', { lexical: true })).toBe(path.join(root, 'out', 'secret.csv'));
  });

  it('resolveRequestPath never uses process.cwd(); non-admin absolute paths stay inside the registered projects', () => {
    expect(() => resolveRequestPath('package.json', 'file')).toThrow(/must be an absolute path/);
    expect(resolveRequestPath('x.csv', 'file', { base: '/base' })).toBe(path.resolve('/base', 'x.csv'));
    expect(resolveRequestPath('/etc/passwd', 'file', { roots: () => [] })).toBe('/etc/passwd'); // owner: anything
    const roots = () => [projDir];
    const f = runAs(MEMBER, () => resolveRequestPath(path.join(projDir, 'data', 'train.csv'), 'file', { roots }));
    expect(f).toBe(path.join(projDir, 'data', 'train.csv'));
    const e = (() => {
      try {
        runAs(MEMBER, () => resolveRequestPath('/etc/passwd', 'file', { roots }));
      } catch (err) {
        return err as MldeskError;
      }
      return null;
    })();
    expect(e).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/path is outside the registered projects/) });
    // Registered providers: the engine's ProjectsService registers its folders.
    expect(runAs(VIEWER, () => allowedRoots())).toContain(projDir);
    expect(allowedRoots()).toBeNull();
    const off = setProjectRootsProvider(() => {
      throw new Error('store closed');
    });
    expect(runAs(VIEWER, () => allowedRoots())).toContain(projDir);
    off();
  });

  it('safeFsError maps fs errors to MldeskError codes naming the user path only', () => {
    const cases: Array<[string, string]> = [
      ['ENOENT', 'NOT_FOUND'],
      ['EACCES', 'FORBIDDEN'],
      ['EPERM', 'FORBIDDEN'],
      ['ENAMETOOLONG', 'INVALID_INPUT'],
      ['EINVAL', 'INVALID_INPUT'],
      ['EISDIR', 'INVALID_INPUT'],
      ['ENOTDIR', 'INVALID_INPUT'],
      ['EEXIST', 'ALREADY_EXISTS'],
    ];
    for (const [errno, code] of cases) {
      const raw = Object.assign(new Error(`${errno}: boom, open '/srv/secret/place/x'`), { code: errno, syscall: 'open', path: '/srv/secret/place/x' });
      const e = safeFsError(raw, 'x') as MldeskError;
      expect(e).toBeInstanceOf(MldeskError);
      expect(e.code).toBe(code);
      expect(e.message).not.toContain('/srv/secret');
      expect(e.message).toContain("'x'");
    }
    const other = new TypeError('not fs');
    expect(safeFsError(other, 'x')).toBe(other);
    const r = redactPaths(new MldeskError('INVALID_INPUT', '/p/data/a.csv: line 3: bad; see /p/data/ab.csv'), [['/p/data/a.csv', 'data/a.csv']]) as MldeskError;
    expect(r.message).toBe('data/a.csv: line 3: bad; see /p/data/ab.csv');
  });
});

describe('finding: artifact_location file:///etc? (and #, and file://otherhost)', () => {
  it('experiments/create refuses file: URIs with a query, fragment or host (MLflow: INVALID_PARAMETER_VALUE), never a 500', async () => {
    for (const loc of ['file:///etc?', 'file:///etc?x=1', 'file:///etc#', 'file:///etc#frag', 'file://otherhost/x', 'file://otherhost/x?y', 'runs:/abc/model', 's3://b/k?x=../..']) {
      const r = await mlflow('POST', 'experiments/create', { name: `bad-${loc}`, artifact_location: loc });
      expect(r.status, `${loc} → ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    // Other schemes are stored as given: MLflow clients write there themselves.
    for (const loc of ['s3://bucket/prefix', 'gs://b/p', 'https://example.com/artifacts', 'file:///tmp/elsewhere', 'file://localhost/tmp/x', 'mlflow-artifacts:/custom']) {
      const r = await mlflow('POST', 'experiments/create', { name: `ok-${loc}`, artifact_location: loc });
      expect(r.status, `${loc} → ${JSON.stringify(r.body)}`).toBe(200);
      const got = await mlflow('GET', 'experiments/get', { experiment_id: r.body.experiment_id });
      expect(got.body.experiment.artifact_location).toBe(loc);
    }
  });
});

describe('finding: listArtifacts / readArtifact read any folder through an artifact location', () => {
  it('a run whose artifacts live outside the store (file: elsewhere, s3://, a legacy file:///etc? row) is FAILED_PRECONDITION, never read', async () => {
    const { runId } = await runIn(`file://${outside}`);
    const { runId: s3Run } = await runIn('s3://bucket/prefix');
    // A row stored before the fix: the query made fileURLToPath drop the rest of the URI.
    const { runId: legacy } = await runIn('mlflow-artifacts:/legacy');
    s.engine.ctx.store.db.prepare('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?').run(`file://${outside}?/${legacy}/artifacts`, legacy);
    for (const id of [runId, s3Run, legacy]) {
      const list = await rpc('tracking.listArtifacts', { runId: id, path: '' });
      expect(list.status, JSON.stringify(list.body)).toBe(412);
      expect(list.body).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/mldesk only serves artifacts under its own artifact store/) });
      const read = await rpc('tracking.readArtifact', { runId: id, path: 'secret.csv' });
      expect(read.status).toBe(412);
      expect(JSON.stringify(read.body)).not.toContain('hunter2');
      const ml = await mlflow('GET', 'artifacts/list', { run_id: id });
      expect(ml.status).toBe(400);
      expect(ml.body.error_code).toBe('INVALID_STATE');
    }
    expect((await rpc('tracking.listArtifacts', { runId: s3Run, path: '' })).body.message).toMatch(/live at s3:\/\/bucket\/prefix\//);
  });

  it('runs in the store still list and read; a symlink inside the store cannot lead out', async () => {
    const { exp, runId } = await runIn('');
    const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/notes.txt`, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(200);
    const read = await rpc('tracking.readArtifact', { runId, path: 'notes.txt' });
    expect(read.body).toMatchObject({ path: 'notes.txt', kind: 'text', text: 'hello' });
    const runDir = path.join(s.dataDir, 'artifacts', exp, runId, 'artifacts');
    fs.symlinkSync(outside, path.join(runDir, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(runDir, 'secret-link.csv'));
    const list = await rpc('tracking.listArtifacts', { runId, path: '' });
    expect(list.body).toEqual([{ path: 'notes.txt', is_dir: false, file_size: 5 }]);
    for (const p of ['escape/secret.csv', 'secret-link.csv']) {
      const r = await rpc('tracking.readArtifact', { runId, path: p });
      expect(r.status, p).toBe(400);
      expect(JSON.stringify(r.body)).not.toContain('hunter2');
      const proxied = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${p}`);
      expect(proxied.status, p).toBe(400);
      expect(await proxied.text()).not.toContain('hunter2');
    }
    expect((await rpc('tracking.listArtifacts', { runId, path: 'escape' })).status).toBe(400);
  });
});

describe('finding: launcher.start writes logs through the artifact location and runs anywhere', () => {
  it('an experiment whose artifacts live outside the store: launcher.start refuses before running; nothing is written there', async () => {
    const target = tmpDir('mldesk-logs-');
    const exp = await mlflow('POST', 'experiments/create', { name: 'launch-outside', artifact_location: `file://${target}` });
    expect(exp.status).toBe(200);
    const marker = path.join(target, 'ran');
    const r = await rpc('launcher.start', { command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '1')`], cwd: projDir, experimentName: 'launch-outside' });
    expect(r.status, JSON.stringify(r.body)).toBe(412);
    expect(r.body.message).toMatch(/mldesk only serves artifacts/);
    await new Promise((res) => setTimeout(res, 200));
    expect(fs.readdirSync(target)).toEqual([]);
    const runs = s.engine.tracking.searchRunRows({ experimentIds: [exp.body.experiment_id as string], viewType: 'ALL', maxResults: 10 }).runs;
    expect(runs.map((x) => x.info.status)).toEqual(['FAILED']);
  });

  it('a working folder outside the registered projects is FORBIDDEN for callers below admin; relative ones never use the server cwd', async () => {
    const before = fs.readdirSync(outside).sort();
    const e = await thrown(() => runAs(MEMBER, () => s.engine.launcher.start({ command: [process.execPath, '-e', '0'], cwd: outside, params: {}, env: {} })));
    expect(e.code).toBe('FORBIDDEN');
    expect(e.message).toMatch(/outside the registered projects/);
    const up = await thrown(() => runAs(MEMBER, () => s.engine.launcher.start({ command: [process.execPath, '-e', '0'], projectId, cwd: '../..', params: {}, env: {} })));
    expect(up.code).toBe('FORBIDDEN');
    const noHome = await thrown(() => runAs(MEMBER, () => s.engine.launcher.start({ command: [process.execPath, '-e', '0'], params: {}, env: {} })));
    expect(noHome.code).toBe('FORBIDDEN');
    expect(fs.readdirSync(outside).sort()).toEqual(before);
    // Owner: a relative cwd without a project is refused, not resolved against process.cwd().
    const rel = await rpc('launcher.start', { command: [process.execPath, '-e', '0'], cwd: 'tests' });
    expect(rel.status).toBe(400);
    expect(rel.body.message).toMatch(/must be an absolute path/);
    const missing = await rpc('launcher.start', { command: [process.execPath, '-e', '0'], projectId, cwd: 'nope/deeper' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Working folder nope/deeper does not exist');
    // Inside the project it still runs.
    const ok = await runAs(MEMBER, () => s.engine.launcher.start({ command: [process.execPath, '-e', '0'], projectId, cwd: 'data', params: {}, env: {} }));
    await s.engine.launcher.wait(ok.runId);
    expect(ok.cwd).toBe(path.join(projDir, 'data'));
  });
});

describe('finding: projects.open / projects.create anywhere; data.profile / data.diff of /etc/passwd', () => {
  it('projects.open and create outside the registered projects are FORBIDDEN below admin, and touch nothing', async () => {
    const victim = tmpDir('mldesk-victim-');
    const e = await thrown(() => runAs(MEMBER, () => s.engine.projects.open({ path: victim })));
    expect(e.code).toBe('FORBIDDEN');
    expect(fs.existsSync(path.join(victim, '.git'))).toBe(false);
    const c = await thrown(() => runAs(MEMBER, () => s.engine.projects.create({ path: path.join(victim, 'new') })));
    expect(c.code).toBe('FORBIDDEN');
    expect(fs.existsSync(path.join(victim, 'new'))).toBe(false);
    // The role check refuses members first; both layers hold.
    expect((await failAs(MEMBER, 'projects.open', { path: victim })).code).toBe('FORBIDDEN');
    // Nobody makes a project of mldesk's own data folder or the file-system root.
    for (const p of [s.dataDir, path.join(s.dataDir, 'artifacts'), '/']) {
      const r = await rpc('projects.open', { path: p });
      expect(r.status, p).toBe(400);
    }
    expect(fs.existsSync(path.join(s.dataDir, '.git'))).toBe(false);
  });

  it('data.profile / data.diff / data.validate of a file outside the projects are FORBIDDEN for a non-admin caller', async () => {
    for (const file of ['/etc/passwd', path.join(outside, 'secret.csv')]) {
      const e = await failAs(MEMBER, 'data.profile', { ref: { file } });
      expect(e.code, file).toBe('FORBIDDEN');
      expect(e.message).toMatch(/path is outside the registered projects/);
      const d = await failAs(MEMBER, 'data.diff', { a: { file }, b: { projectId, path: 'data/train.csv' } });
      expect(d.code).toBe('FORBIDDEN');
      expect(JSON.stringify(d)).not.toContain('hunter2');
      expect(JSON.stringify(d)).not.toContain('root:');
      const v = await failAs(MEMBER, 'data.validate', { target: { file }, reference: { projectId, path: 'data/train.csv' } });
      expect(v.code).toBe('FORBIDDEN');
    }
    // Through a symlink inside the project: refused too.
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(projDir, 'data', 'link.csv'));
    expect((await failAs(MEMBER, 'data.profile', { ref: { projectId, path: 'data/link.csv' } })).code).toBe('INVALID_INPUT');
    expect((await failAs(MEMBER, 'data.profile', { ref: { file: path.join(projDir, 'data', 'link.csv') } })).code).toBe('FORBIDDEN');
    fs.rmSync(path.join(projDir, 'data', 'link.csv'));
    // Inside the project it works, by project path or absolute path.
    const ok = await runAs(MEMBER, () => s.engine.call('data.profile', { ref: { file: path.join(projDir, 'data', 'train.csv') } }));
    expect(ok.ok).toBe(true);
    const byRef = await runAs(MEMBER, () => s.engine.call('data.profile', { ref: { projectId, path: 'data/train.csv' } }));
    expect(byRef.ok).toBe(true);
    // The owner may still profile any file by absolute path.
    const owner = await s.engine.call('data.profile', { ref: { file: path.join(outside, 'secret.csv') } });
    expect(owner.ok).toBe(true);
  });

  it('relative data files are refused, not resolved against the server working folder', async () => {
    const r = await rpc('data.profile', { ref: { file: 'package.json' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/must be an absolute path/);
    const missing = await rpc('data.profile', { ref: { projectId, path: 'data/missing.csv' } });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/^data\/missing\.csv: file does not exist/);
  });
});

describe('finding: 500s on over-long names, NUL, backslashes, Windows paths, missing folders', () => {
  it('an artifact path with a 300-character name is a 400, on every route', async () => {
    const { exp, runId } = await runIn('');
    const long = 'a'.repeat(300);
    const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${long}/x.txt`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(400);
    expect(((await put.json()) as J).error_code).toBe('INVALID_PARAMETER_VALUE');
    const get = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${long}`);
    expect(get.status).toBe(400);
    const list = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts?path=${exp}/${runId}/${long}`);
    expect(list.status).toBe(400);
    expect((await rpc('tracking.readArtifact', { runId, path: `${long}/x` })).status).toBe(400);
    expect((await rpc('tracking.listArtifacts', { runId, path: long })).status).toBe(400);
    expect((await mlflow('GET', 'artifacts/list', { run_id: runId, path: long })).status).toBe(400);
    // A file where a folder is expected: a 400 too, not a 500.
    await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/f`, { method: 'PUT', body: 'x' });
    const under = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/f/g`, { method: 'PUT', body: 'x' });
    expect(under.status).toBeLessThan(500);
    expect(under.status).toBeGreaterThanOrEqual(400);
  });

  it('projects.create / open with NUL, backslashes, Windows or over-long paths → 400 INVALID_INPUT', async () => {
    const base = tmpDir();
    const bad = [`${base}/a\0b`, `${base}/a\\b`, `${base}/${'n'.repeat(300)}`];
    if (process.platform !== 'win32') bad.push('C:\\Users\\x');
    for (const p of bad) {
      for (const m of ['projects.create', 'projects.open']) {
        const r = await rpc(m, { path: p });
        expect(r.status, `${m} ${JSON.stringify(p)}`).toBe(400);
        expect(r.body.code).toBe('INVALID_INPUT');
      }
    }
    expect(fs.readdirSync(base)).toEqual([]);
    const noParent = await rpc('projects.create', { path: path.join(base, 'missing', 'p') });
    expect(noParent.status).toBe(404);
  });

  it('data.saveExpectations with NUL, a Windows path or a missing folder → 4xx; a valid one still commits', async () => {
    const inferred = await rpc('data.expectations', { projectId, path: 'data/train.csv' });
    expect(inferred.status).toBe(200);
    const expectations = inferred.body.expectations as J;
    const cases: Array<[string, number]> = [
      ['data/tr\0ain.csv', 400],
      ['C:\\data\\train.csv', 400],
      ['data\\train.csv', 400],
      ['nowhere/train.csv', 404],
      ['data/deeper/missing/train.csv', 404],
      ['../outside.csv', 400],
      [`data/${'e'.repeat(250)}.csv`, 400], // + ".expectations.json" is over 255 bytes
    ];
    for (const [p, status] of cases) {
      const r = await rpc('data.saveExpectations', { projectId, path: p, expectations });
      expect(r.status, `${JSON.stringify(p)} → ${JSON.stringify(r.body)}`).toBe(status);
    }
    const ok = await rpc('data.saveExpectations', { projectId, path: 'data/train.csv', expectations });
    expect(ok.status).toBe(200);
    expect(fs.existsSync(path.join(projDir, 'data', 'train.csv.expectations.json'))).toBe(true);
  });
});

describe('finding: server paths in error messages', () => {
  it('relative paths are not resolved against the server working folder and echoed; ENOENT / ENAMETOOLONG name no server path', async () => {
    const { exp, runId } = await runIn('');
    const seen = [
      await rpc('launcher.start', { command: [process.execPath, '-e', '0'], cwd: 'no-such-dir' }),
      await rpc('data.profile', { ref: { file: 'no-such.csv' } }),
      await rpc('data.profile', { ref: { projectId, path: 'data/no-such.csv' } }),
      await rpc('data.diff', { a: { projectId, path: 'data/train.csv' }, b: { projectId, path: 'data/no-such.csv' } }),
      await rpc('data.saveExpectations', { projectId, path: 'gone/x.csv', expectations: (await rpc('data.expectations', { projectId, path: 'data/train.csv' })).body.expectations }),
      await rpc('tracking.readArtifact', { runId, path: 'no-such.txt' }),
      await rpc('tracking.readArtifact', { runId, path: 'x'.repeat(300) }),
    ];
    const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${'y'.repeat(300)}`, { method: 'PUT', body: 'x' });
    const putBody = (await put.json()) as J;
    messages.push(putBody.message as string);
    for (const r of seen) {
      expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
    }
    expect(put.status).toBe(400);
    for (const m of [...seen.map((r) => String(r.body.message)), String(putBody.message)]) {
      expect(m).not.toContain(process.cwd());
      expect(m).not.toContain(s.dataDir);
      expect(m).not.toContain(projDir);
    }
  });

  it('no error message seen above shows the data dir, the server working folder or a temp path the caller did not give', () => {
    expect(messages.length).toBeGreaterThan(40);
    for (const m of messages) {
      expect(m).not.toContain(s.dataDir);
      expect(m).not.toContain(process.cwd());
      expect(m).not.toContain(os.homedir() + '/');
    }
  });
});
