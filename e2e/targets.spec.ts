import { expect, test } from '@playwright/test';
import Docker from 'dockerode';
import { startServe, type ServeProcess } from './server';

// Settings → Targets against the real Docker engine of this machine: add a Docker target on its socket, test the
// connection before and after saving (the engine's version and its node), then remove it with the confirm.
let server: ServeProcess;
test.beforeAll(async () => {
  server = await startServe();
});
test.afterAll(async () => {
  await server?.stop();
});

test('Settings → Targets: add a Docker target, Test connection shows the engine version, remove it', async ({ page }) => {
  const version = (await new Docker({ socketPath: '/var/run/docker.sock' }).version()).Version;
  await page.goto(`${server.url}/#/settings?section=targets`);
  await expect(page.locator('body[data-ready="1"]')).toBeAttached();
  const section = page.getByTestId('targets-section');
  await expect(section.getByTestId('targets-empty')).toContainText('A target is where deployments and training runs go');
  // The local engine is always there, and cannot be removed.
  const local = section.locator('[data-testid="target-row"][data-target="local"]');
  await expect(local.getByTestId('target-kind-badge')).toHaveText('Docker · this machine');
  await expect(local.getByTestId('target-remove')).toHaveCount(0);

  await section.getByTestId('add-target').click();
  const dialog = page.getByTestId('add-target-dialog');
  await dialog.getByTestId('target-kind').selectOption('docker');
  await dialog.getByTestId('target-name').fill('this-engine');
  await dialog.getByTestId('target-host').fill('unix:///var/run/docker.sock');
  // Test before saving: the engine answers with its version and its one node.
  await dialog.getByTestId('target-test-button').click();
  await expect(dialog.getByTestId('target-test-engine')).toContainText(`Docker Engine ${version}`);
  await expect(dialog.getByTestId('target-test-nodes').locator('tbody tr')).toHaveCount(1);
  await dialog.getByTestId('dialog-submit').click();
  await expect(dialog).toBeHidden();

  const row = section.locator('[data-testid="target-row"][data-target="this-engine"]');
  await expect(row).toContainText('unix:///var/run/docker.sock');
  await expect(row.getByTestId('target-last-test')).toHaveText('not tested');
  await expect(section.getByTestId('targets-empty')).toHaveCount(0);
  await row.getByTestId('target-test').click();
  const tested = section.getByTestId('target-tested');
  await expect(tested).toHaveAttribute('data-target', 'this-engine');
  await expect(tested.getByTestId('target-test-engine')).toContainText(`Docker Engine ${version}`);
  await expect(row.getByTestId('target-last-test')).toHaveText(`ok · ${version}`);

  await row.getByTestId('target-remove').click();
  const confirm = page.getByRole('alertdialog');
  await expect(confirm).toContainText('Remove target this-engine?');
  await confirm.getByTestId('dialog-submit').click();
  await expect(row).toHaveCount(0);
  await expect(section.getByTestId('targets-empty')).toBeVisible();

  // The engine agrees: only the local engine is left.
  const list = (await (await fetch(`${server.url}/rpc/targets.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as Array<{ name: string }>;
  expect(list.map((t) => t.name)).toEqual(['local']);
});
