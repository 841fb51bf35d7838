import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { startServe, type ServeProcess } from './server';

let server: ServeProcess;
test.beforeAll(async () => {
  server = await startServe();
});
test.afterAll(async () => {
  await server?.stop();
});

test('create a project through the UI; it survives a reload with its initial commit', async ({ page }) => {
  await page.goto(server.url + '/');
  await expect(page.getByTestId('projects-empty')).toBeVisible();

  const projectDir = path.join(server.home, 'churn-model');
  await page.getByTestId('btn-new-project').first().click();
  await page.getByTestId('dialog-path-input').fill(projectDir);
  await page.getByTestId('dialog-submit').click();

  const row = page.locator('[data-testid="project-row"][data-project-name="churn-model"]');
  await expect(row).toBeVisible();
  await expect(row.getByTestId('project-commit')).toContainText('Create churn-model');

  await page.reload();
  await expect(row).toBeVisible();
  await expect(row.getByTestId('project-branch')).toContainText('main');
  await expect(row.getByTestId('project-commit')).toContainText('Create churn-model');
  expect(fs.existsSync(path.join(projectDir, '.git'))).toBe(true);
  expect(fs.readFileSync(path.join(projectDir, '.gitignore'), 'utf8')).toContain('.mldesk/cache/');
});

test('opening a folder that does not exist shows a clear error and creates nothing', async ({ page }) => {
  await page.goto(server.url + '/');
  const missing = path.join(server.home, 'no-such-folder');
  await page.getByTestId('btn-open-folder').first().click();
  await page.getByTestId('dialog-path-input').fill(missing);
  await page.getByTestId('dialog-submit').click();
  await expect(page.getByTestId('dialog-error')).toContainText(`${missing} does not exist`);
  expect(fs.existsSync(missing)).toBe(false);
  await page.keyboard.press('Escape');
  await expect(page.locator(`[data-testid="project-row"][data-project-name="no-such-folder"]`)).toHaveCount(0);
});

test('theme toggle switches light/dark and persists', async ({ page }) => {
  await page.goto(server.url + '/');
  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  await page.getByTestId('theme-toggle').click();
  const after = await html.getAttribute('data-theme');
  expect(after).not.toBe(before);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after ?? '');
});

test('demo project opens from the first-run button', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(server.url + '/');
  await page.getByTestId('btn-demo').first().click();
  const row = page.locator('[data-testid="project-row"][data-project-name="credit-risk-demo"]');
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(row.getByTestId('project-dirty')).toHaveCount(0);
  const demoDir = path.join(server.dataDir, 'projects', 'credit-risk-demo');
  expect(fs.existsSync(path.join(demoDir, 'data', 'train.csv'))).toBe(true);
});
