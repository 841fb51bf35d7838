import fs from 'node:fs';
import { Engine } from '../core/engine';
import { resolveUserPath } from '../core/paths';
import { DataUsageError, dataDirOf, failedWith, parseCli, printTable, subcommandUsage, type Subcommand } from './cliCommon';
import { call } from './engineCall';
import type { Target, TargetTest } from '../../shared/contract';

/** `mldesk targets …`: deployment targets from a terminal (the same contract methods as Settings → Targets). */
export const TARGETS_SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'add',
    synopsis:
      '<name> (--docker-host unix://…|tcp://…|ssh://… [--tls-ca F --tls-cert F --tls-key F] [--ssh-key F [--ssh-passphrase-stdin]] [--swarm] | --kubeconfig F [--context C] [--namespace N]) [--endpoint-host H] [--registry URL [--registry-user U --registry-password-stdin]] [--replace] [--data-dir DIR]',
    summary: 'add a remote Docker engine (mutual TLS or SSH), a Swarm manager or a Kubernetes context; its keys are stored encrypted',
  },
  { name: 'list', synopsis: '[--json] [--data-dir DIR]', summary: 'the targets (the local engine first) with their endpoint and last test' },
  { name: 'test', synopsis: '<name> [--json] [--data-dir DIR]', summary: 'connect: engine version, nodes and their resources, what is missing (exit 1 when not ok, with the fix)' },
  { name: 'remove', synopsis: '<name> [--data-dir DIR]', summary: 'remove a target and its stored keys (refused while deployments use it)' },
];

export const TARGETS_USAGE = subcommandUsage('targets', TARGETS_SUBCOMMANDS);

const gib = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 30).toFixed(1)} GiB`);
const cpus = (c: number | null) => (c === null ? '—' : Number.isInteger(c) ? String(c) : c.toFixed(2));

function lastTest(t: TargetTest | null): string {
  if (!t) return 'never tested';
  const when = new Date(t.at).toISOString().replace('T', ' ').slice(0, 16);
  return t.ok ? `ok (${when})` : t.error ? `failed: ${t.error.code} (${when})` : `missing ${t.missing.length} (${when})`;
}

/** Prints a test result for people: engine, nodes, missing items, the error and its hint. */
export function printTest(name: string, t: TargetTest): void {
  if (t.engine) {
    const kind = t.engine.kind === 'kubernetes' ? 'Kubernetes' : 'Docker Engine';
    console.log(`${name}: ${kind} ${t.engine.version}${t.engine.apiVersion ? ` (API ${t.engine.apiVersion})` : ''}${t.engine.platform ? `, ${t.engine.platform}` : ''} — answered in ${t.ms} ms`);
  }
  if (t.nodes.length) {
    console.log(`Nodes (${t.nodes.length}):`);
    printTable([['  NAME', 'ROLE', 'STATE', 'AVAILABILITY', 'CPUS', 'MEMORY'], ...t.nodes.map((n) => [`  ${n.name}`, n.role ?? '—', n.state ?? '—', n.availability ?? '—', cpus(n.cpus), gib(n.memoryBytes)])]);
  }
  if (t.missing.length) {
    console.log('Missing:');
    for (const m of t.missing) console.log(`  - ${m}`);
  }
  if (t.error) {
    console.error(`mldesk: cannot connect to target '${name}': ${t.error.message}`);
    console.error(`  how to fix: ${t.error.hint}`);
  } else if (!t.ok) console.error(`mldesk: target '${name}' answers, but deploying there needs what is missing above`);
  else console.log(`Target '${name}' is ready.`);
}

function readPem(flag: string, file: string): string {
  try {
    return fs.readFileSync(resolveUserPath(file), 'utf8');
  } catch (e) {
    throw new DataUsageError(`mldesk targets add: cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new DataUsageError(`mldesk targets add: cannot read stdin: ${(e as Error).message}`);
  }
}

