import type { ReactNode } from 'react';
import type { RunRow } from '../../../../shared/contract';
import type { CsvCell } from '../../lib/exportCsv';
import type { ColumnChoice, SortEntity } from './columns';
import { formatDateTime, formatDuration, formatMetric, runDurationMs } from './format';
import { StatusBadge } from './StatusBadge';

export type ColumnGroup = 'run' | 'params' | 'metrics';

export interface RunColumn {
  id: string;
  group: ColumnGroup;
  label: string;
  width: number;
  align?: 'right';
  /** Pinned while scrolling sideways: left offset in px. */
  stickyLeft?: number;
  /** The last pinned column (draws the divider). */
  stickyEdge?: boolean;
  /** Server-side sort target (absent: not sortable). */
  sort?: { entity: SortEntity; key: string };
  /** `now` drives live durations of running runs. */
  render(row: RunRow, now: number): ReactNode;
  csv(row: RunRow): CsvCell;
  title?(row: RunRow): string | undefined;
}

const dash = <span className="cell-empty">—</span>;

export const BASE_COLUMNS: readonly RunColumn[] = [
  {
    id: 'status',
    group: 'run',
    label: 'Status',
    width: 104,
    stickyLeft: 0,
    sort: { entity: 'attributes', key: 'status' },
    render: (r) => <StatusBadge status={r.info.status} deleted={r.info.lifecycle_stage === 'deleted'} />,
    csv: (r) => r.info.status,
  },
  {
    id: 'name',
    group: 'run',
    label: 'Run name',
    width: 200,
    stickyLeft: 104,
    stickyEdge: true,
    sort: { entity: 'attributes', key: 'run_name' },
    render: (r) => (
      <span className={`run-name${r.info.lifecycle_stage === 'deleted' ? ' run-name-deleted' : ''}`}>{r.info.run_name || <span className="muted">{r.info.run_id.slice(0, 8)}</span>}</span>
    ),
    title: (r) => `${r.info.run_name}\n${r.info.run_id}`,
    csv: (r) => r.info.run_name,
  },
  {
    id: 'start',
    group: 'run',
    label: 'Started',
    width: 168,
    sort: { entity: 'attributes', key: 'start_time' },
    render: (r) => <span className="tabular">{formatDateTime(r.info.start_time)}</span>,
    csv: (r) => (r.info.start_time ? new Date(r.info.start_time) : null),
  },
  {
    id: 'duration',
    group: 'run',
    label: 'Duration',
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
  },
  {
    id: 'user',
    group: 'run',
    label: 'User',
    width: 110,
    sort: { entity: 'attributes', key: 'user_id' },
    render: (r) => (r.info.user_id ? r.info.user_id : dash),
    csv: (r) => r.info.user_id,
  },
];

export function paramColumn(key: string): RunColumn {
  return {
    id: `p:${key}`,
    group: 'params',
    label: key,
    width: Math.min(200, Math.max(96, key.length * 7.5 + 32)),
    sort: { entity: 'params', key },
    render: (r) => {
      const v = r.params[key];
      return v === undefined ? dash : <span className="mono">{v}</span>;
    },
    title: (r) => r.params[key],
    csv: (r) => r.params[key],
  };
}

export function metricColumn(key: string): RunColumn {
  return {
    id: `m:${key}`,
    group: 'metrics',
    label: key,
    width: Math.min(200, Math.max(96, key.length * 7.5 + 32)),
    align: 'right',
    sort: { entity: 'metrics', key },
    render: (r) => {
      const m = r.metrics[key];
      return m === undefined ? dash : <span className="tabular">{formatMetric(m.value)}</span>;
    },
    title: (r) => {
      const m = r.metrics[key];
      if (!m) return undefined;
      const range = m.min !== null && m.max !== null ? `\nmin ${formatMetric(m.min)} · max ${formatMetric(m.max)}` : '';
      return `${key} = ${m.value}\nstep ${m.step} · ${m.count} value${m.count === 1 ? '' : 's'}${range}`;
    },
    csv: (r) => r.metrics[key]?.value,
  };
}

export function buildColumns(choice: ColumnChoice): RunColumn[] {
  return [...BASE_COLUMNS, ...choice.metrics.map(metricColumn), ...choice.params.map(paramColumn)];
}
