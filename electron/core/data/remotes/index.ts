import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MldeskError } from '../../../../shared/contract/errors';
import { defaultDataDir } from '../../paths';
import { redact, redactError } from '../../secrets';
import { cachePath, datasetVersions, listPointers, POINTER_SUFFIX, projectRelative, readPointer, type Pointer } from '../versions';
import { credentialsFromEnv, folderPath, loadCredentials, parseRemoteUrl, readProjectConfig, remoteNamed } from './config';
import { FolderRemote, STALE_TEMP_MS } from './folder';
import { MldeskRemote, httpBaseOf } from './mldesk';
import { parseS3Url, S3Remote } from './s3';
import { KnownHosts, parseSftpUrl, SftpRemote } from './sftp';
import { DigestMismatch, eachLimit, hashFilePrefix, sha256OfFile, VerifyingStream } from './streams';
import { SHA_RE, type Credentials, type ProgressFn, type RemoteConfig, type RemoteStore, type TransferProgress } from './types';

export * from './config';
export type { Credentials, RemoteConfig, RemoteKind, RemoteStore, TransferProgress, ProgressFn } from './types';
export { hostKeyFingerprint } from './sftp';
export { OBJECTS_API } from './mldesk';

/** Partial downloads: resumed by the next pull, and never under a content-addressed name (git-ignored folder). */
export const PARTIAL_DIR = path.join('.mldesk', 'tmp', 'pull');

export interface OpenedRemote {
  name: string;
  config: RemoteConfig;
  store: RemoteStore;
}

/** Opens a remote of the project (`name`, else the default) with this user's stored credentials (from `dataDir`). */
export async function openRemote(projectDir: string, dataDir: string, name?: string): Promise<OpenedRemote> {
  const { name: chosen, remote } = remoteNamed(readProjectConfig(projectDir), name);
  const store = await openStore(projectDir, dataDir, remote);
  return { name: chosen, config: remote, store };
}

/**
 * Connects to a remote: credentials from the environment, then this user's store (data dir), then the URL itself,
 * then `given` (credentials being tried before they are stored).
 */
export async function openStore(projectDir: string, dataDir: string, remote: RemoteConfig, given: Credentials = {}): Promise<RemoteStore> {
  const parsed = parseRemoteUrl(remote.url);
  const creds: Credentials = { ...credentialsFromEnv(parsed.kind), ...loadCredentials(dataDir, parsed.url), ...parsed.creds, ...given };
  try {
    switch (parsed.kind) {
      case 'folder':
        return new FolderRemote(folderPath(projectDir, parsed.url));
      case 'sftp':
        return await SftpRemote.connect(parseSftpUrl(new URL(parsed.url)), remote, creds, new KnownHosts(dataDir));
      case 's3':
        return new S3Remote(parseS3Url(new URL(parsed.url)), remote, creds);
      case 'mldesk':
        return new MldeskRemote(httpBaseOf(new URL(parsed.url)), creds.token);
    }
  } catch (e) {
    throw redactError(e);
  }
}

/** sha256 → what the project knows about it: its size and the dataset paths that name it. */
type Wanted = Map<string, { size: number; paths: Set<string> }>;

function want(w: Wanted, p: Pointer): void {
  // A file ending in .mldesk that is not one of our pointers is not ours to transfer.
  if (!p || typeof p.sha256 !== 'string' || !SHA_RE.test(p.sha256) || typeof p.size !== 'number') return;
  const cur = w.get(p.sha256);
  if (cur) cur.paths.add(p.path);
  else w.set(p.sha256, { size: p.size, paths: new Set([p.path]) });
}

