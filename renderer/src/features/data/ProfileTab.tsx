import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ColumnProfile, DatasetVersion, FileRef, ProjectSummary } from '../../../../shared/contract';
import { setQuery, useQueryParam } from '../../app/router';
import { CsvButton } from '../../ui/CsvButton';
import { Spinner } from '../../ui/Spinner';
import { MiniHistogram, TopValues } from './charts';
import { datasetStem, PROFILE_QUANTILES, profileCsv } from './csv';
import { formatInt, formatPercent, formatStat, shortCommit, shortSha } from './format';
import { isCommit, isNumericType, WORKING, type DatasetItem } from './logic';
import { profileKey, useData } from './store';
import { VersionSelect } from './VersionSelect';

function Stat({ label, children, warn = false }: { label: string; children: ReactNode; warn?: boolean }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={`tabular${warn ? ' ds-warn' : ''}`}>{children}</dd>
    </>
  );
}

function ColumnCard({ c, approximate }: { c: ColumnProfile; approximate: boolean }) {
  const numeric = isNumericType(c.type);
  const missingShare = c.count ? c.missing / c.count : 0;
  const quantiles = c.quantiles ? PROFILE_QUANTILES.filter((k) => k in c.quantiles!).map((k) => [k, c.quantiles![k]!] as const) : [];
  return (
    <article className="card ds-col-card" data-testid="profile-column" data-column={c.name} data-type={c.type}>
      <header className="ds-col-head">
        <h3 className="ds-col-name mono truncate" title={c.name}>
          {c.name}
        </h3>
        <span className={`badge ds-type ds-type-${c.type}`} title={c.sqlType}>
          {c.type}
        </span>
      </header>
      <dl className="ds-stats">
        <Stat label="count">{formatInt(c.count)}</Stat>
        <Stat label="missing" warn={c.missing > 0}>
          {formatInt(c.missing)} <span className="muted">({formatPercent(missingShare)})</span>
        </Stat>
        <Stat label="distinct">
          {approximate ? <span title="HyperLogLog estimate (large file)">≈ </span> : null}
          {formatInt(c.distinct)}
        </Stat>
        <Stat label="min">
          <span className="truncate" title={String(c.min ?? '')}>
            {formatStat(c.min)}
          </span>
        </Stat>
        <Stat label="max">
          <span className="truncate" title={String(c.max ?? '')}>
            {formatStat(c.max)}
          </span>
        </Stat>
        {numeric ? (
          <>
            <Stat label="mean">{formatStat(c.mean)}</Stat>
            <Stat label="std">{formatStat(c.std)}</Stat>
          </>
        ) : null}
      </dl>
      {quantiles.length > 0 ? (
        <div className="ds-quantiles" data-testid="profile-quantiles">
          {quantiles.map(([k, v]) => (
            <span key={k} className="ds-quantile">
              <span className="muted">{k}</span> <span className="tabular">{formatStat(v)}</span>
            </span>
          ))}
        </div>
      ) : null}
      {numeric && c.histogram && c.histogram.length > 0 ? <MiniHistogram histogram={c.histogram} /> : null}
      {!numeric && c.top && c.top.length > 0 ? (
        c.top[0]!.count === 1 && !approximate && c.distinct >= c.count - c.missing ? (
          <p className="muted small" data-testid="profile-all-distinct">
            Every value is distinct (an identifier?).
          </p>
        ) : (
          <TopValues top={c.top} total={c.count} />
        )
      ) : null}
      {numeric && !c.histogram ? <p className="muted small">No values to chart.</p> : null}
    </article>
  );
}

export default function ProfileTab({ project, dataset, versions }: { project: ProjectSummary; dataset: DatasetItem; versions: readonly DatasetVersion[] }) {
  const vParam = useQueryParam('v');
  const version = vParam === WORKING || (isCommit(vParam) && versions.some((v) => v.commit === vParam)) ? vParam : (versions[0]?.commit ?? WORKING);
  const ref = useMemo<FileRef>(() => (version === WORKING ? { projectId: project.id, path: dataset.path } : { projectId: project.id, path: dataset.path, version }), [project.id, dataset.path, version]);
  const key = profileKey(ref);
  const remote = useData((s) => s.profiles[key]);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    void useData.getState().loadProfile(ref, version === WORKING);
  }, [ref, version]);

  const profile = remote?.data ?? null;
  const needle = filter.trim().toLowerCase();
  const columns = profile ? (needle ? profile.columns.filter((c) => c.name.toLowerCase().includes(needle)) : profile.columns) : [];

  return (
    <div className="ds-profile">
      <div className="ds-toolbar">
        <label className="ds-label" htmlFor="profile-version">
          Version
        </label>
        <VersionSelect
          id="profile-version"
          versions={versions}
          value={version}
          onChange={(v) => setQuery({ v: v === versions[0]?.commit ? null : v })}
          label="Version to profile"
          testId="profile-version"
          working
        />
        {remote?.loading ? <Spinner label="Profiling" /> : null}
        <span className="toolbar-spacer" />
        {profile && profile.columns.length > 6 ? (
          <input className="input input-sm filter-input" type="search" placeholder="Filter columns…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter columns" data-testid="profile-filter" />
        ) : null}
        {/* Every column, whatever the filter: the filter only helps find a card on screen. */}
        <CsvButton
          base={`mldesk-profile-${datasetStem(dataset.path)}-${version === WORKING ? WORKING : shortCommit(version)}`}
          rows={() => (profile ? profileCsv(profile) : [])}
          disabled={!profile}
          testId="btn-export-profile-csv"
          title={profile ? `Download the statistics of all ${profile.columns.length} columns as CSV (one row per column)` : 'Download the profile as CSV'}
          size="sm"
        />
      </div>
      {profile ? (
        <p className="muted small ds-profile-meta" data-testid="profile-summary" data-rows={profile.rows} data-columns={profile.columns.length}>
          {formatInt(profile.rows)} rows · {profile.columns.length} columns · sha256{' '}
          <code className="mono" title={profile.sha256}>
            {shortSha(profile.sha256)}
          </code>{' '}
          · profiled in {formatInt(profile.elapsedMs)} ms (cached by content hash)
          {profile.approximate ? (
            <span data-testid="profile-approximate"> · distinct counts and quantiles are estimates: the file is too large to count exactly in bounded memory</span>
          ) : null}
        </p>
      ) : null}
      {remote?.error && !remote.loading ? (
        <div className="error-panel" role="alert" data-testid="profile-error">
          <h2>Could not profile {version === WORKING ? 'the working file' : `version ${version.slice(0, 7)}`}</h2>
          <p>
            <code className="error-code">{remote.error.code}</code> {remote.error.message}
          </p>
          <button type="button" className="button" onClick={() => void useData.getState().loadProfile(ref, true)}>
            Retry
          </button>
        </div>
      ) : !profile ? (
        <div className="page-loading">
          <Spinner label="Profiling" size={16} />
        </div>
      ) : (
        <div className="ds-col-grid">
          {columns.map((c) => (
            <ColumnCard key={c.name} c={c} approximate={profile?.approximate === true} />
          ))}
          {columns.length === 0 ? <p className="muted">No column matches “{filter}”.</p> : null}
        </div>
      )}
    </div>
  );
}
