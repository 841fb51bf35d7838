import { expect, test } from '@playwright/test';
import { useDemoServer } from './server';

// The demo's data dir (six real trainings; credit-risk v1 @champion): a version's Insight tab computes its global
// explanations as a job, explains one prediction as a waterfall, shows fairness by group and the model card, and
// saves the card as a commit.
const demoServer = useDemoServer(test);

test('the Insight tab of a version: importance, a waterfall, fairness and the model card', async ({ page }) => {
  test.setTimeout(240_000);
  const base = demoServer().url;
  await page.goto(`${base}/#/models`);
  await page.locator('[data-testid="model-item"][data-name="credit-risk"]').click();
  await page.locator('[data-testid="model-version-row"][data-version="1"]').click();
  await page.getByTestId('version-tab-insight').click();
  const tab = page.getByTestId('insight-tab');
  await expect(tab).toHaveAttribute('data-version', '1');

  // Nothing computed yet: the empty state says what Compute does. Small settings keep the job short.
  await expect(tab.getByTestId('global-empty')).toBeVisible({ timeout: 30_000 });
  await tab.getByTestId('global-repeats').fill('2');
  await tab.getByTestId('global-sampleRows').fill('400');
  await tab.getByTestId('global-shapRows').fill('40');
  await tab.getByTestId('global-pdpFeatures').fill('2');
  await expect(tab.getByTestId('global-empty')).toBeVisible({ timeout: 30_000 });
  await tab.getByTestId('global-compute').click();
  const result = tab.getByTestId('global-result');
  await expect(result).toBeVisible({ timeout: 180_000 });
  await expect(result.getByTestId('chart-importance').locator('.recharts-bar-rectangle').first()).toBeVisible();
  expect(await result.getByTestId('chart-importance').locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(10);
  await expect(result.getByTestId('chart-importance').locator('.recharts-errorBars .ins-whisker').first()).toBeAttached();
  await expect(result.getByTestId('chart-shap').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(result.getByTestId('pdp-chart')).toHaveCount(2);
  await expect(result.getByTestId('global-dataset')).toContainText('validation rows');
  // Charts export like the others (SVG download).
  const svg = page.waitForEvent('download');
  await result.getByTestId('chart-importance').getByTestId('btn-export-svg').click();
  expect((await svg).suggestedFilename()).toMatch(/\.svg$/);

  // One prediction: a training row, explained; the waterfall of each method (keyboard: the method radios).
  await tab.getByTestId('insight-view-local').click();
  const local = tab.getByTestId('local-explain');
  await expect(local).toBeVisible({ timeout: 60_000 });
  await expect(local.getByTestId('waterfall')).toBeVisible();
  expect(Number(await local.getByTestId('waterfall').getAttribute('data-steps'))).toBeGreaterThan(3);
  await expect(local.locator('.ins-wf').first()).toBeAttached();
  await local.getByTestId('local-method-lime').focus();
  await page.keyboard.press('Enter');
  await expect(local.getByTestId('waterfall')).toHaveAttribute('data-method', 'lime');
  await expect(local.getByTestId('lime-r2')).toContainText('R²');

  // Fairness: the suggested attribute is computed on open.
  await tab.getByTestId('insight-view-fairness').click();
  const fair = tab.getByTestId('fairness-result');
  await expect(fair).toBeVisible({ timeout: 60_000 });
  expect(await fair.getByTestId('fairness-group').count()).toBeGreaterThanOrEqual(2);
  await expect(fair.getByTestId('fairness-chart-selectionRate').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(fair.getByTestId('fairness-demographicParityDifference')).toBeVisible();

  // The model card: generated sections with the lineage, the person-written ones saved as a commit.
  await tab.getByTestId('insight-view-card').click();
  const card = tab.getByTestId('model-card');
  await expect(card).toBeVisible({ timeout: 30_000 });
  await expect(card.getByTestId('card-section-details')).toContainText('Run:');
  await expect(card.getByTestId('card-section-explanations')).toContainText('Permutation importance');
  await expect(card.getByTestId('card-section-fairness')).toContainText('Demographic parity difference');
  await expect(card.getByTestId('card-saved')).toContainText('Not saved yet');
  await card.getByTestId('card-edit-intendedUse').fill('Pre-screening loan applications; a person decides.');
  const html = page.waitForEvent('download');
  await card.getByTestId('card-export-html').click();
  expect((await html).suggestedFilename()).toBe('MODEL_CARD-credit-risk-v1.html');
  await card.getByTestId('card-save').click();
  await expect(card.getByTestId('card-saved')).toContainText('in commit', { timeout: 30_000 });
  await expect(card.getByTestId('card-edit-intendedUse')).toHaveValue('Pre-screening loan applications; a person decides.');
});
