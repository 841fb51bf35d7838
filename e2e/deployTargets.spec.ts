import { expect, test, type Page } from '@playwright/test';
import type { Deployment, DeployPlan, Target } from '../shared/contract';
import { startTestDockerd, type TestDockerd } from '../tests/dockerd';
import { useDemoServer } from './server';

// Deploy targets in the UI (issue 14): the wizard's Target step, the per-target settings and review, the one-click
// "Deploy to <target>" split button on a model version. `mldesk demo` data (credit-risk v1 @champion, v2 @challenger),
// the real engine behind `mldesk serve`; the extra Docker target points at this machine's engine
// (unix:///var/run/docker.sock), the only Docker engine a browser test can count on.
const demoServer = useDemoServer(test);

const DOCKER_TARGET = 'e2e-docker';
const KUBE_TARGET = 'e2e-kube';
const SWARM_TARGET = 'e2e-swarm';
const MODEL = 'credit-risk';

async function rpc<T>(name: string, input: unknown = {}): Promise<T> {
  const r = await fetch(`${demoServer().url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await r.json()) as unknown;
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(body)}`);
  return body as T;
}

/** A kubeconfig whose API server is a closed loopback port: enough to plan (nothing is sent) — never applied. */
function unreachableKubeconfig(): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: nowhere',
    '  cluster:',
    '    server: https://127.0.0.1:9',
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: dev',
    '  user:',
    '    token: e2e-not-a-real-token',
    'contexts:',
    '- name: nowhere',
    '  context: {cluster: nowhere, user: dev, namespace: ml}',
    'current-context: nowhere',
    '',
  ].join('\n');
}

test.beforeAll(async () => {
  const docker = await rpc<Target>('targets.add', { kind: 'docker', name: DOCKER_TARGET, host: 'unix:///var/run/docker.sock' });
  expect(docker).toMatchObject({ name: DOCKER_TARGET, kind: 'docker', builtin: false });
  // A test leaves its result on the target: the wizard shows it.
  const tested = await rpc<{ ok: boolean }>('targets.test', { name: DOCKER_TARGET });
  expect(tested.ok).toBe(true);
});

// Nothing deployed by a test outlives it.
test.afterEach(async () => {
  const list = await rpc<Deployment[]>('deploy.list').catch(() => [] as Deployment[]);
  for (const d of list) await rpc('deploy.remove', { name: d.name }).catch(() => undefined);
});

async function openVersion(page: Page, version: string) {
  await page.goto(`${demoServer().url}/#/models?model=${MODEL}&version=${version}`);
  const panel = page.locator(`[data-testid="model-version-panel"][data-version="${version}"]`);
  await expect(panel).toBeVisible();
  return panel;
}

/** Wizard from a version's "Deploy…" → through version and runtime → the Target step. */
async function wizardToTarget(page: Page, version: string) {
  const panel = await openVersion(page, version);
  await panel.getByTestId('deploy-version').click();
  const wizard = page.getByTestId('dialog-deploy');
  const step = wizard.getByTestId('wizard-step');
  await expect(step).toHaveAttribute('data-step', 'version');
  await wizard.getByTestId('wizard-next').click();
  await expect(step).toHaveAttribute('data-step', 'runtime');
  await expect(wizard.getByTestId('runtime-onnx').locator('input')).toBeChecked();
  await wizard.getByTestId('wizard-next').click();
  await expect(step).toHaveAttribute('data-step', 'target');
  return { wizard, step };
}

