import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, tmpDir } from './helpers';
import { startServer } from '../electron/host/serve';

/** The real CLI server as a child process (so it can be SIGKILLed). */
function serveChild(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [path.join(repoRoot, 'bin', 'mldesk.js'), 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /serving at (http:\/\/\S+?)\//.exec(out);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}

async function mlflow(url: string, p: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/2.0/mlflow/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const BATCH = 1000;
const batchBody = (runId: string, b: number) =>
  ({ run_id: runId, metrics: Array.from({ length: BATCH }, (_, i) => ({ key: `k${i % 4}`, value: b + i / BATCH, timestamp: 1000 + b, step: b * (BATCH / 4) + Math.floor(i / 4) })) });

describe('reliability', () => {
  it('kill -9 during ingestion: every acknowledged batch is fully present after restart, none half-written', async () => {
    const dataDir = path.join(tmpDir(), 'data');
    const first = await serveChild(dataDir);
    const runId = ((await (await mlflow(first.url, 'runs/create', { experiment_id: '0' })).json()) as { run: { info: { run_id: string } } }).run.info.run_id;
    const acked = new Set<number>();
    let b = 0;
    let killed = false;
    // Four writers in flight; the server is killed while requests are on the wire.
    const writer = async () => {
      while (!killed) {
        const mine = b++;
        try {
          const r = await mlflow(first.url, 'runs/log-batch', batchBody(runId, mine));
          if (r.status === 200) acked.add(mine);
        } catch {
          return; // connection reset by the kill
        }
      }
    };
    const writers = Promise.all([writer(), writer(), writer(), writer()]);
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 5));
    first.proc.kill('SIGKILL');
    killed = true;
    await writers;
    await new Promise((r) => first.proc.exitCode !== null || first.proc.signalCode !== null ? r(null) : first.proc.once('exit', r));

    const second = await startServer({ dataDir, port: 0, uiDir: null });
    try {
      const counts = new Map<number, number>();
      for (let k = 0; k < 4; k++) {
        for (const m of second.engine.tracking.runs.history(runId, `k${k}`)) {
          const batch = Math.floor(m.value);
          counts.set(batch, (counts.get(batch) ?? 0) + 1);
        }
      }
      for (const a of acked) expect(counts.get(a), `acked batch ${a}`).toBe(BATCH);
      for (const [batch, n] of counts) expect(n, `batch ${batch} is whole`).toBe(BATCH);
      expect(acked.size).toBeGreaterThanOrEqual(40);
      // The store is consistent: latest counters agree with the history.
      const total = [...counts.values()].reduce((x, y) => x + y, 0);
      const row = second.engine.ctx.store.db.prepare('SELECT sum(count) FROM latest_metrics WHERE run_uuid = ?').pluck().get(runId);
      expect(row).toBe(total);
      expect(second.engine.ctx.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await second.close();
    }
  }, 60_000);

  it('8 client processes logging concurrently: no errors, exact counts', async () => {
    const served = await startServer({ dataDir: path.join(tmpDir(), 'data'), port: 0, uiDir: null });
    try {
      const shared = served.engine.tracking.runs.create({ experimentId: '0', runName: 'shared' }).info.run_id;
      const client = `
        const [url, shared, id] = process.argv.slice(1);
        const post = async (p, body) => { const r = await fetch(url + '/api/2.0/mlflow/' + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          if (r.status !== 200) { console.error(r.status, await r.text()); process.exit(1); } return r.json(); };
        const own = (await post('runs/create', { experiment_id: '0', run_name: 'client-' + id })).run.info.run_id;
        for (let b = 0; b < 25; b++) {
          const metrics = Array.from({ length: 200 }, (_, i) => ({ key: 'm' + (i % 2), value: i, timestamp: Date.now(), step: b * 100 + (i >> 1) }));
          await post('runs/log-batch', { run_id: own, metrics, params: b === 0 ? [{ key: 'client', value: id }] : [] });
          await post('runs/log-batch', { run_id: shared, metrics: metrics.map((m) => ({ ...m, key: 'c' + id + '_' + m.key })) });
          await post('runs/set-tag', { run_id: shared, key: 'last_' + id, value: String(b) });
        }
        console.log(own);`;
      const procs = Array.from({ length: 8 }, (_, i) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', client, served.url, shared, String(i)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.stderr.on('data', (d: Buffer) => (out += d.toString()));
          p.on('close', (code) => resolve({ code, out })); // 'close': after stdout is drained ('exit' may come first)
        }),
      );
      const results = await Promise.all(procs);
      for (const r of results) expect(r.code, r.out).toBe(0);
      const t = served.engine.tracking;
      for (const r of results) {
        const own = r.out.trim();
        expect(t.runs.history(own, 'm0')).toHaveLength(2500);
        expect(t.runs.history(own, 'm1')).toHaveLength(2500);
      }
      const sharedRun = t.runs.get(shared);
      expect(sharedRun.data.metrics).toHaveLength(16);
      for (let i = 0; i < 8; i++) {
        expect(t.runs.history(shared, `c${i}_m0`)).toHaveLength(2500);
        expect(sharedRun.data.tags).toContainEqual({ key: `last_${i}`, value: '24' });
      }
    } finally {
      await served.close();
    }
  }, 120_000);
});
