import fs from 'node:fs';
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TreeSample {
  pids: number[];
  /** Total CPU seconds (user + system) consumed so far by the live processes of the tree. */
  cpuSeconds: number;
  rssBytes: number;
}

const CLK_TCK = 100; // Linux USER_HZ; the kernel reports /proc times in these units on every mainstream arch.
const PAGE = 4096;

function readProcStat(pid: number): { ppid: number; cpu: number; rss: number } | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: fields start after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssPages = Number(rest[21]);
    return { ppid, cpu: (utime + stime) / CLK_TCK, rss: rssPages * PAGE };
  } catch {
    return null;
  }
}

/** The process and all its descendants (Linux /proc; `ps` elsewhere). */
export async function sampleTree(rootPid: number): Promise<TreeSample> {
  if (process.platform === 'linux' && fs.existsSync('/proc/self/stat')) {
    const stats = new Map<number, { ppid: number; cpu: number; rss: number }>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const s = readProcStat(Number(name));
      if (s) stats.set(Number(name), s);
    }
    return collect(rootPid, stats);
  }
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,rss=,time='], { maxBuffer: 8 * 1024 * 1024 });
  const stats = new Map<number, { ppid: number; cpu: number; rss: number }>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(line);
    if (!m) continue;
    const cpu = Number(m[4] ?? 0) * 86400 + Number(m[5] ?? 0) * 3600 + Number(m[6]) * 60 + Number(m[7]);
    stats.set(Number(m[1]), { ppid: Number(m[2]), rss: Number(m[3]) * 1024, cpu });
  }
  return collect(rootPid, stats);
}

function collect(rootPid: number, stats: Map<number, { ppid: number; cpu: number; rss: number }>): TreeSample {
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  const pids: number[] = [];
  let cpuSeconds = 0;
  let rssBytes = 0;
  const stack = stats.has(rootPid) ? [rootPid] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    const s = stats.get(pid)!;
    pids.push(pid);
    cpuSeconds += s.cpu;
    rssBytes += s.rss;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return { pids, cpuSeconds, rssBytes };
}

let nvidiaSmi: boolean | undefined;
/** GPU utilisation/memory per device via nvidia-smi, when present (checked once). */
export async function sampleGpus(): Promise<Array<{ index: number; utilization: number; memoryMb: number }>> {
  if (nvidiaSmi === false) return [];
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=index,utilization.gpu,memory.used', '--format=csv,noheader,nounits'], { timeout: 5000 });
    nvidiaSmi = true;
    return stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [i, u, m] = l.split(',').map((x) => Number(x.trim()));
        return { index: i ?? 0, utilization: u ?? 0, memoryMb: m ?? 0 };
      });
  } catch {
    nvidiaSmi = false;
    return [];
  }
}

export const cpuCount = () => os.cpus().length || 1;
