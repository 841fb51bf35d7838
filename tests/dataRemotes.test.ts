import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SshServer, utils as sshUtils, type Connection } from 'ssh2';
import S3rver from 's3rver';
import { repoRoot, runCli, tmpDir } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { MldeskError } from '../shared/contract';
import { checkoutDataset, cachePath } from '../electron/core/data/versions';
import { fetchObjects, hostKeyFingerprint, pull, push, readProjectConfig, storeCredentials, writeProjectConfig, type RemoteConfig } from '../electron/core/data/remotes';
import { s3Tuning } from '../electron/core/data/remotes/s3';
import { mldeskTuning } from '../electron/core/data/remotes/mldesk';
import { redact, registerSecret, SecretStore } from '../electron/core/secrets';

// ── fixtures ────────────────────────────────────────────────────────────────────────────────────────────────────────

const root = tmpDir('mldesk-remotes-');
let s: Served; // the engine of "A", the teammate who adds the data
const dataA = path.join(root, 'data-a');
const dataB = path.join(root, 'data-b');
let A: string;
let projectId: string;
const v: Record<string, { commit: string; sha: string }> = {};
const SFTP_PASSWORD = 'sftp-pw-Correct-Horse-42';
const teamTokens: string[] = [];

const call = async <T>(srv: Served, name: string, input: unknown): Promise<T> => {
  const r = await srv.engine.call(name, input);
  if (!r.ok) throw MldeskError.from(r.error);
  return r.value as T;
};

const csv = (rows: number, salt: string) => ['id,feature,label,note', ...Array.from({ length: rows }, (_, i) => `${i},${(i * 7919) % 1000},${i % 2},${salt}-${i % 13}`)].join('\n') + '\n';
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const partials = (dir: string) => {
  const p = path.join(dir, '.mldesk', 'tmp', 'pull');
  return fs.existsSync(p) ? fs.readdirSync(p) : [];
};
let clones = 0;
/** A teammate's clone: the real `git` binary, as a person would. */
const clone = (from = A) => {
  const to = path.join(root, `clone-${++clones}`);
  execFileSync('git', ['clone', '-q', from, to]);
  return to;
};
/** Sets the project's remotes as a teammate would commit them (tests of one kind replace the whole list). */
const setRemote = async (dir: string, name: string, remote: RemoteConfig) => {
  const cfg = readProjectConfig(dir);
  await writeProjectConfig(dir, { ...cfg, remotes: { ...(cfg.remotes ?? {}), [name]: remote }, defaultRemote: name }, `data: remote ${name}`);
};
const expectSameData = (from: string, to: string) => {
  for (const f of ['data/train.csv', 'data/labels.csv']) expect(sha256(path.join(to, f)), f).toBe(sha256(path.join(from, f)));
};

