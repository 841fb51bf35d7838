// Image transport: the serving runtime image streamed to a second engine (full), then an image built FROM it (one new
// layer: incremental — the layers the receiver has are left out of the upload), against the baseline of a plain
// `docker save | docker load` of that same small image. Also the time the local engine alone needs to save it (the
// floor for any save-based transfer). Uses a second dockerd with its own data-root (tests/dockerd.ts), removed after.
//
// Needs dockerd and a runtime image (mldesk/runtime:*; `npx vitest run tests/containers.test.ts` builds one).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { median, root } from './lib.mjs';

const require = createRequire(import.meta.url);
const Docker = require('dockerode');
const REPS = Number(process.env.REPS ?? 3);
// Inside the checkout (node_modules/.cache) so the bundle resolves dockerode and tar-stream from node_modules.
const dir = fs.mkdtempSync(path.join(root, 'node_modules', '.cache', 'mldesk-bench-transport-'));

// The transport module and the test engine helper, bundled for plain Node (they are TypeScript).
await build({
  entryPoints: { transport: path.join(root, 'electron/core/containers/transport.ts'), dockerd: path.join(root, 'tests/dockerd.ts'), build: path.join(root, 'electron/core/containers/build.ts') },
  outdir: dir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['dockerode', 'tar-stream'],
  logLevel: 'error',
});
const { streamImage } = require(path.join(dir, 'transport.js'));
const { startTestDockerd, copyImage } = require(path.join(dir, 'dockerd.js'));
const { buildImage } = require(path.join(dir, 'build.js'));

const docker = new Docker();
const mb = (b) => `${(b / 1e6).toFixed(b < 1e6 ? 3 : 1)} MB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const list = await docker.listImages({ filters: { reference: ['mldesk/runtime'] } });
const runtime = list.sort((a, b) => b.Created - a.Created)[0]?.RepoTags?.[0];
if (!runtime) throw new Error('no mldesk/runtime image on the local engine');
const tag = Math.random().toString(36).slice(2, 7);
const made = [];
const remote = await startTestDockerd();
try {
  const t0 = Date.now();
  const full = await streamImage(docker, remote.docker, runtime);
  console.log(`full stream of ${runtime}: ${mb(full.sentBytes)} in ${s(full.ms)} (${full.totalLayers} layers)`);

  const inc = [];
  const naive = [];
  const saveOnly = [];
  for (let i = 0; i < REPS; i++) {
    const ref = `mldesk-bench-transport/small:${tag}-${i}`;
    made.push(ref);
    await buildImage(docker, {
      entries: [
        { kind: 'data', name: 'model.bin', data: Buffer.alloc(256 * 1024, i + 1) },
        { kind: 'data', name: 'Dockerfile', data: `FROM ${runtime}\nCOPY model.bin /app/model.bin\n` },
      ],
      tag: ref,
      label: ref,
      span: { from: 0, to: 1 },
    });
    // Save alone (drained): the local engine's share.
    let t = Date.now();
    const saved = await docker.getImage(ref).get();
    for await (const _ of saved) void _;
    saveOnly.push(Date.now() - t);
    const r = await streamImage(docker, remote.docker, ref);
    inc.push(r);
    // Baseline: the same image, plain save | load (every layer sent), after removing it from the receiver.
    await remote.docker.getImage(ref).remove();
    t = Date.now();
    await copyImage(docker, remote.docker, ref);
    naive.push(Date.now() - t);
  }
  const incMs = median(inc.map((r) => r.ms));
  console.log(`incremental stream (FROM the runtime + 256 KB layer), median of ${REPS}: ${mb(median(inc.map((r) => r.sentBytes)))} in ${s(incMs)}, ${inc[0].skippedLayers}/${inc[0].totalLayers} layers skipped`);
  console.log(`baseline plain save | load of the same image: ${mb(full.sentBytes)} in ${s(median(naive))}`);
  console.log(`local save alone (drained): ${s(median(saveOnly))}`);
  console.log(`bytes incremental/full: ${(median(inc.map((r) => r.sentBytes)) / full.sentBytes).toFixed(5)}; total bench ${s(Date.now() - t0)}`);
} finally {
  await remote.stop();
  for (const ref of made) await docker.getImage(ref).remove().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}
