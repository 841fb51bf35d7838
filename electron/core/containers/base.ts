import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { MldeskError } from '../../../shared/contract/errors';
import type { JobReporter } from '../jobs';
import { buildUnlessPresent, imageId, withDockerfile, type Span } from './build';
import { APP_UID, LABEL, labelInstruction, tagSafe } from './dockerfile';
import { elfArch, sharedLibraries } from './libs';
import { contextDigest, type ContextEntry } from './tarContext';

/**
 * The base image every mldesk runtime image starts FROM: Node at /usr/local/bin/node, a non-root user, /tmp.
 *
 * Which base (MLDESK_BASE_IMAGE):
 * - unset / `auto` (default): `node:<version>-slim` when that image is ALREADY present in the engine, else the
 *   offline base. mldesk never contacts a registry on its own: no pull, no probe.
 * - `offline`: always the offline base, even when node:<version>-slim is present.
 * - `node-slim`: `node:<version>-slim`, pulled when missing (opt-in registry access); if the pull fails the build
 *   falls back to the offline base and says so in its log.
 *
 * The offline base is FROM scratch: the real Node binary (process.execPath, or MLDESK_NODE_BINARY) and the shared
 * libraries `ldd` reports for it, at the paths the loader found them, plus /etc/passwd with the app user, CA
 * certificates when this machine has them, and an empty /tmp. Its tag carries the Node version and a hash of the
 * binary and the libraries: built once, reused, rebuilt when Node (or a library) changes.
 */

export type BaseMode = 'auto' | 'offline' | 'node-slim';

export function baseMode(env: NodeJS.ProcessEnv = process.env): BaseMode {
  const v = (env.MLDESK_BASE_IMAGE ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'offline' || v === 'node-slim') return v;
  throw new MldeskError('FAILED_PRECONDITION', `MLDESK_BASE_IMAGE="${env.MLDESK_BASE_IMAGE}" is not understood: use auto (default), offline or node-slim`);
}

export interface NodeBinary {
  /** The real file (symbolic links resolved). */
  file: string;
  /** e.g. 20.20.2 (no leading v). */
  version: string;
  /** Node's arch name of the binary (x64, arm64), null when it is not a Linux ELF binary. */
  arch: string | null;
}

function versionOf(file: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      const m = /v?(\d+\.\d+\.\d+)/.exec(String(stdout));
      resolve(!err && m ? m[1]! : 'custom');
    });
  });
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const f = path.join(dir, name);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      if (fs.statSync(f).isFile()) return f;
    } catch {
      // next
    }
  }
  return null;
}

const nodeCache = new Map<string, Promise<NodeBinary>>();

/** The Node binary the offline base is made of. Inside Electron (whose execPath is not Node) a `node` on PATH. */
export function localNode(env: NodeJS.ProcessEnv = process.env): Promise<NodeBinary> {
  const override = env.MLDESK_NODE_BINARY?.trim();
  const key = override || (process.versions.electron ? '@path' : process.execPath);
  let p = nodeCache.get(key);
  if (!p) {
    p = (async () => {
      let file: string;
      if (override) file = override;
      else if (process.versions.electron) {
        const found = onPath('node', env);
        if (!found) {
          throw new MldeskError('FAILED_PRECONDITION', 'The offline base image needs a Node binary, and none is on PATH', {
            hint: 'Install Node.js (https://nodejs.org) or set MLDESK_NODE_BINARY to a Linux node binary; or set MLDESK_BASE_IMAGE=node-slim.',
          });
        }
        file = found;
      } else file = process.execPath;
      let real: string;
      try {
        real = fs.realpathSync(file);
        if (!fs.statSync(real).isFile()) throw new Error('not a file');
      } catch {
        throw new MldeskError('FAILED_PRECONDITION', `The Node binary ${override ? 'named by MLDESK_NODE_BINARY ' : ''}cannot be read: ${file}`);
      }
      const version = !override && !process.versions.electron ? process.versions.node : await versionOf(real);
      return { file: real, version, arch: elfArch(real) };
    })();
    p.catch(() => nodeCache.delete(key));
    nodeCache.set(key, p);
  }
  return p;
}

/** The Node version a node:<v>-slim base would carry: the local one (the runtime is tested with it). */
export async function slimRef(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const v = env.MLDESK_NODE_BINARY ? (await localNode(env)).version : process.versions.node;
  return `node:${v === 'custom' ? process.versions.node : v}-slim`;
}

/** What a base image gives the images built on it. */
export interface BaseInfo {
  ref: string;
  /** The image id once known (present in the engine). */
  id: string | null;
  kind: 'offline' | 'node-slim';
  nodeVersion: string;
  /** In-image paths of the shared libraries it already has (offline base only). */
  libs: Set<string>;
  /** Folders of those libraries (LD_LIBRARY_PATH). */
  libDirs: string[];
}

