import { expect, test, type Page } from '@playwright/test';
import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import type { AlertRule, Deployment, EngineStatus, JobInfo, ProjectSummary } from '../shared/contract';
import { useDemoServer } from './server';

// Live monitoring, end to end: the demo's champion deployed on the real Docker engine under a name of this spec's own
// (container names are per Docker engine: the demo's own `credit-risk` deployment may exist for another data dir),
// reference-like then drifted traffic sent from the test, and the page (never reloaded) shows the drift crossing its
// threshold, an alert, and the distribution overlay behind it. Without a reachable Docker engine this spec fails, it
// never skips. The deployment and its image are removed afterwards.
const demoServer = useDemoServer(test);

const MODEL = 'credit-risk';
const DEPLOYMENT = 'credit-risk-monitor-e2e';
/** Rows per window: enough for the KS test to see the demo's shifts (about 0.5 sd) in one window. */
const WINDOW = 200;
/** The demo's drifted columns (resources/demo/generate.ts): credit_score shifted by -40, income scaled by 0.8. */
const FEATURE = 'credit_score';

async function rpc<T>(name: string, input: unknown = {}): Promise<T> {
  const r = await fetch(`${demoServer().url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await r.json()) as unknown;
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(body)}`);
  return body as T;
}

async function demoProject(): Promise<ProjectSummary> {
  const list = await rpc<ProjectSummary[]>('projects.list');
  const p = list.find((x) => x.name === 'credit-risk-demo');
  if (!p) throw new Error(`no demo project in ${JSON.stringify(list.map((x) => x.name))}`);
  return p;
}

/** A small CSV reader for the demo's files (no quoted commas there). */
function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const cols = head!.split(',').map((c) => c.replace(/^"|"$/g, ''));
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v.replace(/^"|"$/g, '')])));
}

/** CSV rows → `/invocations` records shaped like the deployment's own example (its keys and value types). */
function recordsLike(example: Record<string, unknown>, rows: readonly Record<string, string>[]): Record<string, unknown>[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(example).map(([k, v]) => {
        const raw = r[k];
        if (raw === undefined) return [k, v];
        if (typeof v === 'number') return [k, raw.trim() === '' ? null : Number(raw)];
        if (typeof v === 'boolean') return [k, /^(1|true|yes)$/i.test(raw)];
        return [k, raw];
      }),
    ),
  );
}