const OPTIONS = {
  'docker-host': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'ssh-key': { type: 'string' },
  'ssh-passphrase-stdin': { type: 'boolean' },
  swarm: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string' },
  'endpoint-host': { type: 'string' },
  registry: { type: 'string' },
  'registry-user': { type: 'string' },
  'registry-password-stdin': { type: 'boolean' },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCli<typeof OPTIONS>>['values'];

/** The contract input of `targets add` from the flags (files read here: the engine gets PEM/YAML text). */
export function addInput(name: string, v: Values): Record<string, unknown> {
  const bad = (m: string) => new DataUsageError(`mldesk targets add: ${m}`);
  const docker = v['docker-host'] !== undefined;
  const kube = v.kubeconfig !== undefined;
  if (docker === kube) throw bad('give exactly one of --docker-host URL or --kubeconfig F');
  if (v['ssh-passphrase-stdin'] && v['registry-password-stdin']) throw bad('only one of --ssh-passphrase-stdin and --registry-password-stdin can read stdin');
  const registry =
    v.registry !== undefined
      ? { url: v.registry, ...(v['registry-user'] !== undefined ? { username: v['registry-user'] } : {}), ...(v['registry-password-stdin'] ? { password: readStdin() } : {}) }
      : undefined;
  if (!registry && (v['registry-user'] !== undefined || v['registry-password-stdin'])) throw bad('--registry-user and --registry-password-stdin go with --registry URL');
  const common = {
    name,
    ...(v['endpoint-host'] !== undefined ? { endpointHost: v['endpoint-host'] } : {}),
    ...(registry ? { registry } : {}),
    ...(v.replace ? { replace: true } : {}),
  };
  if (kube) {
    for (const f of ['tls-ca', 'tls-cert', 'tls-key', 'ssh-key', 'ssh-passphrase-stdin', 'swarm'] as const) if (v[f] !== undefined) throw bad(`--${f} goes with --docker-host, not --kubeconfig`);
    return { kind: 'kubernetes', ...common, kubeconfig: readPem('--kubeconfig', v.kubeconfig!), ...(v.context !== undefined ? { context: v.context } : {}), ...(v.namespace !== undefined ? { namespace: v.namespace } : {}) };
  }
  if (v.context !== undefined || v.namespace !== undefined) throw bad('--context and --namespace go with --kubeconfig');
  const tlsFlags = [v['tls-ca'], v['tls-cert'], v['tls-key']];
  if (tlsFlags.some((f) => f !== undefined) && tlsFlags.some((f) => f === undefined)) throw bad('mutual TLS needs all three of --tls-ca, --tls-cert and --tls-key');
  const tls = v['tls-ca'] !== undefined ? { ca: readPem('--tls-ca', v['tls-ca']), cert: readPem('--tls-cert', v['tls-cert']!), key: readPem('--tls-key', v['tls-key']!) } : undefined;
  if (v['ssh-passphrase-stdin'] && v['ssh-key'] === undefined) throw bad('--ssh-passphrase-stdin goes with --ssh-key F');
  const ssh = v['ssh-key'] !== undefined ? { privateKey: readPem('--ssh-key', v['ssh-key']), ...(v['ssh-passphrase-stdin'] ? { passphrase: readStdin() } : {}) } : undefined;
  return { kind: 'docker', ...common, host: v['docker-host'], ...(tls ? { tls } : {}), ...(ssh ? { ssh } : {}), ...(v.swarm ? { swarm: true } : {}) };
}

export async function targetsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!TARGETS_SUBCOMMANDS.some((s) => s.name === sub)) throw new DataUsageError(`mldesk targets: unknown subcommand "${sub}"`);
  const label = `mldesk targets ${sub}`;
  const { values: v, positionals: pos } = parseCli(rest, OPTIONS, label);
  if (sub !== 'add') {
    const extra = (Object.keys(v) as Array<keyof Values>).filter((k) => k !== 'data-dir' && !(k === 'json' && (sub === 'list' || sub === 'test')));
    if (extra.length) throw new DataUsageError(`${label}: --${extra[0]} belongs to mldesk targets add`);
  }
  if (sub === 'list' ? pos.length !== 0 : pos.length !== 1) throw new DataUsageError(sub === 'list' ? `${label}: expected no arguments` : `${label}: expected <name>`);
  const input = sub === 'add' ? addInput(pos[0]!, v) : null;
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  try {
    if (sub === 'add') {
      const t = await call(engine, 'targets.add', input);
      if (v.json) console.log(JSON.stringify(t, null, 2));
      else {
        console.log(`Added target '${t.name}' (${t.kind}, ${t.endpoint}${t.context ? `, context ${t.context}, namespace ${t.namespace}` : ''}).`);
        if (t.secrets.length) console.log(`  stored encrypted: ${t.secrets.join(', ')}`);
        console.log(`  test it: mldesk targets test ${t.name}`);
      }
      return 0;
    }
    if (sub === 'list') {
      const list = await call(engine, 'targets.list', {});
      if (v.json) console.log(JSON.stringify(list, null, 2));
      else printTable([['NAME', 'KIND', 'ENDPOINT', 'LAST TEST'], ...list.map((t: Target) => [t.name, t.builtin ? `${t.kind} (built in)` : t.kind, t.endpoint + (t.namespace ? ` ns=${t.namespace}` : ''), lastTest(t.lastTest)])]);
      return 0;
    }
    if (sub === 'test') {
      const t = await call(engine, 'targets.test', { name: pos[0] });
      if (v.json) console.log(JSON.stringify(t, null, 2));
      else printTest(pos[0]!, t);
      if (v.json && !t.ok && t.error) console.error(`mldesk: ${t.error.message}\n  how to fix: ${t.error.hint}`);
      return t.ok ? 0 : 1;
    }
    await call(engine, 'targets.remove', { name: pos[0] });
    console.log(`Removed target '${pos[0]}' and its stored keys.`);
    return 0;
  } catch (e) {
    return failedWith(e);
  } finally {
    await engine.close();
  }
}
