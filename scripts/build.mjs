// Builds the Node side (CLI/host, Electron main, sandboxed preload) with esbuild and the renderer with Vite.
// Node bundles keep node_modules external, so native modules (better-sqlite3) load from node_modules.
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(root, 'package.json'), 'utf8')));
// 'node' | 'renderer' | undefined (both) | 'runtime' (only the serving runtime's two programs: tests baking a runtime image)
const only = process.argv[2];
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  define: { __MLDESK_VERSION__: JSON.stringify(pkg.version) },
};

// The serving runtime: its own small program (copied into model images).
const runtimeEntries = { 'runtime/server': 'resources/runtime/server.ts', 'runtime/proxy': 'resources/runtime/proxy.ts' };

if (only === 'runtime') {
  await build({ ...common, entryPoints: runtimeEntries, outdir: 'dist', packages: 'external' });
} else if (only !== 'renderer') {
  await build({
    ...common,
    entryPoints: {
      cli: 'electron/host/cli.ts',
      lib: 'electron/host/lib.ts',
      main: 'electron/main/main.ts',
      // Worker threads load a file: the data diff's per-file scan.
      scanWorker: 'electron/core/data/scanWorker.ts',
      // Model insight's ONNX session (explanations run thousands of batches off the engine's event loop).
      insightWorker: 'electron/core/insight/worker.ts',
      ...runtimeEntries,
    },
    outdir: 'dist',
    packages: 'external',
  });
  // A sandboxed preload cannot require() local files: bundle everything except 'electron'.
  await build({ ...common, entryPoints: { preload: 'electron/main/preload.ts' }, outdir: 'dist', external: ['electron'] });
}
if (only !== 'node' && only !== 'runtime') {
  await viteBuild({ configFile: path.join(root, 'vite.config.mts'), logLevel: 'warn' });
}
