import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../core/engine';
import { DataUsageError, dataDirOf, failedWith, parseCli, printTable, type CliCommand } from './cliCommon';
import { call, dockerReady, startJob } from './engineCall';
import { MldeskError, type Deployment, type RolloutReport } from '../../shared/contract';

/**
 * `mldesk deploy`, `mldesk deployments`, `mldesk undeploy`: deployments from a terminal or CI (the same contract
 * methods as the Deployments page), on the local engine or a target (`mldesk targets`). Exit 0 when the rollout
 * completed, 1 with the reason when not (rolled back, Docker unavailable: with how to fix it), 2 for usage errors.
 */


/** "512", "512m", "512MiB", "1.5g", "2GB" → MiB. */
export function parseMemory(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] || 'm').toLowerCase();
  const mib = unit === 'k' ? n / 1024 : unit === 'm' ? n : unit === 'g' ? n * 1024 : n * 1024 * 1024;
  return Number.isFinite(mib) && mib >= 1 ? Math.round(mib) : null;
}

function uptime(d: Deployment): string {
  if (!d.startedAt) return '—';
  const s = Math.max(0, Math.round((Date.now() - d.startedAt) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 86_400)}d`;
}

function printFailure(report: RolloutReport | null, message: string): void {
  console.error(`mldesk: deploy failed: ${message}`);
  if (!report) return;
  if (report.probe) console.error(`  readiness probe: ${report.probe}`);
  if (report.logTail.length) {
    console.error('  last log lines of the new container:');
    for (const l of report.logTail) console.error(`    ${l}`);
  }
}

const deploy: CliCommand = {
  name: 'deploy',
  synopsis: '<model> (--version N | --alias A) [--target T] [--replicas N] [--port P] [--name D] [--cpus C] [--memory M] [--ready-timeout S] [--data-dir DIR]',
  summary:
    'Serve a model version behind a stable port: a Docker container on this machine (default), or on a target\n' +
    '(a remote engine, a swarm, a Kubernetes context: mldesk targets). Deploying another version to the same\n' +
    'name replaces it without downtime (a rolling update on a cluster, rolled back by itself when it fails).\n' +
    'Exits 0 once the rollout completed, 1 when it failed or rolled back (printing why): fit for CI.',
  details: `Options:
  --version N        the model version
  --alias A          or the version an alias points at (champion, …)
  --target T         where: a target name (default: local, this machine's Docker engine)
  --replicas N       replicas on a swarm or Kubernetes target (default 1; a redeploy keeps its count)
  --canary [S]       swarm: update one replica first and hold it S seconds (default 30), comparing its error
                     rate and latency with the others, then continue or roll back
  --transport T      how the image reaches a remote engine: auto (default), registry, stream (save → load)
  --helm-chart DIR   write a Helm chart of this deploy to DIR instead of deploying (Kubernetes targets)
  --port P           the stable port (default: a free one; a redeploy keeps its port)
  --name D           the deployment name (default: the model name)
  --cpus C           CPU limit in cores, e.g. 0.5
  --memory M         memory limit: 512m, 1g, … (MiB without a unit)
  --ready-timeout S  seconds the new version may take to become ready (default 60)
  --data-dir DIR     data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)
  -h, --help         show this help`,
  async run(args) {
    const { values: v, positionals: pos } = parseCli(
      args,
      {
        version: { type: 'string' },
        alias: { type: 'string' },
        port: { type: 'string' },
        name: { type: 'string' },
        cpus: { type: 'string' },
        memory: { type: 'string' },
        'ready-timeout': { type: 'string' },
        target: { type: 'string' },
        replicas: { type: 'string' },
        canary: { type: 'string' },
        transport: { type: 'string' },
        'helm-chart': { type: 'string' },
        'data-dir': { type: 'string' },
      },
      'mldesk deploy',
    );
    if (pos.length !== 1) throw new DataUsageError('mldesk deploy: expected <model>');
    if ((v.version === undefined) === (v.alias === undefined)) throw new DataUsageError('mldesk deploy: give exactly one of --version N or --alias A');
    if (v.version !== undefined && !/^\d{1,18}$/.test(v.version)) throw new DataUsageError(`mldesk deploy: --version must be a number (got "${v.version}")`);
    const num = (flag: string, s: string | undefined, ok: (n: number) => boolean) => {
      if (s === undefined) return undefined;
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new DataUsageError(`mldesk deploy: invalid ${flag} "${s}"`);
      return n;
    };
    const port = num('--port', v.port, (n) => Number.isInteger(n) && n >= 1024 && n <= 65535);
    const cpus = num('--cpus', v.cpus, (n) => n >= 0.05 && n <= 256);
    const readyTimeoutSec = num('--ready-timeout', v['ready-timeout'], (n) => Number.isInteger(n) && n >= 1 && n <= 3600);
    const replicas = num('--replicas', v.replicas, (n) => Number.isInteger(n) && n >= 1 && n <= 100);
    const canaryWindow = num('--canary', v.canary === '' ? '30' : v.canary, (n) => Number.isInteger(n) && n >= 5 && n <= 3600);
    if (v.transport !== undefined && !['auto', 'registry', 'stream'].includes(v.transport)) throw new DataUsageError(`mldesk deploy: --transport must be auto, registry or stream (got "${v.transport}")`);
    let memoryMb: number | undefined;
    if (v.memory !== undefined) {
      const m = parseMemory(v.memory);
      if (m === null || m < 32) throw new DataUsageError(`mldesk deploy: --memory must be a size of at least 32m, like 512m or 1g (got "${v.memory}")`);
      memoryMb = m;
    }
    const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
    try {
      if (!(await dockerReady(engine))) return 1;
      const input = {
        model: pos[0]!,
        ...(v.target !== undefined ? { target: v.target } : {}),
        ...(replicas !== undefined ? { replicas } : {}),
        ...(canaryWindow !== undefined ? { canary: { windowSec: canaryWindow } } : {}),
        ...(v.transport !== undefined ? { transport: v.transport as 'auto' | 'registry' | 'stream' } : {}),
        ...(v.version !== undefined ? { version: v.version } : { alias: v.alias }),
        ...(v.name !== undefined ? { name: v.name } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(cpus !== undefined ? { cpus } : {}),
        ...(memoryMb !== undefined ? { memoryMb } : {}),
        ...(readyTimeoutSec !== undefined ? { readyTimeoutSec } : {}),
      };
      if (v['helm-chart'] !== undefined) return await writeHelmChart(engine, input, v['helm-chart']);
      const started = Date.now();
      const { name, done } = await startJob(engine, () => call(engine, 'deploy.apply', input), (p) => {
        for (const l of p.lines) console.error(`  ${l}`);
      });
      try {
        await done;
      } catch (e) {
        const err = e instanceof MldeskError ? e : new MldeskError('INTERNAL', (e as Error).message);
        printFailure((err.details as RolloutReport | undefined) ?? null, err.message);
        return 1;
      }
      const d = await call(engine, 'deploy.get', { name });
      if (d.status !== 'running') {
        console.error(`mldesk: deployment '${name}' is ${d.status}${d.reason ? `: ${d.reason}` : ''}`);
        return 1;
      }
      console.log(`Deployed ${d.model} v${d.version} as '${d.name}'${d.target === 'local' ? '' : ` on ${d.target}`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (d.targetKind !== 'docker') console.log(`  replicas  ${d.replicas.running}/${d.replicas.desired} running`);
      console.log(`  endpoint  ${d.url}`);
      console.log(`  OIP v2    POST ${d.url}/v2/models/${encodeURIComponent(d.model)}/infer`);
      console.log(`  MLflow    POST ${d.url}/invocations`);
      return 0;
    } catch (e) {
      return failedWith(e);
    } finally {
      await engine.close();
    }
  },
};