test('the wizard’s Target step lists the added Docker target; picking it plans a deployment on it', async ({ page }) => {
  const { wizard, step } = await wizardToTarget(page, '1');

  // Local first, then the added one, each with its kind and its last test.
  const targets = wizard.getByTestId('wizard-target');
  await expect(targets.first()).toHaveAttribute('data-target', 'local');
  const mine = wizard.locator(`[data-testid="wizard-target"][data-target="${DOCKER_TARGET}"]`);
  await expect(mine).toBeVisible();
  await expect(mine.getByTestId('target-kind-badge')).toHaveText('Docker');
  await expect(mine.getByTestId('target-test')).toHaveText('tested OK');
  await expect(mine).toContainText('unix:///var/run/docker.sock');
  await expect(wizard.getByTestId('wizard-add-target')).toHaveAttribute('href', /#\/settings/);
  // The local engine is picked by default (the model was never deployed elsewhere from here).
  await expect(wizard.locator('[data-testid="wizard-target"][data-target="local"] input')).toBeChecked();

  // Keyboard: arrows move within the radio group, Enter goes on.
  await mine.locator('input').focus();
  await mine.locator('input').check();
  await mine.locator('input').press('Enter');
  await expect(step).toHaveAttribute('data-step', 'resources');
  await expect(wizard.getByTestId('wizard-resources-target')).toContainText(DOCKER_TARGET);
  // A remote Docker engine: one container, so no replicas; how the image gets there is a choice.
  const cluster = wizard.getByTestId('cluster-settings');
  await expect(cluster).toHaveAttribute('data-kind', 'docker');
  await expect(wizard.getByTestId('wizard-replicas')).toHaveCount(0);
  await expect(wizard.getByTestId('transport-auto').locator('input')).toBeChecked();
  await wizard.getByTestId('transport-stream').locator('input').check();
  await wizard.getByTestId('wizard-next').click();

  // Review: the plan is for that target (a docker target keeps the Dockerfile + container config review).
  await expect(step).toHaveAttribute('data-step', 'review');
  await expect(wizard.getByTestId('plan-target')).toContainText(DOCKER_TARGET);
  await expect(wizard.getByTestId('plan-target')).toHaveAttribute('data-kind', 'docker');
  await expect(wizard.getByTestId('plan-dockerfile')).toContainText('FROM ');
  await expect(wizard.getByTestId('plan-container')).toContainText('{');
  await expect(wizard.getByTestId('plan-url')).toHaveText(/^http:\/\/[^\s]+:\d+/);
  await expect(wizard.getByTestId('wizard-deploy')).toBeEnabled();
  await expect(wizard.getByTestId('plan-manifests')).toHaveCount(0);

  // Back to Target keeps the choice.
  await wizard.getByTestId('wizard-back').click();
  await wizard.getByTestId('wizard-back').click();
  await expect(step).toHaveAttribute('data-step', 'target');
  await expect(mine.locator('input')).toBeChecked();
});

test('one click: "Deploy to <target>" on a model version, its menu lists the other targets, tooltips name the reused settings', async ({ page }) => {
  const panel = await openVersion(page, '2');
  const main = panel.getByTestId('quick-deploy');
  await expect(main).toBeVisible();
  await expect(main).toHaveText('Deploy to local');
  await expect(main).toHaveAttribute('data-target', 'local');
  await expect(main).toHaveAttribute('title', /Deploy credit-risk v2 to local in one click/);
  // Never deployed there: the tooltip says the defaults are used.
  await expect(main).toHaveAttribute('title', /Not deployed there yet/);

  // The caret opens the menu from the keyboard; it lists the other targets (not the current one) and Settings.
  const caret = panel.getByTestId('quick-deploy-menu');
  await caret.focus();
  await caret.press('ArrowDown');
  const menu = panel.getByTestId('quick-deploy-popover');
  await expect(menu).toBeVisible();
  await expect(caret).toHaveAttribute('aria-expanded', 'true');
  const option = menu.locator(`[data-testid="quick-deploy-option"][data-target="${DOCKER_TARGET}"]`);
  await expect(option).toBeFocused();
  await expect(option.getByTestId('target-kind-badge')).toHaveText('Docker');
  await expect(option).toHaveAttribute('title', new RegExp(`to ${DOCKER_TARGET} in one click`));
  await expect(menu.locator('[data-testid="quick-deploy-option"][data-target="local"]')).toHaveCount(0);
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByTestId('quick-deploy-settings')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(caret).toBeFocused();
});

test('one click deploys for real to the local engine and opens the job progress; the deployment lands on its target', async ({ page }) => {
  test.setTimeout(300_000);
  const panel = await openVersion(page, '1');
  await panel.getByTestId('quick-deploy').click();
  const dialog = page.getByTestId('dialog-quick-deploy');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('quick-deploy-job')).toBeVisible();
  await expect(dialog.getByTestId('quick-done')).toBeVisible({ timeout: 240_000 });
  const list = await rpc<Deployment[]>('deploy.list');
  const mine = list.find((d) => d.model === MODEL && d.version === '1');
  expect(mine?.target).toBe('local');
  expect(mine?.status).toBe('running');

  // Its detail shows the target and kind.
  await dialog.getByTestId('quick-open-deployment').click();
  const detail = page.locator(`[data-testid="deployment-detail"][data-name="${mine!.name}"]`);
  await expect(detail.getByTestId('deployment-target')).toHaveAttribute('data-kind', 'docker');
  await expect(detail.getByTestId('deployment-target')).toContainText('local');

  // The settings used are remembered for the next click: the tooltip now says they are reused.
  const last = await rpc<Record<string, unknown> | null>('deploy.lastSettings', { target: 'local', model: MODEL });
  expect(last).not.toBeNull();
  const again = await openVersion(page, '2');
  await expect(again.getByTestId('quick-deploy')).toHaveAttribute('title', /reusing the settings last used there/);
});

