import { expect, test, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { cli, startServe, useDemoServer, type ServeProcess } from './server';

let server: ServeProcess;
let demo: string;
const CHANGED = 25;
// events.csv: enough differences that the diff CSV spans several 1000-row requests (and many 100-row UI pages).
const EVENTS = { rows: 3000, changed: 2400, removed: 150, added: 100 };

/** Clicks `button` and returns the file it downloads: name and text. */
async function download(page: Page, button: Locator): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const bytes = fs.readFileSync(await dl.path());
  return { name: dl.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

/** CSV text → header line and data lines (the exports use CRLF and no trailing line break). */
function csvLines(text: string): { header: string; rows: string[] } {
  const [header = '', ...rows] = text.split('\r\n');
  return { header, rows };
}
test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startServe([], {}, ({ home, dataDir }) => {
    demo = path.join(home, 'demo');
    // The demo commits two versions of data/train.csv (and data/production.csv, and expectations).
    cli(['demo', '--no-runs', '--dir', demo, '--data-dir', dataDir], { HOME: home });
    const train = path.join(demo, 'data', 'train.csv');
    // A launcher run in the project records the demo's current version (2) as its input (lineage): named by --input.
    cli(['run', '--project', demo, '--experiment', 'lineage', '--name', 'uses-v1', '--input', 'data/train.csv', '--no-system-metrics', '--data-dir', dataDir, '--', process.execPath, '-e', '0'], { HOME: home });
    // Version 3: change the income of CHANGED customers.
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
    const events = path.join(demo, 'data', 'events.csv');
    const id = (i: number) => `E${String(i).padStart(5, '0')}`;
    const v1 = Array.from({ length: EVENTS.rows }, (_, k) => `${id(k + 1)},${k + 1},${k % 3 === 0 ? 'x' : 'y'}`);
    fs.writeFileSync(events, ['id,value,label', ...v1].join('\n'));
    cli(['data', 'add', events, '--data-dir', dataDir], { HOME: home });
    const kept = v1.slice(0, EVENTS.rows - EVENTS.removed).map((line, k) => (k < EVENTS.changed ? line.replace(/,(\d+),/, `,${k + 1}.5,`) : line));
    const added = Array.from({ length: EVENTS.added }, (_, k) => `${id(EVENTS.rows + k + 1)},0,z`);
    fs.writeFileSync(events, ['id,value,label', ...kept, ...added].join('\n'));
    cli(['data', 'add', events, '--data-dir', dataDir], { HOME: home });
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
  await expect(page.getByTestId('version-row')).toHaveCount(3);

  // The diff opens on the two newest versions: the demo's current one and the edit above.
  await page.getByTestId('data-tab-diff').click();
  await page.getByTestId('btn-run-diff').click();
  await expect(page.getByTestId('diff-changed')).toHaveText(String(CHANGED), { timeout: 30_000 });
  await expect(page.getByTestId('diff-added')).toHaveText('0');
  await expect(page.getByTestId('diff-removed')).toHaveText('0');
  const changedRow = page.locator('[data-testid="diff-row"][data-kind="changed"]').first();
  await expect(changedRow.locator('[data-testid="diff-cell-changed"][data-column="income"]')).toContainText('12345.67');

  // Diff rows → CSV: kind, every column (key first), the changes; one line per differing row.
  await expect(page.getByTestId('diff-page')).toHaveAttribute('data-total', String(CHANGED));
  const diffCsv = await download(page, page.getByTestId('btn-export-diff-csv'));
  expect(diffCsv.name).toMatch(/^mldesk-diff-train-\d{4}-\d{2}-\d{2}\.csv$/);
  const diffLines = csvLines(diffCsv.text);
  expect(diffLines.header).toMatch(/^kind,customer_id,age,income,.*,default,changes$/);
  expect(diffLines.rows).toHaveLength(CHANGED);
  for (const line of diffLines.rows) expect(line).toMatch(/^changed,C\d{6},.*,income: [^,]* → 12345\.67$/);

  // Stats diff chart → PNG (its export buttons are scoped by the card: metric charts use the same ids).
  const stats = page.getByTestId('stats-diff');
  await expect(stats).toHaveAttribute('data-column', 'income');
  await expect(stats.getByTestId('stats-overlay').locator('svg.recharts-surface')).toBeVisible({ timeout: 30_000 });
  const png = await download(page, stats.getByTestId('btn-export-png'));
  expect(png.name).toMatch(/\.png$/);
  expect(png.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');

  // Profile → CSV: one line per column.
  await page.getByTestId('data-tab-profile').click();
  const summary = page.getByTestId('profile-summary');
  await expect(summary).toBeVisible({ timeout: 30_000 });
  const columns = Number(await summary.getAttribute('data-columns'));
  expect(columns).toBe(16); // the demo's columns, with sex (the fairness demo's sensitive attribute)
  const profileCsv = await download(page, page.getByTestId('btn-export-profile-csv'));
  const profileLines = csvLines(profileCsv.text);
  expect(profileLines.header).toBe('name,type,sqlType,count,missing,distinct,min,max,mean,std,p5,p25,p50,p75,p95');
  expect(profileLines.rows).toHaveLength(columns);
  expect(profileLines.rows[0]).toMatch(/^customer_id,string,/);

  await page.getByTestId('data-tab-validation').click();
  await expect(page.getByTestId('expectation-row').first()).toBeVisible();
  await page.getByTestId('btn-validate').click();
  await expect(page.getByTestId('validation-summary')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-testid="validation-check"]').first()).toBeVisible();
  const validationCsv = csvLines((await download(page, page.getByTestId('btn-export-validation-csv'))).text);
  expect(validationCsv.header).toBe('name,column,passed,message');
  expect(validationCsv.rows).toHaveLength(await page.getByTestId('validation-check').count());

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
  await expect(page.getByTestId('version-row')).toHaveCount(3);
  // The run used version 2 (the demo's current one), not the latest.
  await expect(page.getByTestId('version-row').nth(1)).toHaveAttribute('data-commit', commit);
  await expect(page.locator(`[data-testid="version-row"][data-commit="${commit}"]`)).toHaveAttribute('data-highlighted', 'true');
  await expect(page.locator('[data-testid="version-row"][data-highlighted]')).toHaveCount(1);

  // Another tab drops the param: no stale highlight on the way back.
  await page.getByTestId('data-tab-diff').click();
  await page.getByTestId('data-tab-versions').click();
  await expect(page.getByTestId('version-row')).toHaveCount(3);
  await expect(page.locator('[data-testid="version-row"][data-highlighted]')).toHaveCount(0);
  expect(new URL(page.url()).hash).not.toContain('version=');
});

test('the diff CSV holds every row matching the filters, across pages', async ({ page }) => {
  await page.goto(`${server.url}/#/data`);
  await page.getByTestId('data-project-select').selectOption({ label: 'credit-risk-demo' });
  await page.locator('[data-testid="dataset-item"][data-path="data/events.csv"]').click();
  await page.getByTestId('data-tab-diff').click();
  await page.getByTestId('btn-run-diff').click();
  await expect(page.getByTestId('diff-changed')).toHaveText(String(EVENTS.changed), { timeout: 30_000 });
  const total = EVENTS.changed + EVENTS.removed + EVENTS.added;
  await expect(page.getByTestId('diff-page')).toHaveAttribute('data-total', String(total));
  await expect(page.getByTestId('diff-row')).toHaveCount(100);

  const all = csvLines((await download(page, page.getByTestId('btn-export-diff-csv'))).text);
  expect(all.header).toBe('kind,id,value,label,changes');
  expect(all.rows).toHaveLength(total);
  const kinds = (rows: string[]) => rows.reduce<Record<string, number>>((m, l) => ({ ...m, [l.split(',')[0]!]: (m[l.split(',')[0]!] ?? 0) + 1 }), {});
  expect(kinds(all.rows)).toEqual({ changed: EVENTS.changed, removed: EVENTS.removed, added: EVENTS.added });
  expect(new Set(all.rows.map((l) => l.split(',')[1])).size).toBe(total);
  expect(all.rows).toContain('changed,E00007,7.5,x,value: 7 → 7.5');

  // Without the changed rows: only added + removed are exported.
  await page.locator('[data-testid="diff-kind"][data-kind="changed"]').click();
  await expect(page.getByTestId('diff-page')).toHaveAttribute('data-total', String(EVENTS.removed + EVENTS.added));
  const filtered = csvLines((await download(page, page.getByTestId('btn-export-diff-csv'))).text);
  expect(filtered.rows).toHaveLength(EVENTS.removed + EVENTS.added);
  expect(kinds(filtered.rows)).toEqual({ removed: EVENTS.removed, added: EVENTS.added });
});

test('data status: versioned files show current, an edited one modified; checkout shows its changes in the engine\'s words and needs confirming', async ({ page }) => {
  const production = path.join(demo, 'data', 'production.csv');
  const original = fs.readFileSync(production, 'utf8');
  const badge = (p: string) => page.locator(`[data-testid="dataset-item"][data-path="${p}"] [data-testid="dataset-status"]`);
  await page.goto(`${server.url}/#/data`);
  await page.getByTestId('data-project-select').selectOption({ label: 'credit-risk-demo' });
  for (const p of ['data/train.csv', 'data/production.csv', 'data/events.csv']) await expect(badge(p)).toHaveAttribute('data-state', 'current');
  await expect(page.locator('[data-testid="not-added-item"][data-path="data/ragged.csv"] [data-testid="dataset-status"]')).toHaveAttribute('data-state', 'not-added');

  // An edit outside the app (one more row); the list refreshes when the window regains focus.
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const last = original.trimEnd().split(/\r?\n/).at(-1)!;
  fs.writeFileSync(production, `${original}${original.endsWith('\n') ? '' : eol}${last}${eol}`);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(badge('data/production.csv')).toHaveAttribute('data-state', 'modified');
  await expect(badge('data/train.csv')).toHaveAttribute('data-state', 'current');
  const status = JSON.parse(cli(['data', 'status', '--project', demo, '--json', '--data-dir', server.dataDir], { HOME: server.home })) as { datasets: Array<{ path: string; state: string; message: string }> };
  const engineSays = status.datasets.find((d) => d.path === 'data/production.csv')!;
  expect(engineSays.state).toBe('modified');
  expect(engineSays.message).toMatch(/^data\/production\.csv has local changes \([\d,]+ rows, .* vs the pointer's [\d,]+ rows, .*\)$/);
  await expect(badge('data/production.csv')).toHaveAttribute('title', engineSays.message);

  // Checkout: the dialog says what `data checkout` would refuse with, and forces only once confirmed.
  await page.locator('[data-testid="dataset-item"][data-path="data/production.csv"]').click();
  await page.getByTestId('data-tab-versions').click();
  await page.getByTestId('btn-checkout').first().click();
  await expect(page.getByTestId('checkout-local-changes')).toContainText(engineSays.message);
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(fs.readFileSync(production, 'utf8')).not.toBe(original);
  await page.getByTestId('btn-checkout').first().click();
  await expect(page.getByTestId('checkout-local-changes')).toBeVisible();
  await page.getByRole('button', { name: 'Discard local changes and check out' }).click();
  await expect(page.getByTestId('checkout-local-changes')).toHaveCount(0);
  await expect(badge('data/production.csv')).toHaveAttribute('data-state', 'current');
  expect(fs.readFileSync(production, 'utf8')).toBe(original);
});

test.describe('the demo on first open', () => {
  // Exactly what a user runs: `mldesk demo` (with its trainings), then the UI on the same data dir.
  const demoServer = useDemoServer(test);

  test('the Data page lists the versioned datasets, diffs train.csv v1 → v2, and production.csv fails validation', async ({ page }) => {
    await page.goto(`${demoServer().url}/#/data`);
    await expect(page.locator('[data-testid="dataset-item"][data-path="data/train.csv"]')).toBeVisible();
    await expect(page.locator('[data-testid="dataset-item"][data-path="data/production.csv"]')).toBeVisible();
    await expect(page.getByTestId('datasets-empty')).toHaveCount(0);
    await expect(page.getByText('No datasets yet')).toHaveCount(0);
    await expect(page.locator('[data-testid="dataset-item"][data-path="data/train.csv"] [data-testid="dataset-expectations"]')).toBeVisible();
    // `data status`: the demo's datasets are exactly their versions.
    for (const p of ['data/train.csv', 'data/production.csv']) {
      await expect(page.locator(`[data-testid="dataset-item"][data-path="${p}"] [data-testid="dataset-status"]`)).toHaveAttribute('data-state', 'current');
    }

    await page.locator('[data-testid="dataset-item"][data-path="data/train.csv"]').click();
    await page.getByTestId('data-tab-versions').click();
    const versions = page.getByTestId('version-row');
    await expect(versions).toHaveCount(2);
    const latest = (await versions.first().getAttribute('data-commit')) ?? '';
    expect(latest).toMatch(/^[0-9a-f]{40}$/);

    // Default diff: the two versions, matched by customer_id.
    await page.getByTestId('data-tab-diff').click();
    await expect(page.getByTestId('diff-key')).toHaveValues(['customer_id']);
    await page.getByTestId('btn-run-diff').click();
    await expect(page.getByTestId('diff-added')).toHaveText('1200', { timeout: 30_000 });
    await expect(page.getByTestId('diff-removed')).toHaveText('40');
    await expect(page.getByTestId('diff-changed')).toHaveText(/^[1-9]\d*$/);
    await expect(page.getByTestId('diff-summary')).toHaveAttribute('data-keyed', 'true');
    await expect(page.locator('[data-testid="schema-added"][data-column="num_delinquencies"]')).toBeVisible();
    await expect(page.getByTestId('diff-column-changes')).toHaveCount(1);
    await expect(page.getByTestId('diff-column-changes')).toHaveAttribute('data-column', 'debt_to_income');
    await expect(page.locator('[data-testid="diff-row"][data-kind="changed"] [data-testid="diff-cell-changed"][data-column="debt_to_income"]').first()).toBeVisible();

    // Committed expectations (inferred from train.csv); the drifted production batch fails them.
    await page.getByTestId('data-tab-validation').click();
    await expect(page.getByTestId('expectations-source')).toHaveAttribute('data-committed', 'true');
    await page.getByTestId('validate-version').selectOption({ value: 'file:data/production.csv' });
    await page.getByTestId('btn-validate').click();
    const summary = page.getByTestId('validation-summary');
    await expect(summary).toHaveAttribute('data-passed', 'false', { timeout: 30_000 });
    await expect(page.locator('[data-testid="validation-check"][data-passed="false"][data-column="income"]').first()).toBeVisible();

    // production.csv's own tab checks it against train.csv first (the project's training reference), as a batch:
    // it fails on drift, not on having fewer rows than the training set.
    await page.goto(`${demoServer().url}/#/data`);
    await page.locator('[data-testid="dataset-item"][data-path="data/production.csv"]').click();
    await page.getByTestId('data-tab-validation').click();
    await expect(page.getByTestId('validate-against')).toHaveValue('data/train.csv');
    await expect(page.getByTestId('validate-against')).toHaveAttribute('data-rule', 'training');
    await expect(page.getByTestId('expectations-source')).toHaveAttribute('data-committed', 'true');
    await page.getByTestId('btn-validate').click();
    await expect(page.getByTestId('validation-summary')).toHaveAttribute('data-passed', 'false', { timeout: 30_000 });
    await expect(page.locator('[data-testid="validation-check"][data-passed="false"][data-column="credit_score"]').first()).toBeVisible();
    await expect(page.locator('[data-testid="validation-check"][data-passed="false"][data-column=""]')).toHaveCount(0);

    // Lineage: a demo run links its train.csv input (logged by train.mjs, the file it read) to the current version.
    await page.goto(`${demoServer().url}/#/runs`);
    await page.locator('[data-testid="experiment-item"][data-experiment-name="credit-risk"]').click();
    await page.locator('[data-testid="run-row"][data-run-name="logreg-lr0.1"]').click();
    const link = page.locator('[data-testid="run-datasets"] [data-testid="dataset-item"][data-name="train"] [data-testid="dataset-version-link"]');
    await expect(link).toHaveAttribute('data-commit', latest);
    await expect(page.locator('[data-testid="run-datasets"] [data-testid="dataset-item"]')).toHaveCount(1);
  });
});
