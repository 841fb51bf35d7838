import fs from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { MldeskError } from '../../../../shared/contract/errors';

/** Thrown when bytes do not hash to the name they travel under. */
export class DigestMismatch extends MldeskError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly bytes: number,
  ) {
    super('CONFLICT', `the bytes hash to sha256 ${actual.slice(0, 12)}… (${bytes.toLocaleString('en')} bytes), not ${expected.slice(0, 12)}…`);
  }
}

/**
 * Passes bytes through while hashing them, and holds the last chunk back until the digest is known: when the bytes do
 * not hash to `sha` (or are not `size` long) the stream errors instead of delivering its end, so a receiver that
 * counts bytes (Content-Length, a multipart upload, a temp file renamed on completion) never sees a complete object.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;
  bytes = 0;

  constructor(
    private readonly sha: string,
    private readonly size: number,
    private readonly onBytes: (n: number) => void = () => {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.held) {
      this.push(this.held);
      this.onBytes(this.held.length);
    }
    this.held = chunk;
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const digest = this.hash.digest('hex');
    if (digest !== this.sha || this.bytes !== this.size) return cb(new DigestMismatch(this.sha, digest, this.bytes));
    if (this.held) {
      this.push(this.held);
      this.onBytes(this.held.length);
    }
    cb();
  }
}

/** Feeds a file's first `bytes` bytes into `hash` (resuming a partial download without reading it twice later). */
export async function hashFilePrefix(file: string, bytes: number, hash: Hash): Promise<void> {
  if (bytes <= 0) return;
  const s = fs.createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 });
  for await (const chunk of s) hash.update(chunk as Buffer);
}

export async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  const size = fs.statSync(file).size;
  await hashFilePrefix(file, size, h);
  return h.digest('hex');
}

/** Runs `fn` over `items` with at most `limit` at once; every item runs, then the first error (if any) is thrown. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw (failed as { error: unknown }).error;
}
