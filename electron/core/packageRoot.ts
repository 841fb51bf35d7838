import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'mldesk';

function isRepoRoot(dir: string): boolean {
  const manifest = path.join(dir, 'package.json');
  try {
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown };
    return parsed.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (isRepoRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let cachedRoot: string | undefined;

/**
 * The folder holding mldesk's package.json (the repo root, or the app folder when packaged).
 * Found by walking up from this module's folder, which works for the TS source under vitest
 * (resources/demo/) and for the esbuild bundle (dist/); the entry script and cwd are fallbacks.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  const starts: string[] = [];
  if (typeof __dirname === 'string') starts.push(__dirname);
  if (process.argv[1]) starts.push(path.dirname(process.argv[1]));
  starts.push(process.cwd());
  for (const start of starts) {
    const root = walkUp(start);
    if (root) return (cachedRoot = root);
  }
  throw new Error(`Cannot locate the ${PACKAGE_NAME} package root (searched up from: ${starts.join(', ')})`);
}

/** Absolute path of a file under the package's `resources/` folder, e.g. resourcePath('demo', 'template', 'train.mjs'). */
export function resourcePath(...parts: string[]): string {
  return path.join(packageRoot(), 'resources', ...parts);
}
