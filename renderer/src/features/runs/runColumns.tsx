import type { ReactNode } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { shortOid } from '../../lib/format';
import type { CsvCell } from '../../lib/exportCsv';
import { formatDateTime, formatDuration, formatMetric, runDurationMs } from './format';
import { StatusBadge } from './StatusBadge';
import { canonicalColumnId, columnLabel, columnTitle, filterTargetOf, isServerSortable, parseColumnId, type ColumnRef, type FilterTarget, type MetricAgg } from './tableLogic';

export type ColumnGroup = 'run' | 'params' | 'metrics' | 'tags';

export interface RunColumn {
  id: string;
  ref: ColumnRef;
  group: ColumnGroup;
  label: string;
  /** Metric aggregate shown next to the label (min / max). */
  agg?: Exclude<MetricAgg, 'last'>;
  width: number;
  align?: 'right';
  /** Pinned while scrolling sideways: left offset in px. */
  stickyLeft?: number;
  /** The last pinned column (draws the divider). */
  stickyEdge?: boolean;
  /** Sort target (canonical column id) and whether the server can sort by it. */
  sort: { col: string; server: boolean };
  /** Header funnel target (params, metrics, tags). */
  filter?: FilterTarget;
  /** Fixed column: not resizable. */
  fixed?: boolean;
  /** `now` drives live durations of running runs. */
  render(row: RunRow, now: number): ReactNode;
  csv(row: RunRow): CsvCell;
  csvHeader: string;
  title?(row: RunRow): string | undefined;
}

export interface ColumnContext {
  experimentNames: ReadonlyMap<string, string>;
}

const dash = <span className="cell-empty">—</span>;
/** Room for the key, the sort arrow / badge and the funnel. */
const keyWidth = (key: string, extra = 0) => Math.min(220 + extra, Math.max(96, key.length * 7 + 60) + extra);

/** The always-shown run name column (pinned on the left, after the marks column). */
export function nameColumn(left: number): RunColumn {
  return {
    id: 'a:name',
    ref: { kind: 'attr', key: 'name' },
    group: 'run',
    label: 'Run name',
    width: 200,
    stickyLeft: left,
    stickyEdge: true,
    fixed: false,
    sort: { col: 'a:name', server: true },
    render: (r) => (
      <span className={`run-name${r.info.lifecycle_stage === 'deleted' ? ' run-name-deleted' : ''}`}>{r.info.run_name || <span className="muted">{r.info.run_id.slice(0, 8)}</span>}</span>
    ),
    title: (r) => `${r.info.run_name}\n${r.info.run_id}`,
    csv: (r) => r.info.run_name,
    csvHeader: 'run_name',
  };
}

function attrColumn(ref: ColumnRef & { kind: 'attr' }, ctx: ColumnContext): Omit<RunColumn, 'id' | 'ref' | 'group' | 'label' | 'sort'> {
  switch (ref.key) {
    case 'status':
      return {
        width: 104,
        render: (r) => <StatusBadge status={r.info.status} deleted={r.info.lifecycle_stage === 'deleted'} />,
        csv: (r) => r.info.status,
        csvHeader: 'status',
      };
    case 'start':
      return {
        width: 168,
        render: (r) => <span className="tabular">{formatDateTime(r.info.start_time)}</span>,
        csv: (r) => (r.info.start_time ? new Date(r.info.start_time) : null),
        csvHeader: 'start_time',
      };
    case 'end':
      return {
        width: 168,
        render: (r) => (r.info.end_time ? <span className="tabular">{formatDateTime(r.info.end_time)}</span> : dash),
        csv: (r) => (r.info.end_time ? new Date(r.info.end_time) : null),
        csvHeader: 'end_time',
      };
    case 'duration':
      return {
        width: 92,
        align: 'right',
        render: (r, now) => {
          const d = runDurationMs(r.info, now);
          return d === null ? dash : <span className="tabular">{formatDuration(d)}</span>;
        },
        csv: (r) => {
          const d = r.info.end_time && r.info.start_time ? r.info.end_time - r.info.start_time : null;
          return d === null ? null : d / 1000;
        },
        csvHeader: 'duration_s',
      };
    case 'user':
      return { width: 110, render: (r) => r.info.user_id || dash, csv: (r) => r.info.user_id, csvHeader: 'user' };
    case 'run_id':
      return {
        width: 150,
        render: (r) => <span className="mono">{r.info.run_id}</span>,
        title: (r) => r.info.run_id,
        csv: (r) => r.info.run_id,
        csvHeader: 'run_id',
      };
    case 'experiment':
      return {
        width: 150,
        render: (r) => ctx.experimentNames.get(r.info.experiment_id) ?? <span className="muted">{r.info.experiment_id}</span>,
        title: (r) => `${ctx.experimentNames.get(r.info.experiment_id) ?? ''} (id ${r.info.experiment_id})`,
        csv: (r) => ctx.experimentNames.get(r.info.experiment_id) ?? r.info.experiment_id,
        csvHeader: 'experiment',
      };
    case 'source':
      return {
        width: 160,
        render: (r) => {
          const v = r.tags['mlflow.source.name'];
          return v ? <span className="mono">{v}</span> : dash;
        },
        title: (r) => r.tags['mlflow.source.name'],
        csv: (r) => r.tags['mlflow.source.name'],
        csvHeader: 'source_name',
      };
    case 'commit':
      return {
        width: 96,
        render: (r) => {
          const v = r.tags['mlflow.source.git.commit'];
          return v ? <code className="commit-oid">{shortOid(v)}</code> : dash;
        },
        title: (r) => r.tags['mlflow.source.git.commit'],
        csv: (r) => r.tags['mlflow.source.git.commit'],
        csvHeader: 'git_commit',
      };
    case 'name':
      return nameColumn(0);
  }
}

