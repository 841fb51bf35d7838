import { expect, test, type Page } from '@playwright/test';
import { useDemoServer } from './server';

// Six real demo trainings logged through the launcher into the same data dir the server then opens.
const demoServer = useDemoServer(test);

async function openExperiment(page: Page, name: string) {
  await page.goto(`${demoServer().url}/#/runs`);
  await page.locator(`[data-testid="experiment-item"][data-experiment-name="${name}"]`).click();
  await expect(page.getByTestId('runs-table')).toBeVisible();
}

test('demo runs are listed; a run shows params, metric charts, artifacts and logs', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(6);
  await expect(page.locator('[data-testid="run-row"][data-status="FINISHED"]')).toHaveCount(6);
  await page.locator('[data-testid="run-row"][data-run-name="logreg-lr0.1"]').click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'FINISHED');
  await expect(page.locator('[data-testid="param-row"][data-key="lr"]')).toContainText('0.1');
  await expect(page.getByTestId('run-git-commit')).toBeVisible();

  await page.getByTestId('run-tab-metrics').click();
  const auc = page.locator('[data-testid="metric-chart"][data-metric-key="val_auc"]');
  await expect(auc).toBeVisible();
  await expect(auc).toHaveAttribute('data-points', '15');

  await page.getByTestId('run-tab-artifacts').click();
  await page.locator('[data-testid="artifact-item"][data-path="model"]').click();
  await page.locator('[data-testid="artifact-item"][data-path="model/model.json"]').click();
  await expect(page.getByTestId('artifact-preview')).toContainText('logreg');

  await page.getByTestId('run-tab-logs').click();
  await expect(page.getByTestId('log-line').filter({ hasText: 'final val_auc=' })).toHaveCount(1);
});

test('a filter with a syntax error shows inline and keeps the previous results', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  await expect(page.getByTestId('run-row')).toHaveCount(6);
  const filter = page.getByTestId('runs-filter');
  await filter.fill("params.model = 'gbt'");
  await filter.press('Enter');
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await filter.fill('metrics.val_auc >');
  await filter.press('Enter');
  const err = page.getByTestId('runs-filter-error');
  await expect(err).toContainText('Position 17: expected a number for metric "val_auc"');
  await expect(err).toHaveAttribute('data-position', '17');
  await expect(page.getByTestId('run-row')).toHaveCount(2);
});

test('New run from the UI: live log tail and metrics, then FINISHED', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  await page.getByTestId('btn-new-run').click();
  const script =
    "const u=process.env.MLFLOW_TRACKING_URI,id=process.env.MLFLOW_RUN_ID;" +
    "for(let i=0;i<6;i++){console.log('tick '+i);await fetch(u+'/api/2.0/mlflow/runs/log-metric',{method:'POST',headers:{'content-type':'application/json'}," +
    "body:JSON.stringify({run_id:id,key:'live',value:i,timestamp:Date.now(),step:i})});await new Promise(r=>setTimeout(r,400))}";
  await page.getByTestId('new-run-command').fill(`${process.execPath} --input-type=module -e "${script}"`);
  await page.getByTestId('new-run-params').fill('alpha=0.5');
  await page.getByTestId('new-run-name').fill('ui-launched');
  await page.getByTestId('new-run-submit').click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await page.getByTestId('run-tab-logs').click();
  // Lines arrive while the process is still running.
  await expect(page.getByTestId('log-line').filter({ hasText: 'tick 1' })).toHaveCount(1);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'RUNNING');
  await expect(page.getByTestId('log-line').filter({ hasText: 'tick 5' })).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'FINISHED', { timeout: 20_000 });
  await page.getByTestId('run-tab-metrics').click();
  await expect(page.locator('[data-testid="metric-chart"][data-metric-key="live"]')).toHaveAttribute('data-points', '6');
  await page.getByTestId('run-tab-overview').click();
  await expect(page.locator('[data-testid="param-row"][data-key="alpha"]')).toContainText('0.5');
});

test('Stop kills a running run (KILLED)', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  await page.getByTestId('btn-new-run').click();
  await page.getByTestId('new-run-command').fill(`${process.execPath} -e "console.log('sleeping'); setInterval(() => {}, 1000)"`);
  await page.getByTestId('new-run-name').fill('to-stop');
  await page.getByTestId('new-run-submit').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'RUNNING');
  await page.getByTestId('btn-stop-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'KILLED', { timeout: 15_000 });
});
