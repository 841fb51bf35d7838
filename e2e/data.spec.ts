import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { cli, startServe, type ServeProcess } from './server';

let server: ServeProcess;
let demo: string;
const CHANGED = 25;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startServe([], {}, ({ home, dataDir }) => {
    demo = path.join(home, 'demo');
    cli(['demo', '--no-runs', '--dir', demo, '--data-dir', dataDir], { HOME: home });
    const train = path.join(demo, 'data', 'train.csv');
    cli(['data', 'add', train, '--data-dir', dataDir], { HOME: home });
    // A launcher run in the project records version 1 as its input (lineage).
    cli(['run', '--project', demo, '--experiment', 'lineage', '--name', 'uses-v1', '--no-system-metrics', '--data-dir', dataDir, '--', process.execPath, '-e', '0'], { HOME: home });
    // Version 2: change the income of CHANGED customers.
    const lines = fs.readFileSync(train, 'utf8').split('\r\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('income');
    for (let i = 1; i <= CHANGED; i++) {
      const cells = lines[i * 100]!.split(',');
      cells[col] = '12345.67';
      lines[i * 100] = cells.join(',');
    }
    fs.writeFileSync(train, lines.join('\r\n'));
    cli(['data', 'add', train, '--data-dir', dataDir], { HOME: home });
    fs.writeFileSync(path.join(demo, 'data', 'ragged.csv'), 'a,b\n1,2\n3\n');
  });
});
test.afterAll(async () => {
  await server?.stop();
});

test('versions, keyed diff with changed cells, validation, and a clear error for a bad file', async ({ page }) => {
  await page.goto(`${server.url}/#/data`);
  await page.getByTestId('data-project-select').selectOption({ label: 'credit-risk-demo' });
  await page.locator('[data-testid="dataset-item"][data-path="data/train.csv"]').click();

  await page.getByTestId('data-tab-versions').click();
  await expect(page.getByTestId('version-row')).toHaveCount(2);

  await page.getByTestId('data-tab-diff').click();
  await page.getByTestId('btn-run-diff').click();
  await expect(page.getByTestId('diff-changed')).toHaveText(String(CHANGED), { timeout: 30_000 });
  await expect(page.getByTestId('diff-added')).toHaveText('0');
  await expect(page.getByTestId('diff-removed')).toHaveText('0');
  const changedRow = page.locator('[data-testid="diff-row"][data-kind="changed"]').first();
  await expect(changedRow.locator('[data-testid="diff-cell-changed"][data-column="income"]')).toContainText('12345.67');

  await page.getByTestId('data-tab-validation').click();
  await expect(page.getByTestId('expectation-row').first()).toBeVisible();
  await page.getByTestId('btn-validate').click();
  await expect(page.getByTestId('validation-summary')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-testid="validation-check"]').first()).toBeVisible();

  await page.getByTestId('btn-add-dataset').click();
  await page.getByTestId('add-dataset-path').fill('data/ragged.csv');
  await page.getByTestId('add-dataset-submit').click();
  await expect(page.getByTestId('dialog-error')).toContainText('line 3: ragged row: expected 2 fields, found 1');
  expect(fs.existsSync(path.join(demo, 'data', 'ragged.csv.mldesk'))).toBe(false);
});

test('a run links its dataset input to that version; the Versions tab highlights it until the tab changes', async ({ page }) => {
  await page.goto(`${server.url}/#/runs`);
  await page.locator('[data-testid="experiment-item"][data-experiment-name="lineage"]').click();
  await page.locator('[data-testid="run-row"][data-run-name="uses-v1"]').click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
  const link = page.locator('[data-testid="run-datasets"] [data-testid="dataset-item"][data-name="data/train.csv"] [data-testid="dataset-version-link"]');
  await expect(link).toBeVisible();
  const commit = (await link.getAttribute('data-commit')) ?? '';
  expect(commit).toMatch(/^[0-9a-f]{40}$/);
  await expect(link).toContainText(`version ${commit.slice(0, 8)}`);

  await link.click();
  await expect(page).toHaveURL(/#\/data\?/);
  const query = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
  expect({ path: query.get('path'), tab: query.get('tab'), version: query.get('version') }).toEqual({ path: 'data/train.csv', tab: 'versions', version: commit });
  await expect(page.getByTestId('version-row')).toHaveCount(2);
  // The run used version 1, not the latest.
  await expect(page.getByTestId('version-row').nth(1)).toHaveAttribute('data-commit', commit);
  await expect(page.locator(`[data-testid="version-row"][data-commit="${commit}"]`)).toHaveAttribute('data-highlighted', 'true');
  await expect(page.locator('[data-testid="version-row"][data-highlighted]')).toHaveCount(1);

  // Another tab drops the param: no stale highlight on the way back.
  await page.getByTestId('data-tab-diff').click();
  await page.getByTestId('data-tab-versions').click();
  await expect(page.getByTestId('version-row')).toHaveCount(2);
  await expect(page.locator('[data-testid="version-row"][data-highlighted]')).toHaveCount(0);
  expect(new URL(page.url()).hash).not.toContain('version=');
});
