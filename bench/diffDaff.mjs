// Child process for bench/diff: keyed diff of two CSVs with the npm `daff` library (its own CSV parser).
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const daff = require('daff');

const [a, b, key] = process.argv.slice(2);
const t0 = performance.now();
const parse = (file) => {
  const t = new daff.SimpleTable(0, 0);
  new daff.Csv().parseTable(fs.readFileSync(file, 'utf8'), t);
  return t;
};
const ta = parse(a);
const tb = parse(b);
const flags = new daff.CompareFlags();
flags.addPrimaryKey(key);
const alignment = daff.compareTables(ta, tb, flags).align();
const out = new daff.SimpleTable(0, 0);
new daff.TableDiff(alignment, flags).hilite(out);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, rows: out.get_height(), maxRssKb: process.resourceUsage().maxRSS }) + '\n');
