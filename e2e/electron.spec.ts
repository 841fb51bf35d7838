import { _electron as electron, expect, test } from '@playwright/test';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function electronBinary(): { bin: string | null; why: string } {
  try {
    const bin = createRequire(__filename)('electron') as unknown;
    if (typeof bin === 'string' && fs.existsSync(bin)) return { bin, why: '' };
    return { bin: null, why: `electron resolved to ${String(bin)}, which does not exist` };
  } catch (e) {
    return { bin: null, why: (e as Error).message.split('\n')[0] ?? 'electron not installed' };
  }
}

const { bin, why } = electronBinary();
if (!bin) {
  // `npm ci` never downloads Electron (allowScripts): say why instead of skipping silently.
  console.log(`[e2e/electron] skipped: no Electron binary installed (${why}). Web-mode specs cover the UI; run \`npm run electron:download\` (or \`npm start\` once) with internet access to run these.`);
}

test.describe('desktop app (Electron)', () => {
  test.skip(!bin, `no Electron binary installed: ${why}`);

  test('secure window, contract over IPC, projects page', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-electron-'));
    const app = await electron.launch({
      executablePath: bin!,
      args: [root],
      env: { ...process.env, MLDESK_DATA_DIR: path.join(home, 'data'), MLDESK_PORT: '0', HOME: home },
    });
    try {
      const page = await app.firstWindow();
      // contextIsolation + sandbox + no nodeIntegration: the page sees no Node globals at all.
      const globals = await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        module: typeof (globalThis as { module?: unknown }).module,
      }));
      expect(globals).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined' });
      // No Node in the page, no raw ipcRenderer on the bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => Object.keys((window as unknown as { mldesk: object }).mldesk).sort())).toContain('projects');
      expect(await page.evaluate(() => 'ipcRenderer' in (window as unknown as { mldesk: object }).mldesk)).toBe(false);
      // Alert notifications navigate through a named host function (in-app hashes only), not a free-form channel.
      expect(await page.evaluate(() => typeof (window as unknown as { mldesk: { host: { onNavigate?: unknown } } }).mldesk.host.onNavigate)).toBe('function');
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.send('mldesk:host:navigate', '#/settings'));
      await expect(page).toHaveURL(/#\/settings$/);
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.send('mldesk:host:navigate', 'https://example.com/#/x'));
      await page.waitForTimeout(200);
      expect(page.url()).toMatch(/#\/settings$/);
      await page.evaluate(() => {
        window.location.hash = '#/projects';
      });
      const info = await page.evaluate(async () => {
        const w = window as unknown as { mldesk: { app: { info(i: unknown): Promise<{ ok: boolean; value: { host: string } }> } } };
        return w.mldesk.app.info({});
      });
      expect(info.ok && info.value.host).toBe('electron');
      // Invalid input comes back as a typed error envelope, not a thrown string.
      const bad = await page.evaluate(async () => {
        const w = window as unknown as { mldesk: { projects: { open(i: unknown): Promise<{ ok: boolean; error?: { code: string } }> } } };
        return w.mldesk.projects.open({ path: 42 });
      });
      expect(bad.ok).toBe(false);
      expect(bad.error?.code).toBe('INVALID_INPUT');
      // Foreign navigation is refused (a loopback URL, so a broken guard sends nothing off the machine).
      await page.evaluate(() => {
        window.location.href = 'http://127.0.0.1:9/foreign';
      });
      await page.waitForTimeout(500);
      expect(page.url().startsWith('file:')).toBe(true);
      await expect(page.getByTestId('projects-empty')).toBeVisible();
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
