import fs from 'node:fs';
import { Engine } from '../core/engine';
import { resolveUserPath } from '../core/paths';
import { DataUsageError, dataDirOf, parseCli, printTable, subcommandUsage, type Subcommand } from './cliCommon';
import { call } from './engineCall';
import type { MonitorWindow } from '../../shared/contract';

/** `mldesk monitor …`: deployment monitoring from a terminal (the same contract methods as the Monitoring tab). */
export const MONITOR_SUBCOMMANDS: readonly Subcommand[] = [
  { name: 'status', synopsis: '<deployment> [--windows N] [--json] [--data-dir DIR]', summary: 'windows (drift, latency, errors, performance), reference and open alerts of a deployment' },
  {
    name: 'grafana',
    synopsis: '[--deployment D] [--out FILE] [--data-dir DIR]',
    summary: "a Grafana dashboard (JSON) over the app's /metrics gauges: import it in Grafana, Prometheus scraping mldesk",
  },
];

export const MONITOR_USAGE = subcommandUsage('monitor', MONITOR_SUBCOMMANDS);

const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(d));

function windowLine(w: MonitorWindow): string[] {
  const drifted = Object.entries(w.features)
    .filter(([, x]) => x.drifted)
    .map(([c]) => c);
  return [
    `${w.index}${w.open ? '*' : ''}`,
    String(w.count),
    f(w.driftShare, 2),
    w.prediction ? `${f(w.prediction.score)}${w.prediction.drifted ? ' !' : ''}` : '—',
    f(w.latencyMs.p99, 1),
    f(w.errorRate, 3),
    f(w.throughput, 1),
    w.performance ? `${f(w.performance.accuracy)}/${f(w.performance.auc)} (${w.performance.labeled})` : '—',
    drifted.length ? drifted.slice(0, 4).join(',') + (drifted.length > 4 ? `,+${drifted.length - 4}` : '') : '',
  ];
}

export async function monitorCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: v, positionals: pos } = parseCli(
    rest,
    { deployment: { type: 'string' }, out: { type: 'string' }, windows: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    'mldesk monitor',
  );
  if (!MONITOR_SUBCOMMANDS.some((s) => s.name === sub)) throw new DataUsageError(`mldesk monitor: unknown subcommand "${sub}"`);
  let windows = 20;
  if (sub === 'status') {
    if (pos.length !== 1) throw new DataUsageError('mldesk monitor status: expected <deployment>');
    if (v.out !== undefined || v.deployment !== undefined) throw new DataUsageError('mldesk monitor status: --out and --deployment belong to grafana');
    if (v.windows !== undefined) {
      windows = Number(v.windows);
      if (!Number.isInteger(windows) || windows < 1 || windows > 1000) throw new DataUsageError(`mldesk monitor status: --windows must be 1–1000 (got "${v.windows}")`);
    }
  } else {
    if (pos.length !== 0) throw new DataUsageError('mldesk monitor grafana: expected no arguments (the deployment goes in --deployment)');
    if (v.json || v.windows !== undefined) throw new DataUsageError('mldesk monitor grafana: --json and --windows belong to status');
  }
  const engine = new Engine({ dataDir: dataDirOf(v), host: 'web' });
  // Reading only: the app (or `mldesk serve`) owns the windows and alerts; this process folds nothing.
  engine.monitor.enabled = false;
  try {
    if (sub === 'grafana') {
      const dash = await call(engine, 'monitor.grafana', v.deployment !== undefined ? { deployment: v.deployment } : {});
      const text = JSON.stringify(dash, null, 2) + '\n';
      if (v.out) {
        const out = resolveUserPath(v.out);
        fs.writeFileSync(out, text);
        console.error(`Wrote the Grafana dashboard to ${out} (Grafana → Dashboards → New → Import; a Prometheus data source scraping mldesk's /metrics).`);
      } else process.stdout.write(text);
      return 0;
    }
    const name = pos[0]!;
    const ov = await call(engine, 'monitor.overview', { deployment: name, windows });
    const rules = await call(engine, 'monitor.rules', { deployment: name });
    if (v.json) {
      console.log(JSON.stringify({ ...ov, rules }, null, 2));
      return 0;
    }
    const spec = ov.config.window.kind === 'count' ? `${ov.config.window.size} rows` : `${ov.config.window.seconds} s`;
    console.log(`${name}: ${ov.records} records, windows of ${spec}`);
    const ref = ov.reference;
    console.log(`reference ${ref ? `${ref.label} (${ref.source}); predictions: ${ref.predictions}${ref.problem ? ` — ${ref.problem}` : ''}` : 'not resolved yet'}`);
    console.log(`features  ${ov.features.join(', ') || '—'}`);
    if (ov.windows.length === 0) console.log('No windows yet: send the deployment some requests.');
    else {
      printTable([['WINDOW', 'ROWS', 'DRIFT', 'PRED', 'P99MS', 'ERRORS', 'REQ/S', 'ACC/AUC (LABELS)', 'DRIFTED'], ...ov.windows.map(windowLine)]);
    }
    console.log(`rules     ${rules.map((r) => `${r.enabled ? '' : '(off) '}${r.metric} ${r.op} ${r.threshold} ×${r.windows}`).join('; ') || '—'}`);
    if (ov.alerts.length === 0) console.log('alerts    none open');
    for (const a of ov.alerts) console.log(`alert     [${a.state}] ${a.message}`);
    return 0;
  } finally {
    await engine.close();
  }
}