/** The pointers a command works on: the named files (data paths or their `.mldesk` pointers), else every pointer in the working tree. */
export function selectPointers(projectDir: string, files?: readonly string[]): Pointer[] {
  if (!files || files.length === 0) return listPointers(projectDir);
  return files.map((f) => {
    let rel = projectRelative(projectDir, f);
    if (rel.endsWith(POINTER_SUFFIX)) rel = rel.slice(0, -POINTER_SUFFIX.length);
    const p = readPointer(projectDir, rel);
    if (!p) throw new MldeskError('NOT_FOUND', `${rel} has no pointer (${rel}${POINTER_SUFFIX}); add it with \`mldesk data add ${rel}\``);
    cachePath(projectDir, p.sha256); // a hand-edited pointer whose sha256 is not one is refused
    return p;
  });
}

async function wantedOf(projectDir: string, pointers: Pointer[], allVersions: boolean): Promise<Wanted> {
  const w: Wanted = new Map();
  for (const p of pointers) {
    want(w, p);
    if (allVersions) for (const v of await datasetVersions(projectDir, p.path)) want(w, v.pointer);
  }
  return w;
}

const shown = (paths: Iterable<string>) => [...paths].sort().join(', ');

function progressOf(op: 'push' | 'pull', w: Wanted, shas: string[], onProgress?: ProgressFn) {
  const state: TransferProgress = { op, objectsDone: 0, objectsTotal: shas.length, bytesDone: 0, bytesTotal: shas.reduce((n, s) => n + w.get(s)!.size, 0) };
  let lastEmit = 0;
  return {
    state,
    bytes(n: number) {
      state.bytesDone += n;
      const now = Date.now();
      if (onProgress && now - lastEmit > 100) {
        lastEmit = now;
        onProgress({ ...state, last: undefined });
      }
    },
    done(sha: string, bytes: number, resumedFrom?: number) {
      state.objectsDone++;
      onProgress?.({ ...state, last: { sha, paths: [...w.get(sha)!.paths].sort(), bytes, ...(resumedFrom ? { resumedFrom } : {}) } });
    },
  };
}

export interface PushResult {
  remote: string;
  /** Objects sent now. */
  uploaded: number;
  bytes: number;
  /** Objects the remote had already (not sent again). */
  present: number;
  /** Versions the history names that this clone's cache does not hold (someone else's to push). */
  notInCache: Array<{ sha: string; paths: string[] }>;
  ms: number;
}

export interface TransferOptions {
  dataDir: string;
  remote?: string;
  files?: readonly string[];
  jobs?: number;
  onProgress?: ProgressFn;
}

/**
 * `mldesk data push`: sends the objects of every version the history names (of `files`, else of every dataset) that
 * this clone's cache holds and the remote does not. One listing decides what is missing; each object is re-hashed
 * while it is sent and the upload fails (leaving nothing on the remote) if the cache copy is corrupt.
 */
export async function push(projectDir: string, opts: TransferOptions): Promise<PushResult> {
  const started = Date.now();
  const wanted = await wantedOf(projectDir, selectPointers(projectDir, opts.files), true);
  const local = [...wanted.keys()].filter((s) => fs.existsSync(cachePath(projectDir, s)));
  const have = new Set(local);
  const notInCache = [...wanted.keys()].filter((s) => !have.has(s)).map((sha) => ({ sha, paths: [...wanted.get(sha)!.paths].sort() }));
  const r = await openRemote(projectDir, opts.dataDir, opts.remote);
  try {
    if (r.store instanceof FolderRemote) r.store.cleanStaleTemps();
    if (r.store instanceof SftpRemote) await r.store.cleanStaleTemps(STALE_TEMP_MS).catch(() => 0);
    const there = await r.store.stat(local);
    // A remote copy of the wrong size is damaged: send it again (every kind replaces an object on upload).
    const send = local.filter((s) => there.get(s) !== fs.statSync(cachePath(projectDir, s)).size);
    const prog = progressOf('push', wanted, send, opts.onProgress);
    const failures: string[] = [];
    await eachLimit(send, opts.jobs ?? 4, async (sha) => {
      const file = cachePath(projectDir, sha);
      const size = fs.statSync(file).size;
      const verifier = new VerifyingStream(sha, size, (n) => prog.bytes(n));
      const body = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(verifier);
      try {
        await r.store.put(sha, body, size);
        if (verifier.bytes !== size) throw new MldeskError('INTERNAL', 'upload ended before the whole object was read');
        prog.done(sha, size);
      } catch (e) {
        const why = verifier.errored instanceof DigestMismatch ? `the cache copy is corrupt (${verifier.errored.message}); re-add the file or pull it again` : redact((e as Error).message);
        failures.push(`${shown(wanted.get(sha)!.paths)} (sha256 ${sha.slice(0, 12)}…): ${why}`);
      }
    });
    if (failures.length) throw new MldeskError('UNAVAILABLE', `${failures.length} of ${send.length} object(s) could not be pushed to ${r.name} (the others were; a re-run sends only what is missing):\n  ${failures.join('\n  ')}`);
    return { remote: r.name, uploaded: send.length, bytes: prog.state.bytesDone, present: local.length - send.length, notInCache, ms: Date.now() - started };
  } catch (e) {
    throw redactError(e);
  } finally {
    await r.store.close();
  }
}

