// `npm start`: the desktop app, or web mode (`mldesk serve`) when Electron cannot run here.
//
// `npm ci` never runs electron's download script (package.json allowScripts maps electron to false),
// so the first `npm start` fetches the binary with electron's own installer. When that fails — offline,
// air-gapped, a proxy in the way — it prints one line saying why and starts web mode instead.
// MLDESK_WEB=1 starts web mode without trying. Arguments are passed through either way.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

/** The installer is killed after this long without a byte downloaded or extracted (tests shorten it). */
const STALL_MS = Number(process.env.MLDESK_ELECTRON_STALL_MS) || 30_000;
/** …and after this long in total, however it is doing. */
const MAX_MS = 15 * 60_000;

if (!fs.existsSync(path.join(root, 'dist', 'cli.js')) || !fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  await import('./build.mjs');
}

/** The electron package's folder, or null when it is not installed (e.g. `npm ci --omit=dev`). */
function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** Path of an installed Electron binary, or null. Re-evaluated on every call (no require cache). */
function electronBinary() {
  try {
    delete require.cache[require.resolve('electron')];
    const bin = require('electron'); // a path string; throws when path.txt is missing (never downloaded)
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Total size of the files under `dir` (0 when it does not exist). */
function bytesUnder(dir) {
  let total = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    try {
      total += e.isDirectory() ? bytesUnder(p) : fs.lstatSync(p).size;
    } catch {
      // removed while we looked
    }
  }
  return total;
}

/** The first line of the installer's error output, without the stack and the error class. */
function reasonFrom(stderr) {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at '));
  if (!line) return null;
  const msg = line.replace(/^[A-Za-z]*Error:\s*/, '');
  return msg.length > 200 ? `${msg.slice(0, 197)}…` : msg;
}

/**
 * Runs node_modules/electron/install.js (download into electron's cache, extract into dist/, then
 * write path.txt) in a child process. Resolves with null on success, else the reason it failed.
 * A failed or interrupted attempt leaves no dist/ or path.txt behind, so require('electron') never
 * points at a half-extracted binary.
 */
function downloadElectron(dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-electron-'));
  // @electron/get downloads into os.tmpdir(): a private one lets us see the bytes arrive.
  const env = { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
  const child = spawn(process.execPath, [path.join(dir, 'install.js')], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-20_000)));

  const tty = process.stdout.isTTY;
  const started = Date.now();
  let lastBytes = 0;
  let lastProgress = started;
  let killedFor = null;
  const kill = (why) => {
    killedFor ??= why;
    child.kill('SIGKILL');
  };
  const timer = setInterval(() => {
    const bytes = bytesUnder(tmp) + bytesUnder(path.join(dir, 'dist'));
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      lastProgress = Date.now();
      if (tty && bytes) process.stdout.write(`\r  ${(bytes / 1e6).toFixed(1)} MB…`);
    }
    if (Date.now() - lastProgress > STALL_MS) kill(`no download progress in ${STALL_MS / 1000} s`);
    else if (Date.now() - started > MAX_MS) kill(`not done after ${MAX_MS / 60_000} min`);
  }, 1000);
  const interrupt = (sig) => kill(`interrupted (${sig})`);
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  return new Promise((resolve) => {
    let finished = false;
    const done = (code, signal, err) => {
      if (finished) return;
      finished = true;
      if (signal === 'SIGINT' || signal === 'SIGTERM') killedFor ??= `interrupted (${signal})`;
      clearInterval(timer);
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      if (tty && lastBytes) process.stdout.write('\r\x1b[K');
      fs.rmSync(tmp, { recursive: true, force: true });
      if (code === 0 && !killedFor && electronBinary()) return resolve(null);
      if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) {
        fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
        fs.rmSync(path.join(dir, 'path.txt'), { force: true });
      }
      resolve(
        killedFor ??
          (err ? err.message : null) ??
          (code === 0 ? "electron's installer finished without installing a binary" : reasonFrom(stderr)) ??
          `electron's installer exited with code ${code}`,
      );
    };
    child.on('error', (err) => done(null, null, err));
    child.on('exit', (code, signal) => done(code, signal, null));
  });
}

/** The binary to launch, or null for web mode (after one line saying why). */
async function desktopBinary() {
  if (process.env.MLDESK_WEB && process.env.MLDESK_WEB !== '0') {
    console.log('MLDESK_WEB is set: starting web mode.');
    return null;
  }
  const found = electronBinary();
  if (found) return found;
  const dir = electronDir();
  if (!dir) {
    console.log('The electron package is not installed (npm ci --omit=dev?): starting web mode instead.');
    return null;
  }
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log('Electron binary missing and ELECTRON_SKIP_BINARY_DOWNLOAD is set in your environment: starting web mode instead.');
    return null;
  }
  console.log("Electron binary missing: downloading it once (electron's installer)…");
  const failed = await downloadElectron(dir);
  if (failed?.startsWith('interrupted')) process.exit(failed.includes('SIGTERM') ? 143 : 130);
  if (!failed) return electronBinary();
  console.log(`Could not download Electron (${failed}): starting web mode instead.`);
  return null;
}

const bin = await desktopBinary();
const child = bin
  ? spawn(bin, [root, ...args], { stdio: 'inherit' })
  : spawn(process.execPath, [path.join(root, 'bin', 'mldesk.js'), 'serve', ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
