import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DatasetVersion, FileRef, ProjectSummary } from '../../../../shared/contract';
import { DownloadIcon } from '../../app/icons';
import { setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { downloadCsv } from '../../ui/CsvButton';
import { isModalOpen } from '../../ui/modalStack';
import { Spinner } from '../../ui/Spinner';
import { datasetStem, diffCsv } from './csv';
import { DiffRows } from './DiffRows';
import { formatInt } from './format';
import {
  ALL_KINDS,
  commonColumns,
  defaultKey,
  diffColumns,
  formatKey,
  formatKinds,
  parseKey,
  parseKinds,
  WORKING,
  type DatasetItem,
  type DiffKind,
} from './logic';
import { StatsDiff } from './StatsDiff';
import { diffParamsKey, EXPORT_MAX_ROWS, fetchDiffRows, PAGE_SIZE, useDiff, type DiffParams } from './store';
import { versionLabel, VersionSelect } from './VersionSelect';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes((target as HTMLInputElement).type);
}

/** A version from the URL (full or abbreviated commit, or `working`) → the full commit / `working`, else undefined. */
function resolveVersion(versions: readonly DatasetVersion[], raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw === WORKING) return WORKING;
  if (!/^[0-9a-f]{4,40}$/.test(raw)) return undefined;
  return versions.find((v) => v.commit.startsWith(raw))?.commit;
}

const KIND_LABEL: Record<DiffKind, string> = { added: 'Added', removed: 'Removed', changed: 'Changed' };