export interface FetchResult {
  remote: string;
  /** Objects downloaded now (verified and in the cache). */
  downloaded: number;
  bytes: number;
  /** Objects the cache had already. */
  cached: number;
  /** Downloads that continued a partial file from an interrupted run. */
  resumed: number;
  ms: number;
}

/**
 * Downloads one object into the cache: into `.mldesk/tmp/pull/<sha>.part` (continuing a partial file left by an
 * interrupted run), hashing as it goes; renamed into the cache only when the bytes hash to the name. A corrupt remote
 * object is refused: the partial file is deleted and nothing reaches the cache.
 */
async function download(projectDir: string, store: RemoteStore, sha: string, remoteSize: number, onBytes: (n: number) => void): Promise<{ bytes: number; resumedFrom: number }> {
  const dest = cachePath(projectDir, sha);
  const partDir = path.join(projectDir, PARTIAL_DIR);
  fs.mkdirSync(partDir, { recursive: true });
  const part = path.join(partDir, `${sha}.part`);
  let have = 0;
  try {
    have = fs.statSync(part).size;
  } catch {
    // none
  }
  if (have > remoteSize) {
    fs.rmSync(part, { force: true });
    have = 0;
  }
  const hash = createHash('sha256');
  await hashFilePrefix(part, have, hash);
  let got = 0;
  if (have < remoteSize) {
    const src = await store.get(sha, have);
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        got += chunk.length;
        onBytes(chunk.length);
        cb(null, chunk);
      },
    });
    await pipeline(src, tap, fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w', highWaterMark: 1 << 20 }));
  }
  const total = have + got;
  const digest = hash.digest('hex');
  if (digest !== sha || total !== remoteSize) {
    fs.rmSync(part, { force: true });
    // The partial file of an earlier run may be what is wrong: one more try from the first byte decides.
    if (have > 0) return download(projectDir, store, sha, remoteSize, onBytes);
    throw new DigestMismatch(sha, digest, total);
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(part, dest);
  return { bytes: got, resumedFrom: have };
}

const inFlight = new Map<string, Promise<unknown>>();

/** One download per object at a time in this process (two checkouts of one version share it). */
function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const cur = inFlight.get(key) as Promise<T> | undefined;
  if (cur) return cur;
  const p = fn().finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

