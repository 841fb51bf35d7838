import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MldeskError } from '../../../../shared/contract/errors';
import { objectKey, type RemoteStore } from './types';

/** Temp uploads older than this are someone's interrupted push: removed when a push starts. */
export const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * A folder as a remote: a shared drive, a NAS mount, another disk. Uploads go to `<root>/tmp/` and are renamed into
 * place once complete and verified, so a reader never sees a partial object, even while another teammate pushes.
 */
export class FolderRemote implements RemoteStore {
  readonly kind = 'folder' as const;

  constructor(readonly root: string) {}

  private file(sha: string): string {
    return path.join(this.root, ...objectKey(sha).split('/'));
  }

  async stat(shas: readonly string[]): Promise<Map<string, number>> {
    this.checkRoot();
    const out = new Map<string, number>();
    for (const sha of shas) {
      try {
        out.set(sha, fs.statSync(this.file(sha)).size);
      } catch {
        // absent
      }
    }
    return out;
  }

  private checkRoot(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.root);
    } catch {
      throw new MldeskError('NOT_FOUND', `The remote folder ${this.root} does not exist (create it, or mount the shared drive)`);
    }
    if (!st.isDirectory()) throw new MldeskError('INVALID_INPUT', `The remote ${this.root} is not a folder`);
  }

  /** Removes temp files of interrupted uploads (older than a day: a teammate's push may be running right now). */
  cleanStaleTemps(now = Date.now()): number {
    const dir = path.join(this.root, 'tmp');
    let n = 0;
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const f = path.join(dir, name);
      try {
        if (now - fs.statSync(f).mtimeMs > STALE_TEMP_MS) {
          fs.rmSync(f, { force: true });
          n++;
        }
      } catch {
        // gone already
      }
    }
    return n;
  }

  async put(sha: string, body: Readable, _size: number): Promise<void> {
    this.checkRoot();
    const dest = this.file(sha);
    const tmpDir = path.join(this.root, 'tmp');
    fs.mkdirSync(tmpDir, { recursive: true });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = path.join(tmpDir, `${sha}.${randomUUID()}.part`);
    try {
      await pipeline(body, fs.createWriteStream(tmp, { flags: 'wx', highWaterMark: 1 << 20 }));
      // On the disk (a shared drive may be read by a teammate the next second) before it takes its name.
      const fd = fs.openSync(tmp, 'r+');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, dest);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  async get(sha: string, offset: number): Promise<Readable> {
    const f = this.file(sha);
    if (!fs.existsSync(f)) throw new MldeskError('NOT_FOUND', `Object ${sha.slice(0, 12)}… is not in the remote folder`);
    return fs.createReadStream(f, { start: offset, highWaterMark: 1 << 20 });
  }

  async remove(sha: string): Promise<void> {
    fs.rmSync(this.file(sha), { force: true });
  }

  async close(): Promise<void> {}
}
