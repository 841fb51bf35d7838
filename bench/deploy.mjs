// Deploy: image size of a demo model's image (goal ≤ 200 MB), offline cold build including the base image,
// warm build of a new model version (goal ≤ 5 s), deploy → ready with the image present (goal ≤ 3 s), and a
// redeploy under a client loop (failed requests). Baseline, measured in the same run: the serving runtime started as a
// plain local process (node dist/runtime/server.js) until /v2/health/ready answers.
//
// Needs dockerd and a build (node scripts/build.mjs). The cold build removes the current mldesk base and runtime
// images first (by tag, only mldesk's own; images that other images still build on cannot be removed, and the run says
// so). Afterwards the bench removes its deployment and its model images; the base and runtime images stay cached.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { median, removeDeployment, root, stop, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const Docker = require('dockerode');
process.env.MLDESK_BASE_IMAGE ??= 'offline';
const { Engine } = require(path.join(root, 'dist/lib.js'));

const REPS = Number(process.env.REPS ?? 3);
const tag = Math.random().toString(36).slice(2, 7);
const MODEL = `bench-deploy-${tag}`;
const DEP = `bench-${tag}`;
const dir = tmp('mldesk-bench-deploy-');
const dataDir = path.join(dir, 'data');
const project = path.join(dir, 'demo');
const docker = new Docker();
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `mldesk <cmd> --data-dir … <rest>` in the demo project; its stdout + stderr (throws on a non-zero exit). */
function mldesk(cmd, ...rest) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/mldesk.js'), cmd, '--data-dir', dataDir, ...rest], { encoding: 'utf8', cwd: fs.existsSync(project) ? project : dir });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`mldesk ${cmd} failed (${r.status}): ${out.slice(-2000)}`);
  return out;
}

/** One demo training (the demo's train.mjs as a tracked run); returns its run id. */
function train(...args) {
  const out = mldesk('run', '--project', project, '--no-system-metrics', '--', process.execPath, 'train.mjs', ...args);
  const m = /mldesk: run (\S+) /.exec(out);
  if (!m) throw new Error(`no run id in: ${out}`);
  return m[1];
}