function metricColumn(key: string, agg: MetricAgg): Omit<RunColumn, 'id' | 'ref' | 'group' | 'label' | 'sort'> {
  const pick = (r: RunRow): number | null | undefined => {
    const m = r.metrics[key];
    if (!m) return undefined;
    return agg === 'last' ? m.value : agg === 'min' ? m.min : m.max;
  };
  return {
    width: keyWidth(key, agg === 'last' ? 0 : 28),
    align: 'right',
    ...(agg === 'last' ? {} : { agg }),
    render: (r) => {
      const v = pick(r);
      return v === undefined ? dash : <span className="tabular">{formatMetric(v)}</span>;
    },
    title: (r) => {
      const m = r.metrics[key];
      if (!m) return undefined;
      const range = m.min !== null && m.max !== null ? `\nmin ${formatMetric(m.min)} · max ${formatMetric(m.max)}` : '';
      return `${key} = ${m.value}\nstep ${m.step} · ${m.count} value${m.count === 1 ? '' : 's'}${range}`;
    },
    csv: (r) => pick(r),
    csvHeader: `metrics.${key}${agg === 'last' ? '' : ` (${agg})`}`,
  };
}

/** A table column for a column id (see tableLogic.columnId); null for an unknown id. */
export function buildColumn(id: string, ctx: ColumnContext, widths: Readonly<Record<string, number>> = {}): RunColumn | null {
  const ref = parseColumnId(id);
  if (!ref) return null;
  const base = { id, ref, label: columnLabel(ref), sort: { col: canonicalColumnId(id), server: isServerSortable(id) } };
  const filter = filterTargetOf(ref);
  let col: RunColumn;
  switch (ref.kind) {
    case 'attr':
      col = { ...attrColumn(ref, ctx), ...base, group: 'run' };
      break;
    case 'metric':
      col = { ...metricColumn(ref.key, ref.agg), ...base, group: 'metrics' };
      break;
    case 'param':
    case 'tag': {
      const get = (r: RunRow) => (ref.kind === 'param' ? r.params[ref.key] : r.tags[ref.key]);
      col = {
        ...base,
        group: ref.kind === 'param' ? 'params' : 'tags',
        width: keyWidth(ref.key),
        render: (r) => {
          const v = get(r);
          return v === undefined ? dash : <span className="mono">{v}</span>;
        },
        title: get,
        csv: get,
        csvHeader: columnTitle(ref),
      };
      break;
    }
  }
  if (filter) col.filter = filter;
  const w = widths[id];
  if (w !== undefined) col.width = w;
  return col;
}

/** The table's columns: the run name (pinned after the marks column), then the chosen ones. */
export function buildColumns(ids: readonly string[], ctx: ColumnContext, widths: Readonly<Record<string, number>>, left: number): RunColumn[] {
  const name = nameColumn(left);
  const w = widths[name.id];
  if (w !== undefined) name.width = w;
  const out: RunColumn[] = [name];
  const seen = new Set<string>([name.id]);
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const c = buildColumn(id, ctx, widths);
    if (c) out.push(c);
  }
  return out;
}
