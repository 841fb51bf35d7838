import { useEffect, useMemo, useState } from 'react';
import { columnType, type DatasetVersion, type Output, type ProjectSummary } from '../../../../shared/contract';
import { api } from '../../api/client';
import { RefreshIcon } from '../../app/icons';
import { toast } from '../../app/toasts';
import { CsvButton } from '../../ui/CsvButton';
import { Spinner } from '../../ui/Spinner';
import { datasetStem, validationCsv } from './csv';
import { formatInt, shortCommit, shortSha } from './format';
import { DraftError, fromDraft, sortChecks, WORKING, type ColumnDraft, type DatasetItem, type Expectations, type ExpectationsDraft } from './logic';
import { useData, useValidation, useValidationFor } from './store';
import { versionLabel, VersionSelect } from './VersionSelect';

const TYPES: readonly string[] = columnType.options;
/** Validate-target prefix for another dataset of the project (its working file). */
const OTHER = 'file:';

function targetText(versions: readonly DatasetVersion[], t: string): string {
  if (t === WORKING) return 'the working file';
  if (t.startsWith(OTHER)) return t.slice(OTHER.length);
  return versionLabel(versions, t);
}

type Reference = Output<'data.reference'>;

const RULE_TEXT: Record<string, string> = {
  training: "the project's training reference",
  declared: 'declared in its expectations file',
  own: 'its own expectations',
};

/** Last path segment: `data/train.csv` → `train.csv`. */
const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * "Check against" choices: the dataset it is declared against (or the training reference) first, then the other
 * datasets with expectations, then its own expectations (committed, or inferred from it).
 */
function againstOptions(path: string, ref: Reference | null): Array<{ value: string; label: string }> {
  const out: Array<{ value: string; label: string }> = [];
  const seen = new Set<string>();
  const add = (value: string, label: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    out.push({ value, label });
  };
  if (ref?.reference && ref.reference !== path) add(ref.reference, `${ref.reference} — ${RULE_TEXT[ref.rule ?? ''] ?? 'reference'}`);
  for (const c of ref?.candidates ?? []) if (c.path !== path) add(c.path, `${c.path} — its committed expectations`);
  add(path, `${path} — its own expectations`);
  return out;
}

/** What a report's CSV file is named after: the other file, else the dataset and its version (`train-1a2b3c4`). */
function reportFileTag(path: string, target: string): string {
  if (target.startsWith(OTHER)) return datasetStem(target.slice(OTHER.length));
  return `${datasetStem(path)}-${target === WORKING ? WORKING : shortCommit(target)}`;
}

function ExpectationRow({ c, onChange, invalid }: { c: ColumnDraft; onChange: (patch: Partial<ColumnDraft>) => void; invalid: boolean }) {
  const types = TYPES.includes(c.type) ? TYPES : [...TYPES, c.type];
  const hasDrift = c.orig.drift !== undefined;
  return (
    <tr data-testid="expectation-row" data-column={c.name} className={invalid ? 'ds-row-invalid' : undefined}>
      <th scope="row" className="mono" title={c.name}>
        {c.name}
      </th>
      <td>
        <select className="input input-sm" value={c.type} onChange={(e) => onChange({ type: e.target.value })} aria-label={`${c.name}: type`} data-testid="exp-type">
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          className="input input-sm tabular"
          inputMode="decimal"
          value={c.maxMissingPct}
          onChange={(e) => onChange({ maxMissingPct: e.target.value })}
          aria-label={`${c.name}: max missing %`}
          title="Largest allowed share of missing values, in % (0 = not nullable)"
          data-testid="exp-max-missing"
        />
      </td>
      <td>
        <input className="input input-sm tabular" inputMode="decimal" value={c.rangeMin} onChange={(e) => onChange({ rangeMin: e.target.value })} placeholder="—" aria-label={`${c.name}: range min`} data-testid="exp-range-min" />
      </td>
      <td>
        <input className="input input-sm tabular" inputMode="decimal" value={c.rangeMax} onChange={(e) => onChange({ rangeMax: e.target.value })} placeholder="—" aria-label={`${c.name}: range max`} data-testid="exp-range-max" />
      </td>
      <td>
        <input
          className="input input-sm"
          value={c.categories}
          onChange={(e) => onChange({ categories: e.target.value })}
          placeholder="any"
          title={c.categories || 'Comma-separated allowed values (empty = any)'}
          aria-label={`${c.name}: allowed categories`}
          data-testid="exp-categories"
        />
      </td>
      <td className="ds-center">
        <input type="checkbox" checked={c.unique} onChange={(e) => onChange({ unique: e.target.checked })} aria-label={`${c.name}: unique`} data-testid="exp-unique" />
      </td>
      <td>
        <input
          className="input input-sm tabular"
          inputMode="decimal"
          value={c.psiMax}
          onChange={(e) => onChange({ psiMax: e.target.value })}
          placeholder={hasDrift ? 'off' : 'n/a'}
          disabled={!hasDrift}
          title={hasDrift ? 'Largest allowed population stability index against the reference distribution (empty = no drift test)' : 'No reference distribution recorded for this column'}
          aria-label={`${c.name}: drift PSI max`}
          data-testid="exp-psi"
        />
      </td>
    </tr>
  );
}

