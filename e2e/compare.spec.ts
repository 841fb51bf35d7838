import { expect, test, type Page } from '@playwright/test';
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
