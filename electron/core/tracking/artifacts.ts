import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ArtifactFile } from '../../../shared/contract/tracking';
import { MldeskError } from '../../../shared/contract/errors';
import { checkPathSyntax, confine, isInside, realpathDeep, safeFsError, showPath } from '../confine';
import { invalidParam, notFound } from './errors';
import { safeRelativePath } from './validate';

const PROXY_SCHEME = 'mlflow-artifacts:';

/** Repeated percent-decoding (MLflow's `_decode`): `%252e%252e` must not slip `..` past the check. */
function decodeFully(s: string): string {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      return cur;
    }
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}

/**
 * experiments/create's `artifact_location`: stored as given (MLflow clients write to s3://, gs://, … themselves),
 * but refused when MLflow's server refuses it (runs:/, fragments, `..` in a query) and when it is a `file:` URI with
 * a host or a query, or an `mlflow-artifacts:` URI with a query: such URIs dereference differently on each side.
 */
export function validateArtifactLocation(loc: string): void {
  const shown = showPath(loc);
  if (loc.includes('\0')) throw invalidParam(`Invalid artifact_location '${shown}': it must not contain NUL`);
  if (/^runs:/i.test(loc)) throw invalidParam('Artifact location cannot be a runs:/ URI. Please specify a valid location for the experiment.');
  if (loc.includes('#')) throw invalidParam("'artifact_location' URL can't include fragments or params.");
  const q = loc.indexOf('?');
  if (/^file:/i.test(loc)) {
    if (q >= 0) throw invalidParam(`Invalid artifact_location '${shown}': a file: URI can't include a query string`);
    let url: URL;
    try {
      url = new URL(loc);
    } catch {
      throw invalidParam(`Invalid artifact_location '${shown}': not a valid file: URI`);
    }
    if (url.host) throw invalidParam(`Invalid artifact_location '${shown}': a file: URI can't name a host (use file:///path)`);
    try {
      checkPathSyntax(fileURLToPath(url), 'artifact_location');
    } catch (e) {
      throw e instanceof MldeskError ? invalidParam(e.message) : invalidParam(`Invalid artifact_location '${shown}': not a valid file: URI`);
    }
  }
  if (loc.toLowerCase().startsWith(PROXY_SCHEME) && q >= 0) throw invalidParam(`Invalid artifact_location '${shown}': an mlflow-artifacts: URI can't include a query string`);
  if (q >= 0 && decodeFully(loc.slice(q + 1)).includes('..')) throw invalidParam('Invalid query string');
}

/**
 * Artifact storage behind MLflow's artifact proxy: `mlflow-artifacts:/<path>` ↔ `<dataDir>/artifacts/<path>`.
 * Only this folder is ever read or written on a caller's behalf: a run whose artifact URI points elsewhere
 * (s3://, gs://, a file: path outside the store) is served by its MLflow client, not by mldesk. Every path is
 * confined (no `..`, no symlink out, no over-long names); writes go to a temp file then rename, so a failed
 * upload never leaves a partial artifact.
 */
