import { expect, type Locator, type Page } from '@playwright/test';

/** Runs page → the experiment → the run's row: its detail page is open. */
export async function openRun(page: Page, baseUrl: string, experiment: string, run: string): Promise<void> {
  await page.goto(`${baseUrl}/#/runs`);
  await page.locator(`[data-testid="experiment-item"][data-experiment-name="${experiment}"]`).click();
  await page.locator(`[data-testid="run-row"][data-run-name="${run}"]`).click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
}

/** On an open run: Artifacts → Register model on its model/ folder (the dialog's default) as `name`, until the dialog closes. */
export async function registerRunModel(page: Page, name: string): Promise<void> {
  await page.getByTestId('run-tab-artifacts').click();
  await page.getByTestId('register-model').click();
  const dialog = page.getByTestId('dialog-register-model');
  await expect(page.getByTestId('register-model-path')).toHaveValue('model');
  await page.getByTestId('register-model-name').fill(name);
  await dialog.getByRole('button', { name: 'Register' }).click();
  await expect(dialog).toBeHidden();
}

/** A model version's lineage: its dataset hop opens the Data page on that version (highlighted), then back. */
export async function followLineageDataset(page: Page, lineage: Locator): Promise<void> {
  const dataset = lineage.getByTestId('lineage-dataset-link').first();
  const commit = await dataset.getAttribute('data-commit');
  expect(commit).toMatch(/^[0-9a-f]{7,40}$/);
  await dataset.click();
  await expect(page).toHaveURL(/#\/data\?/);
  await expect(page.locator(`[data-testid="version-row"][data-commit="${commit}"]`)).toHaveAttribute('data-highlighted', 'true');
  await page.goBack();
}
