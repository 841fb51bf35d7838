import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serveInProcess } from './helpers';
import type { Served } from '../electron/host/serve';
import { m4Indices } from '../shared/lib/m4';
import { lttbIndices } from '../shared/lib/lttb';

let s: Served & { dataDir: string };
let long: string;
let short: string;
beforeAll(async () => {
  s = await serveInProcess();
  const t = s.engine.tracking;
  long = t.runs.create({ experimentId: '0', runName: 'long' }).info.run_id;
  short = t.runs.create({ experimentId: '0', runName: 'short' }).info.run_id;
  for (let b = 0; b < 50; b++) {
    t.runs.logBatch(long, { metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: Math.sin((b * 1000 + i) / 500) + (i === 500 && b === 25 ? 10 : 0), timestamp: 1_000_000 + b * 1000 + i, step: b * 1000 + i })) });
  }
  t.runs.logBatch(short, { metrics: [0, 1, 2].map((i) => ({ key: 'loss', value: i === 1 ? NaN : i, timestamp: 5 + i, step: i })) });
  t.runs.logBatch(short, { metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0 }] });
});
afterAll(async () => {
  await s.close();
});

type Series = { runId: string; key: string; steps: number[]; values: Array<number | null>; timestamps: number[]; total: number; sampled: boolean };
const series = async (input: object) => {
  const r = await post(s.url, '/rpc/compare.series', input);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body as unknown as { series: Series[] }).series;
};

describe('compare.series', () => {
  it('downsamples long series to maxPoints, keeps ends and the spike, reports totals', async () => {
    const [l, sh] = await series({ runIds: [long, short], keys: ['loss'], maxPoints: 500 });
    expect(l!.runId).toBe(long);
    expect(l!.total).toBe(50_000);
    expect(l!.sampled).toBe(true);
    expect(l!.steps.length).toBe(500);
    expect(l!.steps[0]).toBe(0);
    expect(l!.steps.at(-1)).toBe(49_999);
    expect(Math.max(...(l!.values as number[]))).toBeGreaterThan(10); // the one-point spike survives M4 + LTTB
    expect([...l!.steps].sort((a, b) => a - b)).toEqual(l!.steps);
    // Non-finite values cross HTTP as null.
    expect(sh!.values).toEqual([0, null, 2]);
    expect(sh!.sampled).toBe(false);
  });

  it('stores a level-of-detail and refreshes it when the series grows', async () => {
    const db = s.engine.ctx.store.db;
    expect(db.prepare('SELECT n FROM metric_lod WHERE run_uuid = ? AND key = ?').pluck().get(long, 'loss')).toBe(50_000);
    s.engine.tracking.runs.logBatch(long, { metrics: [{ key: 'loss', value: -5, timestamp: 9e9, step: 60_000 }] });
    const [l] = await series({ runIds: [long], keys: ['loss'], maxPoints: 300 });
    expect(l!.total).toBe(50_001);
    expect(l!.steps.at(-1)).toBe(60_000);
    expect(db.prepare('SELECT n FROM metric_lod WHERE run_uuid = ? AND key = ?').pluck().get(long, 'loss')).toBe(50_001);
  });

  it('a zoom range returns full resolution inside it', async () => {
    const [l] = await series({ runIds: [long], keys: ['loss'], maxPoints: 300, range: { by: 'step', min: 1000, max: 1999 } });
    expect(l!.steps).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 + i));
    expect(l!.sampled).toBe(false);
    const [byTime] = await series({ runIds: [long], keys: ['loss'], maxPoints: 300, range: { by: 'timestamp', min: 1_000_000, max: 1_000_009 } });
    expect(byTime!.steps).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('validates input: unknown runs are NOT_FOUND, bad ranges INVALID_INPUT', async () => {
    expect((await post(s.url, '/rpc/compare.series', { runIds: ['0123456789abcdef0123456789abcdef'], keys: ['loss'] })).status).toBe(404);
    const bad = await post(s.url, '/rpc/compare.series', { runIds: [long], keys: ['loss'], range: { by: 'step', min: 5, max: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/range/);
    expect((await post(s.url, '/rpc/compare.series', { runIds: [], keys: ['loss'] })).status).toBe(400);
  });

  it('metricKeys: union of keys with run counts', async () => {
    const r = await post(s.url, '/rpc/compare.metricKeys', { runIds: [long, short] });
    expect(r.body).toEqual([
      { key: 'acc', runs: 1 },
      { key: 'loss', runs: 2 },
    ]);
  });
});

describe('views and run tags', () => {
  it('saves, overwrites by name, lists and deletes views', async () => {
    const a = await post(s.url, '/rpc/views.save', { experimentId: '0', name: 'best', state: { q: 'metrics.acc > 0.5' } });
    expect(a.status).toBe(200);
    const b = await post(s.url, '/rpc/views.save', { experimentId: '0', name: 'best', state: { q: 'metrics.acc > 0.9' } });
    expect(b.body.id).toBe(a.body.id);
    const list = await post(s.url, '/rpc/views.list', { experimentId: '0' });
    expect(list.body).toHaveLength(1);
    expect((list.body as unknown as Array<{ state: { q: string } }>)[0]!.state.q).toBe('metrics.acc > 0.9');
    expect((await post(s.url, '/rpc/views.save', { experimentId: '999', name: 'x', state: {} })).status).toBe(404);
    expect((await post(s.url, '/rpc/views.save', { experimentId: '0', name: 'huge', state: { blob: 'x'.repeat(300_000) } })).status).toBe(400);
    expect((await post(s.url, '/rpc/views.delete', { id: a.body.id })).body).toEqual({ deleted: true });
    expect((await post(s.url, '/rpc/views.list', { experimentId: '0' })).body).toEqual([]);
  });

  it('stars a run with a tag and unstars it', async () => {
    expect((await post(s.url, '/rpc/tracking.setTag', { runId: short, key: 'mldesk.starred', value: 'true' })).status).toBe(200);
    expect(s.engine.tracking.runs.get(short).data.tags).toContainEqual({ key: 'mldesk.starred', value: 'true' });
    expect((await post(s.url, '/rpc/tracking.deleteTag', { runId: short, key: 'mldesk.starred' })).status).toBe(200);
    expect((await post(s.url, '/rpc/tracking.deleteTag', { runId: short, key: 'mldesk.starred' })).status).toBe(404);
  });
});

describe('downsampling primitives', () => {
  it('M4 keeps first, last, min and max of every bucket', () => {
    const ys = [5, 1, 9, 3, 4, 0, 7, 2, 6, 8, 3, 1, 2, 9, 4, 5, 0, 3, 8, 1];
    const idx = m4Indices(ys, 2);
    expect(idx).toEqual([0, 2, 5, 9, 10, 13, 16, 19]);
  });
  it('LTTB keeps the ends and the requested count', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const ys = xs.map((x) => (x === 50 ? 100 : Math.sin(x)));
    const idx = lttbIndices(xs, ys, 10);
    expect(idx).toHaveLength(10);
    expect(idx[0]).toBe(0);
    expect(idx.at(-1)).toBe(99);
    expect(idx).toContain(50);
  });
});