beforeAll(async () => {
  s = await startServer({ dataDir: dataA, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  A = path.join(root, 'project-a');
  projectId = (await s.engine.projects.create({ path: A })).id;
  fs.mkdirSync(path.join(A, 'data'));
  fs.writeFileSync(path.join(A, 'data', 'train.csv'), csv(20_000, 'first'));
  v.train1 = await addVersion('data/train.csv');
  fs.writeFileSync(path.join(A, 'data', 'train.csv'), csv(24_000, 'second'));
  v.train2 = await addVersion('data/train.csv');
  fs.writeFileSync(path.join(A, 'data', 'labels.csv'), csv(3_000, 'labels'));
  v.labels = await addVersion('data/labels.csv');
});
afterAll(async () => {
  await s?.close();
});

async function addVersion(rel: string): Promise<{ commit: string; sha: string }> {
  const r = await call<{ commit: string; pointer: { sha256: string } }>(s, 'data.add', { projectId, path: rel });
  return { commit: r.commit, sha: r.pointer.sha256 };
}

// ── a folder remote ─────────────────────────────────────────────────────────────────────────────────────────────────

describe('folder remote', () => {
  const remoteDir = path.join(root, 'shared-drive');

  it('push from A, git clone to B, pull → byte-identical files; a second push sends nothing', async () => {
    fs.mkdirSync(remoteDir);
    await setRemote(A, 'nas', { url: `file://${remoteDir}` });
    const first = await push(A, { dataDir: dataA });
    expect(first.uploaded).toBe(3); // both versions of train.csv and labels.csv
    expect(first.present).toBe(0);
    expect(fs.existsSync(path.join(remoteDir, v.train1!.sha.slice(0, 2), v.train1!.sha.slice(2)))).toBe(true);
    const again = await push(A, { dataDir: dataA });
    expect(again.uploaded).toBe(0);
    expect(again.present).toBe(3);
    expect(again.bytes).toBe(0);

    const B = clone();
    expect(fs.existsSync(path.join(B, 'data', 'train.csv'))).toBe(false);
    const progress: number[] = [];
    const r = await pull(B, { dataDir: dataB, onProgress: (p) => progress.push(p.objectsDone) });
    expect(r.downloaded).toBe(2); // the current versions only
    expect(r.restored.sort()).toEqual(['data/labels.csv', 'data/train.csv']);
    expect(progress.at(-1)).toBe(2);
    expectSameData(A, B);
    expect(sha256(path.join(B, 'data', 'train.csv'))).toBe(v.train2!.sha);
    expect(partials(B)).toEqual([]);
    // Pulling again downloads nothing and rewrites nothing.
    const r2 = await pull(B, { dataDir: dataB });
    expect([r2.downloaded, r2.restored.length, r2.cached]).toEqual([0, 0, 2]);
  });

  it('checkout of a version this clone never had pulls it from the default remote', async () => {
    const B = clone();
    await pull(B, { dataDir: dataB });
    expect(fs.existsSync(cachePath(B, v.train1!.sha))).toBe(false);
    const p = await checkoutDataset(B, 'data/train.csv', v.train1!.commit.slice(0, 8), { dataDir: dataB });
    expect(p.sha256).toBe(v.train1!.sha);
    expect(sha256(path.join(B, 'data', 'train.csv'))).toBe(v.train1!.sha);
    expect(fs.existsSync(cachePath(B, v.train1!.sha))).toBe(true);
  });

  it('without a default remote, checkout of an uncached version is still NOT_FOUND', async () => {
    const B = clone();
    const cfg = readProjectConfig(B);
    delete cfg.defaultRemote;
    await writeProjectConfig(B, cfg, 'no default');
    await expect(checkoutDataset(B, 'data/train.csv', v.train1!.commit, { dataDir: dataB })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a corrupted object on the remote is refused on pull: nothing reaches the cache, no partial file stays', async () => {
    const obj = path.join(remoteDir, v.labels!.sha.slice(0, 2), v.labels!.sha.slice(2));
    const good = fs.readFileSync(obj);
    try {
      const bad = Buffer.from(good);
      bad[100] = bad[100]! ^ 1; // same size, one bit flipped
      fs.writeFileSync(obj, bad);
      const B = clone();
      const e = await pull(B, { dataDir: dataB }).catch((x: unknown) => x as MldeskError);
      expect(e).toBeInstanceOf(MldeskError);
      expect((e as MldeskError).code).toBe('CONFLICT');
      expect((e as MldeskError).message).toMatch(/data\/labels\.csv .*corrupt/);
      expect(fs.existsSync(cachePath(B, v.labels!.sha))).toBe(false);
      expect(fs.existsSync(path.join(B, 'data', 'labels.csv'))).toBe(false);
      expect(partials(B)).toEqual([]);
      // The other dataset arrived and was written.
      expect(sha256(path.join(B, 'data', 'train.csv'))).toBe(v.train2!.sha);
      // Truncated: refused from the listing, before any byte is downloaded.
      fs.writeFileSync(obj, good.subarray(0, 1000));
      await expect(fetchObjects(B, { dataDir: dataB })).rejects.toThrow(/corrupt \(1,000 bytes, the pointer says/);
      expect(fs.existsSync(cachePath(B, v.labels!.sha))).toBe(false);
    } finally {
      fs.writeFileSync(obj, good);
    }
  });

  it('resumable: a partial download left by an interrupted run is continued, not restarted', async () => {
    const B = clone();
    const src = path.join(remoteDir, v.train2!.sha.slice(0, 2), v.train2!.sha.slice(2));
    const size = fs.statSync(src).size;
    const half = Math.floor(size / 2);
    fs.mkdirSync(path.join(B, '.mldesk', 'tmp', 'pull'), { recursive: true });
    fs.writeFileSync(path.join(B, '.mldesk', 'tmp', 'pull', `${v.train2!.sha}.part`), fs.readFileSync(src).subarray(0, half));
    const r = await fetchObjects(B, { dataDir: dataB, files: [path.join(B, 'data', 'train.csv')] });
    expect(r.resumed).toBe(1);
    expect(r.bytes).toBe(size - half);
    expect(sha256(cachePath(B, v.train2!.sha))).toBe(v.train2!.sha);
    expect(partials(B)).toEqual([]);
    // A garbage partial file is detected and the object downloaded again from the first byte.
    const C = clone();
    fs.mkdirSync(path.join(C, '.mldesk', 'tmp', 'pull'), { recursive: true });
    fs.writeFileSync(path.join(C, '.mldesk', 'tmp', 'pull', `${v.train2!.sha}.part`), Buffer.alloc(half, 7));
    await fetchObjects(C, { dataDir: dataB, files: [path.join(C, 'data', 'train.csv')] });
    expect(sha256(cachePath(C, v.train2!.sha))).toBe(v.train2!.sha);
  });

  it('fetch --all-versions fills the cache only; pull leaves locally changed files alone unless forced', async () => {
    const B = clone();
    const r = await fetchObjects(B, { dataDir: dataB, allVersions: true });
    expect(r.downloaded).toBe(3);
    expect(fs.existsSync(path.join(B, 'data', 'train.csv'))).toBe(false);
    fs.mkdirSync(path.join(B, 'data'), { recursive: true });
    fs.writeFileSync(path.join(B, 'data', 'train.csv'), 'id\n1\n');
    const p = await pull(B, { dataDir: dataB });
    expect(p.modified).toEqual(['data/train.csv']);
    expect(fs.readFileSync(path.join(B, 'data', 'train.csv'), 'utf8')).toBe('id\n1\n');
    const f = await pull(B, { dataDir: dataB, force: true });
    expect(f.restored).toContain('data/train.csv');
    expectSameData(A, B);
  });

  it('a corrupt object in the local cache is never pushed', async () => {
    const B = clone();
    await pull(B, { dataDir: dataB });
    const other = path.join(root, 'other-drive');
    fs.mkdirSync(other);
    await setRemote(B, 'other', { url: other });
    const obj = cachePath(B, v.labels!.sha);
    const bytes = fs.readFileSync(obj);
    bytes[10] = bytes[10]! ^ 1;
    fs.writeFileSync(obj, bytes);
    await expect(push(B, { dataDir: dataB })).rejects.toThrow(/data\/labels\.csv .*cache copy is corrupt/);
    expect(fs.existsSync(path.join(other, v.labels!.sha.slice(0, 2), v.labels!.sha.slice(2)))).toBe(false);
    expect(fs.readdirSync(path.join(other, 'tmp'))).toEqual([]);
    // The good one went up.
    expect(fs.existsSync(path.join(other, v.train2!.sha.slice(0, 2), v.train2!.sha.slice(2)))).toBe(true);
  });

  it('the launcher pulls missing inputs of a fresh clone before it starts the command', async () => {
    const B = clone();
    const launcherData = path.join(root, 'data-launch');
    const srv = await startServer({ dataDir: launcherData, port: 0, uiDir: null, launcher: { sampleMs: 0 } });
    try {
      const id = (await srv.engine.projects.open({ path: B })).id;
      const script = "const c=require('crypto'),f=require('fs');process.stdout.write(c.createHash('sha256').update(f.readFileSync('data/train.csv')).digest('hex'))";
      const run = await call<{ runId: string }>(srv, 'launcher.start', { command: [process.execPath, '-e', script], projectId: id });
      await srv.engine.launcher.wait(run.runId);
      expect(srv.engine.tracking.runs.row(run.runId).status).toBe('FINISHED');
      const out = await call<{ lines: Array<{ stream: string; text: string }> }>(srv, 'launcher.tail', { runId: run.runId, maxLines: 10 });
      expect(out.lines.filter((l) => l.stream === 'stdout').map((l) => l.text).join('')).toBe(v.train2!.sha);
      expectSameData(A, B);
    } finally {
      await srv.close();
    }
  });
});

// ── SFTP, against an SSH server started here (ssh2's Server over a temp folder) ────────────────────────────────────

interface SftpTestServer {
  port: number;
  hostKey: string;
  /** Files opened for writing (uploads). */
  writes: number;
  close(): Promise<void>;
}

async function startSftpServer(dir: string, user: string, password: string): Promise<SftpTestServer> {
  const key = sshUtils.generateKeyPairSync('ed25519');
  const parsed = sshUtils.parseKey(key.public);
  if (parsed instanceof Error) throw parsed;
  const conns = new Set<Connection>();
  const state = { writes: 0 };
  const local = (p: string) => path.join(dir, path.posix.normalize('/' + p));
  const attrsOf = (st: fs.Stats) => ({ mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) });
  const server = new SshServer({ hostKeys: [key.private] }, (client) => {
    conns.add(client);
    client.on('close', () => conns.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => (ctx.method === 'password' && ctx.username === user && ctx.password === password ? ctx.accept() : ctx.reject(['password'])));
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const { STATUS_CODE } = sshUtils.sftp;
          const handles = new Map<number, { fd?: number; dir?: string[] | null; path?: string }>();
          let next = 0;
          const handle = (h: { fd?: number; dir?: string[] | null; path?: string }) => {
            const b = Buffer.alloc(4);
            b.writeUInt32BE(next, 0);
            handles.set(next++, h);
            return b;
          };
          const get = (b: Buffer) => handles.get(b.readUInt32BE(0));
          const fail = (id: number, e: unknown) => sftp.status(id, (e as NodeJS.ErrnoException).code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE);
          sftp
            .on('OPEN', (id, filename, flags) => {
              try {
                const mode = sshUtils.sftp.flagsToString(flags) ?? 'r';
                if (mode !== 'r') state.writes++;
                sftp.handle(id, handle({ fd: fs.openSync(local(filename), mode) }));
              } catch (e) {
                fail(id, e);
              }
            })
            .on('READ', (id, h, offset, length) => {
              const buf = Buffer.alloc(length);
              const n = fs.readSync(get(h)!.fd!, buf, 0, length, offset);
              if (n === 0) sftp.status(id, STATUS_CODE.EOF);
              else sftp.data(id, buf.subarray(0, n));
            })
            .on('WRITE', (id, h, offset, data) => {
              fs.writeSync(get(h)!.fd!, data, 0, data.length, offset);
              sftp.status(id, STATUS_CODE.OK);
            })
            .on('FSTAT', (id, h) => sftp.attrs(id, attrsOf(fs.fstatSync(get(h)!.fd!))))
            .on('CLOSE', (id, h) => {
              const e = get(h);
              if (e?.fd !== undefined) fs.closeSync(e.fd);
              handles.delete(h.readUInt32BE(0));
              sftp.status(id, STATUS_CODE.OK);
            })
            .on('OPENDIR', (id, p) => {
              try {
                sftp.handle(id, handle({ dir: fs.readdirSync(local(p)), path: local(p) }));
              } catch (e) {
                fail(id, e);
              }
            })
            .on('READDIR', (id, h) => {
              const e = get(h)!;
              if (!e.dir) return sftp.status(id, STATUS_CODE.EOF);
              const names = e.dir;
              e.dir = null;
              sftp.name(id, names.map((filename) => ({ filename, longname: filename, attrs: attrsOf(fs.statSync(path.join(e.path!, filename))) })));
            })
            .on('STAT', (id, p) => {
              try {
                sftp.attrs(id, attrsOf(fs.statSync(local(p))));
              } catch (e) {
                fail(id, e);
              }
            })
            .on('LSTAT', (id, p) => {
              try {
                sftp.attrs(id, attrsOf(fs.lstatSync(local(p))));
              } catch (e) {
                fail(id, e);
              }
            })
            .on('MKDIR', (id, p) => {
              try {
                fs.mkdirSync(local(p));
                sftp.status(id, STATUS_CODE.OK);
              } catch (e) {
                fail(id, e);
              }
            })
            .on('RENAME', (id, from, to) => {
              try {
                fs.renameSync(local(from), local(to));
                sftp.status(id, STATUS_CODE.OK);
              } catch (e) {
                fail(id, e);
              }
            })
            .on('REMOVE', (id, p) => {
              try {
                fs.rmSync(local(p));
                sftp.status(id, STATUS_CODE.OK);
              } catch (e) {
                fail(id, e);
              }
            })
            .on('REALPATH', (id, p) => sftp.name(id, [{ filename: path.posix.normalize('/' + p), longname: '', attrs: {} as never }]));
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKey: hostKeyFingerprint(parsed.getPublicSSH()),
    get writes() {
      return state.writes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.end();
        server.close(() => resolve());
      }),
  };
}

describe('SFTP remote', () => {
  let srv: SftpTestServer;
  const served = path.join(root, 'sftp-root');
  const password = SFTP_PASSWORD;
  beforeAll(async () => {
    fs.mkdirSync(path.join(served, 'srv', 'mldesk'), { recursive: true });
    srv = await startSftpServer(served, 'ana', password);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('push with a password, clone, pull → identical; only missing objects are sent; the host key is pinned', async () => {
    const P = clone();
    const url = `sftp://ana@127.0.0.1:${srv.port}/srv/mldesk`;
    await setRemote(P, 'ssh', { url });
    await fs.promises.cp(path.join(A, '.mldesk', 'cache'), path.join(P, '.mldesk', 'cache'), { recursive: true });
    // No credentials yet: refused, and the message says how to log in.
    await expect(push(P, { dataDir: dataA })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    storeCredentials(dataA, url, { password });
    const first = await push(P, { dataDir: dataA });
    expect(first.uploaded).toBe(3);
    expect(srv.writes).toBe(3);
    expect(fs.readFileSync(path.join(served, 'srv', 'mldesk', v.train1!.sha.slice(0, 2), v.train1!.sha.slice(2))).equals(fs.readFileSync(cachePath(A, v.train1!.sha)))).toBe(true);
    expect(fs.readdirSync(path.join(served, 'srv', 'mldesk', 'tmp'))).toEqual([]);
    const again = await push(P, { dataDir: dataA });
    expect([again.uploaded, srv.writes]).toEqual([0, 3]);
    // Trusted on first use for this user:
    expect(JSON.parse(fs.readFileSync(path.join(dataA, 'ssh_known_hosts.json'), 'utf8'))[`127.0.0.1:${srv.port}`]).toBe(srv.hostKey);

    const B = clone(P);
    storeCredentials(dataB, url, { password });
    const r = await pull(B, { dataDir: dataB });
    expect(r.downloaded).toBe(2);
    expectSameData(A, B);
    // A checkout of the older version pulls it over SFTP.
    await checkoutDataset(B, 'data/train.csv', v.train1!.commit, { dataDir: dataB });
    expect(sha256(path.join(B, 'data', 'train.csv'))).toBe(v.train1!.sha);
  });

  it('a host key other than the pinned one, or a wrong password, is refused', async () => {
    const B = clone();
    const url = `sftp://ana@127.0.0.1:${srv.port}/srv/mldesk`;
    await setRemote(B, 'ssh', { url, hostKey: 'SHA256:' + 'A'.repeat(43) });
    await expect(pull(B, { dataDir: dataB })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/host key .* is SHA256:.*not the expected/) });
    await setRemote(B, 'ssh', { url, hostKey: srv.hostKey });
    const wrong = path.join(root, 'data-wrong');
    storeCredentials(wrong, url, { password: 'not-the-password' });
    const e = (await pull(B, { dataDir: wrong }).catch((x: unknown) => x)) as MldeskError;
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).not.toContain('not-the-password');
  });
});

// ── S3, against s3rver (a real S3-protocol server) on loopback ─────────────────────────────────────────────────────

describe('S3 remote', () => {
  let s3: S3rver;
  let endpoint: string;
  const requests: string[] = [];
  const saved = { ...s3Tuning };
  beforeAll(async () => {
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(root, 's3rver'), configureBuckets: [{ name: 'team-data', configs: [] }] });
    const addr = (await s3.run()) as AddressInfo;
    endpoint = `http://127.0.0.1:${addr.port}`;
    (s3 as unknown as { httpServer: http.Server }).httpServer.prependListener('request', (req: http.IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  });
  afterAll(async () => {
    Object.assign(s3Tuning, saved);
    await s3?.close();
  });

  it('push (single PUTs and a multipart upload), clone, pull → identical; a second push sends nothing', async () => {
    // Parts of 5 MiB: the 1 MB files go up in one PUT, the big one in three parts.
    Object.assign(s3Tuning, { multipartAbove: 5 * 1024 * 1024, minPart: 5 * 1024 * 1024 });
    const P = clone();
    fs.writeFileSync(path.join(P, 'data', 'big.csv'), csv(260_000, 'a-longer-salt-for-a-bigger-file'));
    const srvP = await startServer({ dataDir: path.join(root, 'data-p'), port: 0, uiDir: null });
    let big: { sha: string };
    try {
      const id = (await srvP.engine.projects.open({ path: P })).id;
      await fs.promises.cp(path.join(A, '.mldesk', 'cache'), path.join(P, '.mldesk', 'cache'), { recursive: true });
      const added = await call<{ pointer: { sha256: string } }>(srvP, 'data.add', { projectId: id, path: 'data/big.csv' });
      big = { sha: added.pointer.sha256 };
    } finally {
      await srvP.close();
    }
    expect(fs.statSync(path.join(P, 'data', 'big.csv')).size).toBeGreaterThan(11 * 1024 * 1024);
    const url = 's3://team-data/projects/credit';
    await setRemote(P, 's3', { url, endpoint, region: 'us-east-1' });
    storeCredentials(dataA, url, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const first = await push(P, { dataDir: dataA });
    expect(first.uploaded).toBe(4);
    const again = await push(P, { dataDir: dataA });
    expect(again.uploaded).toBe(0);
    expect(again.present).toBe(4);
    // The big object went up in three parts, the others in one PUT each; the second push sent nothing.
    const puts = requests.filter((r) => r.startsWith('PUT '));
    expect(puts.filter((r) => r.includes(big.sha.slice(2)) && /partNumber=\d/.test(r)).length).toBe(3);
    expect(puts.filter((r) => !/partNumber=/.test(r)).length).toBe(3);

    const B = clone(P);
    storeCredentials(dataB, url, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const r = await pull(B, { dataDir: dataB });
    expect(r.downloaded).toBe(3);
    expectSameData(A, B);
    expect(sha256(path.join(B, 'data', 'big.csv'))).toBe(big.sha);
    // Resuming over S3 uses a Range request.
    const C = clone(P);
    const src = path.join(P, 'data', 'big.csv');
    fs.mkdirSync(path.join(C, '.mldesk', 'tmp', 'pull'), { recursive: true });
    fs.writeFileSync(path.join(C, '.mldesk', 'tmp', 'pull', `${big.sha}.part`), fs.readFileSync(src).subarray(0, 3_000_000));
    const f = await fetchObjects(C, { dataDir: dataB, files: [path.join(C, 'data', 'big.csv')] });
    expect([f.resumed, f.bytes]).toEqual([1, fs.statSync(src).size - 3_000_000]);
    expect(sha256(cachePath(C, big.sha))).toBe(big.sha);
  });

  it('wrong credentials are refused with UNAUTHORIZED and the secret is not in the message', async () => {
    const B = clone();
    const url = 's3://team-data/other';
    await setRemote(B, 's3', { url, endpoint });
    const wrong = path.join(root, 'data-wrong-s3');
    // (s3rver checks the access key id, not V4 signatures.)
    storeCredentials(wrong, url, { accessKeyId: 'AKIAWRONGKEY', secretAccessKey: 'definitely-wrong-secret' });
    const e = (await pull(B, { dataDir: wrong }).catch((x: unknown) => x)) as MldeskError;
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).not.toContain('definitely-wrong-secret');
  });
});

// ── a team's mldesk serve ──────────────────────────────────────────────────────────────────────────────────────────

describe('mldesk serve remote', () => {
  let team: Served;
  const teamDir = path.join(root, 'team-server');
  let member: string;
  let viewer: string;
  beforeAll(async () => {
    team = await startServer({ dataDir: teamDir, port: 0, uiDir: null, token: 'team-admin-token-123' });
    member = team.engine.users.add('ana', 'member').token;
    viewer = team.engine.users.add('vic', 'viewer').token;
    teamTokens.push(member, viewer);
  });
  afterAll(async () => {
    await team?.close();
  });
  const puts = () => (team.engine.ctx.store.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'data.objects.put'").get() as { n: number }).n;

  it('a member pushes, a teammate clones and pulls → identical; a second push sends nothing; a viewer gets 403', async () => {
    const P = clone();
    await fs.promises.cp(path.join(A, '.mldesk', 'cache'), path.join(P, '.mldesk', 'cache'), { recursive: true });
    const url = team.url.replace(/^http:/, 'mldesk:');
    await setRemote(P, 'team', { url });
    const viewerData = path.join(root, 'data-viewer');
    storeCredentials(viewerData, url, { token: viewer });
    const denied = (await push(P, { dataDir: viewerData }).catch((x: unknown) => x)) as MldeskError;
    expect(denied.code).toBe('FORBIDDEN');
    expect(denied.message).toMatch(/member role/);
    expect(denied.message).not.toContain(viewer);
    await expect(push(P, { dataDir: path.join(root, 'data-nobody') })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    storeCredentials(dataA, url, { token: member });
    const first = await push(P, { dataDir: dataA });
    expect(first.uploaded).toBe(3);
    expect(puts()).toBe(3);
    expect(fs.existsSync(path.join(teamDir, 'objects', v.train2!.sha.slice(0, 2), v.train2!.sha.slice(2)))).toBe(true);
    const again = await push(P, { dataDir: dataA });
    expect([again.uploaded, puts()]).toEqual([0, 3]);

    const B = clone(P);
    storeCredentials(dataB, url, { token: member });
    const r = await pull(B, { dataDir: dataB });
    expect(r.downloaded).toBe(2);
    expectSameData(A, B);
    // The viewer cannot read objects either (reads need a member).
    const C = clone(P);
    await expect(pull(C, { dataDir: viewerData })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('big objects go up in parts, and an interrupted upload resumes where the server stopped', async () => {
    const saved = mldeskTuning.partBytes;
    try {
      mldeskTuning.partBytes = 100_000;
      const P = clone();
      await fs.promises.cp(path.join(A, '.mldesk', 'cache'), path.join(P, '.mldesk', 'cache'), { recursive: true });
      const other = path.join(root, 'team-server-2');
      const team2 = await startServer({ dataDir: other, port: 0, uiDir: null, token: 'team2-admin-token' });
      try {
        const tok = team2.engine.users.add('ana', 'member').token;
        teamTokens.push(tok);
        const url = team2.url;
        await setRemote(P, 'team2', { url });
        storeCredentials(dataA, url, { token: tok });
        // A push that stopped after 250,000 bytes of train.csv's current version (a partial upload of user ana).
        const obj = fs.readFileSync(cachePath(A, v.train2!.sha));
        const partial = path.join(other, 'objects', 'tmp', `${v.train2!.sha}.${createHash('sha256').update('ana').digest('hex').slice(0, 16)}.upload`);
        fs.mkdirSync(path.dirname(partial), { recursive: true });
        fs.writeFileSync(partial, obj.subarray(0, 250_000));
        const parts: string[] = [];
        (team2.http as unknown as { server: http.Server }).server.prependListener('request', (req: http.IncomingMessage) => {
          if (req.method === 'PUT' && req.url!.includes(v.train2!.sha)) parts.push(req.url!);
        });
        const r = await push(P, { dataDir: dataA });
        expect(r.uploaded).toBe(3);
        const expected = [];
        for (let at = 250_000; at < obj.length; at += 100_000) expected.push(`/api/mldesk/objects/${v.train2!.sha}?offset=${at}&total=${obj.length}`);
        expect(parts).toEqual(expected);
        expect(fs.readFileSync(path.join(other, 'objects', v.train2!.sha.slice(0, 2), v.train2!.sha.slice(2))).equals(obj)).toBe(true);
        expect(fs.existsSync(partial)).toBe(false);
        const B = clone(P);
        storeCredentials(dataB, url, { token: tok });
        await pull(B, { dataDir: dataB });
        expectSameData(A, B);
      } finally {
        await team2.close();
      }
    } finally {
      mldeskTuning.partBytes = saved;
    }
  });

  it('the server verifies sha256 on PUT (400, nothing stored), serves ranges, and a corrupt stored object is refused on pull', async () => {
    const body = Buffer.from('not what the name says');
    const wrongName = 'ab'.repeat(32);
    const res = await fetch(`${team.url}/api/mldesk/objects/${wrongName}`, { method: 'PUT', body, headers: { authorization: `Bearer ${member}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/sha256 mismatch/);
    expect(fs.existsSync(path.join(teamDir, 'objects', 'ab', wrongName.slice(2)))).toBe(false);
    expect(fs.readdirSync(path.join(teamDir, 'objects', 'tmp'))).toEqual([]);
    const good = createHash('sha256').update(body).digest('hex');
    const ok = await fetch(`${team.url}/api/mldesk/objects/${good}`, { method: 'PUT', body, headers: { authorization: `Bearer ${member}` } });
    expect(ok.status).toBe(201);
    const head = await fetch(`${team.url}/api/mldesk/objects/${good}`, { method: 'HEAD', headers: { authorization: `Bearer ${member}` } });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(body.length)]);
    const part = await fetch(`${team.url}/api/mldesk/objects/${good}`, { headers: { authorization: `Bearer ${member}`, range: 'bytes=4-' } });
    expect([part.status, await part.text()]).toEqual([206, body.subarray(4).toString()]);
    const asViewer = await fetch(`${team.url}/api/mldesk/objects/${good}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(asViewer.status).toBe(403);

    const stored = path.join(teamDir, 'objects', v.labels!.sha.slice(0, 2), v.labels!.sha.slice(2));
    const original = fs.readFileSync(stored);
    try {
      const bad = Buffer.from(original);
      bad[0] = bad[0]! ^ 0xff;
      fs.writeFileSync(stored, bad);
      const B = clone();
      await setRemote(B, 'team', { url: team.url });
      storeCredentials(dataB, team.url, { token: member });
      await expect(fetchObjects(B, { dataDir: dataB })).rejects.toThrow(/data\/labels\.csv .*corrupt/);
      expect(fs.existsSync(cachePath(B, v.labels!.sha))).toBe(false);
      expect(partials(B)).toEqual([]);
    } finally {
      fs.writeFileSync(stored, original);
    }
  });
});

// ── the CLI, and where secrets may (not) be ────────────────────────────────────────────────────────────────────────

describe('mldesk data remote / push / pull (CLI)', () => {
  it('remote add/list, push, pull in a clone; the secret is never in the config, the sqlite file or the output', async () => {
    const srvDir = path.join(root, 'sftp-cli');
    fs.mkdirSync(path.join(srvDir, 'store'), { recursive: true });
    const secret = 'Cli-Secret-pw-!9x';
    const sftp = await startSftpServer(srvDir, 'bo', secret);
    const cliData = path.join(root, 'data-cli');
    const outputs: string[] = [];
    const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = await runCli(['data', ...args, '--data-dir', cliData], env, 60_000);
      outputs.push(r.out);
      return r;
    };
    try {
      const P = clone();
      await fs.promises.cp(path.join(A, '.mldesk', 'cache'), path.join(P, '.mldesk', 'cache'), { recursive: true });
      const url = `sftp://bo:${encodeURIComponent(secret)}@127.0.0.1:${sftp.port}/store`;
      const add = await cli(['remote', 'add', 'origin', url, '--default', '--check', '--project', P]);
      expect(add.code, add.out).toBe(0);
      expect(add.out).toMatch(/remote origin → sftp:\/\/bo@127\.0\.0\.1:\d+\/store \(sftp\), default/);
      expect(add.out).toMatch(/reachable \(sftp.*SSH host key SHA256:/);
      const list = await cli(['remote', 'list', '--project', P]);
      expect(list.out).toMatch(/\* origin\s+sftp:\/\/bo@127\.0\.0\.1:\d+\/store {2}\(sftp\) {2}credentials: password/);
      const pushed = await cli(['push', '--project', P]);
      expect(pushed.code, pushed.out).toBe(0);
      expect(pushed.out).toMatch(/pushed 3 object\(s\)/);
      const again = await cli(['push', '--project', P]);
      expect(again.out).toMatch(/pushed 0 object\(s\), 0\.0 MB .*; 3 already there/);
      // The config is committed (teammates get it) and holds no credential.
      const cfgText = fs.readFileSync(path.join(P, '.mldesk', 'config.json'), 'utf8');
      expect(JSON.parse(cfgText)).toMatchObject({ defaultRemote: 'origin', remotes: { origin: { url: `sftp://bo@127.0.0.1:${sftp.port}/store` } } });
      execFileSync('git', ['-C', P, 'diff', '--quiet', 'HEAD', '--', '.mldesk/config.json']);

      const B = clone(P);
      const noLogin = await runCli(['data', 'pull', '--project', B, '--data-dir', path.join(root, 'data-cli-nobody')], {}, 60_000);
      expect(noLogin.code).toBe(1);
      expect(noLogin.out).toMatch(/login/);
      // Wrong password: refused, and the output does not carry it.
      const wrong = await runCli(['data', 'pull', '--project', B, '--data-dir', path.join(root, 'data-cli-wrong')], { MLDESK_REMOTE_PASSWORD: 'Wrong-Pass-123' }, 60_000);
      expect(wrong.code).toBe(1);
      expect(wrong.out).not.toContain('Wrong-Pass-123');
      const pulled = await cli(['pull', '--project', B]);
      expect(pulled.code, pulled.out).toBe(0);
      expect(pulled.out).toMatch(/pulled 2 object\(s\)/);
      expectSameData(A, B);
      // `data checkout` of an older version pulls it.
      const co = await runCli(['data', 'checkout', 'data/train.csv', '--version', v.train1!.commit.slice(0, 8), '--project', B, '--data-dir', cliData], {}, 60_000);
      outputs.push(co.out);
      expect(co.code, co.out).toBe(0);
      expect(sha256(path.join(B, 'data', 'train.csv'))).toBe(v.train1!.sha);

      // Where the secret may not be: the committed config, the SQLite files, any output.
      for (const o of outputs) expect(o).not.toContain(secret);
      expect(fs.readFileSync(path.join(P, '.mldesk', 'config.json'), 'utf8')).not.toContain(secret);
      expect(fs.readFileSync(path.join(B, '.mldesk', 'config.json'), 'utf8')).not.toContain(secret);
      for (const f of fs.readdirSync(cliData).filter((x) => fs.statSync(path.join(cliData, x)).isFile())) {
        const bytes = fs.readFileSync(path.join(cliData, f));
        expect(bytes.includes(Buffer.from(secret)), f).toBe(false);
      }
      expect(fs.readdirSync(cliData)).toContain('mldesk.sqlite'); // the checkout opened the engine
      // Stored encrypted (0600 key file), and readable back only with that key.
      expect(fs.statSync(path.join(cliData, 'secret.key')).mode & 0o777).toBe(0o600);
      const stored = new SecretStore(cliData);
      expect(stored.names()).toEqual([`remote:sftp://bo@127.0.0.1:${sftp.port}/store`]);
      expect(JSON.parse(stored.get(stored.names()[0]!)!)).toEqual({ password: secret });
      const otherKey = new SecretStore(cliData, () => {
        throw new Error('no key');
      });
      expect(() => otherKey.get(stored.names()[0]!)).toThrow();
    } finally {
      await sftp.close();
    }
  }, 120_000);

  it("no stored secret reaches a data dir's SQLite files or a project's config", () => {
    const secrets = [SFTP_PASSWORD, ...teamTokens];
    expect(teamTokens.length).toBe(3);
    for (const dir of [dataA, dataB, path.join(root, 'team-server'), path.join(root, 'team-server-2')]) {
      for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('mldesk.sqlite'))) {
        const bytes = fs.readFileSync(path.join(dir, f));
        for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${dir}/${f}`).toBe(false);
      }
      if (fs.existsSync(path.join(dir, 'secrets.json'))) {
        const sealed = fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8');
        for (const secret of secrets) expect(sealed).not.toContain(secret);
      }
    }
    for (const d of fs.readdirSync(root).filter((x) => x.startsWith('clone-') || x === 'project-a')) {
      const cfg = path.join(root, d, '.mldesk', 'config.json');
      if (fs.existsSync(cfg)) for (const secret of secrets) expect(fs.readFileSync(cfg, 'utf8')).not.toContain(secret);
    }
  });
});

// ── secrets.ts ─────────────────────────────────────────────────────────────────────────────────────────────────────

describe('secrets at rest', () => {
  it('AES-256-GCM sealed per entry; the key comes from MLDESK_SECRET_KEY or a 0600 key file; tampering and swapped entries fail', () => {
    const dir = path.join(root, 'secrets-unit');
    const before = process.env.MLDESK_SECRET_KEY;
    try {
      delete process.env.MLDESK_SECRET_KEY;
      const st = new SecretStore(dir);
      st.set('remote:a', 'value-a-123');
      st.set('remote:b', 'value-b-456');
      expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
      const text = fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8');
      expect(text).not.toContain('value-a-123');
      expect(new SecretStore(dir).get('remote:a')).toBe('value-a-123');
      // A sealed value copied onto another entry does not open (the entry name is authenticated).
      const f = JSON.parse(text) as { entries: Record<string, string> };
      f.entries['remote:b'] = f.entries['remote:a']!;
      fs.writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(f));
      expect(() => new SecretStore(dir).get('remote:b')).toThrow(/cannot be decrypted/);
      // Another key (MLDESK_SECRET_KEY wins over the file) cannot open it either, and says so without the value.
      process.env.MLDESK_SECRET_KEY = 'a passphrase for this machine';
      expect(() => new SecretStore(dir).get('remote:a')).toThrow(/key changed/);
      const envStore = new SecretStore(path.join(root, 'secrets-env'));
      envStore.set('x', 'sealed-with-env-key');
      expect(fs.existsSync(path.join(root, 'secrets-env', 'secret.key'))).toBe(false);
      expect(new SecretStore(path.join(root, 'secrets-env')).get('x')).toBe('sealed-with-env-key');
      process.env.MLDESK_SECRET_KEY = 'f'.repeat(64);
      expect(() => new SecretStore(path.join(root, 'secrets-env')).get('x')).toThrow(/key changed/);
    } finally {
      if (before === undefined) delete process.env.MLDESK_SECRET_KEY;
      else process.env.MLDESK_SECRET_KEY = before;
    }
  });

  it('redact hides registered secrets (plain and URL-encoded) and passwords inside URLs', () => {
    registerSecret('s3cr3t/with+chars');
    expect(redact('failed: s3cr3t/with+chars and s3cr3t%2Fwith%2Bchars')).toBe('failed: *** and ***');
    expect(redact('sftp://ana:hunter22@host:22/x')).toBe('sftp://ana:***@host:22/x');
  });

  it('--secret-stdin takes the secret from standard input (never from the command line)', () => {
    const P = clone();
    const dd = path.join(root, 'data-stdin');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'mldesk.js'), 'data', 'remote', 'add', 'team', 'https://mldesk.example:8443', '--secret-stdin', '--project', P, '--data-dir', dd], {
      input: 'tok-from-stdin-777\n',
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('tok-from-stdin-777');
    expect(r.stdout).toMatch(/credentials \(token\) stored encrypted/);
    expect(JSON.parse(new SecretStore(dd).get('remote:https://mldesk.example:8443')!)).toEqual({ token: 'tok-from-stdin-777' });
    expect(fs.readFileSync(path.join(P, '.mldesk', 'config.json'), 'utf8')).not.toContain('tok-from-stdin-777');
  });
});
