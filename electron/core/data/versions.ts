import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import git from 'isomorphic-git';
import { MldeskError } from '../../../shared/contract/errors';
import { commitChanges, GITIGNORE_COMMENT, GITIGNORE_LINES, withLines, type FileChange } from '../projects/git';
import { confine, showPath } from '../confine';
import { callerIs } from '../principal';
import { describe, readError, scan, type Duck } from './duck';
import { columnTypeOf } from './profile';
import { openSource, type DataFormat } from './source';
import { describeLocalChanges, StatCache } from './statCache';
import { ensureCached } from './remotes';

export const POINTER_SUFFIX = '.mldesk';

export interface Pointer {
  schema: 'mldesk-dataset/1';
  path: string;
  format: DataFormat;
  sha256: string;
  size: number;
  rows: number;
  columns: Array<{ name: string; type: string; sqlType: string }>;
}

export interface DatasetVersion {
  commit: string;
  message: string;
  author: string;
  timestamp: number;
  pointer: Pointer;
}

/**
 * Project-relative posix path of a file that must live inside the project (`file` relative to the project, or
 * absolute). Syntax-checked (no NUL, no Windows paths on POSIX, no over-long names); for callers below admin a
 * symlink may not lead out of the project either (admins may name any file anyway).
 */
export function projectRelative(projectDir: string, file: string): string {
  const abs = confine(projectDir, file, 'path', { inside: 'the project', lexical: callerIs('admin') });
  const rel = path.relative(projectDir, abs);
  if (rel === '') throw new MldeskError('INVALID_INPUT', `Invalid path '${showPath(file)}': it is the project folder itself, not a file in it`);
  const posix = rel.split(path.sep).join('/');
  if (posix.startsWith('.mldesk/') || posix.startsWith('.git/')) throw new MldeskError('INVALID_INPUT', `${posix} is inside mldesk's or git's own folder`);
  return posix;
}

export function cachePath(projectDir: string, sha: string): string {
  // The sha comes from a pointer file: a hand-edited one must not name a path outside the cache.
  if (!/^[0-9a-f]{64}$/.test(sha)) throw new MldeskError('INVALID_INPUT', `A dataset pointer names an invalid sha256 '${showPath(String(sha)).slice(0, 80)}'`);
  return path.join(projectDir, '.mldesk', 'cache', sha.slice(0, 2), sha.slice(2));
}

/** Copies `src` (a file, or the bytes given) into `dest` atomically (temp file in the same folder, then rename): never a partial file. */
function atomicCopy(src: string | { bytes: Uint8Array }, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(path.dirname(dest), `.tmp-${randomUUID()}`);
  try {
    if (typeof src === 'string') fs.copyFileSync(src, tmp);
    else fs.writeFileSync(tmp, src.bytes);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Copies a file into the cache while hashing it: one read of the data. The copy only takes its
 * content-addressed name once complete, so the cache never holds a partial object. Returns the hash with the file's
 * stat and the time the read began (for the stat cache).
 */
function snapshot(src: string, projectDir: string): { sha: string; stat: fs.Stats; startedAt: number } {
  const startedAt = Date.now();
  const before = fs.statSync(src);
  const dir = path.join(projectDir, '.mldesk', 'cache');
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${randomUUID()}`);
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const rfd = fs.openSync(src, 'r');
  let wfd: number | null = null;
  try {
    wfd = fs.openSync(tmp, 'w');
    for (let at = 0; ; ) {
      const n = fs.readSync(rfd, buf, 0, buf.length, at);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      fs.writeSync(wfd, buf, 0, n);
      at += n;
    }
    fs.closeSync(wfd);
    wfd = null;
    const after = fs.statSync(src);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new MldeskError('CONFLICT', `${src} changed while it was being added; try again`);
    const sha = h.digest('hex');
    const dest = cachePath(projectDir, sha);
    if (fs.existsSync(dest)) fs.rmSync(tmp);
    else {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.renameSync(tmp, dest);
    }
    return { sha, stat: before, startedAt };
  } catch (e) {
    if (wfd !== null) fs.closeSync(wfd);
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    fs.closeSync(rfd);
  }
}

/** .gitignore gets the data file's line (and mldesk's cache lines when missing): in HEAD, the index and the working tree. */
function ignoreChange(rel: string): FileChange {
  return {
    path: '.gitignore',
    apply: (current) => {
      const text = current === null ? null : current.toString('utf8');
      const next = withLines(withLines(text, GITIGNORE_LINES, GITIGNORE_COMMENT), [`/${rel}`]);
      return next === text ? current : next;
    },
  };
}

/**
 * Describes a file: a strict streaming read (errors name file/line) counting rows, and the column types
 * DuckDB's sniffer gives. Nothing is materialized, so it works on files larger than memory; it throws
 * before anything is written.
 */
export async function describeFile(duck: Duck, file: string): Promise<{ format: DataFormat; rows: number; columns: Pointer['columns']; size: number }> {
  const src = openSource(file);
  try {
    const rows = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${scan(src, false)}`))[0]!.n);
    const cols = await describe(duck, scan(src, true)).catch(() => describe(duck, scan(src, false)));
    return { format: src.format, rows, size: src.size, columns: cols.map((c) => ({ name: c.name, type: columnTypeOf(c.type), sqlType: c.type })) };
  } catch (e) {
    throw readError(src, e);
  }
}

