// Web-mode cold start: process start → first interactive render in Chromium (performance mark + body[data-ready]).
// Baseline in the same run: process start → a static HTML page served by the same server.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import { CHROMIUM_ARGS, fmt, median, serve, tmp } from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });

async function once(kind) {
  const dir = tmp();
  const page = await browser.newPage();
  const s = await serve(dir);
  try {
    if (kind === 'app') {
      await page.goto(`${s.url}/`);
      await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
    } else {
      await page.goto(`${s.url}/probe.html`);
      await page.waitForSelector('#probe');
    }
    return performance.now() - s.t0;
  } finally {
    await page.close();
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const app = [];
const base = [];
await once('app'); // warm the OS file cache for both
for (let i = 0; i < ROUNDS; i++) {
  base.push(await once('static'));
  app.push(await once('app'));
}
await browser.close();
const a = median(app);
const b = median(base);
console.log(`startup (web mode, ${ROUNDS} rounds, median):`);
console.log(`  app interactive:      ${fmt(a)}   (runs: ${app.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  static page baseline: ${fmt(b)}   (runs: ${base.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  ratio app/baseline:   ${(a / b).toFixed(2)}x`);
