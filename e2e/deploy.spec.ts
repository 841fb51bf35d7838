import { expect, test } from '@playwright/test';
import Docker from 'dockerode';
import type { Deployment, EngineStatus } from '../shared/contract';
import { followLineageDataset, openRun, registerRunModel } from './pages';
import { useDemoServer } from './server';

// The real thing: `mldesk demo` data, the real Docker engine (an image build, a container, the runtime answering).
// Without a reachable Docker engine this spec fails (with the engine's own hint), it never skips.
const demoServer = useDemoServer(test);

const MODEL = 'credit-risk-e2e';
const DEPLOYMENT = 'credit-risk-e2e';

async function rpc<T>(name: string, input: unknown = {}): Promise<T> {
  const r = await fetch(`${demoServer().url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await r.json()) as unknown;
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(body)}`);
  return body as T;
}

// Whatever happens in the test, its deployment does not outlive it (containers would keep running on the machine).
test.afterEach(async () => {
  const list = await rpc<Deployment[]>('deploy.list').catch(() => [] as Deployment[]);
  for (const d of list.filter((x) => x.model === MODEL)) await rpc('deploy.remove', { name: d.name }).catch(() => undefined);
  // Removing a deployment keeps its image (fast redeploys); a test leaves only the cached base and runtime images.
  const docker = new Docker();
  const images = await docker.listImages({ filters: JSON.stringify({ label: [`mldesk.model=${MODEL}`] }) }).catch(() => []);
  for (const i of images) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
});

