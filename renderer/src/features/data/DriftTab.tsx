import { useEffect, useMemo, useState } from 'react';
import { driftReport, type DatasetVersion, type DriftReport, type ProjectSummary } from '../../../../shared/contract';
import { api } from '../../api/client';
import { setQuery, useQueryParam } from '../../app/router';
import { asMldeskError } from '../../lib/errors';
import { CsvButton } from '../../ui/CsvButton';
import { InlineError } from '../../ui/InlineError';
import { JobProgress } from '../../ui/JobProgress';
import { Spinner } from '../../ui/Spinner';
import { DistributionOverlay } from '../monitor/DistributionOverlay';
import { columnScore, driftReportCsv, formatScore, formatShare, isPValueMethod, METHOD_LABEL, METHOD_SHORT, sortColumns } from '../monitor/format';
import { datasetStem } from './csv';
import { formatInt, shortCommit } from './format';
import { WORKING, type DatasetItem } from './logic';
import { datasetKey, useData } from './store';
import './drift.css';

const REFERENCE_NAME = /(^|[/_.-])(train|training|reference|baseline)([/_.-]|$)/i;

/** Reports of finished drift jobs of this session (a tab switch or Back shows them again without a fetch). */
const reports = new Map<string, DriftReport>();

type Side = { path: string; version: string };

function useVersionsOf(projectId: string, path: string): readonly DatasetVersion[] | null {
  const remote = useData((s) => (path ? s.versions[datasetKey(projectId, path)] : undefined));
  useEffect(() => {
    if (path && !remote) void useData.getState().loadVersions(projectId, path);
  }, [projectId, path, remote]);
  return remote?.data ?? null;
}

function SidePicker({
  label,
  testId,
  projectId,
  datasets,
  value,
  onChange,
}: {
  label: string;
  testId: string;
  projectId: string;
  datasets: readonly DatasetItem[];
  value: Side;
  onChange: (s: Side) => void;
}) {
  const versions = useVersionsOf(projectId, value.path);
  const id = `drift-${testId}`;
  return (
    <fieldset className="ds-field drift-side" data-testid={`drift-${testId}`}>
      <legend className="ds-label">{label}</legend>
      <select
        id={id}
        className="input input-sm"
        value={value.path}
        onChange={(e) => onChange({ path: e.target.value, version: '' })}
        aria-label={`${label} dataset`}
        data-testid={`drift-${testId}-path`}
      >
        {datasets.map((d) => (
          <option key={d.path} value={d.path}>
            {d.path} · {formatInt(d.rows)} rows
          </option>
        ))}
      </select>
      <select
        className="input input-sm"
        value={value.version}
        onChange={(e) => onChange({ ...value, version: e.target.value })}
        aria-label={`${label} version`}
        data-testid={`drift-${testId}-version`}
        disabled={!versions}
      >
        <option value="">Latest version</option>
        {(versions ?? []).map((v, i) => (
          <option key={v.commit} value={v.commit}>
            {shortCommit(v.commit)} · {formatInt(v.pointer.rows)} rows{i === 0 ? ' · latest' : ''}
          </option>
        ))}
        <option value={WORKING}>Working file (uncommitted state)</option>
      </select>
    </fieldset>
  );
}

const sideLabel = (s: Side) => `${s.path}${s.version && s.version !== WORKING ? `@${shortCommit(s.version)}` : s.version === WORKING ? ' (working file)' : ''}`;

/**
 * "Compare two datasets for drift": a reference and a current dataset (any of the project, any version), an optional
 * column map, run as a job (the shared progress bar), then per column the method, statistic, p-value or distance,
 * threshold and verdict, the dataset verdict, and the reference vs current overlay of the column clicked.
 */
