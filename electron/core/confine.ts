import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MldeskError, type ErrorCode } from '../../shared/contract/errors';
import { callerIs } from './principal';

/**
 * Path confinement: the one place that turns a path given in a request into a file-system path.
 *
 * - `checkPathSyntax` refuses what no file system should see (NUL, Windows syntax on POSIX, over-long names).
 * - `confine(root, p)` resolves `p` (relative or absolute) inside `root`, refusing escapes by `..` and by symlinks
 *   (the realpath of the deepest existing ancestor must stay inside the realpath of the root).
 * - `resolveRequestPath(p)` resolves a path a caller names directly (a data file, a working folder, a project
 *   folder): relative only against a given base (never the server's working directory), and for callers below
 *   admin only inside the registered project folders (`allowedRoots()`).
 * - `safeFsError(e, shown)` turns a Node fs error into an MldeskError whose message names the path as the user
 *   gave it, never an absolute server path.
 */

/** Longest file or folder name (bytes) on the common file systems. */
export const MAX_SEGMENT_BYTES = 255;
/** Longest path (bytes): Linux PATH_MAX. */
export const MAX_PATH_BYTES = 4096;

const IS_WINDOWS = process.platform === 'win32';

/** A path as it may appear in a message: the user's text, NUL made visible, long ones shortened. */
export function showPath(p: string): string {
  const visible = p.replace(/\0/g, '\\0');
  return visible.length > 160 ? `${visible.slice(0, 100)}…${visible.slice(-40)}` : visible;
}

const invalid = (what: string, p: string, why: string) => new MldeskError('INVALID_INPUT', `Invalid ${what} '${showPath(p)}': ${why}`);

