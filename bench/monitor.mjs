// Monitoring cost (issue 13, performance goal 2): a deployment under 200 requests/s (single-row OIP requests of the
// demo data, labels sent back every second), the app's engine in this process pulling its records and monitoring it.
// Goal: monitoring costs < 5 % of one core, and memory does not grow with time (the 10-minute soak: DURATION=600).
//
// Phases, one run, the same load throughout: warm-up (monitoring on, not measured) → monitoring ON for DURATION s →
// monitoring OFF (engine.monitor.enabled = false: the deploy puller still pulls and stores every record) for
// min(DURATION, 60) s. The monitoring cost is CPU(ON) − CPU(OFF), from process.cpuUsage over each phase; the load
// generator runs in a child process, so this process's CPU is the app's. RSS and heap are sampled every 5 s during
// ON (after a GC when run with --expose-gc); their slope over the second half says whether memory grows.
//
//   node --expose-gc bench/monitor.mjs            # 60 s ON (default)
//   DURATION=600 node --expose-gc bench/monitor.mjs   # the 10-minute soak
//   RATE=200 (requests/s)
//
// Needs dockerd and a build (node scripts/build.mjs node). Removes its deployment and model image afterwards.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { removeDeployment, root, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const Docker = require('dockerode');
process.env.MLDESK_BASE_IMAGE ??= 'offline';
const { Engine } = require(path.join(root, 'dist/lib.js'));

const DURATION = Number(process.env.DURATION ?? 60);
const OFF = Number(process.env.OFF_DURATION ?? Math.min(DURATION, 60));
const WARMUP = Number(process.env.WARMUP ?? 15);
const RATE = Number(process.env.RATE ?? 200);
const tag = Math.random().toString(36).slice(2, 7);
const MODEL = `bench-monitor-${tag}`;
const DEP = `bench-mon-${tag}`;
const dir = tmp('mldesk-bench-monitor-');
const dataDir = path.join(dir, 'data');
const project = path.join(dir, 'demo');
const docker = new Docker();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (us, ms) => (us / 1000 / ms) * 100;

function mldesk(cmd, ...rest) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mldesk.js'), cmd, '--data-dir', dataDir, ...rest], { encoding: 'utf8', cwd: fs.existsSync(project) ? project : dir });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`mldesk ${cmd} failed (${r.status}): ${out.slice(-2000)}`);
  return out;
}

async function call(engine, name, input) {
  const r = await engine.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
}

/** The load: a child process sending RATE single-row requests per second (and their labels, one batch a second). */
const GENERATOR = `
const http = require('node:http');
const fs = require('node:fs');
const { port, model, rate, seconds, files } = JSON.parse(process.env.GEN);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function post(p, body) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}
(async () => {
  const meta = await new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/v2/models/' + model }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(JSON.parse(b))); }));
  const rows = [];
  let header = null;
  for (const f of files) {
    const lines = fs.readFileSync(f, 'utf8').split(/\\r?\\n/).filter(Boolean);
    header = lines[0].split(',');
    for (const l of lines.slice(1)) rows.push(l.split(','));
  }
  const col = new Map(header.map((h, i) => [h, i]));
  const label = col.get('default');
  const body = (r, id) => ({ id, inputs: meta.inputs.map((m) => ({ name: m.name, datatype: m.datatype, shape: [1, 1], data: [m.datatype === 'BYTES' ? r[col.get(m.name)] : r[col.get(m.name)] === '' ? null : Number(r[col.get(m.name)])] })) });
  const t0 = Date.now();
  let sent = 0, ok = 0, failed = 0, i = 0, pending = [];
  const inflight = new Set();
  while (Date.now() - t0 < seconds * 1000) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    while (sent < due) {
      const r = rows[i++ % rows.length];
      const id = 'g' + sent;
      sent++;
      const p = post('/v2/models/' + model + '/infer', body(r, id)).then((s) => { s === 200 ? ok++ : failed++; inflight.delete(p); });
      inflight.add(p);
      pending.push({ id, label: Number(r[label]) });
    }
    if (pending.length >= rate) {
      const batch = pending; pending = [];
      post('/mldesk/feedback', { feedback: batch });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  process.stdout.write(JSON.stringify({ sent, ok, failed, seconds: (Date.now() - t0) / 1000 }) + '\\n');
  agent.destroy();
})();
`;

function slope(points) {
  // Least squares: value per minute.
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mx) * (p.v - my);
    den += (p.t - mx) ** 2;
  }
  return den ? (num / den) * 60_000 : 0;
}

