import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

/**
 * The `docker save` tarball (Engine 20.10: `<v1id>/{VERSION,json,layer.tar}`, `<config digest>.json`, then
 * `manifest.json` and `repositories` last) rewritten on the fly without the layers the receiving engine already has.
 *
 * Why this is safe: moby's `image/tarexport/load.go` untars the whole upload, then for each layer i of each manifest
 * entry asks its layer store for the chain ID of layers 0..i (`lss.Get(rootFS.ChainID())`) and opens `layer.tar` only
 * when that chain is missing (`loadLayer`). A layer whose chain the remote holds is never read, so its file may be
 * absent. The engine still checks every layer it does load against the config's diff IDs, and the image ID it
 * creates is the config's digest, so a trimmed tarball cannot produce a different image without the check noticing.
 */

/** Chain IDs of an image's layers: chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}

/**
 * The diff IDs whose content the receiver does not need: every position of that diff in the image has its chain on
 * the receiver. (A diff repeated in one image is saved once; it must be sent if any of its positions is missing.)
 */
export function skippableDiffs(diffIds: readonly string[], present: ReadonlySet<string>): Set<string> {
  const chains = chainIds(diffIds);
  const needed = new Set<string>();
  const maybe = new Set<string>();
  diffIds.forEach((d, i) => (present.has(chains[i]!) ? maybe : needed).add(d));
  for (const d of needed) maybe.delete(d);
  return maybe;
}

export interface TrimStats {
  /** Bytes read from the save stream. */
  readBytes: number;
  /** Bytes of the rewritten tarball handed on. */
  sentBytes: number;
  /** `layer.tar` entries left out, and the layer positions they stood for. */
  skippedEntries: number;
  skippedLayers: number;
  /** `layer.tar` entries seen (sent or not). */
  layerEntries: number;
}

export interface TrimOptions {
  /** Diff IDs not to send (see skippableDiffs). Empty: the tarball passes through unchanged, entry by entry. */
  skip: ReadonlySet<string>;
  /** How many positions of the image each diff ID stands for (to count skipped layers, not entries). */
  positions: ReadonlyMap<string, number>;
  /** Called often (throttle on the caller's side). */
  onProgress?: (s: TrimStats) => void;
  /** A rewrite hook for tests that need a tampered tarball (a changed config must be caught on arrival). */
  rewrite?: (name: string, data: Buffer) => Buffer;
}

/** Layers up to this size are held in memory while their digest is computed; larger ones go to a temp file. */
const IN_MEMORY_MAX = 16 * 1024 * 1024;

/**
 * Rewrites a saved-image tarball. A `layer.tar` can only be recognised by its digest (its folder name is a v1 ID),
 * so when something may be skipped each layer is held back (memory or a temp file) until its sha256 — its diff ID,
 * since save writes layers uncompressed — is known; a needed layer is then passed on, a present one dropped.
 * Returns the output stream at once; `done` settles when the input has been consumed and the output ended.
 */
export function trimSavedImage(input: Readable, o: TrimOptions): { output: Readable; stats: TrimStats; done: Promise<void> } {
  const stats: TrimStats = { readBytes: 0, sentBytes: 0, skippedEntries: 0, skippedLayers: 0, layerEntries: 0 };
  const tick = () => o.onProgress?.(stats);
  const counterIn = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      stats.readBytes += chunk.length;
      tick();
      cb(null, chunk);
    },
  });
  const output = new PassThrough();
  const counterOut = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      stats.sentBytes += chunk.length;
      tick();
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const pack = tar.pack();
  let spool: string | null = null;
  const spoolDir = () => (spool ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-transport-')));

  const readAll = async (s: Readable): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  const put = (header: tar.Header, data: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ ...header, size: data.length }, data, (err) => (err ? reject(err) : resolve())));
  const putStream = (header: tar.Header, s: Readable) =>
    new Promise<void>((resolve, reject) => {
      const w = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      s.on('error', reject);
      s.pipe(w as unknown as NodeJS.WritableStream);
    });

  const handle = async (header: tar.Header, body: Readable): Promise<void> => {
    const isLayer = header.type === 'file' && path.posix.basename(header.name) === 'layer.tar';
    if (isLayer) stats.layerEntries++;
    if (!isLayer || o.skip.size === 0) {
      if (o.rewrite && header.type === 'file') await put(header, o.rewrite(header.name, await readAll(body)));
      else await putStream(header, body);
      return;
    }
    // Held back until its digest says whether the receiver needs it.
    const h = createHash('sha256');
    let file: string | null = null;
    let mem: Buffer | null = null;
    if ((header.size ?? 0) <= IN_MEMORY_MAX || o.rewrite) {
      const parts: Buffer[] = [];
      for await (const c of body) {
        h.update(c as Buffer);
        parts.push(c as Buffer);
      }
      mem = Buffer.concat(parts);
    } else {
      file = path.join(spoolDir(), `${stats.layerEntries}.tar`);
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          h.update(chunk);
          cb(null, chunk);
        },
      });
      await pipeline(body, hashing, fs.createWriteStream(file));
    }
    try {
      const diff = `sha256:${h.digest('hex')}`;
      if (o.skip.has(diff)) {
        stats.skippedEntries++;
        stats.skippedLayers += o.positions.get(diff) ?? 1;
        tick();
        return;
      }
      if (mem) await put(header, o.rewrite ? o.rewrite(header.name, mem) : mem);
      else await putStream(header, fs.createReadStream(file!));
    } finally {
      if (file) fs.rmSync(file, { force: true });
    }
  };

  extract.on('entry', (header, stream, next) => {
    handle(header, stream as unknown as Readable).then(
      () => next(),
      (e: unknown) => next(e as Error),
    );
  });

  const done = (async () => {
    try {
      const finished = new Promise<void>((resolve, reject) => {
        extract.on('finish', resolve);
        extract.on('error', reject);
      });
      input.on('error', (e) => extract.destroy(e));
      input.pipe(counterIn).pipe(extract as unknown as NodeJS.WritableStream);
      const out = pipeline(pack as unknown as Readable, counterOut, output);
      await finished;
      pack.finalize();
      await out;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      input.destroy();
      extract.destroy();
      pack.destroy(err);
      output.destroy(err);
      throw err;
    } finally {
      if (spool) fs.rmSync(spool, { recursive: true, force: true });
    }
  })();
  done.catch(() => undefined); // the caller awaits it; an early failure must not be an unhandled rejection
  return { output, stats, done };
}