export class ArtifactStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = path.resolve(dataDir, 'artifacts');
    fs.mkdirSync(this.root, { recursive: true });
  }

  /** Absolute file path for a store-relative path (as in /mlflow-artifacts/artifacts/<path>). */
  resolve(relative: string): string {
    const rel = safeRelativePath(relative);
    if (!rel) return this.root;
    return confine(this.root, rel, 'path', { inside: 'the artifact store' });
  }

  /**
   * The store-relative folder of an artifact URI (a run's artifact_uri, an experiment's artifact_location) when it
   * lies in this store: `mlflow-artifacts:` URIs, and `file:` URIs or absolute paths under the store's folder.
   * Anything else is FAILED_PRECONDITION (MLflow: INVALID_STATE): mldesk does not dereference it.
   */
  relativeFor(uri: string, whose = 'this run'): string {
    const elsewhere = () =>
      new MldeskError('FAILED_PRECONDITION', `Artifacts of ${whose} live at ${showPath(uri)}; mldesk only serves artifacts under its own artifact store`, {
        error_code: 'INVALID_STATE',
      });
    if (uri.toLowerCase().startsWith(PROXY_SCHEME)) {
      let rest = uri.slice(PROXY_SCHEME.length);
      if (/[?#]/.test(rest)) throw elsewhere();
      // mlflow-artifacts://host:port/path names the server; the path is what counts.
      if (rest.startsWith('//')) {
        const slash = rest.indexOf('/', 2);
        rest = slash < 0 ? '' : rest.slice(slash);
      }
      return safeRelativePath(rest.replace(/^\/+/, ''), 'artifact URI');
    }
    let abs: string;
    if (/^file:/i.test(uri)) {
      if (/[?#]/.test(uri)) throw elsewhere();
      try {
        const url = new URL(uri);
        if (url.host) throw elsewhere();
        abs = fileURLToPath(url);
      } catch {
        throw elsewhere();
      }
    } else if (uri.startsWith('/') && path.isAbsolute(uri)) abs = uri;
    else throw elsewhere();
    try {
      checkPathSyntax(abs, 'artifact URI');
    } catch {
      throw elsewhere();
    }
    const norm = path.normalize(abs);
    // The store's folder as configured, or its real location (a data dir reached through a symlink).
    for (const base of [this.root, realpathDeep(this.root)]) {
      if (isInside(base, norm)) return path.relative(base, norm).split(path.sep).join('/');
    }
    throw elsewhere();
  }

  /** Absolute folder for an artifact URI in this store (see relativeFor), confined like any other path. */
  dirFor(uri: string, whose = 'this run'): string {
    return this.resolve(this.relativeFor(uri, whose));
  }

  async write(relative: string, body: Readable, maxBytes = 5 * 1024 ** 3): Promise<number> {
    const target = this.resolve(relative);
    if (target === this.root) throw invalidParam('An artifact path is required');
    let tmp: string | null = null;
    let size = 0;
    try {
      if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw invalidParam(`Cannot write '${showPath(relative)}': it is a directory`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      tmp = path.join(path.dirname(target), `.upload-${randomUUID()}`);
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > maxBytes) throw invalidParam(`Artifact exceeds ${maxBytes} bytes`);
            yield chunk;
          }
        },
        fs.createWriteStream(tmp),
      );
      fs.renameSync(tmp, target);
      return size;
    } catch (e) {
      if (tmp) fs.rmSync(tmp, { force: true });
      throw safeFsError(e, relative);
    }
  }

  /** Writes a small artifact in one go (launcher logs, reports). */
  writeSmall(relative: string, content: string | Buffer): void {
    const file = this.resolve(relative);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    } catch (e) {
      throw safeFsError(e, relative);
    }
  }

  /** Creates a folder (and its parents) in the store; returns its absolute path. */
  ensureDir(relative: string): string {
    const dir = this.resolve(relative);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw safeFsError(e, relative);
    }
    return dir;
  }

  read(relative: string): { file: string; size: number } {
    const file = this.resolve(relative);
    try {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw notFound(`Artifact '${showPath(relative)}' not found`);
      return { file, size: fs.statSync(file).size };
    } catch (e) {
      throw safeFsError(e, relative);
    }
  }

  delete(relative: string): void {
    const file = this.resolve(relative);
    if (file === this.root) throw invalidParam('Refusing to delete the artifact root');
    try {
      if (!fs.existsSync(file)) throw notFound(`Artifact '${showPath(relative)}' not found`);
      fs.rmSync(file, { recursive: true, force: true });
    } catch (e) {
      throw safeFsError(e, relative);
    }
  }

  /**
   * Lists the store folder `relative`; entry paths are relative to the store folder `base` (MLflow's convention
   * differs per API, the caller picks). A missing folder or a file lists as empty; symlinks leading out of the
   * store are left out.
   */
  list(relative: string, base = relative): ArtifactFile[] {
    const dir = this.resolve(relative);
    const relTo = this.resolve(base);
    let entries: fs.Dirent[];
    try {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw safeFsError(e, relative);
    }
    const realRoot = realpathDeep(this.root);
    return entries
      .filter((d) => !d.name.startsWith('.upload-'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((d): ArtifactFile[] => {
        const abs = path.join(dir, d.name);
        const rel = path.relative(relTo, abs).split(path.sep).join('/');
        try {
          if (d.isSymbolicLink() && !isInside(realRoot, fs.realpathSync(abs))) return [];
          const st = fs.statSync(abs);
          return st.isDirectory() ? [{ path: rel, is_dir: true }] : [{ path: rel, is_dir: false, file_size: st.size }];
        } catch {
          return []; // vanished or unreadable: not listed
        }
      });
  }
}
