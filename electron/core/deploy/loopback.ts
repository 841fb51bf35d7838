import http from 'node:http';
import net from 'node:net';

/**
 * HTTP to a target's endpoints: 127.0.0.1 (or the endpoint host an admin configured for a remote Docker target) and a
 * port from the deployments table (or a container we created), never a URL a caller gave.
 */
export const LOOPBACK = '127.0.0.1';

export interface LoopbackAnswer {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

/** A request to 127.0.0.1:port (or opts.host); rejects with the socket error (code ECONNREFUSED, …) or a timeout. */
export function loopback(
  port: number,
  pathname: string,
  opts: { host?: string; method?: string; body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number; maxBytes?: number } = {},
): Promise<LoopbackAnswer> {
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = Buffer.byteLength(opts.body);
    const req = http.request({ host: opts.host ?? LOOPBACK, port, path: pathname, method: opts.method ?? 'GET', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > maxBytes) return void req.destroy(Object.assign(new Error(`answer larger than ${maxBytes} bytes`), { code: 'ETOOBIG' }));
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** JSON body of an answer, or its text when it is not JSON. */
export function bodyOf(a: LoopbackAnswer): unknown {
  const text = a.body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How a failed loopback request reads in a message: "ECONNREFUSED", "no answer within 1000 ms", … */
export function errorNote(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code && err.code !== 'ETIMEDOUT' && err.code !== 'ETOOBIG' ? err.code : (err?.message ?? String(e));
}

/** A port nobody listens on at 127.0.0.1 now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, LOOPBACK, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True when 127.0.0.1:port can be bound now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.unref();
    s.once('error', () => resolve(false));
    s.listen(port, LOOPBACK, () => s.close(() => resolve(true)));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
