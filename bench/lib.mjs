// Shared bench helpers: a real `mldesk serve` process and Debian's Chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export function tmp(prefix = 'mldesk-bench-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Spawns `mldesk serve --port 0`; resolves once it printed its URL. */
export function serve(dataDir, extra = []) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'mldesk.js'), 'serve', '--port', '0', '--data-dir', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MLDESK_TOKEN: '' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b) => {
      out += b.toString();
      const m = /serving at (http:\/\/\S+?)\/(\s|\?)/.exec(out);
      if (m) resolve({ url: m[1], proc, t0, stop: () => stop(proc) });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}

export function stop(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (ms) => `${ms.toFixed(0)} ms`;

/** A bench's teardown of its deployment: removed through the engine (then closed), leftover containers and the model's images removed with `docker`. */
export async function removeDeployment(docker, engine, dep, model) {
  if (engine) {
    await engine.call('deploy.remove', { name: dep }).catch(() => undefined);
    await engine.close();
  }
  const imgs = await docker.listImages({ filters: { label: ['mldesk.kind=model'] } }).catch(() => []);
  for (const img of imgs) if (img.Labels?.['mldesk.model'] === model) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  const left = await docker.listContainers({ all: true, filters: { label: [`mldesk.deployment=${dep}`] } }).catch(() => []);
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}
