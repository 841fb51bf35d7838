// Runs table with 10,000 runs: scripted scroll through the virtualized table; reports the longest frame
// and the 99th percentile frame time, vs. the same scroll over a 100-run table in the same run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CHROMIUM_ARGS, root, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const { startServer } = require(path.join(root, 'dist', 'lib.js'));
const dir = tmp();
const served = await startServer({ dataDir: path.join(dir, 'data'), port: 0, uiDir: path.join(root, 'dist', 'renderer') });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // Headless Chromium otherwise throttles frames of pages it considers hidden.
  args: [...CHROMIUM_ARGS, '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows'],
});

function populate(name, n) {
  const t = served.engine.tracking;
  const exp = t.experiments.create(name);
  for (let i = 0; i < n; i++) {
    const id = t.runs.create({ experimentId: exp, runName: `run-${i}`, startTime: 1_700_000_000_000 + i * 1000 }).info.run_id;
    t.runs.logBatch(id, {
      params: [{ key: 'lr', value: String((i % 10) / 100) }, { key: 'model', value: ['gbt', 'logreg', 'mlp'][i % 3] }],
      metrics: ['val_auc', 'val_loss', 'train_loss'].map((key, k) => ({ key, value: ((i * 31 + k) % 1000) / 1000, timestamp: 1, step: 0 })),
    });
  }
  return exp;
}

async function scroll(exp) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${served.url}/#/runs?exp=${exp}`);
    await page.waitForSelector('[data-testid="run-row"]');
    return await page.evaluate(async () => {
      const table = document.querySelector('[data-testid="runs-table"]');
      const scroller = [table, ...table.querySelectorAll('*')].find((el) => el.scrollHeight > el.clientHeight + 10 && getComputedStyle(el).overflowY !== 'visible');
      if (!scroller) return { frames: [], rows: 0 };
      const frames = [];
      let last = performance.now();
      const end = last + 4000;
      await new Promise((resolve) => {
        const tick = (now) => {
          frames.push(now - last);
          last = now;
          scroller.scrollTop += 120; // ~7 rows per frame
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2) scroller.scrollTop = 0;
          if (now < end) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      return { frames: frames.slice(1), rows: document.querySelectorAll('[data-testid="run-row"]').length };
    });
  } finally {
    await page.close();
  }
}

try {
  const bigExp = populate('scroll-10k', Number(process.env.RUNS ?? 10_000));
  const smallExp = populate('scroll-100', 100);
  const stats = (r) => {
    const s = [...r.frames].sort((a, b) => a - b);
    return { max: s.at(-1) ?? NaN, p99: s[Math.floor(s.length * 0.99)] ?? NaN, n: s.length, dropped: s.filter((f) => f > 1000 / 60 * 1.5).length, rows: r.rows };
  };
  const small = stats(await scroll(smallExp));
  const big = stats(await scroll(bigExp));
  console.log('runs table scroll (4 s scripted scroll, 120 px per frame):');
  console.log(`  10,000 runs: longest frame ${big.max.toFixed(1)} ms, p99 ${big.p99.toFixed(1)} ms, ${big.dropped}/${big.n} frames over 25 ms, ${big.rows} rows in the DOM`);
  console.log(`  100 runs:    longest frame ${small.max.toFixed(1)} ms, p99 ${small.p99.toFixed(1)} ms, ${small.dropped}/${small.n} frames over 25 ms`);
  console.log(`  ratio of longest frames: ${(big.max / small.max).toFixed(2)}x`);
} finally {
  await browser.close();
  await served.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
