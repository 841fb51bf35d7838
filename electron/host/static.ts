import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MldeskError } from '../../shared/contract/errors';
import { sendJson } from './respond';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Errors as JSON `{code, message}` like every other route of the host; HEAD gets the status without a body. */
function fail(req: IncomingMessage, res: ServerResponse, err: MldeskError, status = err.status, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (req.method === 'HEAD') {
    res.writeHead(status, { 'cache-control': 'no-store' }).end();
    return;
  }
  sendJson(res, status, err.toJSON());
}

/** Serves the built renderer; unknown paths without an extension fall back to index.html (hash routing anyway). */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    req.resume();
    fail(req, res, new MldeskError('INVALID_INPUT', 'Use GET or HEAD for the UI'), 405, { allow: 'GET, HEAD' });
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    fail(req, res, new MldeskError('INVALID_INPUT', 'Malformed path (bad percent-encoding)'));
    return;
  }
  // fs refuses NUL with a TypeError (a 500 if it got that far); "/index.html%00.js" names no file anyway.
  if (rel.includes('\0')) {
    fail(req, res, new MldeskError('INVALID_INPUT', 'Malformed path (NUL byte)'));
    return;
  }
  let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(root + path.sep) && file !== root) {
    fail(req, res, new MldeskError('NOT_FOUND', 'Not found'));
    return;
  }
  if (rel.endsWith('/') || !path.extname(file)) {
    const candidate = path.join(file, 'index.html');
    file = fs.existsSync(candidate) ? candidate : path.join(root, 'index.html');
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      const missingUi = !fs.existsSync(path.join(root, 'index.html'));
      fail(req, res, new MldeskError('NOT_FOUND', missingUi ? 'The UI is not built: run `npm run build`.' : 'Not found'));
      return;
    }
    const isHtml = file.endsWith('.html');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(isHtml ? { 'content-security-policy': UI_CSP, 'x-frame-options': 'DENY', 'cache-control': 'no-cache' } : { 'cache-control': 'public, max-age=31536000, immutable' }),
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
}
