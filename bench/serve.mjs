// Serving runtime: p50/p99 latency and throughput of POST /v2/models/{name}/infer over loopback
// (keep-alive, 1 and 8 concurrent clients) vs onnxruntime-node in-process on the same inputs.
// Model: tests/fixtures/make_models.py's logreg (x: float32[N,4]); BATCH rows per request (default 1).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, stop, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const N = Number(process.env.N ?? 3000);
const BATCH = Number(process.env.BATCH ?? 1);
const dir = tmp();
execFileSync('/usr/bin/python3', [path.join(root, 'tests/fixtures/make_models.py'), dir]);
const model = path.join(dir, 'logreg.onnx');
const x = Array.from({ length: BATCH * 4 }, (_, i) => ((i * 37) % 11) / 5 - 1);
const body = JSON.stringify({ inputs: [{ name: 'x', shape: [BATCH, 4], datatype: 'FP32', data: x }] });

const pct = (a, p) => a.slice().sort((u, v) => u - v)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];

async function run(concurrency, once) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < N) {
        const s = performance.now();
        await once();
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: lat.length / secs };
}

// In-process baseline: same inputs, same session options, tensor built per call like the server does.
const session = await ort.InferenceSession.create(model);
const local = () => session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [BATCH, 4]) });

const proc = spawn(process.execPath, [path.join(root, 'dist/runtime/server.js')], {
  env: { ...process.env, MLDESK_MODEL_PATH: model, MLDESK_MODEL_NAME: 'logreg', PORT: '0', MLDESK_RECORDS_DIR: path.join(dir, 'rec') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((resolve, reject) => {
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
    const m = /on (http:\/\/\S+)/.exec(out);
    if (m) resolve(new URL(m[1]));
  });
  proc.once('exit', (c) => reject(new Error(`runtime exited ${c}`)));
});
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const remote = () =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path: '/v2/models/logreg/infer', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`${res.statusCode} ${b}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

try {
  for (let i = 0; i < 200; i++) {
    await local(); // warm-up
    await remote();
  }
  console.log(`serving runtime bench: logreg, batch ${BATCH}, ${N} requests per case (ms; rps)`);
  for (const c of [1, 8]) {
    const l = await run(c, local);
    const r = await run(c, remote);
    const f = (v) => v.toFixed(3);
    console.log(
      `c=${c}  in-process p50 ${f(l.p50)} p99 ${f(l.p99)} ${l.rps.toFixed(0)}/s | http p50 ${f(r.p50)} p99 ${f(r.p99)} ${r.rps.toFixed(0)}/s | ratio p50 ${(r.p50 / l.p50).toFixed(1)}x p99 ${(r.p99 / l.p99).toFixed(1)}x throughput ${(l.rps / r.rps).toFixed(1)}x`,
    );
  }
} finally {
  agent.destroy();
  await stop(proc);
  fs.rmSync(dir, { recursive: true, force: true });
}
