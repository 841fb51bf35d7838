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

// ---- Runs and Compare, daily use (issue 11, items 9–15)

async function mlflowGet<T>(path: string): Promise<T> {
  const r = await fetch(`${demoServer().url}/api/2.0/mlflow/${path}`);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
async function mlflowPost<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(`${demoServer().url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
type MlflowRun = { info: { run_id: string; run_name: string; user_id: string }; data: { tags?: Array<{ key: string; value: string }> } };
const runTag = (run: MlflowRun, key: string) => run.data.tags?.find((t) => t.key === key)?.value;
const row = (page: Page, name: string) => page.locator(`[data-testid="run-row"][data-run-name="${name}"]`);
/** The swatch colour of a run in the table: the attribute the app set and the colour the browser paints. */
async function tableColor(page: Page, name: string): Promise<{ id: string; color: string; painted: string }> {
  const r = row(page, name);
  const sw = r.getByTestId('btn-run-color');
  return { id: (await r.getAttribute('data-run-id'))!, color: (await sw.getAttribute('data-color'))!, painted: await sw.evaluate((el) => getComputedStyle(el).backgroundColor) };
}

test('one colour per run: the table swatches match the Compare legend; the Compare link and Ctrl+3 open the selection, else the last comparison', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  const names = ['logreg-lr0.1', 'logreg-lr0.05', 'logreg-lr0.01', 'logreg-lr0.3-l2', 'gbt-60x2', 'gbt-100x3'];
  await expect(row(page, names[0]!)).toBeVisible();
  const colors = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await tableColor(page, n)] as const)));
  // Distinct colours for the runs in view.
  expect(new Set(names.map((n) => colors[n]!.color)).size).toBe(names.length);

  // Select three → the sidebar's Compare link leads to them.
  const picked = ['logreg-lr0.1', 'gbt-60x2', 'logreg-lr0.01'];
  for (const n of picked) await row(page, n).getByTestId('run-select').check();
  const nav = page.getByTestId('nav-compare');
  for (const n of picked) await expect(nav).toHaveAttribute('href', new RegExp(colors[n]!.id));
  await nav.click();
  await expect(page.getByTestId('compare-run-count')).toHaveAttribute('data-count', '3');
  for (const n of picked) {
    const sw = page.locator(`[data-testid="compare-run-swatch"][data-run-id="${colors[n]!.id}"]`);
    await expect(sw).toHaveAttribute('data-color', colors[n]!.color);
    expect(await sw.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(colors[n]!.painted);
  }
  // The chart lines use the same colours.
  const chart = page.locator('[data-testid="compare-chart"][data-metric-key="val_auc"]');
  await expect(chart).toHaveAttribute('data-series', '3');

  // Elsewhere in the app, Ctrl+3 opens the table's selection.
  await page.getByTestId('nav-projects').click();
  await page.keyboard.press('Control+3');
  await expect(page.getByTestId('compare-run-count')).toHaveAttribute('data-count', '3');
  expect(new URL(page.url()).hash).toContain(colors['gbt-60x2']!.id);

  // A different selection of two, compared through the link; then no selection: Ctrl+3 → the last comparison (persisted).
  await openExperiment(page, 'credit-risk');
  await page.getByTestId('btn-clear-selection').click();
  for (const n of ['logreg-lr0.3-l2', 'gbt-100x3']) await row(page, n).getByTestId('run-select').check();
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('compare-run-count')).toHaveAttribute('data-count', '2');
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('btn-clear-selection').click();
  await expect(page.getByTestId('btn-compare')).toHaveAttribute('data-count', '0');
  await page.reload();
  await expect(page.getByTestId('runs-table')).toBeVisible();
  await page.keyboard.press('Control+3');
  await expect(page.getByTestId('compare-run-count')).toHaveAttribute('data-count', '2');
  for (const n of ['logreg-lr0.3-l2', 'gbt-100x3']) {
    await expect(page.locator(`[data-testid="compare-run-swatch"][data-run-id="${colors[n]!.id}"]`)).toHaveAttribute('data-color', colors[n]!.color);
  }
  // After the reload, the table still shows the same colours.
  await openExperiment(page, 'credit-risk');
  for (const n of names) expect((await tableColor(page, n)).color).toBe(colors[n]!.color);
});

test('a run is editable: rename, Markdown description (rendered safely) and tags, all visible through the MLflow API', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  await row(page, 'gbt-100x3').click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  const runId = (await page.getByTestId('run-detail').getAttribute('data-run-id'))!;

  // Description: Markdown with a link, code, and things that must stay text.
  const md = "**Deeper trees** help: `depth=3`.\n\n- see [XGBoost](https://xgboost.readthedocs.io)\n- not a link: [x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>";
  await page.getByTestId('btn-edit-description').click();
  await page.getByTestId('run-description-input').fill(md);
  await page.getByTestId('description-preview-tab').click();
  await expect(page.getByTestId('run-description-preview').locator('strong')).toHaveText('Deeper trees');
  await page.getByTestId('run-description-save').click();
  const shown = page.getByTestId('run-description-text');
  await expect(shown.locator('strong')).toHaveText('Deeper trees');
  await expect(shown.locator('code')).toHaveText('depth=3');
  await expect(shown.locator('a')).toHaveCount(1);
  await expect(shown.locator('a')).toHaveAttribute('href', 'https://xgboost.readthedocs.io/');
  await expect(shown.locator('img, script')).toHaveCount(0);
  await expect(shown).toContainText('<img src=x onerror=alert(1)>');
  let run = (await mlflowGet<{ run: MlflowRun }>(`runs/get?run_id=${runId}`)).run;
  expect(runTag(run, 'mlflow.note.content')).toBe(md);

  // Rename.
  await page.getByTestId('btn-rename-run').click();
  await page.getByTestId('run-rename-input').fill('gbt-100x3 (best)');
  await page.getByTestId('run-rename-input').press('Enter');
  await expect(page.getByTestId('run-title')).toHaveText('gbt-100x3 (best)');
  run = (await mlflowGet<{ run: MlflowRun }>(`runs/get?run_id=${runId}`)).run;
  expect(run.info.run_name).toBe('gbt-100x3 (best)');

  // Add a tag, then remove it.
  await page.getByTestId('tag-key-input').fill('reviewed');
  await page.getByTestId('tag-value-input').fill('yes');
  await page.getByTestId('tag-add').click();
  const tagRow = page.locator('[data-testid="tag-row"][data-key="reviewed"]');
  await expect(tagRow).toContainText('yes');
  expect(runTag((await mlflowGet<{ run: MlflowRun }>(`runs/get?run_id=${runId}`)).run, 'reviewed')).toBe('yes');
  await tagRow.getByTestId('tag-remove').click();
  await expect(tagRow).toHaveCount(0);
  expect(runTag((await mlflowGet<{ run: MlflowRun }>(`runs/get?run_id=${runId}`)).run, 'reviewed')).toBeUndefined();

  // Back in the table: the new name (live update).
  await page.getByTestId('btn-close-run').click();
  await expect(row(page, 'gbt-100x3 (best)')).toBeVisible();
  await mlflowPost('runs/update', { run_id: runId, run_name: 'gbt-100x3' });
});

test('the filter box autocompletes keys and values from the keyboard', async ({ page }) => {
  await openExperiment(page, 'credit-risk');
  const filter = page.getByTestId('runs-filter');
  await filter.click();
  await expect(page.locator('[data-testid="filter-suggestion"][data-label="params."]')).toBeVisible();
  await filter.pressSequentially('params.mo');
  const model = page.locator('[data-testid="filter-suggestion"][data-label="params.model"]');
  await expect(model).toBeVisible();
  await filter.press('ArrowDown');
  await expect(model).toHaveAttribute('aria-selected', 'true');
  await filter.press('Enter');
  await expect(filter).toHaveValue('params.model ');
  // Operators, then the known values of params.model.
  await expect(page.locator('[data-testid="filter-suggestion"][data-label="="]')).toBeVisible();
  await filter.press('ArrowDown');
  await filter.press('Enter');
  await expect(filter).toHaveValue('params.model = ');
  await expect(page.locator('[data-testid="filter-suggestion"][data-kind="value"]')).toHaveCount(2);
  await filter.pressSequentially("'gb");
  await filter.press('Tab');
  await expect(filter).toHaveValue("params.model = 'gbt' ");
  await filter.press('Escape'); // closes the list first…
  await expect(page.getByTestId('filter-suggestions')).toHaveCount(0);
  await filter.press('Enter'); // …Enter applies
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.locator('[data-testid="run-row"][data-run-name^="gbt"]')).toHaveCount(2);
});

test('default columns, narrow windows, external runs: what matters first, no overflow, honest logs', async ({ page }) => {
  // A run logged by an external client (no launcher), with very long values.
  const exps = await mlflowGet<{ experiment: { experiment_id: string } }>('experiments/get-by-name?experiment_name=credit-risk');
  const long = 'x'.repeat(400);
  const created = await mlflowPost<{ run: MlflowRun }>('runs/create', {
    experiment_id: exps.experiment.experiment_id,
    run_name: `external-${'very-long-name-'.repeat(12)}`,
    tags: [
      { key: 'mlflow.source.name', value: `/home/someone/${'deep/'.repeat(60)}train.py` },
      { key: 'mlflow.user', value: 'ext' },
    ],
  });
  const id = created.run.info.run_id;
  await mlflowPost('runs/log-batch', { run_id: id, params: [{ key: 'note', value: long }], tags: [{ key: 'comment', value: long }] });
  await mlflowPost('runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });

  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(`${demoServer().url}/#/runs?exp=${exps.experiment.experiment_id}`);
  await expect(page.getByTestId('runs-table')).toBeVisible();
  // No sideways scrolling of the page at 1024 px: the side panels collapse (and open again on demand).
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'true');
  await expect(page.getByTestId('experiments-pane')).toHaveAttribute('data-collapsed', 'true');
  await page.getByTestId('btn-toggle-experiments').click();
  await expect(page.locator('[data-testid="experiment-item"][data-experiment-name="credit-risk"]')).toBeVisible();
  await page.getByTestId('btn-toggle-experiments').click();
  await expect(page.getByTestId('experiments-pane')).toHaveAttribute('data-collapsed', 'true');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  expect(await page.locator('.app-main').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  // Default columns: status, then metrics, then the params that differ (model differs, seed does not).
  const cols = await page.locator('[data-testid="runs-sort"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-sort-key')));
  expect(cols.slice(0, 2)).toEqual(['a:name', 'a:status']);
  expect(cols[2]).toMatch(/^m:/);
  expect(cols.indexOf('p:model')).toBeGreaterThan(0);
  expect(cols.indexOf('p:model')).toBeLessThan(cols.indexOf('a:start'));
  if (cols.includes('p:seed')) expect(cols.indexOf('p:seed')).toBeGreaterThan(cols.indexOf('a:start'));
  // The Columns badge counts what the chooser lists as shown.
  const badge = await page.getByTestId('columns-count').textContent();
  await page.getByTestId('btn-columns').click();
  await expect(page.getByTestId('column-shown')).toHaveCount(Number(badge));
  await page.keyboard.press('Escape');

  // The external run: cards never overflow, the logs say who logged it.
  await page.goto(`${demoServer().url}/#/runs?exp=${exps.experiment.experiment_id}&run=${id}`);
  await expect(page.getByTestId('run-detail')).toBeVisible();
  await expect(page.getByTestId('run-params')).toBeVisible();
  const overflowing = await page.locator('.run-overview .card, .run-overview section, .run-detail-head').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className));
  expect(overflowing).toEqual([]);
  expect(await page.locator('.run-detail').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await page.getByTestId('run-tab-logs').click();
  await expect(page.getByTestId('logs-external')).toContainText('logged by an external client');
});
