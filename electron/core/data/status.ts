import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { MldeskError } from '../../../shared/contract/errors';
import type { Duck } from './duck';
import { describeLocalChanges, StatCache, type WorkingFile } from './statCache';
import { cachePath, POINTER_SUFFIX, projectRelative, type Pointer } from './versions';

/**
 * `mldesk data status` (like `dvc status`): the state of each dataset of a project's working tree.
 *
 * - `current`     the working file is the version its pointer names, and that version is in .mldesk/cache
 * - `modified`    the working file differs from its pointer (changes never added as a version)
 * - `missing`     no working file; `cached` says whether its version is in the cache (restorable by checkout)
 * - `not-cached`  the working file matches its pointer but the pointer's object is not in .mldesk/cache
 * - `not-added`   a data-looking file without a pointer: extension .csv/.tsv/.parquet/.pq/.jsonl/.ndjson, outside
 *                 hidden folders and node_modules, and not ignored by the project's git (.gitignore)
 *
 * Working files are hashed only when their size, mtime, ctime or inode changed since they were last hashed (see
 * StatCache); a modified file also gets its rows counted, once per content.
 */

export type DatasetState = 'current' | 'modified' | 'missing' | 'not-cached' | 'not-added';

export interface DatasetStatus {
  path: string;
  state: DatasetState;
  /** What the pointer names (null: not-added). */
  pointer: { sha256: string; size: number; rows: number } | null;
  /** The working file (null: missing). `sha256` is null for not-added files (never hashed); `rows` is counted for modified ones only. */
  working: { sha256: string | null; size: number; rows: number | null } | null;
  /** The pointer's object is in .mldesk/cache (a checkout can restore it). */
  cached: boolean;
  /** One line for people. */
  message: string;
}

export interface ProjectStatus {
  datasets: DatasetStatus[];
  /** Working files read and hashed by this call (the others were answered by the stat cache). */
  hashed: number;
  elapsedMs: number;
}

/** Extensions of the files `not-added` looks for. */
export const DATA_EXTENSIONS = ['.csv', '.tsv', '.parquet', '.pq', '.jsonl', '.ndjson'];

const isDataFile = (name: string) => DATA_EXTENSIONS.includes(path.extname(name).toLowerCase());
const short = (sha: string) => `${sha.slice(0, 12)}…`;
const rowsText = (n: number) => `${n.toLocaleString('en')} rows`;

/** Pointer files (project-relative data paths) and data-looking files of the working tree, in one walk. */
function walk(projectDir: string): { pointers: string[]; dataFiles: string[] } {
  const pointers: string[] = [];
  const dataFiles: string[] = [];
  const visit = (absDir: string, relDir: string, hidden: boolean) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to report from it
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === '.mldesk' || e.name === 'node_modules') continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path.join(absDir, e.name), rel, hidden || e.name.startsWith('.'));
      else if (!e.isFile()) continue;
      else if (e.name.endsWith(POINTER_SUFFIX) && e.name.length > POINTER_SUFFIX.length) pointers.push(rel.slice(0, -POINTER_SUFFIX.length));
      else if (!hidden && isDataFile(e.name)) dataFiles.push(rel);
    }
  };
  visit(projectDir, '', false);
  return { pointers, dataFiles };
}

/** The pointer of `rel` in the working tree; null when there is none or it is not one of ours. */
function readOwnPointer(projectDir: string, rel: string): Pointer | null {
  try {
    const p = JSON.parse(fs.readFileSync(path.join(projectDir, rel + POINTER_SUFFIX), 'utf8')) as Pointer;
    return p && p.schema === 'mldesk-dataset/1' && typeof p.sha256 === 'string' && typeof p.size === 'number' ? p : null;
  } catch {
    return null;
  }
}

function isCached(projectDir: string, sha: string): boolean {
  try {
    return fs.existsSync(cachePath(projectDir, sha));
  } catch {
    return false; // not a sha256: nothing in the cache has that name
  }
}

