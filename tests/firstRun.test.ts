// First run on any machine: `npm ci && npm start` with no environment variables. npm ci never runs
// electron's download script (allowScripts), so `npm start` (scripts/start.mjs) downloads the binary
// once with electron's installer, or says in one line why it could not and starts web mode.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { repoRoot, tmpDir } from './helpers';

const FALLBACK = /^Could not download Electron \((.+)\): starting web mode instead\.$/m;
const DOWNLOADING = "Electron binary missing: downloading it once (electron's installer)…";

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

/** Env without anything that would skip or redirect the download, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(ELECTRON_|MLDESK_)|electron/i.test(k)) delete env[k];
  return { ...env, ...extra };
}

type Started = { proc: ChildProcess; out: () => string; exited: Promise<number | null>; waitFor: (re: RegExp, ms: number) => Promise<RegExpExecArray> };

/** `node <root>/scripts/start.mjs ...args` in its own process group (so the whole tree can be checked). */
function start(root: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const proc = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs'), ...args], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  // 'close': the process exited and every holder of its output pipes (its child too) is gone.
  const exited = new Promise<number | null>((r) => proc.on('close', (c) => r(c)));
  /** Resolves when the output matches `re`; rejects on timeout or when the process exits first. */
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      let gone = false;
      void exited.then(() => (gone = true));
      const started = Date.now();
      const poll = setInterval(() => {
        const m = re.exec(out);
        const why = m ? null : gone ? 'exited before' : Date.now() - started > ms ? 'timed out waiting for' : undefined;
        if (why === undefined) return;
        clearInterval(poll);
        if (m) resolve(m);
        else reject(new Error(`${why} ${re}; output:\n${out}`));
      }, 50);
    });
  return { proc, out: () => out, exited, waitFor };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to start.mjs only: it must stop its child; then nothing of the tree may be left. */