test('a Kubernetes target: replicas, Ingress and HPA settings, the generated manifests editable as YAML (invalid YAML is caught), Export Helm chart', async ({ page }) => {
  await rpc<Target>('targets.add', { kind: 'kubernetes', name: KUBE_TARGET, kubeconfig: unreachableKubeconfig(), namespace: 'ml', replace: true });
  const { wizard, step } = await wizardToTarget(page, '1');
  const kube = wizard.locator(`[data-testid="wizard-target"][data-target="${KUBE_TARGET}"]`);
  await expect(kube.getByTestId('target-kind-badge')).toHaveText('Kubernetes');
  await expect(kube.getByTestId('target-test')).toHaveText('not tested');
  await kube.locator('input').check();
  await wizard.getByTestId('wizard-next').click();

  await expect(step).toHaveAttribute('data-step', 'resources');
  await expect(wizard.getByTestId('cluster-settings')).toHaveAttribute('data-kind', 'kubernetes');
  await wizard.getByTestId('wizard-replicas').fill('3');
  await wizard.getByTestId('wizard-ingress').check();
  await wizard.getByTestId('wizard-ingress-host').fill('credit.example.com');
  await wizard.getByTestId('wizard-hpa').check();
  await wizard.getByTestId('wizard-hpa-min').fill('4');
  await wizard.getByTestId('wizard-hpa-max').fill('2');
  await expect(wizard.getByTestId('transport-stream').locator('input')).toBeDisabled();
  // HPA max below min: named, and the step does not advance.
  await wizard.getByTestId('wizard-next').click();
  await expect(wizard.getByTestId('wizard-error')).toContainText('Autoscaler');
  await expect(step).toHaveAttribute('data-step', 'resources');
  await wizard.getByTestId('wizard-hpa-max').fill('6');
  await wizard.getByTestId('wizard-next').click();

  await expect(step).toHaveAttribute('data-step', 'review');
  await expect(wizard.getByTestId('plan-target')).toHaveAttribute('data-kind', 'kubernetes');
  const plan = await rpc<DeployPlan>('deploy.plan', { model: MODEL, version: '1', target: KUBE_TARGET, replicas: 3, kubernetes: { ingress: { host: 'credit.example.com' }, hpa: { minReplicas: 4, maxReplicas: 6 } } });
  expect(plan.manifests.map((m) => m.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler']));
  const area = wizard.getByTestId('plan-manifests');
  await expect(area).toHaveValue(/kind: Deployment/);
  await expect(area).toHaveValue(/kind: Ingress/);
  await expect(area).toHaveValue(/credit\.example\.com/);

  // Broken YAML: an inline error, Deploy disabled; the fix clears it.
  const generated = await area.inputValue();
  await area.fill(`${generated}\n---\nkind: [unclosed\n`);
  await expect(wizard.getByTestId('manifests-error')).toBeVisible();
  await expect(wizard.getByTestId('wizard-deploy')).toBeDisabled();
  await area.fill(generated.replace('credit.example.com', 'risk.example.com'));
  await expect(wizard.getByTestId('manifests-error')).toHaveCount(0);
  await expect(area).toHaveAttribute('data-edited', 'true');
  await expect(wizard.getByTestId('wizard-deploy')).toBeEnabled();
  // Check re-plans with the edited manifests (the engine validates them against the Kubernetes schemas).
  await wizard.getByTestId('manifests-check').click();
  await expect(area).toHaveValue(/risk\.example\.com/);
  await expect(wizard.getByTestId('wizard-error')).toHaveCount(0);
  await wizard.getByTestId('manifests-reset').click();
  await expect(area).toHaveValue(/credit\.example\.com/);

  // Export Helm chart downloads <name>-chart.tgz.
  const download = page.waitForEvent('download');
  await wizard.getByTestId('export-helm').click();
  expect((await download).suggestedFilename()).toMatch(/-chart\.tgz$/);
});

// A real swarm: a second dockerd started by the test (its own data-root, `swarm init` on 127.0.0.1), never the
// machine's engine. The image is streamed to it (save → load); the service runs 2 replicas.
test.describe('a Swarm target', () => {
  let swarm: TestDockerd | undefined;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    swarm = await startTestDockerd({ swarm: true });
    await rpc<Target>('targets.add', { kind: 'docker', name: SWARM_TARGET, host: swarm.host, swarm: true });
  });
  test.afterAll(async () => {
    test.setTimeout(120_000);
    const list = await rpc<Deployment[]>('deploy.list').catch(() => [] as Deployment[]);
    for (const d of list) await rpc('deploy.remove', { name: d.name }).catch(() => undefined);
    await swarm?.stop();
  });

  test('deploy with the wizard: replicas, health check, canary settings, the service spec; the detail shows per-task progress and the rollout outcome', async ({ page }) => {
    test.setTimeout(420_000);
    const { wizard, step } = await wizardToTarget(page, '1');
    const target = wizard.locator(`[data-testid="wizard-target"][data-target="${SWARM_TARGET}"]`);
    await expect(target.getByTestId('target-kind-badge')).toHaveText('Swarm');
    await target.locator('input').check();
    await wizard.getByTestId('wizard-next').click();

    await expect(step).toHaveAttribute('data-step', 'resources');
    await expect(wizard.getByTestId('cluster-settings')).toHaveAttribute('data-kind', 'swarm');
    await expect(wizard.getByTestId('wizard-ingress')).toHaveCount(0);
    await wizard.getByTestId('wizard-replicas').fill('1');
    await wizard.getByTestId('wizard-canary').check();
    await expect(wizard.getByTestId('canary-fields')).toBeVisible();
    // A canary needs others to compare with.
    await wizard.getByTestId('wizard-next').click();
    await expect(wizard.getByTestId('wizard-error')).toContainText('at least 2 replicas');
    await wizard.getByTestId('wizard-canary').uncheck();
    await wizard.getByTestId('wizard-replicas').fill('2');
    await wizard.getByTestId('wizard-health-interval').fill('1');
    await wizard.getByTestId('wizard-health-retries').fill('2');
    await wizard.getByTestId('wizard-health-start').fill('5');
    await wizard.getByTestId('wizard-timeout').fill('90');
    await wizard.getByTestId('wizard-next').click();

    // Review: the service spec the manager gets (read-only), no Helm export for a swarm.
    await expect(step).toHaveAttribute('data-step', 'review');
    await expect(wizard.getByTestId('plan-target')).toHaveAttribute('data-kind', 'swarm');
    await expect(wizard.getByTestId('plan-manifests')).toContainText('Replicas: 2');
    await expect(wizard.getByTestId('export-helm')).toHaveCount(0);
    await wizard.getByTestId('wizard-deploy').click();

    await expect(wizard.getByTestId('deploy-job')).toBeVisible();
    await expect(wizard.getByTestId('deploy-done')).toBeVisible({ timeout: 300_000 });
    await wizard.getByTestId('wizard-open-deployments').click();

    const detail = page.getByTestId('deployment-detail');
    await expect(detail.getByTestId('deployment-target')).toHaveAttribute('data-kind', 'swarm');
    const cluster = detail.getByTestId('deployment-cluster');
    await expect(cluster).toBeVisible();
    await expect(cluster.getByTestId('deployment-replicas')).toHaveAttribute('data-desired', '2');
    await expect(cluster.getByTestId('deployment-replicas')).toHaveAttribute('data-running', '2', { timeout: 30_000 });
    await expect(cluster.locator('[data-testid="deployment-task"][data-state="running"]')).toHaveCount(2);
    await expect(cluster.locator('[data-testid="deployment-task"][data-state="running"]').first()).toHaveAttribute('data-version', '1');
    await expect(cluster.getByTestId('rollout-state')).not.toHaveAttribute('data-tone', /rolledback|failed/);
    // The wizard remembered the target: the version's one-click button now deploys there.
    const panel = await openVersion(page, '1');
    await expect(panel.getByTestId('quick-deploy')).toHaveText(`Deploy to ${SWARM_TARGET}`);
  });
});
