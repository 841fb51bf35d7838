// Separate client process for bench/ingest: sends N points as log-batch requests over HTTP keep-alive.
import http from 'node:http';

const [url, runId, totalArg, batchArg, keysArg, inflightArg] = process.argv.slice(2);
const total = Number(totalArg);
const batch = Number(batchArg);
const keys = Number(keysArg);
const inflight = Number(inflightArg ?? 2);
const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
const target = new URL('/api/2.0/mlflow/runs/log-batch', url);

function body(b) {
  // `keys` metrics per step, steps continuing across batches.
  const perKey = batch / keys;
  const metrics = new Array(batch);
  let i = 0;
  const t0 = 1_700_000_000_000;
  for (let k = 0; k < keys; k++) {
    for (let s = 0; s < perKey; s++) {
      const step = b * perKey + s;
      metrics[i++] = { key: `metric_${k}`, value: Math.sin(step / 100 + k), timestamp: t0 + step, step };
    }
  }
  return JSON.stringify({ run_id: runId, metrics });
}

function send(payload) {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const batches = total / batch;
// Bodies are built before the clock starts: we measure the server, not JSON.stringify in the client.
const payloads = Array.from({ length: batches }, (_, b) => body(b));
const started = performance.now();
let next = 0;
async function worker() {
  while (next < batches) await send(payloads[next++]);
}
await Promise.all(Array.from({ length: inflight }, worker));
const ms = performance.now() - started;
agent.destroy();
process.stdout.write(JSON.stringify({ ms, points: total }) + '\n');