let engine;
let gen;
try {
  await docker.ping().catch(() => {
    throw new Error('dockerd is not reachable: the monitor bench needs it');
  });
  mldesk('demo', '--no-runs', '--dir', project);
  const out = mldesk('run', '--project', project, '--no-system-metrics', '--', process.execPath, 'train.mjs', '--model', 'logreg', '--epochs', '5');
  const runId = /mldesk: run (\S+) /.exec(out)?.[1];
  engine = new Engine({ dataDir, host: 'web' });
  await call(engine, 'models.register', { name: MODEL, runId, path: 'model' });
  const { jobId } = await call(engine, 'deploy.apply', { model: MODEL, version: '1', name: DEP });
  await engine.jobs.wait(jobId);
  const d = await call(engine, 'deploy.get', { name: DEP });
  const cfg = await call(engine, 'monitor.overview', { deployment: DEP, windows: 1 });
  console.log(`monitor bench: ${RATE} req/s single-row OIP + labels on ${DEP} (${d.url}); windows of ${JSON.stringify(cfg.config.window)}; reference ${cfg.reference?.label ?? '—'}`);

  const total = WARMUP + DURATION + OFF + 5;
  gen = spawn(process.execPath, ['-e', GENERATOR], {
    env: { ...process.env, GEN: JSON.stringify({ port: d.port, model: MODEL, rate: RATE, seconds: total, files: [path.join(project, 'data/train.csv'), path.join(project, 'data/production.csv')] }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let genOut = '';
  gen.stdout.on('data', (b) => (genOut += b));
  const genDone = new Promise((r) => gen.once('exit', r));

  const gc = globalThis.gc ?? null;
  await sleep(WARMUP * 1000);

  // ON
  const samples = [];
  const win0 = (await call(engine, 'monitor.overview', { deployment: DEP, windows: 1000 })).windows.filter((w) => !w.open).length;
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const onStart = Date.now();
  while (Date.now() - onStart < DURATION * 1000) {
    await sleep(5000);
    gc?.();
    const m = process.memoryUsage();
    samples.push({ t: Date.now() - onStart, rss: m.rss, heap: m.heapUsed });
  }
  const onCpu = process.cpuUsage(c0);
  const onMs = performance.now() - t0;
  const ov = await call(engine, 'monitor.overview', { deployment: DEP, windows: 1000 });
  const windows = ov.windows.filter((w) => !w.open).length - win0;

  // OFF
  engine.monitor.enabled = false;
  c0 = process.cpuUsage();
  t0 = performance.now();
  await sleep(OFF * 1000);
  const offCpu = process.cpuUsage(c0);
  const offMs = performance.now() - t0;
  engine.monitor.enabled = true;

  await genDone;
  const g = JSON.parse(genOut.trim().split('\n').at(-1) || '{}');
  const on = pct(onCpu.user + onCpu.system, onMs);
  const off = pct(offCpu.user + offCpu.system, offMs);
  const half = samples.slice(Math.floor(samples.length / 2));
  const mb = (b) => (b / 1e6).toFixed(1);
  console.log(`  load:        ${g.sent} requests in ${g.seconds?.toFixed(0)} s (${(g.sent / g.seconds).toFixed(0)} req/s), ${g.failed} failed`);
  console.log(`  records:     ${ov.records} stored; ${windows} windows closed during ON (${(windows / DURATION).toFixed(2)}/s)`);
  console.log(`  CPU ON:      ${on.toFixed(2)} % of one core (pull + store + monitoring), ${DURATION} s`);
  console.log(`  CPU OFF:     ${off.toFixed(2)} % of one core (pull + store only, the baseline), ${OFF} s`);
  console.log(`  monitoring:  ${(on - off).toFixed(2)} % of one core — goal < 5 %`);
  console.log(`  RSS:         ${mb(samples[0]?.rss ?? 0)} → ${mb(samples.at(-1)?.rss ?? 0)} MB; slope over the second half ${slope(half.map((s) => ({ t: s.t, v: s.rss / 1e6 }))).toFixed(2)} MB/min`);
  console.log(`  heap:        ${mb(samples[0]?.heap ?? 0)} → ${mb(samples.at(-1)?.heap ?? 0)} MB; slope over the second half ${slope(half.map((s) => ({ t: s.t, v: s.heap / 1e6 }))).toFixed(2)} MB/min${gc ? ' (after GC)' : ' (run with --expose-gc for post-GC figures)'}`);
} finally {
  gen?.kill('SIGKILL');
  await removeDeployment(docker, engine, DEP, MODEL);
  fs.rmSync(dir, { recursive: true, force: true });
}