test('register a run’s model → deploy it with the wizard → Try it predicts → lineage reaches the dataset version → undeploy', async ({ page }) => {
  test.setTimeout(360_000);
  const engine = await rpc<EngineStatus>('containers.engine');
  expect(engine.available, `A Docker engine is needed for this spec: ${engine.problem?.message ?? ''} — ${engine.problem?.hint ?? ''}`).toBe(true);

  const base = demoServer().url;
  // Ctrl+6 is the Deployments section now (Settings moved to Ctrl+7); nothing is deployed yet.
  await page.goto(`${base}/#/projects`);
  await expect(page.locator('body[data-ready="1"]')).toBeAttached();
  await page.keyboard.press('Control+6');
  await expect(page).toHaveURL(/#\/deployments/);
  await expect(page.getByTestId('deployments-empty')).toContainText('Deploy a model version from the Models page or here');
  await page.keyboard.press('Control+7');
  await expect(page).toHaveURL(/#\/settings/);

  // Register from a run: run detail → Artifacts → Register model (its model/ folder, holding model.onnx).
  await openRun(page, base, 'credit-risk', 'logreg-lr0.1');
  await registerRunModel(page, MODEL);
  await expect(page).toHaveURL(/#\/models\?/);
  const panel = page.locator('[data-testid="model-version-panel"][data-version="1"]');
  await expect(panel).toBeVisible();

  // The wizard, opened on that version: model version → runtime → resources → review → deploy → done.
  await panel.getByTestId('deploy-version').click();
  const wizard = page.getByTestId('dialog-deploy');
  await expect(wizard).toBeVisible();
  const step = wizard.getByTestId('wizard-step');
  await expect(step).toHaveAttribute('data-step', 'version');
  await expect(wizard.getByTestId('wizard-model')).toHaveValue(MODEL);
  await expect(wizard.locator('[data-testid="wizard-version"][data-version="1"] input')).toBeChecked();
  await wizard.getByTestId('wizard-name').fill(DEPLOYMENT);
  await wizard.getByTestId('wizard-name').press('Enter'); // Enter advances

  await expect(step).toHaveAttribute('data-step', 'runtime');
  const onnx = wizard.getByTestId('runtime-onnx').locator('input');
  await expect(onnx).toBeEnabled();
  await expect(onnx).toBeChecked();
  await expect(wizard.getByTestId('onnx-missing')).toHaveCount(0);
  await wizard.getByTestId('wizard-next').click();

  // Target: this machine's engine, picked by default.
  await expect(step).toHaveAttribute('data-step', 'target');
  await expect(wizard.locator('[data-testid="wizard-target"][data-target="local"] input')).toBeChecked();
  await wizard.getByTestId('wizard-next').click();

  await expect(step).toHaveAttribute('data-step', 'resources');
  await wizard.getByTestId('wizard-memory').fill('512');
  await wizard.getByTestId('env-add').click();
  await wizard.getByTestId('env-key').fill('MLDESK_E2E');
  await wizard.getByTestId('env-value').fill('1');
  await wizard.getByTestId('wizard-next').click();

  await expect(step).toHaveAttribute('data-step', 'review');
  await expect(wizard.getByTestId('plan-name')).toContainText(DEPLOYMENT);
  await expect(wizard.getByTestId('plan-dockerfile')).toContainText('FROM ');
  await expect(wizard.getByTestId('plan-container')).toContainText('{');
  await expect(wizard.getByTestId('plan-url')).toHaveText(/^http:\/\/127\.0\.0\.1:\d+/);
  await wizard.getByTestId('wizard-deploy').click();

  // Progress (the shared job component), then ready. The first image build takes a while.
  await expect(wizard.getByTestId('deploy-job')).toBeVisible();
  await expect(wizard.getByTestId('deploy-done')).toBeVisible({ timeout: 240_000 });
  await expect(wizard.getByTestId('endpoint-url')).toHaveText(/^http:\/\/127\.0\.0\.1:\d+/);

  // Try it: the example request (signature + a training row) → a prediction with a probability.
  const tryit = wizard.getByTestId('tryit');
  await expect(tryit.getByTestId('tryit-source')).toContainText('train.csv');
  await tryit.getByTestId('tryit-send').click();
  await expect(tryit.getByTestId('tryit-status')).toHaveText('HTTP 200', { timeout: 30_000 });
  await expect(tryit.getByTestId('tryit-prediction')).toContainText(/\b(0\.\d+|1|0)\b/);
  expect(await tryit.getByTestId('tryit-prediction').innerText()).toMatch(/0\.\d+/);
  // The /invocations protocol answers too.
  await tryit.getByTestId('tryit-protocol-invocations').click();
  await tryit.getByTestId('tryit-send').click();
  await expect(tryit.getByTestId('tryit-answer')).toHaveAttribute('data-status', '200');
  await wizard.getByTestId('wizard-close').click();
  await expect(wizard).toBeHidden();

  // Lineage of the version: the image and the deployment hops are filled and clickable; the dataset version opens the Data page.
  const lineage = panel.getByTestId('model-lineage');
  await expect(lineage.locator(`[data-testid="lineage-deployment-link"][data-name="${DEPLOYMENT}"]`)).toBeVisible();
  await expect(lineage.getByTestId('lineage-image-link').first()).toBeVisible();
  await followLineageDataset(page, lineage);

  // The deployment hop opens it on the Deployments page: running, with stats and a log tail.
  await page.getByTestId('model-lineage').locator(`[data-testid="lineage-deployment-link"][data-name="${DEPLOYMENT}"]`).click();
  await expect(page).toHaveURL(/#\/deployments\?/);
  const detail = page.locator(`[data-testid="deployment-detail"][data-name="${DEPLOYMENT}"]`);
  await expect(detail).toBeVisible();
  await expect(detail.getByTestId('deployment-status')).toHaveAttribute('data-status', 'running');
  await expect(detail.getByTestId('deployment-model-link')).toHaveText(`${MODEL} v1`);
  await expect(detail.getByTestId('deployment-logs')).toBeVisible();

  // Undeploy: Remove → confirm → gone.
  await detail.getByTestId('deployment-remove').click();
  const confirm = page.getByRole('alertdialog');
  await confirm.getByRole('button', { name: 'Remove deployment' }).click();
  await expect(confirm).toBeHidden({ timeout: 60_000 });
  await expect(page.locator(`[data-testid="deployment-row"][data-name="${DEPLOYMENT}"]`)).toHaveCount(0);
  await expect(page.getByTestId('deployments-empty')).toBeVisible();
  expect((await rpc<Deployment[]>('deploy.list')).filter((d) => d.name === DEPLOYMENT)).toEqual([]);
});