async function fetchWanted(projectDir: string, store: RemoteStore, remoteName: string, wanted: Wanted, jobs: number, onProgress?: ProgressFn) {
  const need = [...wanted.keys()].filter((s) => !fs.existsSync(cachePath(projectDir, s)));
  const there = await store.stat(need);
  const failures: string[] = [];
  for (const sha of need) {
    const w = wanted.get(sha)!;
    if (!there.has(sha)) failures.push(`${shown(w.paths)} (sha256 ${sha.slice(0, 12)}…): not on ${remoteName} — push it from a clone that has it`);
    else if (w.size >= 0 && there.get(sha) !== w.size) {
      failures.push(`${shown(w.paths)} (sha256 ${sha.slice(0, 12)}…): the copy on ${remoteName} is corrupt (${there.get(sha)!.toLocaleString('en')} bytes, the pointer says ${w.size.toLocaleString('en')}); refused, nothing written`);
    }
  }
  const todo = need.filter((s) => there.has(s) && there.get(s) === wanted.get(s)!.size);
  const prog = progressOf('pull', wanted, todo, onProgress);
  let resumed = 0;
  let bytes = 0;
  let downloaded = 0;
  await eachLimit(todo, jobs, async (sha) => {
    try {
      const r = await once(`${projectDir}\0${sha}`, () => download(projectDir, store, sha, there.get(sha)!, (n) => prog.bytes(n)));
      if (r.resumedFrom > 0) resumed++;
      bytes += r.bytes;
      downloaded++;
      prog.done(sha, r.bytes, r.resumedFrom);
    } catch (e) {
      const w = wanted.get(sha)!;
      failures.push(
        e instanceof DigestMismatch
          ? `${shown(w.paths)} (sha256 ${sha.slice(0, 12)}…): the copy on ${remoteName} is corrupt (${e.message}); refused, nothing written`
          : `${shown(w.paths)} (sha256 ${sha.slice(0, 12)}…): ${redact((e as Error).message)} (a re-run resumes it)`,
      );
    }
  });
  const result = { downloaded, bytes, cached: wanted.size - need.length, resumed };
  if (failures.length) {
    throw new MldeskError(failures.some((f) => f.includes('corrupt')) ? 'CONFLICT' : failures.some((f) => f.includes('not on')) ? 'NOT_FOUND' : 'UNAVAILABLE', `${failures.length} object(s) could not be pulled from ${remoteName}:\n  ${failures.join('\n  ')}`, result);
  }
  return result;
}

/** `mldesk data fetch`: downloads the objects the pointers name (every version with `allVersions`) into the cache; the working tree is not touched. */
export async function fetchObjects(projectDir: string, opts: TransferOptions & { allVersions?: boolean }): Promise<FetchResult> {
  const started = Date.now();
  const wanted = await wantedOf(projectDir, selectPointers(projectDir, opts.files), opts.allVersions ?? false);
  const r = await openRemote(projectDir, opts.dataDir, opts.remote);
  try {
    const res = await fetchWanted(projectDir, r.store, r.name, wanted, opts.jobs ?? 4, opts.onProgress);
    return { remote: r.name, ...res, ms: Date.now() - started };
  } catch (e) {
    throw redactError(e);
  } finally {
    await r.store.close();
  }
}

export interface PullResult extends FetchResult {
  /** Working-tree files written from the cache. */
  restored: string[];
  /** Files left alone because they differ from their pointer (local edits); `force` overwrites them. */
  modified: string[];
}