/** `--helm-chart DIR`: the chart's files under DIR (refusing to overwrite a non-empty folder). */
async function writeHelmChart(engine: Engine, input: unknown, dir: string): Promise<number> {
  const out = path.resolve(dir);
  if (fs.existsSync(out) && fs.readdirSync(out).length) {
    console.error(`mldesk: ${out} is not empty: give a new folder for the chart`);
    return 1;
  }
  const chart = await call(engine, 'deploy.helmChart', input);
  for (const [rel, text] of Object.entries(chart.files)) {
    const file = path.join(out, rel);
    if (!file.startsWith(out + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  console.log(`Wrote Helm chart ${chart.name} (${Object.keys(chart.files).length} files) to ${out}`);
  console.log(`  helm install ${chart.name} ${out}`);
  return 0;
}

const deployments: CliCommand = {
  name: 'deployments',
  synopsis: '[--json] [--data-dir DIR]',
  summary: 'Deployments with their status as the Docker engine reports it now (exit 1 when the engine is unreachable).',
  details: 'Options:\n  --json          print JSON\n  --data-dir DIR  data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)\n  -h, --help      show this help',
  async run(args) {
    const { values: v, positionals: pos } = parseCli(args, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } }, 'mldesk deployments');
    if (pos.length) throw new DataUsageError('mldesk deployments: expected no arguments');
    const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
    try {
      const list = await call(engine, 'deploy.list', {});
      const unknown = list.some((d) => d.status === 'unknown');
      if (v.json) console.log(JSON.stringify(list, null, 2));
      else if (list.length === 0) console.log('No deployments yet: mldesk deploy <model> --version N');
      else {
        printTable([
          ['NAME', 'TARGET', 'STATUS', 'MODEL', 'VERSION', 'REPLICAS', 'ENDPOINT', 'UPTIME', 'REASON'],
          ...list.map((d) => [d.name, d.target, d.status, d.model, `v${d.version}`, `${d.replicas.running}/${d.replicas.desired}`, d.url, uptime(d), d.reason ?? '']),
        ]);
      }
      if (list.length === 0 || unknown) {
        if (!(await dockerReady(engine))) return 1;
      }
      return 0;
    } finally {
      await engine.close();
    }
  },
};

const undeploy: CliCommand = {
  name: 'undeploy',
  synopsis: '<name> [--data-dir DIR]',
  summary: 'Remove a deployment: its containers stop and go (images and pulled records stay).',
  details: 'Options:\n  --data-dir DIR  data dir (default: MLDESK_DATA_DIR, else ~/.mldesk)\n  -h, --help      show this help',
  async run(args) {
    const { values: v, positionals: pos } = parseCli(args, { 'data-dir': { type: 'string' } }, 'mldesk undeploy');
    if (pos.length !== 1) throw new DataUsageError('mldesk undeploy: expected <name>');
    const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
    try {
      const known = await engine.call('deploy.get', { name: pos[0] });
      if (!known.ok) {
        console.error(`mldesk: ${known.error.message}`);
        return known.error.code === 'INVALID_INPUT' ? 2 : 1;
      }
      if (!(await dockerReady(engine))) return 1;
      await call(engine, 'deploy.remove', { name: pos[0] });
      console.log(`Removed deployment '${pos[0]}' (its containers are gone; images and records stay).`);
      return 0;
    } catch (e) {
      if (e instanceof MldeskError) {
        console.error(`mldesk: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      await engine.close();
    }
  },
};

export const DEPLOY_COMMANDS: readonly CliCommand[] = [deploy, deployments, undeploy];