export interface OfflineBasePlan extends BaseInfo {
  kind: 'offline';
  dockerfile: string;
  entries: ContextEntry[];
}

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin\nmldesk:x:${APP_UID}:${APP_UID}:mldesk:/home/mldesk:/sbin/nologin\n`;
const GROUP = `root:x:0:\nmldesk:x:${APP_UID}:\n`;
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];
/** Bumped when the recipe below changes in a way the hash of its inputs does not show. */
const RECIPE = 'mldesk-offline-base/1';

/** The offline base image of `plan` on `docker` (the engine `lockKey` names): its id, built when the engine has none. */
export async function ensureOfflineBase(docker: Docker, lockKey: string, plan: Pick<OfflineBasePlan, 'ref' | 'entries' | 'dockerfile'>, span: Span, r: JobReporter | undefined): Promise<string> {
  return (
    (await imageId(docker, plan.ref)) ??
    buildUnlessPresent(docker, lockKey, { entries: withDockerfile(plan.entries, plan.dockerfile), tag: plan.ref, label: `offline base image ${plan.ref}`, span, r })
  );
}

/**
 * The offline base for `node` targeting `arch` (Node's arch names): its entries, Dockerfile and tag. Cheap after the
 * first call (file hashes are cached by inode and mtime).
 */
export async function offlineBasePlan(node: NodeBinary, arch: string, appVersion: string): Promise<OfflineBasePlan> {
  if (node.arch === null) {
    throw new MldeskError('FAILED_PRECONDITION', `The offline base image needs a Linux Node binary; ${node.file} is not one (this machine is ${process.platform})`, {
      hint: 'Set MLDESK_NODE_BINARY to a Linux node binary of the engine’s architecture, or MLDESK_BASE_IMAGE=node-slim to use the official image (pulled once).',
    });
  }
  if (node.arch !== arch) {
    throw new MldeskError('FAILED_PRECONDITION', `The Docker engine runs ${arch} but the local Node binary is ${node.arch}: an offline base made of it would not start there`, {
      hint: `Set MLDESK_NODE_BINARY to a Linux ${arch} node binary, or MLDESK_BASE_IMAGE=node-slim to use node:<version>-slim (pulled once).`,
    });
  }
  const libs = await sharedLibraries(node.file);
  const entries: ContextEntry[] = [
    { kind: 'dir', name: 'rootfs', mode: 0o755 },
    { kind: 'dir', name: 'rootfs/usr', mode: 0o755 },
    { kind: 'dir', name: 'rootfs/usr/local', mode: 0o755 },
    { kind: 'dir', name: 'rootfs/usr/local/bin', mode: 0o755 },
    { kind: 'file', name: 'rootfs/usr/local/bin/node', source: node.file, mode: 0o755 },
    { kind: 'dir', name: 'rootfs/etc', mode: 0o755 },
    { kind: 'data', name: 'rootfs/etc/passwd', data: PASSWD },
    { kind: 'data', name: 'rootfs/etc/group', data: GROUP },
    { kind: 'data', name: 'rootfs/etc/nsswitch.conf', data: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    { kind: 'dir', name: 'rootfs/tmp', mode: 0o1777 },
    { kind: 'dir', name: 'home', mode: 0o755 },
    { kind: 'dir', name: 'home/mldesk', mode: 0o755 },
  ];
  const ca = CA_BUNDLES.find((f) => fs.existsSync(f));
  if (ca) {
    entries.push({ kind: 'dir', name: 'rootfs/etc/ssl', mode: 0o755 }, { kind: 'dir', name: 'rootfs/etc/ssl/certs', mode: 0o755 });
    entries.push({ kind: 'file', name: 'rootfs/etc/ssl/certs/ca-certificates.crt', source: fs.realpathSync(ca), mode: 0o644 });
  }
  const dirs = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.name));
  const libDirs: string[] = [];
  for (const lib of libs) {
    const rel = lib.path.replace(/^\/+/, '');
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = `rootfs/${parts.slice(0, i).join('/')}`;
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ kind: 'dir', name: d, mode: 0o755 });
      }
    }
    const dir = path.posix.dirname(lib.path);
    if (!libDirs.includes(dir)) libDirs.push(dir);
    entries.push({ kind: 'file', name: `rootfs/${rel}`, source: lib.real, mode: 0o755 });
  }
  const body = [
    '# mldesk offline base: the local Node binary and its shared libraries, FROM scratch (no registry needed).',
    'FROM scratch',
    'COPY rootfs/ /',
    `COPY --chown=${APP_UID}:${APP_UID} home/ /home/`,
    `ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/mldesk${libDirs.length ? ` LD_LIBRARY_PATH=${libDirs.join(':')}` : ''}`,
    `USER ${APP_UID}:${APP_UID}`,
    'WORKDIR /home/mldesk',
  ].join('\n');
  const digest = await contextDigest(entries, [RECIPE, body]);
  const ref = `mldesk/node-base:${tagSafe(node.version)}-${digest.slice(0, 12)}`;
  const labels = {
    [LABEL.kind]: 'base',
    [LABEL.nodeVersion]: node.version,
    [LABEL.appVersion]: appVersion,
    [LABEL.recipe]: digest,
    'org.opencontainers.image.title': 'mldesk offline Node base',
    'org.opencontainers.image.description': `Node ${node.version} and its shared libraries from the machine that built it, FROM scratch`,
    'org.opencontainers.image.version': node.version,
    'org.opencontainers.image.vendor': 'mldesk',
  };
  return {
    ref,
    id: null,
    kind: 'offline',
    nodeVersion: node.version,
    libs: new Set(libs.map((l) => l.path)),
    libDirs,
    dockerfile: `${body}\n${labelInstruction(labels)}\n`,
    entries,
  };
}