/** Writes a pointer's version into the working tree from the cache (temp name, then rename). */
function restore(projectDir: string, p: Pointer): void {
  const dest = path.join(projectDir, projectRelative(projectDir, p.path));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.mldesk-${randomUUID()}`);
  try {
    fs.copyFileSync(cachePath(projectDir, p.sha256), tmp);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** True when the working-tree file already is the pointer's version. */
async function upToDate(projectDir: string, p: Pointer): Promise<boolean | null> {
  const f = path.join(projectDir, p.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(f);
  } catch {
    return null;
  }
  if (st.size !== p.size) return false;
  return (await sha256OfFile(f)) === p.sha256;
}

/**
 * `mldesk data pull`: fetch, then write each dataset's pointed-to version into the working tree. A file that differs
 * from its pointer (edited and not added yet) is left alone unless `force`.
 */
export async function pull(projectDir: string, opts: TransferOptions & { force?: boolean }): Promise<PullResult> {
  const started = Date.now();
  const pointers = selectPointers(projectDir, opts.files);
  const wanted = await wantedOf(projectDir, pointers, false);
  const r = await openRemote(projectDir, opts.dataDir, opts.remote);
  let res: Omit<FetchResult, 'remote' | 'ms'> | null = null;
  let failed: unknown = null;
  try {
    res = await fetchWanted(projectDir, r.store, r.name, wanted, opts.jobs ?? 4, opts.onProgress);
  } catch (e) {
    failed = redactError(e);
  } finally {
    await r.store.close();
  }
  const restored: string[] = [];
  const modified: string[] = [];
  for (const p of pointers) {
    // What did arrive is written out even when other objects failed.
    if (!fs.existsSync(cachePath(projectDir, p.sha256))) continue;
    const state = await upToDate(projectDir, p);
    if (state === true) continue;
    if (state === false && !opts.force) {
      modified.push(p.path);
      continue;
    }
    restore(projectDir, p);
    restored.push(p.path);
  }
  if (failed) {
    const f = failed as MldeskError;
    throw new MldeskError(f.code, `${f.message}${restored.length ? `\n${restored.length} other file(s) were written: ${restored.join(', ')}` : ''}`, f.details);
  }
  return { remote: r.name, ...res!, restored, modified, ms: Date.now() - started };
}

/**
 * The cache object of a pointer, pulled from the default remote when this clone does not have it (checkout of a
 * version someone else added). Without a default remote it is NOT_FOUND, as before remotes existed.
 */
export async function ensureCached(projectDir: string, p: Pointer, dataDir: string | undefined, onProgress?: ProgressFn): Promise<string> {
  const file = cachePath(projectDir, p.sha256);
  if (fs.existsSync(file)) return file;
  const cfg = readProjectConfig(projectDir);
  if (!cfg.defaultRemote) {
    throw new MldeskError('NOT_FOUND', `${p.path} @ sha256 ${p.sha256.slice(0, 12)} is not in this clone's cache (.mldesk/cache/${p.sha256.slice(0, 2)}/…) and no default remote is set to pull it from`);
  }
  const w: Wanted = new Map();
  want(w, p);
  const r = await openRemote(projectDir, dataDir ?? defaultDataDir());
  try {
    await fetchWanted(projectDir, r.store, r.name, w, 1, onProgress);
  } catch (e) {
    throw redactError(e);
  } finally {
    await r.store.close();
  }
  return file;
}

/**
 * Before a launch: every dataset whose working-tree file is missing is pulled (from the default remote, when its
 * object is not cached) and written out, so a fresh clone can run. Files that exist are left as they are.
 */
export async function pullMissingInputs(projectDir: string, dataDir: string): Promise<string[]> {
  const missing = listPointers(projectDir).filter((p) => typeof p.path === 'string' && SHA_RE.test(String(p.sha256)) && !fs.existsSync(path.join(projectDir, p.path)));
  if (missing.length === 0) return [];
  const restored: string[] = [];
  const uncached = missing.filter((p) => !fs.existsSync(cachePath(projectDir, p.sha256)));
  if (uncached.length && readProjectConfig(projectDir).defaultRemote) {
    const w = await wantedOf(projectDir, uncached, false);
    try {
      const r = await openRemote(projectDir, dataDir);
      try {
        await fetchWanted(projectDir, r.store, r.name, w, 4);
      } finally {
        await r.store.close();
      }
    } catch (e) {
      const err = redactError(e) as MldeskError;
      throw new MldeskError('FAILED_PRECONDITION', `Data files missing from the working tree could not be pulled before the start: ${err.message}`, err.details);
    }
  }
  for (const p of missing) {
    if (!fs.existsSync(cachePath(projectDir, p.sha256))) continue;
    restore(projectDir, p);
    restored.push(p.path);
  }
  return restored;
}
