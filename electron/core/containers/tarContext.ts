import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Transform, type Readable } from 'node:stream';
import * as tar from 'tar-stream';

/**
 * A build context described as entries (files read from disk, generated files, folders), packed as a tar stream for
 * the engine. Headers are deterministic (fixed mtime, root owner, explicit modes) so the same inputs give the same
 * context, the same layer cache hits and the same content digest.
 */
export type ContextEntry =
  | { kind: 'file'; name: string; source: string; mode?: number }
  | { kind: 'data'; name: string; data: Buffer | string; mode?: number }
  | { kind: 'dir'; name: string; mode?: number }
  | { kind: 'symlink'; name: string; target: string };

/** Every file in an image built here carries this mtime: a rebuild from the same bytes is the same layer. */
export const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

// ── hashing ──────────────────────────────────────────────────────────────────

const hashCache = new Map<string, string>();

/** sha256 (hex) of a file, cached by (device, inode, size, mtime) for the life of the process. */
export async function fileSha256(file: string): Promise<string> {
  const st = await fs.promises.stat(file);
  const key = `${file}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const hit = hashCache.get(key);
  if (hit) return hit;
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  const hex = h.digest('hex');
  hashCache.set(key, hex);
  return hex;
}

/** A digest of the entries (names, kinds, modes, contents): equal digests mean equal contexts. */
export async function contextDigest(entries: ContextEntry[], extra: string[] = []): Promise<string> {
  const h = createHash('sha256');
  for (const x of extra) h.update(`${x}\n`);
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const mode = 'mode' in e && e.mode !== undefined ? e.mode.toString(8) : '';
    if (e.kind === 'file') h.update(`f ${e.name} ${mode} ${await fileSha256(e.source)}\n`);
    else if (e.kind === 'data') h.update(`d ${e.name} ${mode} ${createHash('sha256').update(e.data).digest('hex')}\n`);
    else if (e.kind === 'dir') h.update(`D ${e.name} ${mode}\n`);
    else h.update(`l ${e.name} ${e.target}\n`);
  }
  return h.digest('hex');
}

/** Total bytes of file contents (for upload progress). */
export function contextSize(entries: ContextEntry[]): number {
  let n = 0;
  for (const e of entries) {
    if (e.kind === 'file') n += fs.statSync(e.source).size + 512;
    else if (e.kind === 'data') n += Buffer.byteLength(e.data) + 512;
    else n += 512;
  }
  return n;
}

// ── walking folders ──────────────────────────────────────────────────────────

/**
 * Entries for the files under `dir`, named `prefix/<relative path>`. Symbolic links are kept as links (never
 * followed: a link cannot pull a file from outside the folder into the image); `skip(rel, isDir)` drops paths.
 */
export function walkDir(dir: string, prefix: string, skip: (rel: string, isDir: boolean) => boolean = () => false): ContextEntry[] {
  const out: ContextEntry[] = [];
  const visit = (abs: string, rel: string) => {
    const items = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const it of items) {
      const r = rel ? `${rel}/${it.name}` : it.name;
      const a = path.join(abs, it.name);
      const name = prefix ? `${prefix}/${r}` : r;
      if (it.isSymbolicLink()) {
        if (!skip(r, false)) out.push({ kind: 'symlink', name, target: fs.readlinkSync(a) });
      } else if (it.isDirectory()) {
        if (skip(r, true)) continue;
        out.push({ kind: 'dir', name, mode: 0o755 });
        visit(a, r);
      } else if (it.isFile()) {
        if (skip(r, false)) continue;
        const exec = (fs.statSync(a).mode & 0o111) !== 0;
        out.push({ kind: 'file', name, source: a, mode: exec ? 0o755 : 0o644 });
      }
      // sockets, fifos, devices: never part of an image
    }
  };
  visit(dir, '');
  return out;
}

/** Adds the parent folders of every entry (a tar without them still works, but explicit modes are clearer). */
export function withParents(entries: ContextEntry[]): ContextEntry[] {
  const have = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.name));
  const out: ContextEntry[] = [];
  for (const e of entries) {
    const parts = e.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!have.has(d)) {
        have.add(d);
        out.push({ kind: 'dir', name: d, mode: 0o755 });
      }
    }
    out.push(e);
  }
  return out;
}

// ── packing ──────────────────────────────────────────────────────────────────

async function writeEntry(pack: tar.Pack, e: ContextEntry): Promise<void> {
  const base = { name: e.name, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  if (e.kind === 'dir') {
    await new Promise<void>((resolve, reject) => pack.entry({ ...base, type: 'directory', mode: e.mode ?? 0o755 }, (err) => (err ? reject(err) : resolve())));
    return;
  }
  if (e.kind === 'symlink') {
    await new Promise<void>((resolve, reject) => pack.entry({ ...base, type: 'symlink', linkname: e.target, mode: 0o777 }, (err) => (err ? reject(err) : resolve())));
    return;
  }
  if (e.kind === 'data') {
    const buf = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    await new Promise<void>((resolve, reject) => pack.entry({ ...base, type: 'file', mode: e.mode ?? 0o644, size: buf.length }, buf, (err) => (err ? reject(err) : resolve())));
    return;
  }
  const fh = await fs.promises.open(e.source, 'r');
  try {
    const size = (await fh.stat()).size;
    let finish!: Promise<void>;
    const w = await new Promise<ReturnType<tar.Pack['entry']>>((resolveEntry) => {
      finish = new Promise<void>((resolve, reject) => {
        const s = pack.entry({ ...base, type: 'file', mode: e.mode ?? 0o644, size }, (err) => (err ? reject(err) : resolve()));
        resolveEntry(s);
      });
    });
    const buf = Buffer.allocUnsafe(1 << 20);
    let left = size;
    while (left > 0) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left), size - left);
      if (bytesRead === 0) throw new Error(`${path.basename(e.source)} shrank while being packed`);
      left -= bytesRead;
      if (!w.write(Buffer.from(buf.subarray(0, bytesRead)))) await once(w as unknown as NodeJS.EventEmitter, 'drain');
    }
    (w as unknown as NodeJS.WritableStream).end();
    await finish;
  } finally {
    await fh.close();
  }
}

/**
 * The tar stream of `entries` as a Node readable; `onBytes` sees the running byte count. Errors while reading a
 * file destroy the stream (the engine then refuses the build) and reach the caller through `done`.
 */
export function packContext(entries: ContextEntry[], onBytes?: (n: number) => void): { stream: Readable; done: Promise<void> } {
  const pack = tar.pack();
  let sent = 0;
  const out = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      onBytes?.(sent);
      cb(null, chunk);
    },
  });
  pack.on('error', (err: Error) => out.destroy(err));
  pack.pipe(out);
  const done = (async () => {
    try {
      for (const e of entries) await writeEntry(pack, e);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
      out.destroy(err as Error);
      throw err;
    }
  })();
  done.catch(() => undefined);
  return { stream: out, done };
}
