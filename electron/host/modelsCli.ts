import { Engine } from '../core/engine';
import { DataUsageError, dataDirOf, parseCli, subcommandUsage, type Subcommand } from './cliCommon';
import { call } from './engineCall';
import type { ModelLineage } from '../../shared/contract';

/** `mldesk models …`: the model registry (the same contract methods as the Models page). */
export const MODELS_SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'list', synopsis: "[--filter \"name LIKE '%x%'\"] [--json] [--data-dir DIR]", summary: 'registered models with their latest versions and aliases' },
  {
    name: 'lineage',
    synopsis: '<name> --version N [--json] [--data-dir DIR]',
    summary: 'run → git commit → dataset versions → model version → image → deployments of one version',
  },
];

export const MODELS_USAGE = subcommandUsage('models', MODELS_SUBCOMMANDS);

function printLineage(l: ModelLineage): void {
  console.log(`model     ${l.model.name} v${l.model.version} (${l.model.stage}${l.model.aliases.length ? `, @${l.model.aliases.join(' @')}` : ''})`);
  console.log(`source    ${l.model.source}`);
  console.log(`run       ${l.run ? `${l.run.runId} ${l.run.name} (${l.run.status}, experiment ${l.run.experimentId})` : '—'}`);
  console.log(`commit    ${l.commit ?? '—'}`);
  if (l.datasets.length === 0) console.log('datasets  —');
  for (const d of l.datasets) console.log(`dataset   ${d.name} ${d.version ? `version ${d.version.commit.slice(0, 8)} (${d.version.path})` : `digest ${d.digest}`}`);
  console.log(`image     ${l.image?.length ? l.image.map((i) => i.digest).join(', ') : 'not built'}`);
  console.log(`deployed  ${l.deployments?.length ? l.deployments.map((d) => `${d.target} (${d.status})`).join(', ') : 'not deployed'}`);
}

export async function modelsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: v, positionals: pos } = parseCli(rest, { version: { type: 'string' }, filter: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  if (!MODELS_SUBCOMMANDS.some((s) => s.name === sub)) throw new DataUsageError(`mldesk models: unknown subcommand "${sub}"`);
  if (sub === 'lineage') {
    if (pos.length !== 1) throw new DataUsageError('mldesk models lineage: expected <name>');
    if (!v.version || !/^\d+$/.test(v.version)) throw new DataUsageError('mldesk models lineage: --version N is required');
  } else if (pos.length !== 0) throw new DataUsageError('mldesk models list: expected no arguments');
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  try {
    if (sub === 'lineage') {
      const l = await call(engine, 'models.lineage', { name: pos[0], version: v.version });
      if (v.json) console.log(JSON.stringify(l, null, 2));
      else printLineage(l);
    } else {
      const models = await call(engine, 'models.list', { filter: v.filter ?? '' });
      if (v.json) console.log(JSON.stringify(models, null, 2));
      else if (models.length === 0) console.log('No registered models yet: register one from a run (Models page, or mlflow.register_model).');
      else
        for (const m of models) {
          const latest = m.latest_versions.reduce((a, b) => Math.max(a, Number(b.version)), 0);
          console.log(`${m.name.padEnd(32)} latest v${latest || '—'}  ${m.aliases.map((a) => `@${a.alias}=v${a.version}`).join(' ')}`);
        }
    }
  } finally {
    await engine.close();
  }
  return 0;
}