/** Refuses NUL, backslashes and drive letters on POSIX, names over 255 bytes and paths over 4096 bytes; returns `p`. */
export function checkPathSyntax(p: string, what = 'path'): string {
  if (typeof p !== 'string' || p === '') throw new MldeskError('INVALID_INPUT', `Invalid ${what}: a path is required`);
  if (p.includes('\0')) throw invalid(what, p, 'it must not contain NUL');
  if (!IS_WINDOWS) {
    if (p.includes('\\')) throw invalid(what, p, 'it must not contain backslashes (use / on this server)');
    if (/^[A-Za-z]:/.test(p)) throw invalid(what, p, 'Windows drive paths are not valid on this server');
  }
  if (Buffer.byteLength(p, 'utf8') > MAX_PATH_BYTES) throw invalid(what, p, `it is longer than ${MAX_PATH_BYTES} bytes`);
  for (const seg of p.split(IS_WINDOWS ? /[\\/]/ : '/')) {
    if (Buffer.byteLength(seg, 'utf8') > MAX_SEGMENT_BYTES) throw invalid(what, p, `a file or folder name is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return p;
}

/** True when `abs` is `root` or lies under it (both absolute, normalised; compared lexically). */
export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

const errnoOf = (e: unknown): string | undefined => {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * The real location of `abs`: realpath of its deepest existing ancestor joined with the rest. A dangling symlink on
 * the way is refused (a write through it would land wherever it points). `shown` names the path in errors.
 */
export function realpathDeep(abs: string, shown = abs, what = 'path'): string {
  const tail: string[] = [];
  let probe = abs;
  for (;;) {
    try {
      const real = fs.realpathSync(probe);
      return tail.length ? path.join(real, ...tail.reverse()) : real;
    } catch (e) {
      const code = errnoOf(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw safeFsError(e, shown);
      let link = false;
      try {
        link = fs.lstatSync(probe).isSymbolicLink();
      } catch {
        link = false;
      }
      if (link) throw new MldeskError('INVALID_INPUT', `Invalid ${what} '${showPath(shown)}': it goes through a broken symbolic link`);
      const parent = path.dirname(probe);
      if (parent === probe) return abs;
      tail.push(path.basename(probe));
      probe = parent;
    }
  }
}

const HOME_RE = /^~(?=$|\/)/;
/** `~` and `~/…` name the server user's home folder. */
function expandHome(p: string): string {
  return HOME_RE.test(p) ? path.join(os.homedir(), p.slice(1)) : p;
}

export interface ConfineOptions {
  /** How the root is named in messages ("the project", "the artifact store"). */
  inside?: string;
  /** Error code of an escape (default INVALID_INPUT). */
  code?: ErrorCode;
  /** Lexical check only: symlinks inside the root may lead elsewhere (for callers who may read anywhere anyway). */
  lexical?: boolean;
}

/**
 * Resolves `userPath` (relative to `root`, or absolute) and refuses anything outside `root`: `..` escapes, and
 * symlinks whose target exists outside it. Returns the absolute (lexical) path; never looks at process.cwd().
 */
export function confine(root: string, userPath: string, what = 'path', opts: ConfineOptions = {}): string {
  checkPathSyntax(userPath, what);
  if (!path.isAbsolute(root)) throw new MldeskError('INTERNAL', `confine: the root of ${what} must be absolute`);
  const base = path.resolve(root);
  const abs = path.resolve(base, userPath);
  const escape = () =>
    new MldeskError(opts.code ?? 'INVALID_INPUT', `Invalid ${what} '${showPath(userPath)}': it is not inside ${opts.inside ?? 'the folder it belongs to'}`);
  if (!isInside(base, abs)) throw escape();
  if (Buffer.byteLength(abs, 'utf8') > MAX_PATH_BYTES) throw invalid(what, userPath, 'the path is too long');
  if (!opts.lexical && !isInside(realpathDeep(base, userPath, what), realpathDeep(abs, userPath, what))) throw escape();
  return abs;
}

// ── who may name which absolute paths ────────────────────────────────────────────────────────────

/** The folders non-admin callers may name: the registered projects' directories. */
export type ProjectRootsProvider = () => string[];

const providers = new Set<ProjectRootsProvider>();

/**
 * Registers where the registered projects live (ProjectsService does, in its constructor). Several engines in one
 * process each register theirs; a provider that throws (its store was closed) is dropped. Returns an unregister
 * function.
 */
export function setProjectRootsProvider(fn: ProjectRootsProvider): () => void {
  providers.add(fn);
  return () => {
    providers.delete(fn);
  };
}

/**
 * Folders the current caller may name by absolute path: null for admin and owner (anything, after syntax checks),
 * otherwise the registered project directories (`provider`'s when given, else every registered provider's).
 */
export function allowedRoots(provider?: ProjectRootsProvider): string[] | null {
  if (callerIs('admin')) return null;
  if (provider) {
    try {
      return provider();
    } catch {
      return [];
    }
  }
  const out: string[] = [];
  for (const p of [...providers]) {
    try {
      out.push(...p());
    } catch {
      providers.delete(p);
    }
  }
  return out;
}

export interface RequestPathOptions {
  /** Folder a relative path is resolved against; without one a relative path is refused. */
  base?: string;
  /** The project roots of the engine serving the request (else every registered engine's). */
  roots?: ProjectRootsProvider;
}

/**
 * A path a caller names directly (a data file, a working folder, a project folder): checked for syntax, `~`
 * expanded, relative paths resolved against `opts.base` only, and for callers below admin kept inside the
 * registered projects (FORBIDDEN otherwise, symlinks included).
 */
export function resolveRequestPath(userPath: string, what: string, opts: RequestPathOptions = {}): string {
  checkPathSyntax(userPath, what);
  const expanded = expandHome(userPath);
  let abs: string;
  if (path.isAbsolute(expanded)) abs = path.normalize(expanded);
  else if (opts.base && path.isAbsolute(opts.base)) abs = path.resolve(opts.base, expanded);
  else throw new MldeskError('INVALID_INPUT', `Invalid ${what} '${showPath(userPath)}': it must be an absolute path`);
  if (abs.length > 1 && abs.endsWith(path.sep)) abs = abs.slice(0, -1);
  if (Buffer.byteLength(abs, 'utf8') > MAX_PATH_BYTES) throw invalid(what, userPath, 'the path is too long');
  const roots = allowedRoots(opts.roots);
  if (roots === null) return abs;
  const real = realpathDeep(abs, userPath, what);
  for (const root of roots) {
    if (!path.isAbsolute(root)) continue;
    if (isInside(path.resolve(root), abs) && isInside(realpathDeep(path.resolve(root)), real)) return abs;
  }
  throw new MldeskError('FORBIDDEN', `${what[0]!.toUpperCase()}${what.slice(1)} '${showPath(userPath)}': path is outside the registered projects`);
}

// ── errors ──────────────────────────────────────────────────────────────────────────────────────

const FS_CODES: Record<string, { code: ErrorCode; text: string }> = {
  ENOENT: { code: 'NOT_FOUND', text: 'does not exist' },
  EACCES: { code: 'FORBIDDEN', text: 'permission denied' },
  EPERM: { code: 'FORBIDDEN', text: 'operation not permitted' },
  EROFS: { code: 'FORBIDDEN', text: 'read-only file system' },
  ENAMETOOLONG: { code: 'INVALID_INPUT', text: 'the name is too long' },
  EINVAL: { code: 'INVALID_INPUT', text: 'invalid path' },
  ERR_INVALID_ARG_VALUE: { code: 'INVALID_INPUT', text: 'invalid path' },
  ERR_INVALID_ARG_TYPE: { code: 'INVALID_INPUT', text: 'invalid path' },
  EISDIR: { code: 'INVALID_INPUT', text: 'is a folder, not a file' },
  ENOTDIR: { code: 'INVALID_INPUT', text: 'a part of the path is a file, not a folder' },
  EEXIST: { code: 'ALREADY_EXISTS', text: 'already exists' },
  ENOTEMPTY: { code: 'CONFLICT', text: 'the folder is not empty' },
  ELOOP: { code: 'INVALID_INPUT', text: 'too many symbolic links' },
  ENOSPC: { code: 'UNAVAILABLE', text: 'no space left on the device' },
  EDQUOT: { code: 'UNAVAILABLE', text: 'disk quota exceeded' },
  EMFILE: { code: 'UNAVAILABLE', text: 'too many open files' },
  EBUSY: { code: 'UNAVAILABLE', text: 'the resource is busy' },
};

/** True for errors Node's fs (and friends like isomorphic-git's fs calls) throw. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  const code = errnoOf(e);
  return e instanceof Error && code !== undefined && (code in FS_CODES || typeof (e as NodeJS.ErrnoException).syscall === 'string');
}

/**
 * Maps a Node fs error to an MldeskError naming `displayPath` (the path as the user gave it) and never the absolute
 * server path; anything else is returned unchanged. Use as `throw safeFsError(e, shown)`.
 */
export function safeFsError(e: unknown, displayPath: string): unknown {
  if (e instanceof MldeskError || !isFsError(e)) return e;
  const code = errnoOf(e)!;
  const known = FS_CODES[code];
  const shown = showPath(displayPath);
  return known
    ? new MldeskError(known.code, `'${shown}': ${known.text}`, { errno: code })
    : new MldeskError('INTERNAL', `'${shown}': file system error ${code}`, { errno: code });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** What may follow a path in a message: its end, a separator, or punctuation. */
const PATH_END = `(?=$|[\\/\\s:'"),;@])`;

/**
 * For errors raised while working on files the user named differently: fs errors become safeFsError (named by
 * the matching pair's shown path), and absolute paths in MldeskError messages and `details.file` are replaced by
 * the user's names. `pairs` = [absolute path, as shown].
 */
export function redactPaths(e: unknown, pairs: Array<[abs: string, shown: string]>): unknown {
  const sorted = [...pairs].filter(([abs]) => abs !== '').sort((a, b) => b[0].length - a[0].length);
  if (isFsError(e) && !(e instanceof MldeskError)) {
    const p = typeof e.path === 'string' ? e.path : '';
    const hit = sorted.find(([abs]) => p === abs || p.startsWith(abs + path.sep));
    const shown = hit ? hit[1] + p.slice(hit[0].length).split(path.sep).join('/') : path.basename(p) || sorted[0]?.[1] || 'file';
    return safeFsError(e, shown);
  }
  if (!(e instanceof MldeskError)) return e;
  // Whole paths only: `/data/a` must not rewrite `/data/ab`.
  const swap = (s: string) => sorted.reduce((acc, [abs, shown]) => acc.replace(new RegExp(escapeRe(abs) + PATH_END, 'g'), () => shown), s);
  const message = swap(e.message);
  const details = e.details;
  let nextDetails = details;
  if (details && typeof details === 'object' && typeof (details as { file?: unknown }).file === 'string') {
    nextDetails = { ...(details as Record<string, unknown>), file: swap((details as { file: string }).file) };
  }
  if (message === e.message && nextDetails === details) return e;
  return new MldeskError(e.code, message, nextDetails);
}