async function pointerStatus(projectDir: string, rel: string, p: Pointer, stats: StatCache, duck: Duck | null): Promise<DatasetStatus> {
  const pointer = { sha256: p.sha256, size: p.size, rows: p.rows };
  const cached = isCached(projectDir, p.sha256);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(path.join(projectDir, rel));
  } catch {
    st = null;
  }
  if (!st || !st.isFile()) {
    const message = cached
      ? `${rel} is missing; its version (sha256 ${short(p.sha256)}) is in the cache: \`mldesk data checkout\` restores it`
      : `${rel} is missing, and its version (sha256 ${short(p.sha256)}) is not in this clone's cache`;
    return { path: rel, state: 'missing', pointer, working: null, cached, message };
  }
  let w: WorkingFile = await stats.get(rel, st);
  if (w.sha256 !== p.sha256) {
    if (duck) w = await stats.get(rel, st, { duck, format: p.format });
    const message = describeLocalChanges(rel, w, pointer) + (cached ? '' : "; the pointer's version is not in the cache");
    return { path: rel, state: 'modified', pointer, working: { sha256: w.sha256, size: w.size, rows: w.rows ?? null }, cached, message };
  }
  const working = { sha256: w.sha256, size: w.size, rows: p.rows };
  if (!cached) {
    const message = `${rel} matches its pointer, but its version (sha256 ${short(p.sha256)}) is not in .mldesk/cache: \`mldesk data add ${rel}\` caches it again`;
    return { path: rel, state: 'not-cached', pointer, working, cached, message };
  }
  return { path: rel, state: 'current', pointer, working, cached, message: `${rel} is current (${rowsText(p.rows)}, sha256 ${short(p.sha256)})` };
}

function notAdded(rel: string, size: number): DatasetStatus {
  return { path: rel, state: 'not-added', pointer: null, working: { sha256: null, size, rows: null }, cached: false, message: `${rel} has no pointer: \`mldesk data add ${rel}\` versions it` };
}

/**
 * The status of every dataset of the project (and its not-added data files), or of `paths` only (relative to the
 * project, or absolute inside it). `duck` counts the rows of modified files (omitted when null).
 */
export async function projectStatus(duck: Duck | null, projectDir: string, paths?: string[]): Promise<ProjectStatus> {
  const started = performance.now();
  const stats = StatCache.open(projectDir);
  const out: DatasetStatus[] = [];
  try {
    if (paths) {
      for (const rel of [...new Set(paths.map((p) => projectRelative(projectDir, p)))]) {
        const p = readOwnPointer(projectDir, rel);
        if (p) out.push(await pointerStatus(projectDir, rel, p, stats, duck));
        else {
          const st = fs.statSync(path.join(projectDir, rel), { throwIfNoEntry: false });
          if (!st?.isFile()) throw new MldeskError('NOT_FOUND', `${rel}: no dataset pointer and no file at that path`);
          out.push(notAdded(rel, st.size));
        }
      }
    } else {
      const { pointers, dataFiles } = walk(projectDir);
      const datasets = new Set<string>();
      for (const rel of pointers) {
        const p = readOwnPointer(projectDir, rel);
        if (!p) continue;
        datasets.add(rel);
        out.push(await pointerStatus(projectDir, rel, p, stats, duck));
      }
      for (const rel of dataFiles) {
        if (datasets.has(rel)) continue;
        if (await git.isIgnored({ fs, dir: projectDir, filepath: rel }).catch(() => false)) continue;
        const st = fs.statSync(path.join(projectDir, rel), { throwIfNoEntry: false });
        if (st?.isFile()) out.push(notAdded(rel, st.size));
      }
    }
  } finally {
    stats.save();
  }
  out.sort((a, b) => a.path.localeCompare(b.path));
  return { datasets: out, hashed: stats.hashed, elapsedMs: Math.round(performance.now() - started) };
}