export default function ValidationTab({ project, dataset, versions }: { project: ProjectSummary; dataset: DatasetItem; versions: readonly DatasetVersion[] }) {
  // The dataset whose expectations apply: by default the one it is declared against (else the project's
  // training reference, else its own) — asked from the engine (data.reference) before anything loads.
  const [reference, setReference] = useState<{ for: string; value: Reference | null } | null>(null);
  useEffect(() => {
    let live = true;
    setReference(null);
    api.data
      .reference({ projectId: project.id, path: dataset.path })
      .then((r) => live && setReference({ for: dataset.path, value: r }))
      .catch(() => live && setReference({ for: dataset.path, value: null }));
    return () => {
      live = false;
    };
  }, [project.id, dataset.path, dataset.hasExpectations]);
  const ref = reference?.for === dataset.path ? reference.value : null;
  const againstChoices = useMemo(() => againstOptions(dataset.path, ref), [dataset.path, ref]);
  const [picked, setPicked] = useState<{ for: string; value: string } | null>(null);
  const against = reference?.for === dataset.path ? (picked?.for === dataset.path ? picked.value : (ref?.reference ?? dataset.path)) : null;
  const own = against === dataset.path;

  // Report state is the dataset's; expectations (draft, committed, saving) are those of `against`.
  const st = useValidationFor(project.id, dataset.path);
  const expSt = useValidationFor(project.id, against ?? dataset.path);
  const store = useValidation.getState;
  const latest = versions[0]?.commit ?? WORKING;
  const others = useData((s) => s.datasets[project.id]?.data);
  const extra = useMemo(
    () => (others ?? []).filter((d) => d.path !== dataset.path).map((d) => ({ value: `${OTHER}${d.path}`, label: `${d.path} (${formatInt(d.rows)} rows)` })),
    [others, dataset.path],
  );
  const [chosenTarget, setTarget] = useState(latest);
  // Other datasets are offered as targets only against the dataset's own expectations.
  const target = !own && chosenTarget.startsWith(OTHER) ? latest : chosenTarget;
  const [reportAgainst, setReportAgainst] = useState<string | null>(null);
  const [draftError, setDraftError] = useState<DraftError | null>(null);

  // Own: committed ones when there are; else infer from the latest version (not whatever the working file holds
  // now). Another dataset's: its committed ones.
  const inferFrom = !own || dataset.hasExpectations || latest === WORKING ? undefined : latest;
  useEffect(() => {
    if (against) void useValidation.getState().load(project.id, against, { inferFrom });
  }, [project.id, against, inferFrom]);
  // A new version arrived: validate the latest by default.
  useEffect(() => setTarget(latest), [latest]);

  const draft = against ? expSt.draft : null;
  const setDraft = (d: ExpectationsDraft) => {
    setDraftError(null);
    if (against) store().edit(project.id, against, d);
  };
  const patchColumn = (i: number, patch: Partial<ColumnDraft>) => {
    if (!draft) return;
    setDraft({ ...draft, columns: draft.columns.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  };

  /** The edited expectations, or null (and the error shown) when a field does not parse. */
  const build = (): Expectations | null => {
    if (!draft) return null;
    try {
      const e = fromDraft(draft);
      setDraftError(null);
      return e;
    } catch (e) {
      if (e instanceof DraftError) {
        setDraftError(e);
        return null;
      }
      throw e;
    }
  };

  const save = async () => {
    const e = build();
    if (!e || !against) return;
    const commit = await store().save(project.id, against, e);
    if (commit) toast.success(`Expectations for ${against} committed (${shortCommit(commit)})`);
  };
  const validate = () => {
    const e = build();
    if (!e) return;
    setReportAgainst(against);
    if (target.startsWith(OTHER)) void store().validate(project.id, dataset.path, undefined, e, target.slice(OTHER.length));
    // Against another dataset's expectations the file is a batch: no row-count band (only a batch minimum).
    else void store().validate(project.id, dataset.path, target === WORKING ? undefined : target, e, undefined, own ? 'band' : 'batch');
  };

  const checks = useMemo(() => (st.report ? sortChecks(st.report.checks) : []), [st.report]);
  const targetLabel = target === WORKING ? 'working file' : target.startsWith(OTHER) ? target.slice(OTHER.length) : target === latest ? 'latest' : `version ${shortCommit(target)}`;

  if (!draft || !against) {
    return expSt.error && against ? (
      <div className="error-panel" role="alert" data-testid="expectations-error">
        <h2>Could not load expectations</h2>
        <p>
          <code className="error-code">{expSt.error.code}</code> {expSt.error.message}
        </p>
        <button type="button" className="button" onClick={() => void store().load(project.id, against, { force: true, inferFrom })}>
          <RefreshIcon />
          Retry
        </button>
      </div>
    ) : (
      <div className="page-loading">
        <Spinner label="Loading expectations" size={16} />
      </div>
    );
  }

  const base = draft.base;
  const againstRule = ref?.reference === against ? ref.rule : null;
  return (
    <div className="ds-validation">
      <div className="ds-against" data-testid="validate-against-bar">
        <label className="ds-label" htmlFor="validate-against">
          Check against
        </label>
        <select
          id="validate-against"
          className="input input-sm"
          value={against}
          onChange={(e) => {
            setDraftError(null);
            setPicked({ for: dataset.path, value: e.target.value });
          }}
          data-testid="validate-against"
          data-rule={againstRule ?? (own ? 'own' : 'picked')}
        >
          {againstChoices.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <span className="muted small">
          {own
            ? 'Versions of this dataset meet its own expectations, row-count band included.'
            : `${dataset.path} is checked as a batch against the expectations of ${against}: types, missing values, ranges, categories and drift (PSI); no row-count band.`}
        </span>
      </div>
      <section className="card ds-exp-card" aria-label="Expectations">
        <header className="ds-card-head">
          <h3 className="card-title">{own ? 'Expectations' : `Expectations of ${against}`}</h3>
          {expSt.committed ? (
            <span className="badge badge-ok" data-testid="expectations-source" data-committed="true" title={`${against}.expectations.json is committed in the project`}>
              committed
            </span>
          ) : (
            <span className="badge badge-warn" data-testid="expectations-source" data-committed="false" title="Nothing is committed yet: these were inferred from the profile of the data">
              inferred from {own && expSt.inferredFrom ? versionLabel(versions, expSt.inferredFrom) : `the working file${own ? '' : ` of ${against}`}`} — not saved
            </span>
          )}
          {expSt.dirty ? <span className="badge badge-neutral">edited</span> : null}
          <span className="muted small">
            reference: {formatInt(base.reference.rows)} rows, sha256 <code className="mono">{shortSha(base.reference.sha256)}</code>
          </span>
          <span className="toolbar-spacer" />
          {expSt.savedCommit ? (
            <span className="small" data-testid="expectations-commit" data-commit={expSt.savedCommit}>
              Saved in commit <code className="commit-oid">{shortCommit(expSt.savedCommit)}</code>
            </span>
          ) : null}
          <button type="button" className="button button-sm" onClick={() => store().reset(project.id, against)} disabled={!expSt.dirty || expSt.saving}>
            Reset edits
          </button>
          <button
            type="button"
            className="button button-sm button-primary"
            onClick={() => void save()}
            disabled={expSt.saving}
            aria-busy={expSt.saving || undefined}
            title={`Commit them as ${against}.expectations.json`}
            data-testid="btn-save-expectations"
          >
            {expSt.saving ? <Spinner /> : null}
            {expSt.saving ? 'Saving…' : 'Save expectations'}
          </button>
        </header>
        <p className="muted small ds-exp-help">
          {expSt.committed
            ? `Stored in ${against}.expectations.json. Saving commits your edits.`
            : 'Inferred from the data: a row-count band of ±50 % for versions of this dataset, observed ranges padded by 10 %, the categories seen, drift tests (PSI over non-missing values) against the reference distribution. Saving commits them next to the dataset.'}
        </p>
        <div className="ds-rows-band">
          <span className="ds-label" title={`Checked when a version of ${against} is validated against its own expectations`}>
            Row count ({baseName(against)} versions) between
          </span>
          <input
            className="input input-sm tabular"
            inputMode="numeric"
            value={draft.rowsMin}
            onChange={(e) => setDraft({ ...draft, rowsMin: e.target.value })}
            aria-label="Minimum rows"
            data-testid="exp-rows-min"
          />
          <span>and</span>
          <input
            className="input input-sm tabular"
            inputMode="numeric"
            value={draft.rowsMax}
            onChange={(e) => setDraft({ ...draft, rowsMax: e.target.value })}
            aria-label="Maximum rows"
            data-testid="exp-rows-max"
          />
          <span className="ds-label" title="Checked when another file (a batch) is validated against these expectations; empty = not checked">
            · a batch at least
          </span>
          <input
            className="input input-sm tabular"
            inputMode="numeric"
            value={draft.batchMin}
            onChange={(e) => setDraft({ ...draft, batchMin: e.target.value })}
            placeholder="any"
            aria-label="Minimum rows of a batch"
            data-testid="exp-batch-min"
          />
          <span>rows</span>
        </div>
        {draftError ? (
          <p className="field-error" role="alert" data-testid="expectations-invalid">
            {draftError.message}
          </p>
        ) : null}
        <div className="table-wrap ds-exp-wrap">
          <table className="data-table ds-exp-table" aria-label="Column expectations">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
                <th scope="col" title="Largest allowed share of missing values">
                  Max missing %
                </th>
                <th scope="col">Range min</th>
                <th scope="col">Range max</th>
                <th scope="col">Allowed categories</th>
                <th scope="col" className="ds-center">
                  Unique
                </th>
                <th scope="col" title="Population stability index against the reference distribution">
                  Drift PSI max
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.columns.map((c, i) => (
                <ExpectationRow key={c.name} c={c} onChange={(p) => patchColumn(i, p)} invalid={draftError?.column === c.name} />
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card ds-report-card" aria-label="Validation">
        <header className="ds-card-head">
          <h3 className="card-title">Validate</h3>
          <VersionSelect versions={versions} value={target} onChange={setTarget} label="Version to validate" testId="validate-version" working extra={own ? extra : undefined} />
          <button type="button" className="button button-sm button-primary" onClick={validate} disabled={st.validating} aria-busy={st.validating || undefined} data-testid="btn-validate">
            {st.validating ? <Spinner /> : null}
            {target === latest && target !== WORKING
              ? 'Validate latest'
              : target === WORKING
                ? 'Validate working file'
                : target.startsWith(OTHER)
                  ? `Validate ${target.slice(OTHER.length)}`
                  : `Validate version ${shortCommit(target)}`}
            {own ? '' : ` against ${baseName(against)}`}
          </button>
          {expSt.dirty ? <span className="muted small">uses the edited expectations (not saved yet)</span> : null}
          {st.report ? (
            <>
              <span className="toolbar-spacer" />
              <CsvButton
                base={`mldesk-validation-${reportFileTag(dataset.path, st.reportTarget ?? WORKING)}`}
                rows={() => validationCsv(checks)}
                disabled={checks.length === 0}
                testId="btn-export-validation-csv"
                title="Download the checks of this report as CSV (failures first)"
                size="sm"
              />
            </>
          ) : null}
        </header>
        {st.reportError && !st.validating ? (
          <p className="text-danger small" role="alert">
            <code className="error-code">{st.reportError.code}</code> {st.reportError.message}
          </p>
        ) : null}
        {st.report ? (
          <>
            <div className={`ds-report-summary ${st.report.passed ? 'passed' : 'failed'}`} data-testid="validation-summary" data-passed={st.report.passed} data-failed={st.report.failed}>
              <span className={`badge ${st.report.passed ? 'badge-ok' : 'badge-danger'}`}>{st.report.passed ? '✔ passed' : `✘ ${st.report.failed} failed`}</span>
              <span>
                {st.report.passed
                  ? `All ${st.report.checks.length} checks passed`
                  : `${st.report.failed} of ${st.report.checks.length} checks failed`}{' '}
                for {targetText(versions, st.reportTarget ?? WORKING)}
                {reportAgainst && reportAgainst !== dataset.path ? ` against the expectations of ${reportAgainst}` : ''}
              </span>
            </div>
            <ul className="plain-list ds-checks">
              {checks.map((c, i) => (
                <li key={i} className={`ds-check ${c.passed ? 'passed' : 'failed'}`} data-testid="validation-check" data-passed={c.passed} data-column={c.column ?? ''}>
                  <span className="ds-check-mark" aria-label={c.passed ? 'passed' : 'failed'}>
                    {c.passed ? '✔' : '✘'}
                  </span>
                  <span className="ds-check-name">{c.name}</span>
                  {c.column ? <code className="mono ds-check-col">{c.column}</code> : <span className="muted small">dataset</span>}
                  <span className="ds-check-msg">{c.message}</span>
                </li>
              ))}
            </ul>
          </>
        ) : !st.validating ? (
          <p className="muted small">Check the {targetLabel} against these expectations: types, missing values, ranges, categories, uniqueness, distribution drift and the row count.</p>
        ) : null}
      </section>
    </div>
  );
}