export default function DriftTab({ project, dataset }: { project: ProjectSummary; dataset: DatasetItem; versions: readonly DatasetVersion[] }) {
  const list = useData((s) => s.datasets[project.id]?.data) ?? [dataset];
  const refQ = useQueryParam('ref');
  const refvQ = useQueryParam('refv');
  const curQ = useQueryParam('cur');
  const curvQ = useQueryParam('curv');
  const jobQ = useQueryParam('driftJob');
  const colQ = useQueryParam('dcol');
  const mapQ = useQueryParam('map');

  // Defaults: a training-looking dataset as the reference, the one on screen (else another) as the current data.
  const refDefault = list.find((d) => REFERENCE_NAME.test(d.path))?.path ?? dataset.path;
  const other = dataset.path !== refDefault ? dataset.path : (list.find((d) => d.path !== refDefault)?.path ?? dataset.path);
  const [ref, setRef] = useState<Side>({ path: refQ ?? refDefault, version: refvQ ?? '' });
  const [cur, setCur] = useState<Side>({ path: curQ ?? other, version: curvQ ?? '' });
  const [map, setMap] = useState<Record<string, string>>(() => parseMap(mapQ));
  const [showMap, setShowMap] = useState(Object.keys(parseMap(mapQ)).length > 0);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<{ code: string; message: string } | null>(null);
  const [report, setReport] = useState<DriftReport | null>(() => (jobQ ? (reports.get(jobQ) ?? null) : null));
  const [onlyDrifted, setOnlyDrifted] = useState(false);

  // The other dataset default once the list arrives (a fresh tab opened before the project's datasets loaded).
  useEffect(() => {
    if (!refQ && ref.path !== refDefault) setRef({ path: refDefault, version: '' });
    if (!curQ && cur.path !== other) setCur({ path: other, version: '' });
  }, [refDefault, other]);
  useEffect(() => {
    setReport(jobQ ? (reports.get(jobQ) ?? null) : null);
  }, [jobQ]);

  const columnsOf = (path: string) => (list.find((d) => d.path === path)?.columns ?? []).map((c) => c.name);
  const refCols = columnsOf(ref.path);
  const curCols = columnsOf(cur.path);
  const unmatched = curCols.filter((c) => !refCols.includes(c));

  const run = async () => {
    setStarting(true);
    setStartError(null);
    const side = (s: Side) => ({ projectId: project.id, path: s.path, ...(s.version && s.version !== WORKING ? { commit: s.version } : {}) });
    const columnMap = Object.fromEntries(Object.entries(map).filter(([c, r]) => r && curCols.includes(c) && refCols.includes(r)));
    try {
      const { jobId } = await api.monitor.datasetDrift({ reference: side(ref), current: side(cur), columnMap, columns: {} });
      setQuery({ ref: ref.path, refv: ref.version || null, cur: cur.path, curv: cur.version || null, map: formatMap(columnMap), driftJob: jobId, dcol: null });
    } catch (e) {
      const m = asMldeskError(e);
      setStartError({ code: m.code, message: m.message });
    } finally {
      setStarting(false);
    }
  };

  const shown = useMemo(() => (report ? sortColumns(report.columns).filter((c) => !onlyDrifted || c.drifted) : []), [report, onlyDrifted]);
  const selected = report?.columns.find((c) => c.column === colQ) ?? null;
  const labels: [string, string] = [refQ ? sideLabel({ path: refQ, version: refvQ ?? '' }) : 'reference', curQ ? sideLabel({ path: curQ, version: curvQ ?? '' }) : 'current'];

  return (
    <div className="ds-drift" data-testid="drift-tab">
      <form
        className="card drift-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
        aria-labelledby="drift-form-title"
      >
        <h2 id="drift-form-title" className="card-title">
          Compare two datasets for drift
        </h2>
        <p className="muted small drift-intro">
          Each column of the current data is tested against the reference: Kolmogorov–Smirnov or a chi-square test on small data (a p-value: drift below the threshold), Wasserstein or
          Jensen–Shannon distances on large data (drift above). The dataset drifts when at least half of its columns do.
        </p>
        <div className="drift-sides">
          <SidePicker label="Reference" testId="ref" projectId={project.id} datasets={list} value={ref} onChange={setRef} />
          <span className="drift-vs" aria-hidden="true">
            vs
          </span>
          <SidePicker label="Current" testId="cur" projectId={project.id} datasets={list} value={cur} onChange={setCur} />
          <div className="ds-field drift-run">
            <button type="submit" className="button button-primary" disabled={starting || (ref.path === cur.path && ref.version === cur.version)} data-testid="btn-run-drift">
              {starting ? <Spinner /> : null}
              Compare
            </button>
          </div>
        </div>
        <div className="drift-map">
          <button type="button" className="link-button small" aria-expanded={showMap} onClick={() => setShowMap((s) => !s)} data-testid="drift-map-toggle">
            {showMap ? 'Hide' : 'Map columns'} {unmatched.length > 0 ? `(${unmatched.length} current column${unmatched.length === 1 ? '' : 's'} not in the reference)` : '(optional, when names differ)'}
          </button>
          {showMap ? (
            unmatched.length === 0 ? (
              <p className="muted small">Every current column has a namesake in the reference.</p>
            ) : (
              <div className="drift-map-rows">
                {unmatched.map((c) => (
                  <label key={c} className="drift-map-row small">
                    <code className="mono truncate">{c}</code>
                    <span aria-hidden="true">→</span>
                    <select className="input input-sm" value={map[c] ?? ''} onChange={(e) => setMap((m) => ({ ...m, [c]: e.target.value }))} aria-label={`Reference column for ${c}`}>
                      <option value="">(not compared)</option>
                      {refCols
                        .filter((r) => !curCols.includes(r))
                        .map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                    </select>
                  </label>
                ))}
              </div>
            )
          ) : null}
        </div>
        <InlineError error={startError} />
      </form>

      {jobQ && !report ? (
        <JobProgress
          key={jobQ}
          jobId={jobQ}
          title="Comparing the datasets"
          testId="drift-job"
          onEnd={(info) => {
            if (info.state !== 'done') return;
            const parsed = driftReport.safeParse(info.result);
            if (parsed.success) {
              reports.set(jobQ, parsed.data);
              setReport(parsed.data);
            } else setStartError({ code: 'INTERNAL', message: 'The drift job ended without a report.' });
          }}
        />
      ) : null}

      {!jobQ && !report ? <p className="muted table-empty">Pick the reference (e.g. the training data) and the current data, then Compare.</p> : null}

      {report ? (
        <>
          <section
            className={`drift-verdict ${report.datasetDrift ? 'drifted' : 'ok'}`}
            data-testid="drift-verdict"
            data-dataset-drift={report.datasetDrift}
            data-drifted-columns={report.driftedColumns}
            aria-label="Dataset verdict"
          >
            <strong>{report.datasetDrift ? 'Dataset drift' : 'No dataset drift'}</strong>
            <span>
              {report.driftedColumns} of {report.columns.length} columns drifted ({formatShare(report.driftShare)}) — dataset drift when ≥ {formatShare(report.shareThreshold)}
            </span>
            <span className="muted small">
              {labels[0]} ({formatInt(report.reference.rows)} rows) vs {labels[1]} ({formatInt(report.current.rows)} rows) · {formatInt(report.tookMs)} ms
            </span>
          </section>

          <div className="ds-toolbar">
            <label className="drift-check small">
              <input type="checkbox" checked={onlyDrifted} onChange={(e) => setOnlyDrifted(e.target.checked)} data-testid="drift-only-drifted" /> Only drifted columns
            </label>
            <span className="toolbar-spacer" />
            <span className="muted small">Click a row for its reference vs current distribution</span>
            <CsvButton base={`mldesk-drift-${datasetStem(report.current.source)}`} rows={() => driftReportCsv(report)} disabled={false} testId="btn-drift-csv" size="sm" />
          </div>

          <div className="table-wrap">
            <table className="data-table drift-table" data-testid="drift-table">
              <thead>
                <tr>
                  <th className="drift-col-name">Column</th>
                  <th className="drift-col-kind">Kind</th>
                  <th className="drift-col-method">Method</th>
                  <th className="num drift-col-stat">Statistic</th>
                  <th className="num drift-col-score">p-value / distance</th>
                  <th className="num drift-col-thr">Threshold</th>
                  <th className="drift-col-verdict">Drifted</th>
                  <th className="num drift-col-missing">Missing (ref → cur)</th>
                  <th className="num drift-col-unseen">Unseen</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => {
                  const score = columnScore(c);
                  const pv = isPValueMethod(c.method);
                  const active = c.column === colQ;
                  return (
                    <tr
                      key={c.column}
                      className={`drift-row${c.drifted ? ' drifted' : ''}${active ? ' selected' : ''}`}
                      onClick={() => setQuery({ dcol: active ? null : c.column })}
                      aria-selected={active}
                      data-testid="drift-row"
                      data-column={c.column}
                      data-drifted={c.drifted}
                      data-method={c.method}
                    >
                      <td className="drift-col-name">
                        <button type="button" className="link-button mono" onClick={(e) => (e.stopPropagation(), setQuery({ dcol: active ? null : c.column }))} title={c.note ?? `Show the distributions of ${c.column}`}>
                          {c.column}
                        </button>
                      </td>
                      <td className="drift-col-kind muted">{c.kind}</td>
                      <td className="drift-col-method" title={METHOD_LABEL[c.method]}>
                        {METHOD_SHORT[c.method]}
                      </td>
                      <td className="num tabular drift-col-stat">{formatScore(c.statistic)}</td>
                      <td className="num tabular drift-col-score" title={pv ? 'p-value: drift when below the threshold' : 'distance: drift when at or above the threshold'}>
                        {score === null ? '—' : `${pv ? 'p ' : 'd '}${formatScore(score)}`}
                      </td>
                      <td className="num tabular">
                        {pv ? '< ' : '≥ '}
                        {formatScore(c.threshold)}
                      </td>
                      <td className="drift-col-verdict">
                        {c.note && !c.drifted ? (
                          <span className="badge badge-neutral" title={c.note}>
                            not tested
                          </span>
                        ) : (
                          <span className={`badge ${c.drifted ? 'badge-danger' : 'badge-ok'}`}>{c.drifted ? 'drifted' : 'no'}</span>
                        )}
                      </td>
                      <td className="num tabular">
                        {formatInt(c.missing.reference)} → {formatInt(c.missing.current)}
                      </td>
                      <td className="num tabular" title={c.unseen.values.join(', ') || undefined}>
                        {c.kind === 'numeric' ? '—' : formatInt(c.unseen.rows)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {shown.length === 0 ? <p className="muted table-empty">No column drifted.</p> : null}

          {selected ? (
            <div className="card drift-overlay-card">
              <DistributionOverlay
                drift={selected}
                labels={labels}
                actions={
                  <button type="button" className="button button-xs" onClick={() => setQuery({ dcol: null })} data-testid="drift-overlay-close">
                    Close
                  </button>
                }
              />
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** `map` in the URL: `cur:ref,cur2:ref2` (URL-encoded by the router). */
function parseMap(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const i = pair.indexOf(':');
    if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
function formatMap(m: Record<string, string>): string | null {
  const pairs = Object.entries(m).map(([c, r]) => `${c}:${r}`);
  return pairs.length ? pairs.join(',') : null;
}
