import type { IncomingMessage, ServerResponse } from 'node:http';
import { type MldeskError } from '../../shared/contract/errors';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: MldeskError): void {
  sendJson(res, err.status, err.toJSON());
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes`);
  }
}

/** Reads the whole body, refusing early (without buffering the rest) once it passes `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Nesting depth (objects and arrays) a request body may have; real bodies stay far below it. */
export const DEFAULT_JSON_MAX_DEPTH = 100;

/** A JSON text nested deeper than allowed: a 400 for the caller, never a stack overflow in whatever walks the value. */
export class JsonTooDeep extends Error {
  readonly code = 'JSON_TOO_DEEP';
  constructor(
    readonly maxDepth: number,
    /** Offset (UTF-16 units) of the bracket that went past the limit. */
    readonly offset: number,
  ) {
    super(`JSON nesting is deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeep';
  }
}

/**
 * Throws JsonTooDeep when `text` nests objects/arrays more than `maxDepth` levels, counting brackets outside strings
 * only. One pass, no allocation; malformed text is left for the parser to report (this only ever refuses depth).
 */
export function assertJsonDepth(text: string, maxDepth: number = DEFAULT_JSON_MAX_DEPTH): void {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: stop at the next quote that is not escaped.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) throw new JsonTooDeep(maxDepth, i);
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
}

/**
 * JSON.parse behind a depth limit: throws JsonTooDeep (checked first, before any parsing) or JSON.parse's SyntaxError.
 * V8's JSON.parse itself copes with deep input, but everything that walks the result recursively (zod, JSON.stringify,
 * the proto parser) overflows the stack, so the limit belongs at the edge.
 */
export function parseJsonLimited(text: string, opts: { maxDepth?: number } = {}): unknown {
  assertJsonDepth(text, opts.maxDepth ?? DEFAULT_JSON_MAX_DEPTH);
  return JSON.parse(text) as unknown;
}