export default function DiffTab({ project, dataset, versions }: { project: ProjectSummary; dataset: DatasetItem; versions: readonly DatasetVersion[] }) {
  const aQ = resolveVersion(versions, useQueryParam('a'));
  const bQ = resolveVersion(versions, useQueryParam('b'));
  const keyQ = useQueryParam('key');
  const kindsQ = useQueryParam('kinds');
  const colQ = useQueryParam('col');
  const offsetQ = useQueryParam('offset');
  const statQ = useQueryParam('stat');

  const defaultA = versions.length > 1 ? versions[1]!.commit : (versions[0]?.commit ?? WORKING);
  const defaultB = versions.length > 1 ? versions[0]!.commit : WORKING;
  const columnsOf = useCallback(
    (v: string): string[] => (v === WORKING ? dataset.columns : (versions.find((x) => x.commit === v)?.pointer.columns ?? dataset.columns)).map((c) => c.name),
    [versions, dataset.columns],
  );

  // The form (draft); the query holds what was last run, so a pasted URL restores the diff.
  const [a, setA] = useState(aQ ?? defaultA);
  const [b, setB] = useState(bQ ?? defaultB);
  const common = useMemo(() => commonColumns(columnsOf(a), columnsOf(b)), [a, b, columnsOf]);
  const [key, setKey] = useState<string[]>(() => parseKey(keyQ) ?? defaultKey(commonColumns(columnsOf(aQ ?? defaultA), columnsOf(bQ ?? defaultB))));
  // Back/forward to another diff: the form follows the URL.
  useEffect(() => {
    if (aQ) setA(aQ);
    if (bQ) setB(bQ);
    const k = parseKey(keyQ);
    if (k) setKey(k);
  }, [aQ, bQ, keyQ]);
  const keyValid = key.filter((k) => common.includes(k));

  const kinds = useMemo(() => parseKinds(kindsQ), [kindsQ]);
  const offset = Math.max(0, Math.floor(Number(offsetQ) || 0));
  const applied = useMemo<DiffParams | null>(() => {
    if (!aQ || !bQ) return null;
    const appliedCommon = commonColumns(columnsOf(aQ), columnsOf(bQ));
    const k = parseKey(keyQ) ?? defaultKey(appliedCommon);
    return { projectId: project.id, path: dataset.path, a: aQ === WORKING ? undefined : aQ, b: bQ === WORKING ? undefined : bQ, key: k, kinds, column: k.length > 0 && colQ ? colQ : undefined, offset };
  }, [aQ, bQ, keyQ, kinds, colQ, offset, project.id, dataset.path, columnsOf]);
  const appliedKey = applied ? diffParamsKey(applied) : null;

  const result = useDiff((s) => s.result);
  const resultParams = useDiff((s) => s.resultParams);
  const loading = useDiff((s) => s.loading);
  const error = useDiff((s) => s.error);
  const sameDataset = (p: DiffParams | null) => p !== null && p.projectId === project.id && p.path === dataset.path;

  // Run (or page/filter) whenever the applied params differ from the last request.
  useEffect(() => {
    if (!applied || !appliedKey) return;
    const cur = useDiff.getState().params;
    if (cur && diffParamsKey(cur) === appliedKey) return;
    void useDiff.getState().run(applied);
    // appliedKey captures every field of `applied`
  }, [appliedKey]);

  const runDiff = () => {
    const next: DiffParams = { projectId: project.id, path: dataset.path, a: a === WORKING ? undefined : a, b: b === WORKING ? undefined : b, key: keyValid, kinds, column: undefined, offset: 0 };
    void useDiff.getState().run(next);
    setQuery({ a, b, key: formatKey(keyValid), col: null, offset: null });
  };

  const shown = sameDataset(resultParams) ? result : null;
  const shownParams = shown ? resultParams : null;
  const stale = shownParams !== null && (shownParams.a !== (a === WORKING ? undefined : a) || shownParams.b !== (b === WORKING ? undefined : b) || formatKey(shownParams.key) !== formatKey(keyValid));
  const rows = shown?.samples.rows ?? [];
  const columns = useMemo(() => diffColumns(rows, shown?.key ?? []), [rows, shown?.key]);
  const total = shown?.samples.total ?? 0;
  const pageOffset = shown?.samples.offset ?? 0;

  // Active row (Next / Previous change, j / k); a jump across a page boundary lands on its first / last row.
  const [active, setActive] = useState<number | null>(null);
  const [pending, setPending] = useState<'first' | 'last' | null>(null);
  const rowsSig = shownParams ? diffParamsKey(shownParams) : '';
  useEffect(() => {
    if (pending === 'first') setActive(rows.length > 0 ? 0 : null);
    else if (pending === 'last') setActive(rows.length > 0 ? rows.length - 1 : null);
    else setActive(null);
    setPending(null);
    // only when a new page arrives
  }, [rowsSig]);

  const goOffset = (o: number, land: 'first' | 'last' | null = null) => {
    setPending(land);
    setQuery({ offset: o > 0 ? o : null });
  };
  const next = useCallback(() => {
    if (rows.length === 0) return;
    if (active === null) return setActive(0);
    if (active < rows.length - 1) return setActive(active + 1);
    if (pageOffset + rows.length < total) goOffset(pageOffset + PAGE_SIZE, 'first');
  }, [rows.length, active, pageOffset, total]);
  const prev = useCallback(() => {
    if (rows.length === 0) return;
    if (active === null) return setActive(rows.length - 1);
    if (active > 0) return setActive(active - 1);
    if (pageOffset > 0) goOffset(Math.max(0, pageOffset - PAGE_SIZE), 'last');
  }, [rows.length, active, pageOffset]);
  const hasNext = rows.length > 0 && (active === null || active < rows.length - 1 || pageOffset + rows.length < total);
  const hasPrev = rows.length > 0 && (active === null || active > 0 || pageOffset > 0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isModalOpen() || isTyping(e.target)) return;
      if (e.key === 'j') {
        e.preventDefault();
        next();
      } else if (e.key === 'k') {
        e.preventDefault();
        prev();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [next, prev]);

  const toggleKind = (k: DiffKind) => {
    const nextKinds = kinds.includes(k) ? kinds.filter((x) => x !== k) : [...kinds, k];
    if (nextKinds.length === 0) return;
    setQuery({ kinds: formatKinds(nextKinds), offset: null });
  };
  const onlyKind = (k: DiffKind) => setQuery({ kinds: formatKinds([k]), offset: null });

  const labelA = shownParams ? versionLabel(versions, shownParams.a ?? WORKING) : versionLabel(versions, a);
  const labelB = shownParams ? versionLabel(versions, shownParams.b ?? WORKING) : versionLabel(versions, b);
  const refOf = useCallback((v: string | undefined): FileRef => (v ? { projectId: project.id, path: dataset.path, version: v } : { projectId: project.id, path: dataset.path }), [project.id, dataset.path]);
  const refA = useMemo(() => refOf(shownParams?.a), [refOf, shownParams?.a]);
  const refB = useMemo(() => refOf(shownParams?.b), [refOf, shownParams?.b]);
  const statsColumns = useMemo(() => (shownParams ? commonColumns(columnsOf(shownParams.a ?? WORKING), columnsOf(shownParams.b ?? WORKING)) : []), [shownParams, columnsOf]);
  const topChanged = shown ? Object.entries(shown.changedByColumn).sort((x, y) => y[1] - x[1])[0] : undefined;
  const statColumn = statQ && statsColumns.includes(statQ) ? statQ : topChanged && topChanged[1] > 0 ? topChanged[0] : statsColumns.find((c) => !(shown?.key ?? []).includes(c));

  // CSV of every row matching the filters (not just this page), fetched in pages: show progress, it can take seconds.
  const [exportProgress, setExportProgress] = useState<{ fetched: number; expected: number } | null>(null);
  const exportDiff = async () => {
    if (!shownParams || exportProgress) return;
    const p = shownParams;
    setExportProgress({ fetched: 0, expected: Math.min(total, EXPORT_MAX_ROWS) });
    try {
      const got = await fetchDiffRows(p, (fetched, expected) => setExportProgress({ fetched, expected }));
      const kindsPart = p.kinds.length < ALL_KINDS.length ? `-${p.kinds.join('+')}` : '';
      const base = `mldesk-diff-${datasetStem(p.path)}${kindsPart}${p.column ? `-${p.column}-changed` : ''}`;
      if (!downloadCsv(base, diffCsv(got.rows, got.key))) return;
      const n = got.rows.length;
      if (got.total > n) {
        toast.warn(`Exported the first ${formatInt(n)} of ${formatInt(got.total)} matching rows: an export stops at ${formatInt(EXPORT_MAX_ROWS)}. Narrow it with the kind or column filters.`, 'Diff export truncated');
      } else toast.success(`Exported ${formatInt(n)} diff row${n === 1 ? '' : 's'} to CSV`);
    } catch (e) {
      toast.error(e, 'Could not export the diff');
    } finally {
      setExportProgress(null);
    }
  };

  const changedCols = shown ? Object.entries(shown.changedByColumn).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]) : [];
  const maxChanged = Math.max(1, ...changedCols.map(([, n]) => n));
  const valueColumns = shown ? statsColumns.filter((c) => !shown.key.includes(c)) : [];

  return (
    <div className="ds-diff">
      <form
        className="card ds-diff-form"
        onSubmit={(e) => {
          e.preventDefault();
          runDiff();
        }}
      >
        <div className="ds-field">
          <label className="ds-label" htmlFor="diff-a">
            A (from)
          </label>
          <VersionSelect id="diff-a" versions={versions} value={a} onChange={setA} label="Version A" testId="diff-a" working />
        </div>
        <div className="ds-field">
          <label className="ds-label" htmlFor="diff-b">
            B (to)
          </label>
          <VersionSelect id="diff-b" versions={versions} value={b} onChange={setB} label="Version B" testId="diff-b" working />
        </div>
        <div className="ds-field ds-key-field">
          <label className="ds-label" htmlFor="diff-key">
            Key columns <span className="muted">(Ctrl/⌘-click for several; none = compare whole rows)</span>
          </label>
          <select
            id="diff-key"
            multiple
            size={Math.min(4, Math.max(2, common.length))}
            className="input ds-key-select"
            value={keyValid}
            onChange={(e) => setKey(Array.from(e.target.selectedOptions, (o) => o.value))}
            data-testid="diff-key"
          >
            {common.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <div className="ds-key-summary small">
            {keyValid.length > 0 ? (
              <>
                keyed by <code className="mono">{keyValid.join(', ')}</code>{' '}
                <button type="button" className="link-button" onClick={() => setKey([])} data-testid="diff-key-clear">
                  clear
                </button>
              </>
            ) : (
              <span className="muted">no key: rows are compared as multisets (a modified row shows as removed + added)</span>
            )}
          </div>
        </div>
        <div className="ds-field ds-run-field">
          <button type="submit" className="button button-primary" disabled={loading || a === b} aria-busy={loading || undefined} data-testid="btn-run-diff" title={a === b ? 'Pick two different versions' : undefined}>
            {loading ? <Spinner /> : null}
            {loading ? 'Diffing…' : 'Run diff'}
          </button>
          {shown && !loading ? (
            <span
              className="muted small"
              data-testid="diff-elapsed"
              data-ms={shown.elapsedMs}
              data-engine={shown.engine}
              title={shown.engine === 'scan' ? 'In-memory scan of both files (CSV)' : 'DuckDB, streaming and spilling to disk (Parquet, JSONL, or files beyond the memory budget)'}
            >
              {formatInt(shown.elapsedMs)} ms · {shown.engine === 'scan' ? 'in-memory scan' : 'DuckDB'}
            </span>
          ) : null}
        </div>
      </form>

      {stale && !loading ? <p className="callout ds-stale">The form differs from the diff below: press “Run diff” to update it.</p> : null}

      {error && !loading ? (
        <div className="error-panel" role="alert" data-testid="diff-error">
          <h2>Diff failed</h2>
          <p>
            <code className="error-code">{error.code}</code> {error.message}
          </p>
        </div>
      ) : null}

      {!shown && !error ? (
        loading ? (
          <div className="page-loading">
            <Spinner label="Diffing" size={16} />
          </div>
        ) : (
          <p className="muted table-empty">Pick two versions (and a key column to match rows), then “Run diff”.</p>
        )
      ) : null}

      {shown && shownParams ? (
        <>
          <section className="ds-summary" data-testid="diff-summary" data-keyed={shown.keyed} aria-label="Diff summary">
            {(['added', 'removed', 'changed'] as const).map((k) => (
              <button
                key={k}
                type="button"
                className={`ds-summary-card ds-kind-${k}${kinds.length === 1 && kinds[0] === k ? ' active' : ''}`}
                onClick={() => (kinds.length === 1 && kinds[0] === k ? setQuery({ kinds: null, offset: null }) : onlyKind(k))}
                title={`Show only ${k} rows (click again for all)`}
                disabled={k === 'changed' && !shown.keyed}
              >
                <span className="ds-summary-num tabular" data-testid={`diff-${k}`}>
                  {shown.rows[k]}
                </span>
                <span className="ds-summary-label">{k} rows</span>
              </button>
            ))}
            <div className="ds-summary-card ds-kind-unchanged">
              <span className="ds-summary-num tabular" data-testid="diff-unchanged">
                {shown.rows.unchanged}
              </span>
              <span className="ds-summary-label">unchanged</span>
            </div>
            <div className="ds-summary-card ds-schema" data-testid="diff-schema" data-added={shown.schema.added.length} data-removed={shown.schema.removed.length} data-changed={shown.schema.changed.length}>
              <span className="ds-summary-label">schema</span>
              {shown.schema.added.length + shown.schema.removed.length + shown.schema.changed.length === 0 ? (
                <span className="muted small">same columns and types</span>
              ) : (
                <ul className="plain-list ds-schema-list small">
                  {shown.schema.added.map((c) => (
                    <li key={`+${c.name}`} className="ds-schema-added" data-testid="schema-added" data-column={c.name}>
                      + <code className="mono">{c.name}</code> <span className="muted">{c.type}</span>
                    </li>
                  ))}
                  {shown.schema.removed.map((c) => (
                    <li key={`-${c.name}`} className="ds-schema-removed" data-testid="schema-removed" data-column={c.name}>
                      − <code className="mono">{c.name}</code> <span className="muted">{c.type}</span>
                    </li>
                  ))}
                  {shown.schema.changed.map((c) => (
                    <li key={`~${c.name}`} className="ds-schema-changed" data-testid="schema-changed" data-column={c.name}>
                      ~ <code className="mono">{c.name}</code>{' '}
                      <span className="muted">
                        {c.from} → {c.to}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </section>

          <p className="muted small ds-diff-meta">
            A = {labelA}, B = {labelB} ·{' '}
            {shown.keyed ? (
              <>
                rows matched by <code className="mono">{shown.key.join(', ')}</code>
              </>
            ) : (
              'no key: rows compared as multisets (an edited row counts as one removed and one added)'
            )}{' '}
            · {formatInt(shown.elapsedMs)} ms
          </p>

          {changedCols.length > 0 ? (
            <section className="card ds-changed-cols" aria-label="Changed cells per column" data-testid="diff-changed-columns">
              <h3 className="card-title">Changed cells per column</h3>
              <ul className="plain-list">
                {changedCols.map(([c, n]) => (
                  <li key={c}>
                    <button
                      type="button"
                      className={`ds-bar-row${colQ === c ? ' active' : ''}`}
                      onClick={() => setQuery({ col: colQ === c ? null : c, offset: null, kinds: null })}
                      title={colQ === c ? 'Show every changed row' : `Show only rows where ${c} changed`}
                      data-testid="diff-column-changes"
                      data-column={c}
                      data-count={n}
                    >
                      <span className="ds-bar-label mono truncate">{c}</span>
                      <span className="ds-bar-track">
                        <span style={{ width: `${(n / maxChanged) * 100}%` }} />
                      </span>
                      <span className="ds-bar-count tabular">{formatInt(n)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}

          <section className="ds-rows-section" aria-label="Differing rows">
            <div className="ds-toolbar ds-rows-toolbar">
              <div className="segmented" role="group" aria-label="Kinds of rows">
                {ALL_KINDS.map((k) => (
                  <button
                    key={k}
                    type="button"
                    className={kinds.includes(k) ? 'active' : undefined}
                    aria-pressed={kinds.includes(k)}
                    onClick={() => toggleKind(k)}
                    disabled={k === 'changed' && !shown.keyed}
                    data-testid="diff-kind"
                    data-kind={k}
                  >
                    {KIND_LABEL[k]}
                  </button>
                ))}
              </div>
              {shown.keyed ? (
                <select
                  className="input input-sm ds-col-filter"
                  value={colQ && valueColumns.includes(colQ) ? colQ : ''}
                  onChange={(e) => setQuery({ col: e.target.value || null, offset: null })}
                  aria-label="Only rows where this column changed"
                  data-testid="diff-column"
                >
                  <option value="">Any column</option>
                  {valueColumns.map((c) => (
                    <option key={c} value={c}>
                      {c} changed ({formatInt(shown.changedByColumn[c] ?? 0)})
                    </option>
                  ))}
                </select>
              ) : null}
              <span className="toolbar-spacer" />
              {loading ? <Spinner label="Loading" /> : null}
              <button type="button" className="button button-sm" onClick={prev} disabled={!hasPrev || loading} title="Previous change (k)" data-testid="btn-prev-change">
                ↑ Previous change
              </button>
              <button type="button" className="button button-sm" onClick={next} disabled={!hasNext || loading} title="Next change (j)" data-testid="btn-next-change">
                ↓ Next change
              </button>
              <button
                type="button"
                className="button button-sm"
                onClick={() => void exportDiff()}
                disabled={total === 0 || exportProgress !== null}
                aria-busy={exportProgress !== null || undefined}
                title={
                  total > EXPORT_MAX_ROWS
                    ? `Download the first ${formatInt(EXPORT_MAX_ROWS)} of the ${formatInt(total)} rows matching these filters as CSV`
                    : `Download all ${formatInt(total)} row${total === 1 ? '' : 's'} matching these filters as CSV (every page)`
                }
                data-testid="btn-export-diff-csv"
                data-fetched={exportProgress?.fetched}
              >
                {exportProgress ? <Spinner /> : <DownloadIcon width={14} height={14} />}
                CSV
                {exportProgress ? <span className="tabular">{`${formatInt(exportProgress.fetched)} / ${formatInt(exportProgress.expected)}`}</span> : null}
              </button>
            </div>
            {rows.length === 0 ? (
              <p className="muted table-empty" data-testid="diff-no-rows">
                {shown.rows.added + shown.rows.removed + shown.rows.changed === 0 ? 'No differing rows: A and B hold the same rows.' : 'No row matches these filters.'}
              </p>
            ) : (
              <div className="ds-diff-scroll" aria-busy={loading || undefined}>
                <DiffRows rows={rows} columns={columns} keyColumns={shown.key} offset={pageOffset} active={active} onActivate={setActive} />
              </div>
            )}
            <div className="ds-pager">
              <span className="muted small" data-testid="diff-page" data-offset={pageOffset} data-total={total}>
                {total === 0 ? '0 rows' : `${formatInt(pageOffset + 1)}–${formatInt(pageOffset + rows.length)} of ${formatInt(total)}`}
                {active !== null ? ` · row ${formatInt(pageOffset + active + 1)} selected (j / k to move)` : ' · j / k: next / previous change'}
              </span>
              <span className="toolbar-spacer" />
              <button type="button" className="button button-sm" onClick={() => goOffset(Math.max(0, pageOffset - PAGE_SIZE))} disabled={pageOffset === 0 || loading} data-testid="diff-page-prev">
                ← Previous {PAGE_SIZE}
              </button>
              <button type="button" className="button button-sm" onClick={() => goOffset(pageOffset + PAGE_SIZE)} disabled={pageOffset + rows.length >= total || loading} data-testid="diff-page-next">
                Next {PAGE_SIZE} →
              </button>
            </div>
          </section>

          {statsColumns.length > 0 ? (
            <StatsDiff refA={refA} refB={refB} labelA={labelA} labelB={labelB} columns={statsColumns} column={statColumn} onColumn={(c) => setQuery({ stat: c })} />
          ) : null}
        </>
      ) : null}
    </div>
  );
}
