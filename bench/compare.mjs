// Compare view: 100 runs × 100,000 steps of one metric; time from navigation to all series drawn
// (performance mark 'mldesk:compare-rendered'), vs. the same view with one run of 100 steps, same run.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CHROMIUM_ARGS, median, root, tmp } from './lib.mjs';

const require = createRequire(import.meta.url);
const { startServer } = require(path.join(root, 'dist', 'lib.js'));

const RUNS = Number(process.env.RUNS ?? 100);
const STEPS = Number(process.env.STEPS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const dir = tmp();
const served = await startServer({ dataDir: path.join(dir, 'data'), port: 0, uiDir: path.join(root, 'dist', 'renderer') });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const t = served.engine.tracking;
  const exp = t.experiments.create('compare-bench');
  const big = [];
  const t0 = performance.now();
  for (let r = 0; r < RUNS; r++) {
    const id = t.runs.create({ experimentId: exp, runName: `run-${r}` }).info.run_id;
    big.push(id);
    for (let b = 0; b < STEPS / 1000; b++) {
      const metrics = new Array(1000);
      for (let i = 0; i < 1000; i++) {
        const step = b * 1000 + i;
        metrics[i] = { key: 'loss', value: Math.exp(-step / 30000) * (1 + r / RUNS) + 0.05 * Math.sin(step / 97 + r), timestamp: 1_700_000_000_000 + step * 10, step };
      }
      t.runs.logBatch(id, { metrics });
    }
  }
  const loadS = (performance.now() - t0) / 1000;
  const smallExp = t.experiments.create('compare-bench-small');
  const small = t.runs.create({ experimentId: smallExp, runName: 'small' }).info.run_id;
  t.runs.logBatch(small, { metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1_700_000_000_000 + i, step: i })) });

  const open = async (expId, ids) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${served.url}/#/compare?exp=${expId}&runs=${ids.join(',')}&keys=loss`);
      await page.waitForFunction(() => document.body.dataset.compareReady === '1', null, { timeout: 60_000 });
      const ms = await page.evaluate(() => performance.getEntriesByName('mldesk:compare-rendered')[0]?.startTime ?? NaN);
      const info = await page.locator('[data-testid="compare-chart"]').first().evaluate((el) => ({ series: Number(el.dataset.series), points: Number(el.dataset.points) }));
      return { ms, ...info };
    } finally {
      await page.close();
    }
  };
  const cold = await open(exp, big); // level-of-detail built on demand inside this request
  const bigRuns = [];
  const smallRuns = [];
  let shape = cold;
  for (let i = 0; i < ROUNDS; i++) {
    smallRuns.push((await open(smallExp, [small])).ms);
    shape = await open(exp, big);
    bigRuns.push(shape.ms);
  }
  const a = median(bigRuns);
  const b = median(smallRuns);
  console.log(`compare view (${RUNS} runs × ${STEPS.toLocaleString('en')} steps loaded in ${loadS.toFixed(1)} s; median of ${ROUNDS}):`);
  console.log(`  ${RUNS} runs: navigation → all series drawn: ${a.toFixed(0)} ms  (${shape.series} series, ${shape.points} points per series; first open, LOD cold: ${cold.ms.toFixed(0)} ms)`);
  console.log(`  1 run × 100 steps:                      ${b.toFixed(0)} ms`);
  console.log(`  ratio:                                   ${(a / b).toFixed(2)}x`);
} finally {
  await browser.close();
  await served.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
