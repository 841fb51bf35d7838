import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import { useDemoServer } from './server';

// Six real demo trainings logged through the launcher into the same data dir the server then opens.
const demoServer = useDemoServer(test);

async function rpc<T>(name: string, input: unknown): Promise<T> {
  const r = await fetch(`${demoServer().url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  if (!r.ok) throw new Error(`${name}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
async function demoRuns(): Promise<{ exp: string; byName: Record<string, string> }> {
  const exps = await rpc<Array<{ experiment_id: string; name: string }>>('tracking.listExperiments', {});
  const exp = exps.find((e) => e.name === 'credit-risk')!.experiment_id;
  const { runs } = await rpc<{ runs: Array<{ info: { run_id: string; run_name: string } }> }>('tracking.searchRuns', { experimentIds: [exp] });
  return { exp, byName: Object.fromEntries(runs.map((r) => [r.info.run_name, r.info.run_id])) };
}
const chart = (page: Page, key: string) => page.locator(`[data-testid="compare-chart"][data-metric-key="${key}"]`);

test('select 3 demo runs → compare: three series per metric; "differences only" hides equal params', async ({ page }) => {
  await page.goto(`${demoServer().url}/#/runs`);
  await page.locator('[data-testid="experiment-item"][data-experiment-name="credit-risk"]').click();
  for (const name of ['logreg-lr0.1', 'logreg-lr0.05', 'gbt-60x2']) {
    await page.locator(`[data-testid="run-row"][data-run-name="${name}"] [data-testid="run-select"]`).check();
  }
  await page.getByTestId('btn-compare').click();
  await expect(page.getByTestId('compare-page')).toBeVisible();
  await expect(chart(page, 'val_auc')).toHaveAttribute('data-series', '3');
  await expect(chart(page, 'val_loss')).toHaveAttribute('data-series', '3');

  await page.getByTestId('compare-tab-params').click();
  const diffOnly = page.getByTestId('params-diff-only');
  await expect(diffOnly).toBeChecked();
  await expect(page.locator('[data-testid="param-diff-row"][data-differs="0"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="param-diff-row"][data-key="lr"]')).toHaveAttribute('data-differs', '1');
  await expect(page.locator('[data-testid="param-diff-row"][data-key="seed"]')).toHaveCount(0);
  await diffOnly.uncheck();
  await expect(page.locator('[data-testid="param-diff-row"][data-key="seed"]')).toHaveAttribute('data-differs', '0');
});

test('group by a param → one mean line with a band per group', async ({ page }) => {
  const { exp, byName } = await demoRuns();
  const ids = Object.values(byName).join(',');
  await page.goto(`${demoServer().url}/#/compare?exp=${exp}&runs=${ids}&keys=val_auc&group=params.model&band=minmax`);
  await expect(chart(page, 'val_auc')).toBeVisible();
  await expect(chart(page, 'val_auc').getByTestId('compare-group-line')).toHaveCount(2);
  const groups = await chart(page, 'val_auc').getByTestId('compare-group-line').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')).sort());
  expect(groups).toEqual(['gbt', 'logreg']);
});

test('a run logging a point every 200 ms streams into the open chart without a reload', async ({ page }) => {
  const { exp } = await demoRuns();
  const script =
    "const u=process.env.MLFLOW_TRACKING_URI,id=process.env.MLFLOW_RUN_ID;" +
    "for(let i=0;i<40;i++){await fetch(u+'/api/2.0/mlflow/runs/log-metric',{method:'POST',headers:{'content-type':'application/json'}," +
    "body:JSON.stringify({run_id:id,key:'live_loss',value:1/(i+1),timestamp:Date.now(),step:i})});await new Promise(r=>setTimeout(r,200))}";
  const run = await rpc<{ runId: string }>('launcher.start', { command: [process.execPath, '--input-type=module', '-e', script], experimentName: 'credit-risk', name: 'live-stream' });
  try {
    await page.goto(`${demoServer().url}/#/compare?exp=${exp}&runs=${run.runId}&keys=live_loss`);
    const c = chart(page, 'live_loss');
    await expect(c).toBeVisible();
    await expect.poll(async () => Number(await c.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const first = Number(await c.getAttribute('data-points'));
    await expect.poll(async () => Number(await c.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(first + 3);
    expect(page.url()).toContain(run.runId); // same page, no reload
  } finally {
    await rpc('launcher.stop', { runId: run.runId }).catch(() => undefined);
  }
});

test('chart exports explain themselves: SVG text has the title, axis titles and a legend with the run names; PNG downloads', async ({ page }) => {
  const { exp, byName } = await demoRuns();
  const names = ['logreg-lr0.1', 'logreg-lr0.05', 'gbt-60x2'];
  await page.goto(`${demoServer().url}/#/compare?exp=${exp}&runs=${names.map((n) => byName[n]).join(',')}&keys=val_auc`);
  const c = chart(page, 'val_auc');
  await expect(c).toHaveAttribute('data-series', '3');

  const [svgDownload] = await Promise.all([page.waitForEvent('download'), c.getByTestId('btn-export-svg').click()]);
  expect(svgDownload.suggestedFilename()).toBe('val_auc.svg');
  const svg = fs.readFileSync((await svgDownload.path())!, 'utf8');
  // The text nodes of the picture.
  const texts = [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  expect(texts[0]).toBe('val_auc');
  for (const n of names) expect(texts).toContain(n);
  expect(texts).toContain('step');
  expect(svg).toMatch(/<text\b[^>]*class="export-axis-y"[^>]*>val_auc<\/text>/);
  // The legend swatches use the runs' colours.
  const legend = await page.locator('[data-testid="compare-run-swatch"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-color')));
  for (const color of legend) expect(svg).toContain(`fill="${color}"`);

  const [pngDownload] = await Promise.all([page.waitForEvent('download'), c.getByTestId('btn-export-png').click()]);
  expect(pngDownload.suggestedFilename()).toBe('val_auc.png');
  const png = fs.readFileSync((await pngDownload.path())!);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // Taller than the chart alone: the title and legend rows are part of the picture.
  const height = png.readUInt32BE(20);
  const chartHeight = await c.locator('.recharts-surface').evaluate((el) => el.getBoundingClientRect().height);
  expect(height).toBeGreaterThan(chartHeight * 2);
});

test('after a zoom, switching the x axis leaves no stale tooltip', async ({ page }) => {
  const { exp, byName } = await demoRuns();
  await page.goto(`${demoServer().url}/#/compare?exp=${exp}&runs=${Object.values(byName).join(',')}&keys=val_loss`);
  const c = chart(page, 'val_loss');
  await expect(c).toHaveAttribute('data-series', '6');
  const body = c.getByTestId('compare-chart-body');
  const box = (await body.boundingBox())!;
  const y = box.y + box.height / 2;
  // Hovering shows the tooltip…
  await page.mouse.move(box.x + box.width * 0.5, y);
  await expect(c.getByTestId('compare-tooltip')).toBeVisible();
  // …drag-to-zoom, the pointer staying over the chart…
  await page.mouse.move(box.x + box.width * 0.3, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
  await page.mouse.up();
  await expect(c).toHaveAttribute('data-zoomed', '1');
  await expect(c.getByTestId('compare-tooltip')).toHaveCount(0);
  // …then the x axis changes from the toolbar (the pointer has not moved): no tooltip from the old scales.
  await page.getByTestId('compare-x-axis').selectOption('relative');
  await expect(c).toHaveAttribute('data-zoomed', '0');
  await expect(c.getByTestId('compare-tooltip')).toHaveCount(0);
  await page.mouse.move(box.x + box.width * 0.5, y + 2);
  await expect(c.getByTestId('compare-tooltip')).toBeVisible();
});