function ready(port, p = '/v2/health/ready') {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function call(engine, name, input) {
  const r = await engine.call(name, input);
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
}

/** Baseline: the runtime as a plain process, from spawn to /v2/health/ready. */
async function baselineOnce(modelDir, port) {
  const t0 = performance.now();
  const p = spawn(process.execPath, [path.join(root, 'dist/runtime/server.js')], {
    env: { ...process.env, MLDESK_MODEL_PATH: modelDir, MLDESK_MODEL_NAME: MODEL, PORT: String(port), HOST: '127.0.0.1', MLDESK_RECORDS_DIR: path.join(dir, `rec-${port}`) },
    stdio: 'ignore',
  });
  while (!(await ready(port))) await sleep(10);
  const ms = performance.now() - t0;
  await stop(p);
  return ms;
}

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

async function removeTag(ref) {
  try {
    await docker.getImage(ref).remove();
    return `removed ${ref}`;
  } catch (e) {
    if (e.statusCode === 404) return `${ref} absent`;
    return `could not remove ${ref} (${(e.json?.message ?? e.message).replace(/\s+/g, ' ').slice(0, 120)})`;
  }
}

let engine;
try {
  await docker.ping().catch(() => {
    throw new Error('dockerd is not reachable: the deploy bench needs it');
  });
  // A demo project and two demo trainings (two model versions).
  mldesk('demo', '--no-runs', '--dir', project);
  const run1 = train('--model', 'gbt', '--trees', '60', '--depth', '2', '--lr', '0.1');
  const run2 = train('--model', 'logreg', '--epochs', '5');
  engine = new Engine({ dataDir, host: 'web' });
  await call(engine, 'models.register', { name: MODEL, runId: run1, path: 'model' });
  await call(engine, 'models.register', { name: MODEL, runId: run2, path: 'model' });
  const containers = engine.containers;

  // Cold: the base and runtime images this build would use, removed first.
  const runtimeRef = await containers.runtimeImage();
  const runtimeInfo = await docker.getImage(runtimeRef).inspect();
  const baseRef = runtimeInfo.Config?.Labels?.['mldesk.base'] ?? null;
  const removed = [await removeTag(runtimeRef), ...(baseRef ? [await removeTag(baseRef)] : [])];
  const cold0 = performance.now();
  const img1 = await containers.buildModelImage({ model: MODEL, version: '1' });
  const cold = performance.now() - cold0;
  // Warm: a new model version on the cached runtime (only the model layer).
  const warm0 = performance.now();
  const img2 = await containers.buildModelImage({ model: MODEL, version: '2' });
  const warm = performance.now() - warm0;
  // Reuse: the same version again (nothing to build).
  const reuse0 = performance.now();
  await containers.buildModelImage({ model: MODEL, version: '1' });
  const reuse = performance.now() - reuse0;

  // Deploy → ready with the image present: a first deploy, then redeploys of the other version.
  const port = await freePort();
  const deployTimes = [];
  const t0 = performance.now();
  const first = await call(engine, 'deploy.apply', { model: MODEL, version: '1', name: DEP, port });
  await engine.jobs.wait(first.jobId);
  deployTimes.push(performance.now() - t0);
  if (!(await ready(port))) throw new Error('the endpoint is not ready after the deploy job');

  // Redeploys under 2 clients posting the demo example to the stable port.
  const example = await call(engine, 'deploy.example', { model: MODEL, version: '1' });
  const body = JSON.stringify(example.oip);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  let stopLoop = false;
  const counts = {};
  const one = () =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: `/v2/models/${MODEL}/infer`, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => ((counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1), resolve()));
      });
      req.on('error', (e) => ((counts[e.code ?? 'error'] = (counts[e.code ?? 'error'] ?? 0) + 1), resolve()));
      req.end(body);
    });
  const loops = [0, 1].map(async () => {
    while (!stopLoop) await one();
  });
  const redeployTimes = [];
  const switchTimes = [];
  for (let i = 0; i < REPS; i++) {
    const version = i % 2 === 0 ? '2' : '1';
    // Switched when the proxy's upstream changes (its health route names it).
    const upstream = async () => JSON.parse((await fetch(`http://127.0.0.1:${port}/mldesk/proxy/health`).then((r) => r.text()))).upstream;
    const before = await upstream();
    const r0 = performance.now();
    const job = await call(engine, 'deploy.apply', { model: MODEL, version, name: DEP });
    const switched = (async () => {
      for (;;) {
        if ((await upstream()) !== before) return performance.now() - r0;
        await sleep(10);
      }
    })();
    await engine.jobs.wait(job.jobId);
    redeployTimes.push(performance.now() - r0);
    switchTimes.push(await switched);
  }
  stopLoop = true;
  await Promise.all(loops);
  agent.destroy();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const failed = total - (counts[200] ?? 0);

  // Baseline: the runtime as a local process.
  const modelDir = path.dirname((await containers.resolveModel({ model: MODEL, version: '1' })).onnxFile);
  const base = [];
  for (let i = 0; i < REPS; i++) base.push(await baselineOnce(modelDir, await freePort()));

  const rollout = (await call(engine, 'deploy.get', { name: DEP })).lastRollout;
  console.log(`deploy bench (dockerd, offline base; ${REPS} repetitions where repeated)`);
  console.log(`  cold build prep:       ${removed.join('; ')}`);
  console.log(`  image size:            ${mb(img1.sizeBytes)} (demo gbt model, ${img1.ref}); v2 ${mb(img2.sizeBytes)} — goal ≤ 200 MB`);
  console.log(`  cold build (base+runtime+model): ${s(cold)}`);
  console.log(`  warm build (new version):        ${s(warm)} — goal ≤ 5 s`);
  console.log(`  reuse (same version):            ${s(reuse)}`);
  console.log(`  first deploy → ready:            ${s(deployTimes[0])} — goal ≤ 3 s`);
  console.log(`  redeploy → traffic on new:       median ${s(median(switchTimes))} (job incl. old drained and removed: ${s(median(redeployTimes))})`);
  console.log(`  last rollout:                    ${rollout?.message}`);
  console.log(`  baseline (plain process → ready): median ${s(median(base))}`);
  console.log(`  ratio deploy/baseline:           first ${(deployTimes[0] / median(base)).toFixed(1)}x, redeploy ${(median(switchTimes) / median(base)).toFixed(1)}x`);
  console.log(`  redeploys under 2 clients:       ${total} requests, ${failed} failed ${JSON.stringify(counts)}`);
} finally {
  await removeDeployment(docker, engine, DEP, MODEL);
  fs.rmSync(dir, { recursive: true, force: true });
}
