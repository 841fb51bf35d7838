import { expect, test } from '@playwright/test';
import { followLineageDataset, openRun, registerRunModel } from './pages';
import { startServe, useDemoServer } from './server';

// Six real demo trainings (each logs its ONNX model folder and its train.csv input) in the data dir the server
// opens; `mldesk demo` registered the best two as credit-risk v1 @champion and v2 @challenger.
const demoServer = useDemoServer(test);

test('an empty registry explains how to register a model', async ({ page }) => {
  const server = await startServe();
  try {
    await page.goto(`${server.url}/#/models`);
    await expect(page.getByTestId('models-empty')).toBeVisible();
    await expect(page.getByTestId('models-empty')).toContainText('mlflow.register_model');
  } finally {
    await server.stop();
  }
});

test('register a demo run’s model, give it the champion alias, and follow its lineage to the dataset version', async ({ page }) => {
  const base = demoServer().url;
  await page.goto(`${base}/#/models`);
  // The demo's own registrations.
  await page.locator('[data-testid="model-item"][data-name="credit-risk"]').click();
  await expect(page.locator('[data-testid="model-version-row"]')).toHaveCount(2);
  await expect(page.locator('[data-testid="model-alias"][data-alias="champion"]')).toContainText('v1');
  await expect(page.locator('[data-testid="model-alias"][data-alias="challenger"]')).toContainText('v2');

  // Run detail → Artifacts → Register model (the run's model/ folder): a third version.
  await openRun(page, base, 'credit-risk', 'logreg-lr0.1');
  await registerRunModel(page, 'credit-risk');

  // The Models page (Ctrl+5) lists it.
  await page.keyboard.press('Control+5');
  await expect(page.getByTestId('models-page')).toBeVisible();
  await expect(page.locator('[data-testid="model-item"][data-name="credit-risk"]')).toBeVisible();
  await page.locator('[data-testid="model-item"][data-name="credit-risk"]').click();
  await expect(page.locator('[data-testid="model-version-row"][data-version="3"]')).toBeVisible();

  // Alias champion moves to the new version (selected: the newest).
  await expect(page.getByTestId('model-version-panel')).toHaveAttribute('data-version', '3');
  await page.getByTestId('set-alias-champion').click();
  await expect(page.locator('[data-testid="version-alias"][data-alias="champion"]')).toBeVisible();
  await expect(page.locator('[data-testid="model-alias"][data-alias="champion"]')).toContainText('v3');

  // Lineage: the run, its commit, the dataset version (a link into the Data page), placeholders for image and deployments.
  const lineage = page.getByTestId('model-lineage');
  await expect(lineage.getByTestId('lineage-run-link')).toContainText('logreg-lr0.1');
  await expect(lineage.getByTestId('lineage-commit')).not.toContainText('No git commit');
  await expect(lineage.getByTestId('lineage-image')).toContainText('not built');
  await expect(lineage.getByTestId('lineage-deployments')).toContainText('not deployed');
  await followLineageDataset(page, lineage);

  // Back: the run hop opens the run.
  await page.getByTestId('model-lineage').getByTestId('lineage-run-link').click();
  await expect(page.getByTestId('run-detail')).toBeVisible();
});
