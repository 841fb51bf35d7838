// Bench data: pairs of CSVs of N rows × 12 mixed columns (ints, decimals, booleans, categories, dates, quoted
// text with a comma) where b changes ~0.6% of a's rows, removes ~0.2% and adds ~0.2%.
import fs from 'node:fs';
import path from 'node:path';

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
}

/** Writes `<dir>/<prefix>a.csv` and `<prefix>b.csv`; returns their paths. */
export function generatePair(dir, n, prefix) {
  const r = rng(42);
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
  const header = 'id,age,income,score,ratio,count,flag,city,segment,date,note,label\n';
  const row = (i, x) =>
    `${i},${18 + Math.floor(x * 60)},${(20000 + x * 90000).toFixed(2)},${Math.floor(x * 1000)},${(x * 3).toFixed(5)},${Math.floor(x * 50)},${x > 0.5},${cats[Math.floor(x * 5)]},${cats[Math.floor(x * 7) % 5]}-${i % 13},2024-0${1 + (i % 9)}-1${i % 10},"note, ${i % 101}",${x > 0.7 ? 1 : 0}\n`;
  const [pa, pb] = [path.join(dir, `${prefix}a.csv`), path.join(dir, `${prefix}b.csv`)];
  const fa = fs.openSync(pa, 'w');
  const fb = fs.openSync(pb, 'w');
  fs.writeSync(fa, header);
  fs.writeSync(fb, header);
  let bufA = '';
  let bufB = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    const u = r();
    const line = row(i, x);
    bufA += line;
    if (u < 0.002) {
      // removed in b
    } else if (u < 0.008) bufB += row(i, (x + 0.37) % 1);
    else bufB += line;
    if (u > 0.998) bufB += row(n + i, x);
    if (bufA.length > 1 << 20) {
      fs.writeSync(fa, bufA);
      fs.writeSync(fb, bufB);
      bufA = bufB = '';
    }
  }
  fs.writeSync(fa, bufA);
  fs.writeSync(fb, bufB);
  fs.closeSync(fa);
  fs.closeSync(fb);
  return [pa, pb];
}
