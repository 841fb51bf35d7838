import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ServeProcess {
  url: string;
  dataDir: string;
  home: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const root = path.resolve(__dirname, '..');

/** Starts the real `mldesk serve` CLI on a free port with an isolated home + data dir. */
export async function startServe(
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
  prepare?: (dirs: { home: string; dataDir: string }) => void,
): Promise<ServeProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-e2e-'));
  const dataDir = path.join(home, 'data');
  prepare?.({ home, dataDir });
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'mldesk.js'), 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    env: { ...process.env, HOME: home, MLDESK_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mldesk serve did not start:\n${output}`)), 20_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /serving at (http:\/\/\S+?)\/?(\?|\s|$)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mldesk serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    home,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Runs the real CLI synchronously (e.g. `mldesk demo`) before a server starts on the same data dir. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mldesk.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 360_000 });
  if (r.status !== 0) throw new Error(`mldesk ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Removes every deployment of a data dir and the model images they ran (containers would outlive the test). */
async function removeDeployments(url: string): Promise<void> {
  const rpc = async (name: string, input: unknown = {}) => {
    const r = await fetch(`${url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    return (await r.json()) as unknown;
  };
  const list = ((await rpc('deploy.list').catch(() => [])) as Array<{ name: string; image: { digest: string } }>) ?? [];
  if (!Array.isArray(list) || list.length === 0) return;
  for (const d of list) await rpc('deploy.remove', { name: d.name }).catch(() => undefined);
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  for (const d of list) if (d.image?.digest) await docker.getImage(d.image.digest).remove({ force: true }).catch(() => undefined);
}

/**
 * A server on a data dir where `mldesk demo` (with its six trainings) has run first — exactly what a user does.
 * Registers its own beforeAll/afterAll; the returned getter gives the running server.
 * `deploy`: the demo also deploys the champion (Docker) — with `traffic` (default) it replays the demo traffic too;
 * the deployment and its image are removed afterwards. Without it the demo deploys nothing (MLDESK_DEMO_DEPLOY=0).
 */
export function useDemoServer(
  test: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void; setTimeout: (ms: number) => void },
  opts: { deploy?: boolean; traffic?: boolean } = {},
): () => ServeProcess {
  let server: ServeProcess | undefined;
  test.beforeAll(async () => {
    test.setTimeout(opts.deploy ? 420_000 : 240_000);
    const args = ['demo', ...(opts.deploy && opts.traffic === false ? ['--no-traffic'] : [])];
    server = await startServe([], {}, ({ home, dataDir }) => cli([...args, '--data-dir', dataDir], { HOME: home, MLDESK_DEMO_DEPLOY: opts.deploy ? '1' : '0' }));
  });
  test.afterAll(async () => {
    if (opts.deploy && server) await removeDeployments(server.url).catch(() => undefined);
    await server?.stop();
  });
  return () => server!;
}
