import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../../core/engine';
import { invalidParam } from '../../core/tracking/errors';
import { checkPathSyntax, safeFsError, showPath } from '../../core/confine';
import { safeRelativePath } from '../../core/tracking/validate';
import { sendMlflowJson } from './adapter';

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.yml': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.html': 'text/plain; charset=utf-8', // never render uploaded HTML on our origin
};

function decodePath(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw invalidParam(`Invalid path '${showPath(raw)}': bad percent-encoding`);
  }
  const rel = safeRelativePath(decoded);
  if (rel) checkPathSyntax(rel);
  return rel;
}

/** MLflow's artifact proxy: PUT/GET/DELETE /mlflow-artifacts/artifacts/<path>, GET /mlflow-artifacts/artifacts?path= lists. */
export async function artifactProxy(engine: Engine, req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> {
  const store = engine.tracking.artifacts;
  const method = (req.method ?? 'GET').toUpperCase();
  if (rest === 'artifacts' || rest === 'artifacts/') {
    if (method !== 'GET') throw invalidParam(`Method ${method} is not supported for listing artifacts`);
    const rel = decodePath(url.searchParams.get('path') ?? '');
    // A file or a missing folder lists as empty, as in MLflow.
    const files = store.list(rel);
    return sendMlflowJson(res, 200, files.length ? { files } : {});
  }
  if (!rest.startsWith('artifacts/')) {
    req.resume();
    return sendMlflowJson(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint found for path ${url.pathname}` });
  }
  const rel = decodePath(rest.slice('artifacts/'.length));
  if (!rel) throw invalidParam('An artifact path is required');
  switch (method) {
    case 'PUT': {
      await store.write(rel, req);
      return sendMlflowJson(res, 200, {});
    }
    case 'GET': {
      const { file, size } = store.read(rel);
      // Open before answering: an unreadable file is an MLflow error, not a 200 with a cut body.
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch (e) {
        throw safeFsError(e, rel);
      }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': size,
        'x-content-type-options': 'nosniff',
        // ASCII fallback plus RFC 5987 for the real name (a header value may not carry raw non-ASCII).
        'content-disposition': `attachment; filename="${path.basename(file).replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(path.basename(file))}`,
      });
      const stream = fs.createReadStream(file, { fd });
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return;
    }
    case 'DELETE': {
      store.delete(rel);
      return sendMlflowJson(res, 200, {});
    }
    default:
      req.resume();
      return sendMlflowJson(res, 405, { error_code: 'ENDPOINT_NOT_FOUND', message: `Method ${method} is not allowed for ${url.pathname}` });
  }
}
