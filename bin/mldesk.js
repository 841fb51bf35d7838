#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('mldesk: not built yet — run `npm run build` (npm ci runs it for you).');
  process.exit(1);
}
require(cli).main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(`mldesk: ${err && err.message ? err.message : err}`); process.exit(1); },
);