async function stopTree(s: Started): Promise<number | null> {
  const pgid = s.proc.pid!;
  process.kill(pgid, 'SIGTERM');
  const code = await Promise.race([s.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
  const deadline = Date.now() + 10_000;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const leftover = groupAlive(pgid);
  if (leftover) process.kill(-pgid, 'SIGKILL');
  expect(code, `start.mjs did not exit on SIGTERM; output:\n${s.out()}`).not.toBe('timeout');
  expect(leftover, 'a process of the start.mjs tree survived SIGTERM').toBe(false);
  return code === 'timeout' ? null : code;
}

function installedElectron(): { bin: string | null; why: string } {
  try {
    const req = createRequire(path.join(repoRoot, 'package.json'));
    delete req.cache[req.resolve('electron')];
    const bin = req('electron') as unknown;
    return typeof bin === 'string' && fs.existsSync(bin) ? { bin, why: '' } : { bin: null, why: `${String(bin)} does not exist` };
  } catch (e) {
    return { bin: null, why: (e as Error).message.split('\n')[0]! };
  }
}

describe('first run: npm ci && npm start with no environment variables', () => {
  it('npm ci does not run electron\'s download script, and CI does not set ELECTRON_SKIP_BINARY_DOWNLOAD', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { allowScripts?: Record<string, unknown>; scripts: Record<string, string> };
    expect(pkg.allowScripts?.electron).toBe(false);
    expect(pkg.scripts.start).toBe('node scripts/start.mjs');
    const ci = fs.readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ci).not.toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD/);
    expect(ci).not.toMatch(/ONNXRUNTIME_NODE_INSTALL/);
    expect(fs.readFileSync(path.join(repoRoot, 'scripts', 'start.mjs'), 'utf8')).not.toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD=1/);
  });

  it('without an Electron binary, npm start tries the download, says why it failed in one line, and serves web mode', async () => {
    const electronDir = path.join(repoRoot, 'node_modules', 'electron');
    const installed = installedElectron();
    const env = cleanEnv({ electron_config_cache: tmpDir('mldesk-electron-cache-') }); // no cached zip to fall back on
    let offline = true;
    if (installed.bin) {
      console.log(`[firstRun] an Electron binary is installed (${installed.bin}): the download/fallback assertions do not apply; checking web mode with MLDESK_WEB=1.`);
      env.MLDESK_WEB = '1';
      offline = false;
    } else {
      // With internet, the real download would succeed and open a window: point the installer at a
      // closed local port instead. Here (no DNS) the installer meets the real failure.
      const online = await Promise.race([dns.lookup('github.com').then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (online) {
        env.ELECTRON_MIRROR = `http://127.0.0.1:${await freePort()}/`;
        console.log(`[firstRun] github.com resolves here: simulating an offline machine with ELECTRON_MIRROR=${env.ELECTRON_MIRROR}`);
      }
    }
    const port = await freePort();
    const dataDir = path.join(tmpDir(), 'data');
    const s = start(repoRoot, ['--port', String(port), '--data-dir', dataDir], env);
    try {
      const [, url] = await s.waitFor(/serving at (http:\/\/127\.0\.0\.1:\d+)\//, 90_000);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      if (offline) {
        expect(s.out()).toContain(DOWNLOADING);
        const lines = s.out().split('\n').filter((l) => FALLBACK.test(l));
        expect(lines, s.out()).toHaveLength(1);
        expect(FALLBACK.exec(s.out())![1]).not.toMatch(/\n|^\s*at /);
        // A failed attempt leaves nothing that would make require('electron') point at a missing binary.
        expect(fs.existsSync(path.join(electronDir, 'path.txt'))).toBe(false);
        expect(fs.existsSync(path.join(electronDir, 'dist'))).toBe(false);
      }
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toMatch(/text\/html/);
      const html = await home.text();
      expect(html).toMatch(/<title>mldesk<\/title>/);
      expect(html).toMatch(/<script type="module"[^>]+src="\.\/assets\/index-[^"]+\.js"/);
      const search = await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=10`);
      expect(search.status).toBe(200);
      expect(search.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await search.json()) as { experiments?: { name: string }[] };
      expect(Array.isArray(body.experiments)).toBe(true);
    } finally {
      expect(await stopTree(s)).toBe(0);
    }
    expect(await refused(port)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'mldesk.sqlite'))).toBe(true);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// The download itself, hermetically: a copy of start.mjs next to a copy of the electron package whose
// installer fetches from a local mirror (a fake "electron" shell script, zipped, with its checksum).

type Entry = { name: string; data: Buffer; mode?: number; garbage?: boolean };

/** A minimal zip (stored entries; `garbage` entries claim deflate and hold bytes that fail to inflate). */
function zip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const method = e.garbage ? 8 : 0;
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.garbage ? 1000 : e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.garbage ? 1000 : e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((((e.mode ?? 0o644) | 0o100000) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const FAKE_ELECTRON = '#!/bin/sh\necho "fake electron: $*"\n';

/** A throwaway project root: scripts/start.mjs (copied), bin + dist (links), node_modules/electron (copied). */
function fakeRoot(zipFile: Buffer, version: string): { root: string; electronDir: string; fileName: string } {
  const root = tmpDir('mldesk-firstrun-');
  const srcElectron = path.join(repoRoot, 'node_modules', 'electron');
  const electronDir = path.join(root, 'node_modules', 'electron');
  fs.mkdirSync(path.join(root, 'scripts'));
  fs.copyFileSync(path.join(repoRoot, 'scripts', 'start.mjs'), path.join(root, 'scripts', 'start.mjs'));
  for (const d of ['bin', 'dist']) fs.symlinkSync(path.join(repoRoot, d), path.join(root, d), 'dir');
  fs.mkdirSync(electronDir, { recursive: true });
  for (const f of ['install.js', 'index.js']) fs.copyFileSync(path.join(srcElectron, f), path.join(electronDir, f));
  const pkg = JSON.parse(fs.readFileSync(path.join(srcElectron, 'package.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(electronDir, 'package.json'), JSON.stringify({ ...pkg, version }));
  const fileName = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  fs.writeFileSync(path.join(electronDir, 'checksums.json'), JSON.stringify({ [fileName]: crypto.createHash('sha256').update(zipFile).digest('hex') }));
  // The installer's own dependencies, resolved the way the real electron package resolves them.
  const req = createRequire(path.join(srcElectron, 'install.js'));
  for (const dep of ['@electron/get', 'extract-zip']) {
    const target = path.dirname(req.resolve(`${dep}/package.json`));
    fs.mkdirSync(path.dirname(path.join(root, 'node_modules', dep)), { recursive: true });
    fs.symlinkSync(target, path.join(root, 'node_modules', dep), 'dir');
  }
  return { root, electronDir, fileName };
}

/** A local Electron mirror: serves `body` for the zip, or accepts and never answers ('hang'). */
async function mirror(fileName: string, version: string, body: Buffer | 'hang'): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const srv = http.createServer((req, res) => {
    if (req.url === `/v${version}/${fileName}`) {
      hits++;
      if (body === 'hang') return;
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/`;
  return { url, hits: () => hits, close: () => new Promise((r) => (srv.closeAllConnections(), srv.close(() => r()))) };
}

describe.skipIf(process.platform === 'win32')('first run: the one-time Electron download (local mirror)', () => {
  const version = '99.0.0-mldesk.test';

  it('downloads the binary once with electron\'s installer, then launches the desktop app with the arguments', async () => {
    const body = zip([
      { name: 'electron', data: Buffer.from(FAKE_ELECTRON), mode: 0o755 },
      { name: 'version', data: Buffer.from(version) },
    ]);
    const { root, electronDir, fileName } = fakeRoot(body, version);
    const m = await mirror(fileName, version, body);
    try {
      const env = cleanEnv({ ELECTRON_MIRROR: m.url, electron_config_cache: tmpDir('mldesk-electron-cache-') });
      const first = start(root, ['--port', '1234', '--data-dir', '/x'], env);
      expect(await first.exited, first.out()).toBe(0);
      expect(first.out()).toContain(DOWNLOADING);
      expect(first.out()).toContain(`fake electron: ${root} --port 1234 --data-dir /x`);
      expect(first.out()).not.toMatch(/web mode/);
      expect(fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8')).toBe('electron');
      expect(m.hits()).toBe(1);
      // Once: the next start finds the binary and launches it straight away.
      const second = start(root, [], env);
      expect(await second.exited, second.out()).toBe(0);
      expect(second.out()).not.toContain(DOWNLOADING);
      expect(second.out()).toContain(`fake electron: ${root}`);
      expect(m.hits()).toBe(1);
    } finally {
      await m.close();
    }
  }, 60_000);

  it.each([
    { why: 'a mirror that never answers', serve: 'hang' as const, reason: /^no download progress in 2 s$/ },
    { why: 'a zip that breaks mid-extraction', serve: 'broken' as const, reason: /^invalid block type$/ },
  ])('falls back to web mode on $why, leaving no half-installed binary behind', async ({ serve, reason }) => {
    // The zip's first entry (the binary) extracts fine, the second does not inflate; a stale path.txt
    // from an earlier attempt would then make require('electron') return a binary from a broken install.
    const body = zip([
      { name: 'electron', data: Buffer.from(FAKE_ELECTRON), mode: 0o755 },
      { name: 'resources.pak', data: Buffer.alloc(64, 0xff), garbage: true },
    ]);
    const { root, electronDir, fileName } = fakeRoot(body, version);
    fs.writeFileSync(path.join(electronDir, 'path.txt'), 'electron');
    const m = await mirror(fileName, version, serve === 'hang' ? 'hang' : body);
    const port = await freePort();
    const started = Date.now();
    const s = start(root, ['--port', String(port), '--data-dir', path.join(tmpDir(), 'data')], cleanEnv({ ELECTRON_MIRROR: m.url, electron_config_cache: tmpDir('mldesk-electron-cache-'), MLDESK_ELECTRON_STALL_MS: '2000' }));
    try {
      await s.waitFor(/serving at http:\/\/127\.0\.0\.1:\d+\//, 30_000);
      const why = FALLBACK.exec(s.out());
      expect(why, s.out()).not.toBeNull();
      expect(why![1]).toMatch(reason);
      expect(m.hits()).toBe(1);
      if (serve === 'hang') expect(Date.now() - started).toBeLessThan(20_000);
      expect(fs.existsSync(path.join(electronDir, 'dist'))).toBe(false);
      expect(fs.existsSync(path.join(electronDir, 'path.txt'))).toBe(false);
    } finally {
      expect(await stopTree(s)).toBe(0);
      await m.close();
    }
    expect(await refused(port)).toBe(true);
  }, 60_000);

  it('MLDESK_WEB=1 starts web mode without trying the download', async () => {
    const body = zip([{ name: 'electron', data: Buffer.from(FAKE_ELECTRON), mode: 0o755 }]);
    const { root, fileName } = fakeRoot(body, version);
    const m = await mirror(fileName, version, body);
    const s = start(root, ['--port', String(await freePort()), '--data-dir', path.join(tmpDir(), 'data')], cleanEnv({ ELECTRON_MIRROR: m.url, MLDESK_WEB: '1' }));
    try {
      await s.waitFor(/serving at http:\/\/127\.0\.0\.1:\d+\//, 30_000);
      expect(s.out()).toMatch(/^MLDESK_WEB is set: starting web mode\.$/m);
      expect(s.out()).not.toContain(DOWNLOADING);
      expect(m.hits()).toBe(0);
    } finally {
      expect(await stopTree(s)).toBe(0);
      await m.close();
    }
  }, 60_000);
});
