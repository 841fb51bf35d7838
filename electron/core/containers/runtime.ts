import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { MldeskError } from '../../../shared/contract/errors';
import { packageRoot } from '../packageRoot';
import type { BaseInfo } from './base';
import { APP_UID, LABEL, labelInstruction, tagSafe } from './dockerfile';
import { sharedLibraries } from './libs';
import { contextDigest, walkDir, type ContextEntry } from './tarContext';

/**
 * The serving runtime image: FROM the base, /app/*.js (every program of dist/runtime: server.js, proxy.js…) and the
 * node_modules they require — only their runtime files (JavaScript, JSON, the native addon of the engine's
 * platform), never sources, typings, maps, install scripts or other platforms' binaries. Layers go from the least
 * to the most often changed (libraries, node_modules, programs); its tag is a hash of everything in it, so a new
 * mldesk version or runtime change builds a new one and everything else reuses it.
 */

/** Per-package rules where the generic walk would take too much. */
const PACKAGE_RULES: Record<string, { deps?: string[]; skipDirs?: string[] }> = {
  // The install script's dependencies (adm-zip, global-agent) are not needed to run; lib/ holds TypeScript sources.
  'onnxruntime-node': { deps: ['onnxruntime-common'], skipDirs: ['script', 'lib'] },
};

const KEEP_FILE = /(\.(c|m)?js|\.json|\.node|\.so(\.\d+)*)$|^(LICEN[CS]E|NOTICE)(\.\w+)?$/i;
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', '.github', 'benchmark', 'benchmarks']);
const BUILTINS = new Set(builtinModules);

/** Node's arch → the folder names native packages use. */
const PLATFORM_DIR = /(^|\/)(bin\/napi-v\d+|prebuilds|binding|bin)\/(linux|darwin|win32|freebsd)[/-]?([a-z0-9_]*)(\/|$)/;

/** The bare module names a bundled program requires (`require("zod")` → zod; builtins and relative paths skipped). */
export function requiredPackages(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!)) continue;
    const parts = spec.split('/');
    out.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return [...out].sort();
}