/**
 * `mldesk data add`: snapshot the file into the content-addressed cache (.mldesk/cache, git-ignored) and
 * commit a small pointer file. The data file itself leaves git's index (it is ignored from now on).
 * The commit holds the pointer, the .gitignore line and (when git tracked it) the data file's removal, and nothing
 * else: what the user has staged stays staged (see commitChanges). No commit when HEAD has this pointer already.
 */
export async function addDataset(duck: Duck, projectDir: string, file: string): Promise<{ pointer: Pointer; pointerPath: string; commit: string | null }> {
  const rel = projectRelative(projectDir, file);
  const abs = path.join(projectDir, rel);
  const info = await describeFile(duck, abs);
  const snap = snapshot(abs, projectDir);
  const sha = snap.sha;
  const pointer: Pointer = { schema: 'mldesk-dataset/1', path: rel, format: info.format, sha256: sha, size: info.size, rows: info.rows, columns: info.columns };
  const pointerRel = rel + POINTER_SUFFIX;
  const before = fs.existsSync(path.join(projectDir, pointerRel));
  const text = JSON.stringify(pointer, null, 2) + '\n';
  const commit = await commitChanges(
    projectDir,
    [
      { path: pointerRel, apply: () => text },
      ignoreChange(rel),
      // Stop tracking the data itself if it was committed before (the working file stays).
      { path: rel, untrack: true },
    ],
    `data: ${before ? 'update' : 'add'} ${rel} (${info.rows.toLocaleString('en')} rows, sha256 ${sha.slice(0, 12)})`,
  );
  const stats = StatCache.open(projectDir);
  stats.prime(rel, snap.stat, sha, snap.startedAt, info.rows);
  stats.save();
  return { pointer, pointerPath: pointerRel, commit };
}

export function readPointer(projectDir: string, rel: string): Pointer | null {
  const f = path.join(projectDir, rel + POINTER_SUFFIX);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Pointer) : null;
}

/** Versions of a dataset = the git history of its pointer file (newest first). */
export async function datasetVersions(projectDir: string, rel: string): Promise<DatasetVersion[]> {
  const filepath = rel + POINTER_SUFFIX;
  let commits: Awaited<ReturnType<typeof git.log>>;
  try {
    commits = await git.log({ fs, dir: projectDir, filepath });
  } catch {
    return [];
  }
  const out: DatasetVersion[] = [];
  for (const c of commits) {
    try {
      const { blob } = await git.readBlob({ fs, dir: projectDir, oid: c.oid, filepath });
      out.push({
        commit: c.oid,
        message: c.commit.message.trim(),
        author: c.commit.author.name,
        timestamp: c.commit.author.timestamp * 1000,
        pointer: JSON.parse(Buffer.from(blob).toString('utf8')) as Pointer,
      });
    } catch {
      // the pointer was deleted in this commit
    }
  }
  return out;
}

/** Resolves a version (full or abbreviated commit) of a dataset. */
async function versionAt(projectDir: string, rel: string, version: string): Promise<DatasetVersion> {
  const versions = await datasetVersions(projectDir, rel);
  const v = versions.find((x) => x.commit.startsWith(version));
  if (!v) throw new MldeskError('NOT_FOUND', `No version ${version} of ${rel} (known: ${versions.map((x) => x.commit.slice(0, 8)).join(', ') || 'none'})`);
  return v;
}

