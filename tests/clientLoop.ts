// A client loop for rollout tests: clients posting one body to a stable port until stopped, counting the answers by
// status and the socket errors by code. Standalone (Node's http only): swarm.test.ts and others avoid tests/helpers.ts,
// which loads the whole engine.
import http from 'node:http';

export interface ClientLoopOptions {
  port: number;
  /** Request path, e.g. /v2/models/NAME/infer. */
  path: string;
  /** The JSON body every request posts. */
  body: string;
  /** Concurrent clients (each one request at a time, on its own keep-alive socket). Default 1. */
  clients?: number;
  /** Pause after each answer, in ms. Default 0 (the next request right away). */
  pauseMs?: number;
  /** A request taking longer is destroyed and counted as `timeout`. Default: none. */
  timeoutMs?: number;
  /** Keep `outputs[0].data[0]` of every 200 answer (OIP V2) in `answers`; a 200 not of that shape counts as `unparsable 200`. */
  answers?: boolean;
}

export interface ClientLoop {
  /** Answers by HTTP status ('200', '400', …) and failed requests by socket error code (ECONNRESET, timeout, …). */
  counts: Record<string, number>;
  /** With `answers`: the first output value of each 200 answer, in the order they came. */
  answers: number[];
  /** The first body seen for each non-200 status (up to 200 characters): what the failures said. */
  firstBodies: Record<string, string>;
  /** All requests counted. */
  total(): number;
  /** Everything but 200 answers. */
  failures(): number;
  /** counts and firstBodies as JSON, for assertion messages and logs. */
  report(): string;
  /** Ends the loop after the requests in flight and closes its sockets. */
  stop(): Promise<void>;
}

export function clientLoop(opts: ClientLoopOptions): ClientLoop {
  const n = opts.clients ?? 1;
  let stopped = false;
  const counts: Record<string, number> = {};
  const answers: number[] = [];
  const firstBodies: Record<string, string> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  const one = () =>
    new Promise<void>((settle) => {
      // An answer cut off after its headers fails on the response, not on the request: count it once either way.
      let done = false;
      const resolve = () => {
        done = true;
        settle();
      };
      const fail = (e: NodeJS.ErrnoException) => {
        if (done) return;
        count(e.code ?? e.message);
        resolve();
      };
      const req = http.request(
        {
          host: '127.0.0.1',
          port: opts.port,
          path: opts.path,
          method: 'POST',
          agent,
          timeout: opts.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) },
        },
        (res) => {
          let text = '';
          res.on('error', fail);
          res.on('close', () => fail(Object.assign(new Error('response closed'), { code: 'response closed' })));
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            if (done) return;
            const status = String(res.statusCode);
            if (status !== '200') {
              count(status);
              firstBodies[status] ??= text.slice(0, 200);
            } else if (!opts.answers) {
              count(status);
            } else {
              let value: unknown;
              try {
                value = (JSON.parse(text) as { outputs: Array<{ data: unknown[] }> }).outputs[0]!.data[0];
              } catch {
                value = undefined;
              }
              if (typeof value === 'number') {
                count(status);
                answers.push(value);
              } else {
                count('unparsable 200');
                firstBodies['unparsable 200'] ??= text.slice(0, 200);
              }
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', fail);
      req.end(opts.body);
    });
  const loops = Array.from({ length: n }, async () => {
    while (!stopped) {
      await one();
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  });
  return {
    counts,
    answers,
    firstBodies,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    failures: () => Object.entries(counts).filter(([k]) => k !== '200').reduce((a, [, v]) => a + v, 0),
    report: () => JSON.stringify({ counts, firstBodies }),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
