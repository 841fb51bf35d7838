// `npm start`: the desktop app when an Electron binary is installed, otherwise web mode (air-gapped machines).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

if (!fs.existsSync(path.join(root, 'dist', 'cli.js')) || !fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  await import('./build.mjs');
}

function electronBinary() {
  try {
    const bin = require('electron'); // a path string, or throws when the binary was never downloaded
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
const child = bin
  ? spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  : (console.log('No Electron binary installed (ELECTRON_SKIP_BINARY_DOWNLOAD or offline): starting web mode instead.'),
    spawn(process.execPath, [path.join(root, 'bin', 'mldesk.js'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