/** Node's lookup: `<dir>/node_modules/<name>` from `from` upwards. */
function findPackage(name: string, from: string): string | null {
  let dir = from;
  for (;;) {
    const p = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) return p;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export function runtimeDir(): string {
  return path.join(packageRoot(), 'dist', 'runtime');
}

export interface RuntimeFiles {
  programs: ContextEntry[];
  modules: ContextEntry[];
  /** Native files (.node, .so) copied, absolute paths here: their libraries are checked against the base. */
  natives: string[];
  packages: string[];
}

/** The runtime programs and the node_modules they need, for `arch` (Node's names) on Linux. */
export function runtimeFiles(arch: string): RuntimeFiles {
  const dir = runtimeDir();
  let programs: string[];
  try {
    programs = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  } catch {
    programs = [];
  }
  if (!programs.includes('server.js')) {
    throw new MldeskError('FAILED_PRECONDITION', 'The serving runtime is not built (dist/runtime/server.js is missing)', { hint: 'Run `npm run build` (or node scripts/build.mjs node) first.' });
  }
  const out: RuntimeFiles = { programs: [], modules: [], natives: [], packages: [] };
  const wanted: Array<{ name: string; from: string; by: string }> = [];
  for (const f of programs) {
    const abs = path.join(dir, f);
    out.programs.push({ kind: 'file', name: `app/${f}`, source: abs, mode: 0o644 });
    for (const name of requiredPackages(fs.readFileSync(abs, 'utf8'))) wanted.push({ name, from: dir, by: f });
  }
  const seen = new Set<string>();
  while (wanted.length) {
    const { name, from, by } = wanted.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const pkgDir = findPackage(name, from);
    if (!pkgDir) throw new MldeskError('FAILED_PRECONDITION', `The serving runtime needs the package ${name} (required by ${by}), and it is not installed`, { hint: 'Run `npm ci` in the mldesk folder.' });
    out.packages.push(name);
    const rule = PACKAGE_RULES[name] ?? {};
    const skipDirs = new Set([...SKIP_DIRS, ...(rule.skipDirs ?? [])]);
    const entries = walkDir(pkgDir, `node_modules/${name}`, (rel, isDir) => {
      const base = rel.split('/').pop()!;
      if (isDir) {
        if (!rel.includes('/') ? skipDirs.has(base) : base === 'node_modules') return true;
        // Native builds of other platforms and architectures stay out (onnxruntime-node ships four).
        const m = PLATFORM_DIR.exec(`${rel}/`);
        if (m && m[4] !== undefined && m[4] !== '') return m[3] !== 'linux' || m[4] !== arch;
        if (m && m[4] === '' && m[3] !== 'linux') return true;
        return false;
      }
      if (base.endsWith('.d.ts') || base.endsWith('.map')) return true;
      return !KEEP_FILE.test(base);
    }).filter((e) => e.kind !== 'symlink');
    // Drop folders left empty by the filter (keeps the layer listing readable).
    const files = entries.filter((e) => e.kind === 'file');
    const used = new Set<string>();
    for (const f of files) {
      const parts = f.name.split('/');
      for (let i = 1; i < parts.length; i++) used.add(parts.slice(0, i).join('/'));
    }
    out.modules.push(...entries.filter((e) => e.kind !== 'dir' || used.has(e.name)));
    for (const f of files) if (f.kind === 'file' && /\.(node|so(\.\d+)*)$/.test(f.name)) out.natives.push(f.source);
    let deps: string[] = rule.deps ?? [];
    if (!rule.deps) {
      try {
        const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        deps = Object.keys(pj.dependencies ?? {});
      } catch {
        deps = [];
      }
    }
    for (const d of deps) wanted.push({ name: d, from: pkgDir, by: name });
  }
  out.modules.unshift({ kind: 'dir', name: 'node_modules', mode: 0o755 });
  return out;
}

export interface RuntimePlan {
  ref: string;
  dockerfile: string;
  entries: ContextEntry[];
  digest: string;
}

const RECIPE = 'mldesk-runtime/1';

/** The runtime image on `base` for `arch`: entries, Dockerfile and content-addressed tag. */
export async function runtimePlan(base: BaseInfo, arch: string, appVersion: string): Promise<RuntimePlan> {
  const files = runtimeFiles(arch);
  const entries: ContextEntry[] = [{ kind: 'dir', name: 'app', mode: 0o755 }, ...files.programs, ...files.modules, { kind: 'dir', name: 'data', mode: 0o755 }];
  // On the offline base, the libraries the native addons load that the base lacks (onnxruntime needs librt).
  const extraDirs: string[] = [];
  if (base.kind === 'offline' && arch === process.arch && process.platform === 'linux') {
    const copied = new Set(files.natives.map((f) => fs.realpathSync(f)));
    const extra = new Map<string, string>();
    for (const f of files.natives) {
      for (const lib of await sharedLibraries(f)) {
        if (base.libs.has(lib.path) || copied.has(lib.real) || extra.has(lib.path)) continue;
        extra.set(lib.path, lib.real);
      }
    }
    if (extra.size) {
      const dirs = new Set<string>(['libs']);
      entries.push({ kind: 'dir', name: 'libs', mode: 0o755 });
      for (const [p, real] of [...extra].sort()) {
        const rel = p.replace(/^\/+/, '');
        const parts = rel.split('/');
        for (let i = 1; i < parts.length; i++) {
          const d = `libs/${parts.slice(0, i).join('/')}`;
          if (!dirs.has(d)) {
            dirs.add(d);
            entries.push({ kind: 'dir', name: d, mode: 0o755 });
          }
        }
        entries.push({ kind: 'file', name: `libs/${rel}`, source: real, mode: 0o755 });
        const dir = path.posix.dirname(p);
        if (!base.libDirs.includes(dir) && !extraDirs.includes(dir)) extraDirs.push(dir);
      }
    }
  }
  const hasLibs = entries.some((e) => e.name === 'libs');
  const env: string[] = ['NODE_ENV=production', 'MLDESK_RECORDS_DIR=/data/records'];
  if (extraDirs.length) env.push(`LD_LIBRARY_PATH=${[...base.libDirs, ...extraDirs].join(':')}`);
  const body = [
    `# mldesk serving runtime: Node, onnxruntime-node and the runtime programs (${files.programs.map((p) => p.name.slice(4)).join(', ')}).`,
    `FROM ${base.ref}`,
    ...(hasLibs ? ['COPY libs/ /'] : []),
    'COPY node_modules/ /app/node_modules/',
    `COPY --chown=${APP_UID}:${APP_UID} data/ /data/`,
    'COPY app/ /app/',
    `ENV ${env.join(' ')}`,
    `USER ${APP_UID}:${APP_UID}`,
    'WORKDIR /app',
    'CMD ["/usr/local/bin/node", "/app/server.js"]',
  ].join('\n');
  // A node:<v>-slim base is not content-addressed by its tag: its id goes into the hash.
  const digest = await contextDigest(entries, [RECIPE, body, base.kind === 'node-slim' ? (base.id ?? '') : '']);
  const ref = `mldesk/runtime:${tagSafe(appVersion)}-${digest.slice(0, 12)}`;
  const labels = {
    [LABEL.kind]: 'runtime',
    [LABEL.appVersion]: appVersion,
    [LABEL.base]: base.ref,
    [LABEL.nodeVersion]: base.nodeVersion,
    [LABEL.recipe]: digest,
    'org.opencontainers.image.title': 'mldesk serving runtime',
    'org.opencontainers.image.description': `OIP-V2 + /invocations + /metrics around onnxruntime-node (${files.packages.join(', ')})`,
    'org.opencontainers.image.version': appVersion,
    'org.opencontainers.image.vendor': 'mldesk',
    'org.opencontainers.image.base.name': base.ref,
  };
  return { ref, dockerfile: `${body}\n${labelInstruction(labels)}\n`, entries, digest };
}