async function waitJob(id: string, ms: number): Promise<JobInfo> {
  const until = Date.now() + ms;
  for (;;) {
    const j = await rpc<JobInfo>('jobs.get', { id, maxLines: 50 });
    if (j.state !== 'running') return j;
    if (Date.now() > until) throw new Error(`job ${id} still running after ${ms} ms: ${j.phase}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Sends rows through the deployment's endpoint (the engine's deploy.invoke) in batches. */
async function sendTraffic(example: Record<string, unknown>, rows: readonly Record<string, string>[], batch = 50): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    const body = { dataframe_records: recordsLike(example, rows.slice(i, i + batch)) };
    const r = await rpc<{ status: number; body: unknown }>('deploy.invoke', { name: DEPLOYMENT, protocol: 'invocations', body });
    expect(r.status, `invocation answered ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
  }
}

/** The image this spec's deployment ran (removed afterwards; other data dirs' images of the demo model are not ours). */
let imageDigest: string | null = null;
async function cleanup(): Promise<void> {
  const d = await rpc<Deployment>('deploy.get', { name: DEPLOYMENT }).catch(() => null);
  imageDigest = d?.image.digest || imageDigest;
  await rpc('deploy.remove', { name: DEPLOYMENT }).catch(() => undefined);
  if (imageDigest) await new Docker().getImage(imageDigest).remove({ force: true }).catch(() => undefined);
}

async function openMonitoring(page: Page): Promise<void> {
  await page.goto(`${demoServer().url}/#/deployments?name=${DEPLOYMENT}&tab=monitoring`);
  await expect(page.locator('body[data-ready="1"]')).toBeAttached();
  await expect(page.locator(`[data-testid="monitoring"][data-deployment="${DEPLOYMENT}"]`)).toBeVisible({ timeout: 30_000 });
}

test.describe.configure({ mode: 'serial' });

test('Data page: compare train.csv with production.csv for drift → drifted columns, verdict, overlay', async ({ page }) => {
  const project = await demoProject();
  await page.goto(`${demoServer().url}/#/data?project=${project.id}&path=data/production.csv`);
  await expect(page.locator('body[data-ready="1"]')).toBeAttached();
  await page.getByTestId('data-tab-drift').click();
  const tab = page.getByTestId('drift-tab');
  await expect(tab.getByRole('heading', { name: 'Compare two datasets for drift' })).toBeVisible();
  // Defaults: the training data as the reference, the dataset on screen as the current data.
  await expect(tab.getByTestId('drift-ref-path')).toHaveValue('data/train.csv');
  await expect(tab.getByTestId('drift-cur-path')).toHaveValue('data/production.csv');
  await tab.getByTestId('btn-run-drift').click();
  // Runs as a job with the shared progress bar, then the report.
  await expect(page).toHaveURL(/driftJob=/);
  const verdict = tab.getByTestId('drift-verdict');
  await expect(verdict).toBeVisible({ timeout: 60_000 });
  for (const c of ['income', 'credit_score', 'purpose']) {
    await expect(tab.locator(`[data-testid="drift-row"][data-column="${c}"]`)).toHaveAttribute('data-drifted', 'true');
  }
  for (const c of ['age', 'region']) {
    await expect(tab.locator(`[data-testid="drift-row"][data-column="${c}"]`)).toHaveAttribute('data-drifted', 'false');
  }
  expect(Number(await verdict.getAttribute('data-drifted-columns'))).toBeGreaterThanOrEqual(3);
  // A row opens the reference vs current overlay.
  await tab.locator('[data-testid="drift-row"][data-column="income"]').click();
  const overlay = tab.getByTestId('distribution-overlay');
  await expect(overlay).toHaveAttribute('data-column', 'income');
  await expect(overlay).toHaveAttribute('data-kind', 'numeric');
  expect(Number(await overlay.getByTestId('overlay-chart').getAttribute('data-bins'))).toBeGreaterThan(1);
  await tab.locator('[data-testid="drift-row"][data-column="purpose"]').click();
  await expect(overlay).toHaveAttribute('data-kind', /categorical|binary/);
  // "Only drifted" filter.
  await tab.getByTestId('drift-only-drifted').check();
  await expect(tab.locator('[data-testid="drift-row"][data-drifted="false"]')).toHaveCount(0);
});

test.describe('live monitoring of a deployment', () => {
  test.afterEach(cleanup);

  test('reference-like then drifted traffic → the live chart crosses its threshold and an alert appears without a reload → it opens the overlay', async ({ page }) => {
    test.setTimeout(420_000);
    const engine = await rpc<EngineStatus>('containers.engine');
    expect(engine.available, `A Docker engine is needed for this spec: ${engine.problem?.message ?? ''} — ${engine.problem?.hint ?? ''}`).toBe(true);

    // Deploy the demo's champion.
    const existing = (await rpc<Deployment[]>('deploy.list')).find((d) => d.name === DEPLOYMENT);
    if (!existing) {
      const { jobId } = await rpc<{ jobId: string }>('deploy.apply', { name: DEPLOYMENT, model: MODEL, alias: 'champion' });
      const job = await waitJob(jobId, 300_000);
      expect(job.error, JSON.stringify(job.error)).toBeNull();
    }
    const d = await rpc<Deployment>('deploy.get', { name: DEPLOYMENT });
    imageDigest = d.image.digest || null;
    expect(d.status, d.reason ?? '').toBe('running');

    // Windows of WINDOW rows, and an alert rule on the drifted feature besides the defaults.
    await rpc('monitor.configure', { deployment: DEPLOYMENT, window: { kind: 'count', size: WINDOW } });
    const rules = await rpc<AlertRule[]>('monitor.rules', { deployment: DEPLOYMENT });
    await rpc('monitor.setRules', {
      deployment: DEPLOYMENT,
      rules: [
        ...rules.filter((r) => r.metric !== `feature_drift:${FEATURE}`).map(({ deployment: _d, ...r }) => r),
        { metric: `feature_drift:${FEATURE}`, op: '>=', threshold: 1, windows: 1, enabled: true },
      ],
    });

    const example = await rpc<{ invocations: { dataframe_records?: Record<string, unknown>[] } }>('deploy.example', { model: MODEL, version: d.version });
    const shape = example.invocations.dataframe_records?.[0];
    expect(shape, `the demo model takes dataframe records: ${JSON.stringify(example.invocations).slice(0, 200)}`).toBeTruthy();
    const project = await demoProject();
    const train = readCsv(path.join(project.path, 'data', 'train.csv'));
    const production = readCsv(path.join(project.path, 'data', 'production.csv'));

    // The Monitoring tab, open before any traffic: it says what to do.
    await openMonitoring(page);
    const tab = page.getByTestId('monitoring');
    await expect(tab.getByTestId('monitor-empty')).toContainText('Send requests to');
    // Mark the document: a reload would drop it.
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));

    // Reference-like traffic: two windows of training rows.
    await sendTraffic(shape!, train.slice(0, 2 * WINDOW));
    const chart = tab.locator(`[data-testid="drift-chart"][data-feature="${FEATURE}"]`);
    await expect(chart).toBeVisible({ timeout: 60_000 });
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    const driftedBefore = Number(await chart.getAttribute('data-drifted-points'));

    // Drifted traffic: two windows of production rows → the chart's point crosses the threshold, live.
    await sendTraffic(shape!, production.slice(0, 2 * WINDOW));
    await expect.poll(async () => Number(await chart.getAttribute('data-drifted-points')), { timeout: 90_000 }).toBeGreaterThan(driftedBefore);
    await expect(chart.locator('[data-testid="drift-point"][data-drifted="true"]').first()).toBeAttached();
    await expect(tab.getByTestId('monitor-drift-now')).not.toHaveAttribute('data-drifted', '0');
    await expect(tab.locator(`[data-testid="heatmap-cell"][data-feature="${FEATURE}"][data-drifted="true"]`).first()).toBeVisible();

    // The alert: a toast (web mode) and the list, both live.
    const toast = page.getByTestId('alert-toast').first();
    await expect(toast).toBeVisible({ timeout: 60_000 });
    await expect(toast.getByTestId('toast-action')).toHaveAttribute('href', new RegExp(`^#/deployments\\?.*name=${DEPLOYMENT}.*tab=monitoring.*window=\\d+`));
    const item = tab.locator(`[data-testid="alert-item"][data-metric="feature_drift:${FEATURE}"]`).first();
    await expect(item).toHaveAttribute('data-state', 'open');
    await expect(page.getByTestId('nav-deployments-badge')).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);

    // Clicking the alert opens the chart point that fired it: that window selected, the overlay of that feature.
    const firedWindow = await item.getAttribute('data-window');
    await item.getByTestId('alert-link').click();
    await expect(page).toHaveURL(new RegExp(`window=${firedWindow}`));
    const panel = tab.getByTestId('overlay-panel');
    await expect(panel).toHaveAttribute('data-window', firedWindow!);
    await expect(panel).toHaveAttribute('data-feature', FEATURE);
    const overlay = panel.getByTestId('distribution-overlay');
    await expect(overlay).toBeVisible({ timeout: 30_000 });
    await expect(overlay).toHaveAttribute('data-column', FEATURE);
    await expect(overlay).toHaveAttribute('data-drifted', 'true');
    expect(Number(await overlay.getByTestId('overlay-chart').getAttribute('data-bins'))).toBeGreaterThan(1);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);

    // Esc closes the overlay; a drifted chart point opens it again.
    await page.keyboard.press('Escape');
    await expect(panel).toBeHidden();
    await chart.locator('[data-testid="drift-point"][data-drifted="true"]').last().click();
    await expect(tab.getByTestId('distribution-overlay')).toHaveAttribute('data-column', FEATURE);

    // The Deployments header lists every alert too (the bell, with the open count).
    await page.getByTestId('btn-alerts').click();
    await expect(page.getByTestId('alerts-panel').locator(`[data-testid="alert-item"][data-metric="feature_drift:${FEATURE}"]`).first()).toBeVisible();
    await page.getByTestId('alerts-close').click();

    // Acknowledge, then resolve (resolved alerts leave the tab's list unless asked for).
    const alertId = await item.getAttribute('data-id');
    const byId = tab.locator(`[data-testid="alert-item"][data-id="${alertId}"]`);
    await byId.getByTestId('alert-ack').click();
    await expect(byId).toHaveAttribute('data-state', 'acknowledged');
    await byId.getByTestId('alert-resolve').click();
    await expect(byId).toHaveCount(0);

    // Service charts have points too; charts export as SVG, the windows as CSV, the Grafana dashboard as JSON.
    await expect(tab.getByTestId('chart-latency')).not.toHaveAttribute('data-points', '0');
    const svg = page.waitForEvent('download');
    await chart.getByTestId('btn-export-svg').click();
    expect((await svg).suggestedFilename()).toMatch(/\.svg$/);
    const csv = page.waitForEvent('download');
    await tab.getByTestId('btn-monitor-csv').click();
    expect((await csv).suggestedFilename()).toMatch(/^monitoring-.*\.csv$/);
    const download = page.waitForEvent('download');
    await tab.getByTestId('btn-grafana').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`mldesk-grafana-${DEPLOYMENT}.json`);
    const dash = JSON.parse(fs.readFileSync((await file.path())!, 'utf8')) as Record<string, unknown>;
    expect(typeof dash).toBe('object');
  });
});