/** Resolves a version (full or abbreviated commit) of a dataset to its pointer. */
export async function pointerAt(projectDir: string, rel: string, version: string): Promise<Pointer> {
  return (await versionAt(projectDir, rel, version)).pointer;
}

/** Path of a version's content in the cache (NOT_FOUND when the object is not in this clone's cache). */
export function cachedFile(projectDir: string, p: Pointer): string {
  const f = cachePath(projectDir, p.sha256);
  if (!fs.existsSync(f)) throw new MldeskError('NOT_FOUND', `${p.path} @ sha256 ${p.sha256.slice(0, 12)} is not in this clone's cache (.mldesk/cache/${p.sha256.slice(0, 2)}/…)`);
  return f;
}

/** The working tree's pointer of `rel`, or null (none, or not a pointer). */
function workingPointer(projectDir: string, rel: string): Pointer | null {
  try {
    const p = readPointer(projectDir, rel);
    return p && typeof p.sha256 === 'string' && typeof p.size === 'number' ? p : null;
  } catch {
    return null;
  }
}

/**
 * Refuses (FAILED_PRECONDITION) when the working file differs from its pointer (from `target`'s pointer when the
 * working tree has none): checking out would lose changes never added as a version. The error says what differs.
 */
async function refuseLocalChanges(projectDir: string, rel: string, target: DatasetVersion, duck?: Duck): Promise<void> {
  const abs = path.join(projectDir, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return; // nothing there to lose
  }
  if (!st.isFile()) throw new MldeskError('FAILED_PRECONDITION', `${rel} is not a file; move it away before checking out a version`);
  const own = workingPointer(projectDir, rel);
  const against = own ?? target.pointer;
  const stats = StatCache.open(projectDir);
  try {
    const w = await stats.get(rel, st);
    if (w.sha256 === against.sha256) return;
    const full = duck ? await stats.get(rel, st, { duck, format: against.format }) : w;
    const whose = own ? "the pointer's" : `version ${target.commit.slice(0, 8)}'s`;
    throw new MldeskError('FAILED_PRECONDITION', `${describeLocalChanges(rel, full, against, whose)}; commit them with \`mldesk data add\` or pass --force to overwrite them`, {
      path: rel,
      working: full,
      pointer: { sha256: against.sha256, size: against.size, rows: against.rows },
    });
  } finally {
    stats.save();
  }
}

/**
 * `mldesk data checkout`: restore a version of the file into the working tree, and its pointer with it (the
 * pointer file as committed in that version: `git status` shows it changed until the next `data add`, and runs
 * record the version really in use). Refused when the working file has changes that were never added as a
 * version, unless `force`. `duck` counts the working file's rows for that message.
 */
export async function checkoutDataset(projectDir: string, file: string, version: string, opts: { force?: boolean; duck?: Duck; dataDir?: string } = {}): Promise<Pointer> {
  const rel = projectRelative(projectDir, file);
  const v = await versionAt(projectDir, rel, version);
  const { blob } = await git.readBlob({ fs, dir: projectDir, oid: v.commit, filepath: rel + POINTER_SUFFIX });
  // Refused before anything is fetched or written.
  if (!opts.force) await refuseLocalChanges(projectDir, rel, v, opts.duck);
  // Not in this clone's cache: pulled from the project's default remote (credentials from `dataDir`), if it has one.
  const object = await ensureCached(projectDir, v.pointer, opts.dataDir);
  atomicCopy(object, path.join(projectDir, rel));
  atomicCopy({ bytes: blob }, path.join(projectDir, rel + POINTER_SUFFIX));
  return v.pointer;
}

/** Every dataset pointer in the project's working tree. */
export function listPointers(projectDir: string): Pointer[] {
  const out: Pointer[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === '.mldesk' || e.name === 'node_modules') continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith(POINTER_SUFFIX)) {
        try {
          out.push(JSON.parse(fs.readFileSync(abs, 'utf8')) as Pointer);
        } catch {
          // not ours
        }
      }
    }
  };
  walk(projectDir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
