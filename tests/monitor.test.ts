// Deployment monitoring (issue 13, points 3, 5, 6): the pure pieces (records → rows and predictions, performance,
// alert streaks, webhook retries, the Prometheus text and the Grafana dashboard), then against the real dockerd: the
// demo model deployed, reference-like and drifted traffic → windows by count and by time, drifted features flagged,
// one alert per streak, acknowledge / resolve, late labels (single and batch) → accuracy / AUC by window with their
// delay, a webhook retried after a 500, /metrics on the app, and hostile inputs → 4xx.
// Without dockerd the Docker suite fails in CI (process.env.CI) and is skipped with a printed reason elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { callOk, dockerSuite, repoRoot, request, tmpDir } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { featureRows, normLabel, predictions } from '../electron/core/monitor/flatten';
import { auc, performanceOf, quantile } from '../electron/core/monitor/performance';
import { metricValue, RuleEvaluator, DEFAULT_RULES } from '../electron/core/monitor/alerts';
import { grafanaDashboard, METRIC_NAMES, renderMetrics } from '../electron/core/monitor/prometheus';
import { WebhookSender } from '../electron/core/monitor/webhook';
import { parseCsv, replayDemoTraffic } from '../electron/core/monitor/demoTraffic';
import { createDemoProject, seedDemoRuns } from '../electron/core/projects/demo';
import { LABEL } from '../electron/core/deploy/local';
import type { Alert, AlertRule, ColumnDrift, MonitorConfig, MonitorWindow, ModelVersion, ReferenceInfo } from '../shared/contract';

type Overview = { config: MonitorConfig; windows: MonitorWindow[]; alerts: Alert[]; records: number; features: string[]; reference: ReferenceInfo | null };

// ── pure pieces ──────────────────────────────────────────────────────────────────────────────────────────────────

const win = (index: number, over: Partial<MonitorWindow> = {}): MonitorWindow => ({
  index,
  start: index * 1000,
  end: index * 1000 + 999,
  count: 100,
  requests: 10,
  features: { a: { method: 'wasserstein', score: 0.01, threshold: 0.1, drifted: false, psi: 0.01 } },
  driftShare: 0,
  datasetDrift: false,
  prediction: null,
  latencyMs: { p50: 1, p95: 2, p99: 3 },
  errorRate: 0,
  throughput: 10,
  cpuPercent: null,
  memoryBytes: null,
  performance: null,
  open: false,
  ...over,
});

describe('monitor: records → feature rows and predictions', () => {
  it('OIP tensors: one column per [N,1] input, a wide input by the reference’s numeric columns, outputs per row', () => {
    const inputs = [
      { name: 'age', shape: [2, 1], datatype: 'FP64', data: [[30], [null]] },
      { name: 'home', shape: [2, 1], datatype: 'BYTES', data: ['RENT', 'OWN'] },
      { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
    ];
    expect(featureRows('/v2/models/{name}/infer', inputs)).toEqual([
      { age: 30, home: 'RENT', flag: 'true' },
      { age: null, home: 'OWN', flag: 'false' },
    ]);
    const wide = [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }];
    expect(featureRows('/v2/models/{name}/infer', wide)).toEqual([
      { 'x[0]': 1, 'x[1]': 2, 'x[2]': 3 },
      { 'x[0]': 4, 'x[1]': 5, 'x[2]': 6 },
    ]);
    expect(featureRows('/v2/models/{name}/infer', wide, ['f0', 'f1', 'f2', 'f3'])[1]).toEqual({ f0: 4, f1: 5, f2: 6 });
    const outs = [
      { name: 'label', shape: [2], datatype: 'INT64', data: [1, 0] },
      { name: 'probabilities', shape: [2, 2], datatype: 'FP32', data: [0.2, 0.8, 0.9, 0.1] },
    ];
    expect(predictions('/v2/models/{name}/infer', outs)).toEqual([
      { score: 0.8, cls: '1' },
      { score: 0.1, cls: '0' },
    ]);
    // Garbage never throws.
    for (const g of [null, 7, 'x', [{}], [{ name: 'a', shape: 'no', data: 3 }], { inputs: 5 }]) {
      expect(() => featureRows('/v2/models/{name}/infer', g)).not.toThrow();
      expect(() => predictions('/v2/models/{name}/infer', g)).not.toThrow();
      expect(() => featureRows('/invocations', g)).not.toThrow();
      expect(() => predictions('/invocations', g)).not.toThrow();
    }
  });

  it('/invocations bodies: dataframe_split, dataframe_records, instances, inputs; predictions single and by name', () => {
    const want = [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ];
    expect(featureRows('/invocations', { dataframe_split: { columns: ['a', 'b'], data: [[1, 'x'], [2, 'y']] } })).toEqual(want);
    expect(featureRows('/invocations', { dataframe_records: want })).toEqual(want);
    expect(featureRows('/invocations', { instances: want })).toEqual(want);
    expect(featureRows('/invocations', { inputs: { a: [1, 2], b: ['x', 'y'] } })).toEqual(want);
    expect(featureRows('/invocations', { instances: [[1, 2], [3, 4]] })).toEqual([
      { 'input[0]': 1, 'input[1]': 2 },
      { 'input[0]': 3, 'input[1]': 4 },
    ]);
    expect(predictions('/invocations', { predictions: [[0.25], [0.75]] })).toEqual([
      { score: 0.25, cls: null },
      { score: 0.75, cls: null },
    ]);
    expect(predictions('/invocations', { predictions: { label: [0, 1], probabilities: [[0.6, 0.4], [0.3, 0.7]] } })).toEqual([
      { score: 0.4, cls: '0' },
      { score: 0.7, cls: '1' },
    ]);
    expect([true, 1, '1', ' yes ', 0.5].map(normLabel)).toEqual(['1', '1', '1', 'yes', '0.5']);
  });
});

