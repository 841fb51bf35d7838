import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir } from './helpers';

describe('mldesk CLI', () => {
  it('refuses --host 0.0.0.0 without a token, with a clear message, and exits non-zero', async () => {
    const dataDir = path.join(tmpDir(), 'd');
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { MLDESK_TOKEN: '' });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Refusing to listen on 0\.0\.0\.0 without a token/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('rejects unknown flags and bad ports with usage', async () => {
    const r = await runCli(['serve', '--prot', '1']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/Unknown option '--prot'/);
    const p = await runCli(['serve', '--port', 'abc']);
    expect(p.code).toBe(2);
    expect(p.out).toMatch(/--port must be an integer/);
  });

  it('serve --port 0 prints the URL and answers; SIGTERM stops it', async () => {
    const { spawn } = await import('node:child_process');
    const dataDir = path.join(tmpDir(), 'd');
    const p = spawn(process.execPath, ['bin/mldesk.js', 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /serving at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      p.on('exit', () => reject(new Error(out)));
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const html = await fetch(`${url}/`);
    expect(html.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'mldesk.sqlite'))).toBe(true);
  });

  it('demo creates the project in the given dir and lists it in the data dir store', async () => {
    const home = tmpDir();
    const r = await runCli(['demo', '--dir', path.join(home, 'demo'), '--data-dir', path.join(home, 'data')], {}, 60_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Demo project ready/);
    expect(fs.existsSync(path.join(home, 'demo', 'data', 'train.csv'))).toBe(true);
  }, 90_000);
});
