import http from 'node:http';

/**
 * HTTP to a swarm deployment's ports on the target's endpoint host (the host the user configured for the target, never
 * a URL from a request): the proxy's stable port, or one replica's port.
 */
export function hostCall(
  host: string,
  port: number,
  pathname: string,
  opts: { method?: string; body?: string | Buffer; timeoutMs?: number; maxBytes?: number } = {},
): Promise<{ status: number; body: Buffer; ms: number }> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (opts.body !== undefined) {
      headers['content-length'] = Buffer.byteLength(opts.body);
      headers['content-type'] = 'application/json';
    }
    const req = http.request({ host, port, path: pathname, method: opts.method ?? 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > maxBytes) return void req.destroy(Object.assign(new Error(`answer larger than ${maxBytes} bytes`), { code: 'ETOOBIG' }));
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}