describe('monitor: performance', () => {
  it('accuracy, AUC (ties count half), RMSE for numeric labels, median delay; null when it cannot say', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(auc([0.5, 0.5], [false, true])).toBeCloseTo(0.5, 12);
    expect(auc([0.1, 0.2], [true, true])).toBeNull();
    const p = performanceOf([
      { score: 0.9, cls: '1', label: '1', delayMs: 100 },
      { score: 0.2, cls: '0', label: '0', delayMs: 300 },
      { score: 0.6, cls: '1', label: '0', delayMs: 200 },
    ])!;
    expect(p).toMatchObject({ labeled: 3, auc: 1, rmse: null, medianDelayMs: 200 });
    expect(p.accuracy).toBeCloseTo(2 / 3, 6);
    const r = performanceOf([
      { score: 2, cls: null, label: '3', delayMs: null },
      { score: 5, cls: null, label: '4', delayMs: null },
    ])!;
    expect(r).toMatchObject({ accuracy: null, auc: null, rmse: 1, medianDelayMs: null });
    expect(performanceOf([])).toBeNull();
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
  });
});

describe('monitor: alert rules', () => {
  it('metric values of a window; null where the window cannot say', () => {
    const w = win(0, {
      driftShare: 0.6,
      prediction: { method: 'wasserstein', score: 0.3, threshold: 0.1, drifted: true },
      performance: { labeled: 50, accuracy: 0.6, auc: 0.7, rmse: null, medianDelayMs: 1200 },
    });
    expect(metricValue(w, 'drift_share')).toBe(0.6);
    expect(metricValue(w, 'prediction_drift')).toBe(1);
    expect(metricValue(w, 'feature_drift:a')).toBe(0);
    expect(metricValue(w, 'feature_drift:zz')).toBeNull();
    expect(metricValue(w, 'latency_p99_ms')).toBe(3);
    expect(metricValue(w, 'accuracy')).toBe(0.6);
    expect(metricValue({ ...w, performance: { ...w.performance!, labeled: 3 } }, 'accuracy')).toBeNull();
    expect(metricValue(win(1, { features: {}, requests: 0 }), 'drift_share')).toBeNull();
    expect(metricValue(win(1, { requests: 0 }), 'error_rate')).toBeNull();
    expect(DEFAULT_RULES.map((r) => r.metric)).toEqual(['drift_share', 'prediction_drift', 'latency_p99_ms', 'error_rate', 'accuracy']);
  });

  it('fires once per streak, at the window where the streak reached its length; a new streak fires again', () => {
    const stored = new Map<number, MonitorWindow>();
    const alerts: Array<{ rule: string; window: number }> = [];
    const tables = {
      windows: (_d: string, _e: number, n: number, before: number) => [...stored.values()].filter((w) => w.index <= before).sort((a, b) => a.index - b.index).slice(-n),
      window: (_d: string, _e: number, i: number) => (stored.has(i) ? { window: stored.get(i)! } : null),
    };
    const ev = new RuleEvaluator(tables as never, 'd', 1);
    const rule: AlertRule = { id: 'r1', deployment: 'd', metric: 'drift_share', op: '>=', threshold: 0.5, windows: 2, enabled: true };
    const shares = [0.1, 0.6, 0.7, 0.8, 0.9, 0.2, 0.6, 0.6, 0.6];
    shares.forEach((share, i) => {
      const w = win(i, { driftShare: share });
      stored.set(i, w);
      for (const f of ev.evaluate([rule], w, i)) {
        const dup = alerts.some((a) => a.rule === f.rule.id && a.window >= f.streak.start && a.window <= f.streak.end);
        if (!dup) alerts.push({ rule: f.rule.id, window: f.window.index });
      }
    });
    expect(alerts).toEqual([
      { rule: 'r1', window: 2 },
      { rule: 'r1', window: 7 },
    ]);
    // A fresh evaluator (another process, a restart) walks back over stored windows and finds the same streak.
    const again = new RuleEvaluator(tables as never, 'd', 1).evaluate([rule], stored.get(8)!, 8);
    expect(again.map((f) => [f.window.index, f.streak])).toEqual([[8, { start: 6, end: 8 }]]);
    // Disabled rules and null values never fire.
    expect(ev.evaluate([{ ...rule, enabled: false }], stored.get(8)!, 8)).toEqual([]);
    expect(ev.evaluate([{ ...rule, metric: 'accuracy', op: '<=' }], stored.get(8)!, 8)).toEqual([]);
  });
});

