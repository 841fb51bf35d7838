import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ArtifactFile } from '../../../shared/contract/tracking';
import { invalidParam, notFound } from './errors';
import { safeRelativePath } from './validate';

const PROXY_SCHEME = 'mlflow-artifacts:';

/**
 * Artifact storage behind MLflow's artifact proxy: `mlflow-artifacts:/<path>` ↔ `<dataDir>/artifacts/<path>`.
 * Every path is normalised and checked to stay inside the root; writes go to a temp file then rename,
 * so a failed upload never leaves a partial artifact.
 */
export class ArtifactStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'artifacts');
    fs.mkdirSync(this.root, { recursive: true });
  }

  /** Absolute file path for a proxy-relative path (as in /mlflow-artifacts/artifacts/<path>). */
  resolve(relative: string): string {
    const rel = safeRelativePath(relative);
    const abs = path.resolve(this.root, rel);
    if (abs !== this.root && !abs.startsWith(this.root + path.sep)) throw invalidParam(`Invalid path '${relative}'`);
    // A symlink inside the root must not lead outside it either.
    let probe = abs;
    while (probe.startsWith(this.root + path.sep) && !fs.existsSync(probe)) probe = path.dirname(probe);
    if (fs.existsSync(probe)) {
      const real = fs.realpathSync(probe);
      const realRoot = fs.realpathSync(this.root);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw invalidParam(`Invalid path '${relative}'`);
    }
    return abs;
  }

  /** Local folder for a run/experiment artifact URI (mlflow-artifacts:/… or file:…), or null when remote. */
  localDirFor(uri: string): string | null {
    if (uri.startsWith(PROXY_SCHEME)) return this.resolve(uri.slice(PROXY_SCHEME.length).replace(/^\/+/, ''));
    if (uri.startsWith('file:')) return fileURLToPath(uri);
    if (path.isAbsolute(uri)) return uri;
    return null;
  }

  async write(relative: string, body: Readable, maxBytes = 5 * 1024 ** 3): Promise<number> {
    const target = this.resolve(relative);
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw invalidParam(`Cannot write '${relative}': it is a directory`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.upload-${randomUUID()}`);
    let size = 0;
    try {
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
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  read(relative: string): { file: string; size: number } {
    const file = this.resolve(relative);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw notFound(`Artifact '${relative}' not found`);
    return { file, size: fs.statSync(file).size };
  }

  delete(relative: string): void {
    const file = this.resolve(relative);
    if (file === this.root) throw invalidParam('Refusing to delete the artifact root');
    if (!fs.existsSync(file)) throw notFound(`Artifact '${relative}' not found`);
    fs.rmSync(file, { recursive: true, force: true });
  }

  /** Lists a folder; entries are relative to `base` (MLflow's convention for each API differs, the caller picks). */
  listDir(dir: string, relTo: string): ArtifactFile[] {
    if (!fs.existsSync(dir)) return [];
    const st = fs.statSync(dir);
    if (!st.isDirectory()) return [];
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.upload-'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => {
        const abs = path.join(dir, d.name);
        const rel = path.relative(relTo, abs).split(path.sep).join('/');
        return d.isDirectory() ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: fs.statSync(abs).size };
      });
  }
}
