import { formatBytes } from '../../../shared/lib/bytes';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { scan, type Duck } from './duck';
import { sha256File } from './hash';
import { openSource, type DataFormat } from './source';

/**
 * The stat cache of `data status` / `data checkout`: per working file (project-relative path) the size, mtime,
 * ctime and inode it had when it was last hashed, with that sha256 (and its row count once counted). A file whose
 * stat still matches is not read again. ctime is part of the key: a tool can set mtime back, not ctime, so an edit
 * is always seen.
 *
 * Racy timestamps (git's "racily clean" entries): an entry is trusted only when the file's timestamps are older than
 * the moment its hash was taken by more than the file system's timestamp granularity (100 ms; 2 s when the
 * timestamps are whole seconds). A file edited twice within one tick is re-hashed instead of trusted.
 *
 * It lives in `.mldesk/tmp/status-cache.json`; `.mldesk/tmp/` holds a `.gitignore` of `*`, so git never sees it even
 * in a repository whose .gitignore lacks mldesk's lines. Losing it costs one re-hash per dataset, nothing else.
 */

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
  /** Data rows, once counted (null: the file does not parse). */
  rows?: number | null;
  /** Date.now() when the hash was started. */
  checkedAt: number;
}

interface CacheFile {
  schema: 'mldesk-stat-cache/1';
  entries: Record<string, Entry>;
}

export interface WorkingFile {
  size: number;
  sha256: string;
  /** Undefined: not asked for; null: the file does not parse as its format. */
  rows?: number | null;
}

const SCHEMA = 'mldesk-stat-cache/1';

function tmpDir(projectDir: string): string {
  return path.join(projectDir, '.mldesk', 'tmp');
}

const margin = (st: { mtimeMs: number; ctimeMs: number }) => (st.mtimeMs % 1000 === 0 && st.ctimeMs % 1000 === 0 ? 2000 : 100);

const sameStat = (e: Entry, st: fs.Stats) => e.size === st.size && e.mtimeMs === st.mtimeMs && e.ctimeMs === st.ctimeMs && e.ino === st.ino;

/** Rows of a data file (one streaming count); null when it does not parse. */
export async function countRows(duck: Duck, file: string, format?: DataFormat): Promise<number | null> {
  try {
    const src = openSource(file, format);
    const [r] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${scan(src, false)}`);
    return Number(r!.n);
  } catch {
    return null;
  }
}

export class StatCache {
  private entries: Record<string, Entry> = {};
  private dirty = false;
  /** Entries hashed by this instance: trusted while their stat matches (one look at the project). */
  private readonly fresh = new Set<string>();
  /** Files hashed through this instance (the cache's misses). */
  hashed = 0;

  private constructor(private readonly projectDir: string) {}

  static open(projectDir: string): StatCache {
    const c = new StatCache(projectDir);
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(tmpDir(projectDir), 'status-cache.json'), 'utf8')) as CacheFile;
      if (parsed.schema === SCHEMA && parsed.entries && typeof parsed.entries === 'object') c.entries = parsed.entries;
    } catch {
      // none yet, or unreadable: start empty
    }
    return c;
  }

  /**
   * The working file `rel` (stat `st`, taken by the caller) with its sha256, hashed only when its stat changed since
   * it was last hashed; `rows` counts its rows too (once per content).
   */
  async get(rel: string, st: fs.Stats, rows?: { duck: Duck; format?: DataFormat }): Promise<WorkingFile> {
    const abs = path.join(this.projectDir, rel);
    let e = this.entries[rel];
    const trusted = e && sameStat(e, st) && (this.fresh.has(rel) || Math.max(st.mtimeMs, st.ctimeMs) < e.checkedAt - margin(st));
    if (!e || !trusted) {
      const checkedAt = Date.now();
      const sha256 = await sha256File(abs);
      this.hashed++;
      e = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, sha256, checkedAt };
      // Changed while being read: answer, but remember nothing.
      if (this.stable(abs, st)) {
        this.put(rel, e);
        this.fresh.add(rel);
      }
    }
    if (rows && e.rows === undefined) {
      const n = await countRows(rows.duck, abs, rows.format);
      e = { ...e, rows: n };
      if (this.stable(abs, st)) this.put(rel, e);
    }
    return { size: e.size, sha256: e.sha256, ...(rows ? { rows: e.rows ?? null } : {}) };
  }

  /** Records a hash computed elsewhere (`data add`'s snapshot): `st` and `checkedAt` as they were when that read began. */
  prime(rel: string, st: fs.Stats, sha256: string, checkedAt: number, rows?: number): void {
    this.put(rel, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, sha256, checkedAt, ...(rows === undefined ? {} : { rows }) });
  }

  private put(rel: string, e: Entry): void {
    this.entries[rel] = e;
    this.dirty = true;
  }

  private stable(abs: string, st: fs.Stats): boolean {
    try {
      return sameStat({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino } as Entry, fs.statSync(abs));
    } catch {
      return false;
    }
  }

  /** Writes the cache (atomically) when it changed and the project has a .mldesk folder; failures are ignored. */
  save(): void {
    if (!this.dirty || !fs.existsSync(path.join(this.projectDir, '.mldesk'))) return;
    const dir = tmpDir(this.projectDir);
    const tmp = path.join(dir, `.status-cache-${randomUUID()}`);
    try {
      fs.mkdirSync(dir, { recursive: true });
      const ignore = path.join(dir, '.gitignore');
      if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
      const body: CacheFile = { schema: SCHEMA, entries: this.entries };
      fs.writeFileSync(tmp, JSON.stringify(body));
      fs.renameSync(tmp, path.join(dir, 'status-cache.json'));
      this.dirty = false;
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}


/**
 * "data/train.csv has local changes (20,001 rows, 1.6 MB, sha256 1a2b3c4d5e6f… vs the pointer's 20,000 rows,
 * 1.6 MB, 9f8e7d6c5b4a…)": what `data status` says of a modified file and how `data checkout` refuses it.
 */
export function describeLocalChanges(rel: string, working: WorkingFile, pointer: { size: number; sha256: string; rows: number }, whose = "the pointer's"): string {
  const facts = (rows: number | null | undefined, size: number) => [typeof rows === 'number' ? `${rows.toLocaleString('en')} rows` : null, formatBytes(size)].filter(Boolean).join(', ');
  return `${rel} has local changes (${facts(working.rows, working.size)}, sha256 ${working.sha256.slice(0, 12)}… vs ${whose} ${facts(pointer.rows, pointer.size)}, ${pointer.sha256.slice(0, 12)}…)`;
}
