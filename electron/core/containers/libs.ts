import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MldeskError } from '../../../shared/contract/errors';

/**
 * The shared libraries a Linux binary loads, as the dynamic loader finds them here (`ldd`), so they can be copied
 * to the same paths inside a FROM-scratch image. The loader itself (the ELF interpreter) is one of them.
 */
export interface SharedLib {
  /** Where the loader finds it (the path it gets in the image). */
  path: string;
  /** The file to read (symbolic links resolved). */
  real: string;
}

/** Parses `ldd` output; `not found` libraries are an error. Exported for tests. */
export function parseLdd(out: string, binary: string): string[] {
  const found: string[] = [];
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    let m = /^(\S+)\s+=>\s+not found/.exec(t);
    if (m) {
      missing.push(m[1]!);
      continue;
    }
    m = /^\S+\s+=>\s+(\/\S+)(?:\s+\(0x[0-9a-f]+\))?$/i.exec(t);
    if (m) {
      found.push(m[1]!);
      continue;
    }
    m = /^(\/\S+)(?:\s+\(0x[0-9a-f]+\))?$/i.exec(t);
    if (m) found.push(m[1]!);
    // linux-vdso.so.1 (0x…), "statically linked": nothing to copy
  }
  if (missing.length) throw new MldeskError('FAILED_PRECONDITION', `${path.basename(binary)} needs libraries this machine does not have: ${missing.join(', ')}`);
  return [...new Set(found)];
}

/** The libraries `binary` loads (empty for a static binary). */
export function sharedLibraries(binary: string): Promise<SharedLib[]> {
  return new Promise((resolve, reject) => {
    execFile('ldd', [binary], { timeout: 20_000, maxBuffer: 4 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      if (/not a dynamic executable|statically linked/i.test(text) && !/=>/.test(stdout)) return resolve([]);
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          new MldeskError('FAILED_PRECONDITION', 'Building the offline base image needs `ldd` (to find the libraries Node loads), and it is not installed', {
            hint: 'Install your distribution’s libc tools (Debian/Ubuntu: libc-bin), or set MLDESK_BASE_IMAGE=node-slim to use node:<version>-slim.',
          }),
        );
      }
      try {
        const libs = parseLdd(stdout, binary).map((p) => ({ path: p, real: fs.realpathSync(p) }));
        if (err && libs.length === 0) return reject(new MldeskError('FAILED_PRECONDITION', `ldd ${path.basename(binary)} failed: ${stderr.trim() || err.message}`));
        resolve(libs);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** ELF e_machine → Node's process.arch names, for the architectures images are built for. */
const MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0x15: 'ppc64', 0x16: 's390x' };

/** The architecture of a Linux ELF binary (x64, arm64…), or null when it is not an ELF file (a macOS or Windows binary). */
export function elfArch(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    if (fs.readSync(fd, head, 0, 20, 0) < 20) return null;
    if (head.readUInt32BE(0) !== 0x7f454c46) return null;
    const little = head[5] === 1;
    const machine = little ? head.readUInt16LE(18) : head.readUInt16BE(18);
    return MACHINES[machine] ?? `elf-${machine}`;
  } finally {
    fs.closeSync(fd);
  }
}

/** Docker's architecture names → Node's. */
export function nodeArchOf(dockerArch: string): string {
  const a = dockerArch.toLowerCase();
  if (a === 'amd64' || a === 'x86_64') return 'x64';
  if (a === 'aarch64' || a === 'arm64') return 'arm64';
  if (a.startsWith('arm')) return 'arm';
  return a;
}