describe('monitor: Prometheus text and the Grafana dashboard', () => {
  it('gauges per deployment with escaped labels; the dashboard uses only exposed names and has a deployment variable', () => {
    const w = win(3, {
      features: { 'we"ird\\name': { method: 'ks', score: 0.01, threshold: 0.05, drifted: true, psi: 0.3 } },
      driftShare: 1,
      datasetDrift: true,
      prediction: { method: 'wasserstein', score: 0.2, threshold: 0.1, drifted: true },
      performance: { labeled: 20, accuracy: 0.8, auc: 0.9, rmse: null, medianDelayMs: 5 },
    });
    const text = renderMetrics([{ name: 'dep-a', model: 'm', version: '2', running: true, last: w, labelled: w, alerts: { open: 1, acknowledged: 0 }, records: 42 }]);
    expect(text).toContain('mldesk_deployment_up{deployment="dep-a",model="m",version="2"} 1');
    expect(text).toContain('mldesk_monitor_feature_drift_score{deployment="dep-a",feature="we\\"ird\\\\name",method="ks"} 0.01');
    expect(text).toContain('mldesk_monitor_drift_share{deployment="dep-a"} 1');
    expect(text).toContain('mldesk_monitor_latency_ms{deployment="dep-a",quantile="0.99"} 3');
    expect(text).toContain('mldesk_monitor_alerts{deployment="dep-a",state="open"} 1');
    expect(text).not.toMatch(/mldesk_monitor_rmse\{/); // null: no sample
    for (const n of METRIC_NAMES) expect(text).toContain(`# TYPE ${n} `);
    const dash = grafanaDashboard({ deployments: ['dep-a'], version: 'test' });
    const exprs = JSON.stringify(dash).match(/mldesk_[a-z_]+/g)!;
    expect(new Set(exprs).size).toBeGreaterThan(10);
    for (const n of exprs) expect(METRIC_NAMES).toContain(n);
    expect((dash.templating as { list: Array<{ name: string }> }).list.map((v) => v.name)).toEqual(['deployment']);
    const one = grafanaDashboard({ deployment: 'dep-a', deployments: ['dep-a'], version: 'test' });
    expect(JSON.stringify(one)).toContain('"current":{"text":"dep-a","value":"dep-a"}');
    // Panels tile a 24-column grid without overlapping.
    const cells = new Set<string>();
    for (const p of dash.panels as Array<{ gridPos: { x: number; y: number; w: number; h: number } }>) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
    expect(renderMetrics([])).toContain('# TYPE mldesk_deployment_up gauge');
  });
});

/** A loopback HTTP server answering with `statuses` in turn (then 200); records each body. */
async function hookServer(statuses: number[]) {
  const bodies: unknown[] = [];
  const srv = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => (b += d.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(b || 'null'));
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`, bodies, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const until = async (what: string, fn: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('monitor: webhook deliveries', () => {
  it('retries a 500 with backoff, gives up on other 4xx and after the last attempt, never blocks', async () => {
    const hook = await hookServer([500, 503]);
    const s = new WebhookSender();
    s.baseDelayMs = 20;
    const t0 = Date.now();
    const d = s.send(hook.url, { hello: 1 });
    expect(Date.now() - t0).toBeLessThan(50);
    await until('delivery', () => d.state !== 'pending');
    expect(d).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200 });
    expect(hook.bodies).toEqual([{ hello: 1 }, { hello: 1 }, { hello: 1 }]);
    const bad = await hookServer([404]);
    const d2 = s.send(bad.url, {});
    await until('final', () => d2.state !== 'pending');
    expect(d2).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 404 });
    const down = s.send('http://127.0.0.1:9/nothing', {});
    await until('gave up', () => down.state !== 'pending', 5000);
    expect(down).toMatchObject({ state: 'failed', attempts: 5 });
    s.close();
    await hook.close();
    await bad.close();
  });
});

// ── against dockerd ──────────────────────────────────────────────────────────────────────────────────────────────

const { docker, suite } = await dockerSuite('monitor');

suite('monitor: a deployed demo model', () => {
  const tag = Math.random().toString(36).slice(2, 7);
  const MODEL = `montest-${tag}`;
  const DEP = `mon-${tag}`;
  const root = tmpDir('mldesk-monitor-');
  let s: Served;
  let port = 0;
  let projectDir = '';
  let storeId = '';
  const hooks: Array<Awaited<ReturnType<typeof hookServer>>> = [];
  const call = <T>(name: string, input: unknown): Promise<T> => callOk<T>(s.engine, name, input);
  const code = async (name: string, input: unknown) => {
    const r = await s.engine.call(name, input);
    return r.ok ? 'ok' : r.error.code;
  };
  const overview = (windows = 1000) => call<Overview>('monitor.overview', { deployment: DEP, windows });
  /** Pulls what the runtime holds now and folds it into windows. */
  const settle = async () => {
    await s.engine.deploy.readRecords(DEP, 0, 1);
    await s.engine.monitor.flush(DEP);
  };
  const replay = (referenceRows: number, driftedRows: number, extra: Partial<Parameters<typeof replayDemoTraffic>[0]> = {}) =>
    replayDemoTraffic({ port, model: MODEL, projectDir, referenceRows, driftedRows, batch: 25, labelLagMs: 50, ...extra });
  const closed = (o: Overview) => o.windows.filter((w) => !w.open);

  beforeAll(async () => {
    const proxyJs = path.join(repoRoot, 'dist/runtime/proxy.js');
    if (!fs.existsSync(path.join(repoRoot, 'dist/cli.js')) || !fs.existsSync(proxyJs) || !fs.readFileSync(path.join(repoRoot, 'dist/runtime/server.js'), 'utf8').includes('/mldesk/feedback')) {
      execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), 'node'], { cwd: repoRoot, stdio: 'inherit' });
    }
    s = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 0 } });
    storeId = s.engine.deploy.target.storeId;
    const project = await createDemoProject(s.engine, path.join(root, 'demo'));
    projectDir = project.path;
    const [runId] = await seedDemoRuns(s.engine, project.id, undefined, [{ name: 'mon', args: ['--model', 'logreg', '--epochs', '6', '--lr', '0.1'] }]);
    const mv = await call<ModelVersion>('models.register', { name: MODEL, runId, path: 'model' });
    // Hostile and empty cases first: known deployment with no records at all.
    const { jobId } = await call<{ jobId: string }>('deploy.apply', { model: MODEL, version: mv.version, name: DEP });
    await s.engine.jobs.wait(jobId);
    port = (await call<{ port: number }>('deploy.get', { name: DEP })).port;
  }, 600_000);

  afterAll(async () => {
    for (const h of hooks) await h.close();
    await s?.close();
    const ours = await docker.listContainers({ all: true, filters: { label: [`${LABEL.store}=${storeId}`] } });
    for (const c of ours) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    const imgs = await docker.listImages({ filters: { label: [`mldesk.model=${MODEL}`] } } as Docker.ListImagesOptions);
    for (const img of imgs) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }, 120_000);

  it('a deployment with no records: defaults created, empty overview, nothing crashes', async () => {
    const o = await overview();
    expect(o.windows).toEqual([]);
    expect(o.records).toBe(0);
    expect(o.config).toMatchObject({ deployment: DEP, window: { kind: 'count', size: 500 }, webhook: null });
    expect(o.config.reference).toMatchObject({ path: 'data/train.csv', source: 'lineage' });
    expect(o.reference).toMatchObject({ source: 'lineage', rows: 5000, predictions: 'model', problem: null });
    expect(o.reference!.label).toMatch(/data\/train\.csv@[0-9a-f]{8} \(5000 of 20000 rows\)/);
    const rules = await call<AlertRule[]>('monitor.rules', { deployment: DEP });
    expect(rules.map((r) => `${r.metric} ${r.op} ${r.threshold} ×${r.windows}`)).toEqual(['drift_share >= 0.5 ×2', 'prediction_drift >= 1 ×2', 'latency_p99_ms >= 500 ×3', 'error_rate >= 0.05 ×2', 'accuracy <= 0.7 ×2']);
    expect(await code('monitor.distribution', { deployment: DEP, window: 0, column: 'income' })).toBe('NOT_FOUND');
    expect(await call<Alert[]>('monitor.alerts', { deployment: DEP })).toEqual([]);
  }, 60_000);

  it('hostile inputs to the monitor methods → 4xx', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['monitor.overview', { deployment: 'Bad Name!' }, 'INVALID_INPUT'],
      ['monitor.overview', { deployment: 'no-such-deployment' }, 'NOT_FOUND'],
      ['monitor.overview', { deployment: DEP, windows: 0 }, 'INVALID_INPUT'],
      ['monitor.overview', { deployment: DEP, extra: 1 }, 'INVALID_INPUT'],
      ['monitor.distribution', { deployment: DEP, window: -1, column: 'x' }, 'INVALID_INPUT'],
      ['monitor.distribution', { deployment: DEP, window: 99_999, column: 'income' }, 'NOT_FOUND'],
      ['monitor.configure', { deployment: DEP, window: { kind: 'count', size: 5 } }, 'INVALID_INPUT'],
      ['monitor.configure', { deployment: DEP, window: { kind: 'time', seconds: 1e9 } }, 'INVALID_INPUT'],
      ['monitor.configure', { deployment: DEP, webhook: 'ftp://example.invalid/x' }, 'INVALID_INPUT'],
      ['monitor.configure', { deployment: DEP, webhook: 'not a url' }, 'INVALID_INPUT'],
      ['monitor.configure', { deployment: DEP, reference: { projectId: 'x'.repeat(10), path: 'data/train.csv' } }, 'NOT_FOUND'],
      ['monitor.configure', { deployment: DEP, columns: { income: { method: 'nope' } } }, 'INVALID_INPUT'],
      ['monitor.configure', { deployment: 'no-such-deployment', window: { kind: 'count', size: 50 } }, 'NOT_FOUND'],
      ['monitor.setRules', { deployment: DEP, rules: [{ metric: 'nope', op: '>=', threshold: 1, windows: 1, enabled: true }] }, 'INVALID_INPUT'],
      ['monitor.setRules', { deployment: DEP, rules: [{ metric: 'drift_share', op: '>', threshold: 1, windows: 1, enabled: true }] }, 'INVALID_INPUT'],
      ['monitor.setRules', { deployment: DEP, rules: [{ metric: 'drift_share', op: '>=', threshold: 1, windows: 0, enabled: true }] }, 'INVALID_INPUT'],
      ['monitor.setRules', { deployment: DEP, rules: Array.from({ length: 201 }, () => ({ metric: 'drift_share', op: '>=', threshold: 1, windows: 1, enabled: true })) }, 'INVALID_INPUT'],
      ['monitor.updateAlert', { id: 'alert-nope', state: 'resolved' }, 'NOT_FOUND'],
      ['monitor.updateAlert', { id: 'alert-nope', state: 'open' }, 'INVALID_INPUT'],
      ['monitor.alerts', { limit: 0 }, 'INVALID_INPUT'],
      ['monitor.grafana', { deployment: 'no-such-deployment' }, 'NOT_FOUND'],
      ['monitor.datasetDrift', { reference: { projectId: 'x'.repeat(10), path: 'a.csv' }, current: { projectId: 'x'.repeat(10), path: 'b.csv' } }, 'NOT_FOUND'],
    ];
    for (const [m, input, want] of cases) expect(`${m} ${JSON.stringify(input).slice(0, 80)} → ${await code(m, input)}`).toBe(`${m} ${JSON.stringify(input).slice(0, 80)} → ${want}`);
    // Over HTTP: 4xx with the error shape.
    const r = await request(`${s.url}/rpc/monitor.overview`, 'POST', { deployment: '../../etc' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_INPUT');
  }, 60_000);

  it('records → windows by count: reference-like traffic does not drift; the reference is the lineage’s train.csv', async () => {
    // Windows of 1000 rows: with a reference over 1000 rows Evidently's rules pick Wasserstein / Jensen–Shannon with a
    // 0.1 threshold, which a few hundred rows of the very same distribution cross now and then by chance.
    const cfg = await call<MonitorConfig>('monitor.configure', { deployment: DEP, window: { kind: 'count', size: 1000 } });
    expect(cfg.window).toEqual({ kind: 'count', size: 1000 });
    const t = await replay(3000, 0, { noLabels: true });
    expect(t).toMatchObject({ rows: 3000, failed: 0 });
    await settle();
    const o = await overview();
    const c = closed(o);
    expect(c.map((w) => [w.index, w.count, w.requests])).toEqual([
      [0, 1000, 40],
      [1, 1000, 40],
      [2, 1000, 40],
    ]);
    expect(o.records).toBe(120);
    expect(o.features).toEqual(expect.arrayContaining(['income', 'credit_score', 'purpose', 'age', 'region']));
    expect(o.features).not.toContain('default');
    for (const w of c) {
      expect(Object.keys(w.features).length).toBeGreaterThanOrEqual(10);
      expect(w.features.income).toMatchObject({ method: 'wasserstein', threshold: 0.1 });
      expect(w.features.purpose).toMatchObject({ method: 'jensenshannon' });
      expect(w.datasetDrift, JSON.stringify(w.features)).toBe(false);
      expect(w.prediction).toMatchObject({ method: 'wasserstein', drifted: false });
      expect(w.latencyMs.p50).toBeGreaterThan(0);
      expect(w.latencyMs.p99).toBeGreaterThanOrEqual(w.latencyMs.p50!);
      expect(w.errorRate).toBe(0);
      expect(w.throughput).toBeGreaterThan(0);
      expect(w.performance).toBeNull();
    }
    expect(await call<Alert[]>('monitor.alerts', { deployment: DEP })).toEqual([]);
  }, 120_000);

  it('drifted traffic flags the drifted features and fires each drift alert exactly once per streak; a new streak fires again', async () => {
    const alertsSeen: Array<Alert & { change: string }> = [];
    const off = s.engine.events.subscribe('monitor.alert', (a) => void alertsSeen.push(a));
    const live: MonitorWindow[] = [];
    const offWin = s.engine.events.subscribe('monitor.window', (p) => void (p.deployment === DEP && live.push(p.window)));
    try {
      await replay(0, 3000, { noLabels: true });
      await settle();
      const o = await overview();
      const drifted = closed(o).filter((w) => w.index >= 3);
      expect(drifted).toHaveLength(3);
      for (const w of drifted) {
        expect(w.features.income!.drifted, `window ${w.index}: ${JSON.stringify(w.features.income)}`).toBe(true);
        expect(w.features.credit_score!.drifted).toBe(true);
        expect(w.features.age!.drifted).toBe(false);
        expect(w.prediction!.drifted).toBe(true);
      }
      // The live topic carried the closed windows (and open ones).
      expect(live.filter((w) => !w.open).map((w) => w.index)).toEqual(expect.arrayContaining([3, 4, 5]));
      const alerts = await call<Alert[]>('monitor.alerts', { deployment: DEP });
      const pred = alerts.filter((a) => a.metric === 'prediction_drift');
      expect(pred).toHaveLength(1);
      expect(pred[0]).toMatchObject({ window: 4, state: 'open', column: '@prediction' });
      expect(alertsSeen.filter((a) => a.metric === 'prediction_drift').map((a) => a.change)).toEqual(['fired']);
      expect(pred[0]!.message).toMatch(new RegExp(`^${DEP}: the predictions drifted for 2 windows in a row \\(window 4\\)`));
      const share = alerts.filter((a) => a.metric === 'drift_share');
      expect(share.length).toBeLessThanOrEqual(1);
      if (share[0]) expect(drifted.map((w) => w.features[share[0]!.column!]?.drifted)).toContain(true);
      // The overlay behind the alert's chart point.
      const dist = await call<ColumnDrift>('monitor.distribution', { deployment: DEP, window: pred[0]!.window, column: 'income' });
      expect(dist).toMatchObject({ column: 'income', kind: 'numeric', method: 'wasserstein', drifted: true });
      expect(dist.distribution!.edges!.length).toBe(dist.distribution!.reference.length + 1);
      expect(dist.rows.current).toBe(1000);
      const pd = await call<ColumnDrift>('monitor.distribution', { deployment: DEP, window: pred[0]!.window, column: '@prediction' });
      expect(pd.drifted).toBe(true);
      const cat = await call<ColumnDrift>('monitor.distribution', { deployment: DEP, window: 5, column: 'purpose' });
      expect(cat.distribution!.categories).toEqual(expect.arrayContaining(['small_business', 'medical']));
      expect(await code('monitor.distribution', { deployment: DEP, window: 5, column: 'no_such_column' })).toBe('NOT_FOUND');

      // Acknowledge, then resolve: events and states; a resolved alert stays resolved.
      await call('monitor.updateAlert', { id: pred[0]!.id, state: 'acknowledged' });
      expect((await call<Alert[]>('monitor.alerts', { deployment: DEP, state: 'acknowledged' })).map((a) => a.id)).toEqual([pred[0]!.id]);
      await call('monitor.updateAlert', { id: pred[0]!.id, state: 'resolved' });
      expect(await code('monitor.updateAlert', { id: pred[0]!.id, state: 'acknowledged' })).toBe('FAILED_PRECONDITION');
      expect(alertsSeen.filter((a) => a.id === pred[0]!.id).map((a) => a.change)).toEqual(['fired', 'acknowledged', 'resolved']);
      expect((await overview()).alerts.map((a) => a.id)).not.toContain(pred[0]!.id);

      // The streak ends (reference-like traffic), then a new one begins: one more alert, not one per window.
      await replay(2000, 2000, { noLabels: true });
      await settle();
      const after = (await call<Alert[]>('monitor.alerts', { deployment: DEP })).filter((a) => a.metric === 'prediction_drift');
      expect(after.map((a) => a.window).sort((a, b) => a - b)).toEqual([4, 9]);
    } finally {
      off();
      offWin();
    }
  }, 180_000);

  it('late labels, single and batch → accuracy / AUC by window with the delay between prediction and label', async () => {
    await call('monitor.configure', { deployment: DEP, window: { kind: 'count', size: 100 } });
    // One request with our own id and a label for it (single), then the demo's traffic with batch labels.
    const row = parseCsv(fs.readFileSync(path.join(projectDir, 'data/train.csv'), 'utf8'), 1).rows[0]!;
    const ex = await call<{ oip: { inputs: Array<{ name: string }> } }>('deploy.example', { model: MODEL, version: '1' });
    const inv = await request(`http://127.0.0.1:${port}/v2/models/${MODEL}/infer`, 'POST', { id: `single-${tag}`, ...ex.oip });
    expect(inv.status).toBe(200);
    expect(inv.headers.get('x-request-id')).toBe(`single-${tag}`);
    void row;
    await new Promise((r) => setTimeout(r, 300));
    const single = await request(`http://127.0.0.1:${port}/mldesk/feedback`, 'POST', { id: `single-${tag}`, label: 1 });
    expect(single.status).toBe(200);
    expect(single.body).toEqual({ accepted: 1 });
    const bad = await request(`http://127.0.0.1:${port}/mldesk/feedback`, 'POST', { id: `single-${tag}` });
    expect(bad.status).toBe(400);
    const t = await replay(300, 300, { labelLagMs: 400 });
    expect(t.labels).toBe(600);
    await settle();
    const o = await overview();
    const labelled = closed(o).filter((w) => w.performance && w.performance.labeled > 0);
    expect(labelled.length).toBeGreaterThanOrEqual(6);
    const total = labelled.reduce((n, w) => n + w.performance!.labeled, 0);
    expect(total).toBe(601);
    for (const w of labelled.filter((x) => x.performance!.labeled >= 100)) {
      expect(w.performance!.accuracy).toBeGreaterThan(0.5);
      expect(w.performance!.auc).toBeGreaterThan(0.5);
      expect(w.performance!.rmse).toBeNull();
      expect(w.performance!.medianDelayMs).toBeGreaterThanOrEqual(400);
    }
    const first = labelled[0]!;
    expect(first.performance!.medianDelayMs).toBeGreaterThanOrEqual(300);
  }, 120_000);

  it('windows by time: recomputed from every record; a window closes by the clock, an empty one is skipped', async () => {
    const total = (await overview()).windows.reduce((n, w) => n + w.count, 0);
    await call('monitor.configure', { deployment: DEP, window: { kind: 'time', seconds: 5 } });
    await settle();
    let o = await overview();
    // Every row is in one window again; closed windows span their 5 s, aligned.
    expect(o.windows.reduce((n, w) => n + w.count, 0)).toBe(total);
    expect(o.windows.map((w) => w.index)).toEqual(o.windows.map((_, i) => i));
    const tick = async () => {
      await s.engine.monitor.tick();
      return overview();
    };
    // The last one closes by the clock (no record after it ever comes), its 5 s and the pull's grace later.
    await until('the history’s last window to close', async () => (await tick()).windows.every((w) => !w.open), 15_000);
    o = await overview();
    for (const w of closed(o)) {
      expect(w.end - w.start).toBe(5000);
      expect(w.start % 5000).toBe(0);
      expect(w.throughput).toBeCloseTo(w.requests / 5, 3);
    }
    const n = closed(o).length;
    // New traffic opens a window (published live as it fills); it closes by the clock too.
    const live: MonitorWindow[] = [];
    const off = s.engine.events.subscribe('monitor.window', (p) => void (p.deployment === DEP && live.push(p.window)));
    await replay(100, 0, { noLabels: true });
    await settle();
    off();
    o = await overview();
    expect(o.windows.at(-1)!.open).toBe(true);
    expect(live.at(-1)).toMatchObject({ open: true, count: 100, index: o.windows.at(-1)!.index });
    await until('the new window to close', async () => closed(await tick()).length > n, 15_000);
    o = await overview();
    expect(o.windows.at(-1)).toMatchObject({ open: false, count: 100 });
    // Quiet time: no empty windows appear, nothing crashes.
    await new Promise((r) => setTimeout(r, 1500));
    expect(closed(await tick()).length).toBe(closed(o).length);
  }, 120_000);

  it('a webhook gets each alert as JSON, retried after a 500', async () => {
    const hook = await hookServer([500]);
    hooks.push(hook);
    s.engine.monitor.webhooks.baseDelayMs = 50;
    await call('monitor.configure', { deployment: DEP, webhook: hook.url, window: { kind: 'count', size: 300 } });
    // Only a rule that fires on the next window (throughput ≥ 0 for 1 window); the others are off meanwhile.
    const rules = await call<AlertRule[]>('monitor.rules', { deployment: DEP });
    const next = await call<AlertRule[]>('monitor.setRules', {
      deployment: DEP,
      rules: [...rules.map((r) => ({ ...r, enabled: false })), { metric: 'throughput', op: '>=', threshold: 0, windows: 1, enabled: true }],
    });
    expect(next.slice(0, rules.length).map((r) => r.id)).toEqual(rules.map((r) => r.id));
    expect(next.map((r) => r.enabled)).toEqual([false, false, false, false, false, true]);
    await replay(300, 0, { noLabels: true });
    await settle();
    await until('two deliveries', () => hook.bodies.length >= 2, 10_000);
    const body = hook.bodies[1] as { event: string; alert: Alert };
    expect(body.event).toBe('mldesk.alert.fired');
    expect(body.alert).toMatchObject({ deployment: DEP, metric: 'throughput', state: 'open' });
    expect(hook.bodies[0]).toEqual(hook.bodies[1]);
    await call('monitor.setRules', { deployment: DEP, rules });
    await call('monitor.configure', { deployment: DEP, webhook: null });
  }, 60_000);

  it('/metrics on the app exposes the gauges; the Grafana dashboard references only names /metrics exposes', async () => {
    const r = await fetch(`${s.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain(`mldesk_deployment_up{deployment="${DEP}",model="${MODEL}",version="1"} 1`);
    for (const m of ['mldesk_monitor_drift_share', 'mldesk_monitor_prediction_drift_score', 'mldesk_monitor_latency_ms', 'mldesk_monitor_error_rate', 'mldesk_monitor_throughput_rps', 'mldesk_monitor_alerts']) {
      expect(text).toMatch(new RegExp(`^${m}\\{deployment="${DEP}"`, 'm'));
    }
    expect(text).toMatch(new RegExp(`^mldesk_monitor_feature_drift_score\\{deployment="${DEP}",feature="income",method="wasserstein"\\} [0-9.e-]+$`, 'm'));
    expect(text).toMatch(new RegExp(`^mldesk_monitor_accuracy\\{deployment="${DEP}"\\} 0\\.\\d+$`, 'm'));
    // Container CPU / memory, sampled with docker stats every few seconds, are in the windows closed since.
    expect(text).toMatch(new RegExp(`^mldesk_monitor_memory_bytes\\{deployment="${DEP}"\\} [1-9]\\d+$`, 'm'));
    expect(text).toMatch(new RegExp(`^mldesk_monitor_cpu_percent\\{deployment="${DEP}"\\} [0-9.]+$`, 'm'));
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const dash = await call<Record<string, unknown>>('monitor.grafana', { deployment: DEP });
    const used = new Set(JSON.stringify(dash).match(/mldesk_[a-z_]+/g));
    expect(used.size).toBeGreaterThan(10);
    for (const n of used) expect(exposed.has(n), n).toBe(true);
    // The same through the CLI.
    const out = path.join(root, 'dash.json');
    const { runCli } = await import('./helpers');
    const cli = await runCli(['monitor', 'grafana', '--deployment', DEP, '--out', out, '--data-dir', path.join(root, 'data')], {}, 60_000);
    expect(cli.code, cli.out).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ title: `mldesk — ${DEP}` });
    const status = await runCli(['monitor', 'status', DEP, '--json', '--data-dir', path.join(root, 'data')], {}, 60_000);
    expect(status.code, status.out).toBe(0);
    const st = JSON.parse(status.out) as Overview & { rules: AlertRule[] };
    expect(st.windows.length).toBeGreaterThan(3);
    expect(st.rules.length).toBe(5);
    const human = await runCli(['monitor', 'status', DEP, '--data-dir', path.join(root, 'data')], {}, 60_000);
    expect(human.out).toMatch(/WINDOW\s+ROWS\s+DRIFT/);
    const usage = await runCli(['monitor', 'status']);
    expect(usage.code).toBe(2);
    // Auth like every API route: a token-guarded server refuses /metrics without it.
    const guarded = await startServer({ dataDir: path.join(root, 'guarded'), port: 0, uiDir: null, token: 'sekrit-token-0123456789' });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer sekrit-token-0123456789' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  }, 120_000);
});
