import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetStatus, DatasetVersion, ProjectSummary } from '../../../../shared/contract';
import { api, MldeskError } from '../../api/client';
import { buildHash, setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { firstLine } from '../../lib/format';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { RelativeTime } from '../../ui/RelativeTime';
import { formatBytes, formatDate, formatInt, shortCommit, shortSha } from './format';
import type { DatasetItem } from './logic';
import { useData } from './store';

function RunLinks({ runs }: { runs: DatasetVersion['runs'] }) {
  if (runs.length === 0) return <span className="muted">—</span>;
  const shown = runs.slice(0, 3);
  return (
    <span className="ds-runs">
      {shown.map((r) => (
        <a
          key={r.runId}
          className="ds-run-link"
          href={buildHash('/runs', { exp: r.experimentId, run: r.runId })}
          title={`${r.runName || r.runId} (${r.status.toLowerCase()})`}
          data-testid="version-run"
          data-run-id={r.runId}
        >
          <span className="ds-run-dot" data-status={r.status} aria-hidden="true" />
          {r.runName || r.runId.slice(0, 8)}
        </a>
      ))}
      {runs.length > shown.length ? (
        <span className="muted small" title={runs.slice(3).map((r) => r.runName || r.runId).join('\n')}>
          +{runs.length - shown.length}
        </span>
      ) : null}
    </span>
  );
}

/**
 * "Check out this version?": asks the engine first whether the working file has changes never added as a version
 * (`data.status`), and shows them in the engine's own words (the sentence `data checkout` refuses with). Only then,
 * and only after the user confirms, does it pass `force`.
 */
function CheckoutDialog({ project, dataset, version, onClose }: { project: ProjectSummary; dataset: DatasetItem; version: DatasetVersion; onClose: () => void }) {
  const checkout = useData((s) => s.checkout);
  const [working, setWorking] = useState<DatasetStatus | null | 'loading'>('loading');
  const look = useCallback(async (): Promise<DatasetStatus | null> => {
    try {
      const st = (await api.data.status({ projectId: project.id, paths: [dataset.path] })).datasets[0] ?? null;
      setWorking(st);
      return st;
    } catch {
      setWorking(null); // unknown: the engine still refuses a checkout over local changes
      return null;
    }
  }, [project.id, dataset.path]);
  useEffect(() => {
    void look();
  }, [look]);
  const changed = working !== 'loading' && working?.state === 'modified' ? working : null;

  return (
    <ConfirmDialog
      title="Check out this version?"
      confirmLabel={changed ? 'Discard local changes and check out' : 'Check out'}
      busyLabel="Checking out…"
      danger={changed !== null}
      onClose={onClose}
      onConfirm={async () => {
        try {
          const p = await checkout(project.id, dataset.path, version.commit, changed !== null);
          toast.success(`${dataset.path} is now version ${shortCommit(version.commit)} (${formatInt(p.rows)} rows)`);
        } catch (e) {
          const err = asMldeskError(e);
          // Edited since the dialog opened: show what differs now and ask again (the next confirm forces).
          if (err.code === 'FAILED_PRECONDITION' && !changed && (await look())?.state === 'modified') {
            throw new MldeskError('FAILED_PRECONDITION', 'The working file changed while this dialog was open: see above, and confirm again to discard its changes.');
          }
          throw err;
        }
      }}
    >
      <p>
        Restores <code className="mono">{dataset.path}</code> to version <code className="mono">{shortCommit(version.commit)}</code> ({formatInt(version.pointer.rows)}{' '}
        rows, {formatDate(version.timestamp)}), and its pointer with it.
      </p>
      {working === 'loading' ? (
        <p className="muted small" data-testid="checkout-checking">
          Looking for local changes in the working file…
        </p>
      ) : changed ? (
        <div className="callout" data-testid="checkout-local-changes">
          <p>{changed.message}.</p>
          <p>
            Those changes were never added as a version: checking out <strong>overwrites and loses them</strong>. Commit them first with Add dataset
            (<code className="mono">mldesk data add</code>), or confirm to discard them.
          </p>
        </div>
      ) : (
        <p className="muted small" data-testid="checkout-no-changes">
          {working?.state === 'missing'
            ? `${dataset.path} is not in the working tree; this restores it.`
            : `The working file has no changes of its own (${working?.state ?? 'state unknown'}); every committed version stays in the cache.`}
        </p>
      )}
    </ConfirmDialog>
  );
}

export function VersionsTab({ project, dataset, versions }: { project: ProjectSummary; dataset: DatasetItem; versions: readonly DatasetVersion[] }) {
  const [picked, setPicked] = useState<readonly string[]>([]);
  const [confirm, setConfirm] = useState<DatasetVersion | null>(null);
  // `version` (a commit or prefix, e.g. from a run's dataset link): highlight that row and scroll to it once.
  const versionParam = useQueryParam('version');
  const highlighted = versionParam ? versions.find((v) => v.commit.startsWith(versionParam))?.commit : undefined;
  const highlightRef = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (highlighted) highlightRef.current?.scrollIntoView({ block: 'center' });
  }, [highlighted]);

  const toggle = (commit: string) =>
    setPicked((cur) => (cur.includes(commit) ? cur.filter((c) => c !== commit) : [...cur, commit].slice(-2)));
  const openDiff = () => {
    // Older version as A, newer as B (versions are newest first).
    const idx = picked.map((c) => versions.findIndex((v) => v.commit === c)).sort((x, y) => y - x);
    const [a, b] = idx.map((i) => versions[i]!.commit);
    setQuery({ tab: 'diff', a, b, key: null, kinds: null, col: null, offset: null, stat: null, version: null }, { replace: false });
  };

  if (versions.length === 0) {
    return (
      <p className="muted table-empty" data-testid="versions-empty">
        No committed versions of {dataset.path} yet.
      </p>
    );
  }

  return (
    <div className="ds-versions">
      <div className="ds-toolbar">
        <span className="muted small">
          {picked.length === 2 ? 'Two versions selected.' : `Select two versions to compare them${picked.length === 1 ? ' (one more)' : ''}.`}
        </span>
        <span className="toolbar-spacer" />
        <button type="button" className="button button-primary button-sm" onClick={openDiff} disabled={picked.length !== 2} data-testid="btn-diff-versions">
          Diff
        </button>
      </div>
      <div className="table-wrap">
        <table className="data-table ds-versions-table" aria-label={`Versions of ${dataset.path}`}>
          <thead>
            <tr>
              <th scope="col" className="ds-col-check">
                <span className="visually-hidden">Select for diff</span>
              </th>
              <th scope="col" className="ds-col-commit">
                Commit
              </th>
              <th scope="col" className="ds-col-date">
                Date
              </th>
              <th scope="col" className="ds-col-msg">
                Message
              </th>
              <th scope="col" className="ds-col-num right">
                Rows
              </th>
              <th scope="col" className="ds-col-sha">
                sha256
              </th>
              <th scope="col" className="ds-col-runs">
                Used by runs
              </th>
              <th scope="col" className="ds-col-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v, i) => {
              const current = v.pointer.sha256 === dataset.sha256;
              const selected = picked.includes(v.commit);
              const isHighlighted = v.commit === highlighted;
              const className = [selected ? 'ds-row-selected' : '', isHighlighted ? 'ds-row-highlighted' : ''].filter(Boolean).join(' ');
              return (
                <tr
                  key={v.commit}
                  ref={isHighlighted ? highlightRef : undefined}
                  data-testid="version-row"
                  data-commit={v.commit}
                  data-selected={selected}
                  data-highlighted={isHighlighted || undefined}
                  className={className || undefined}
                >
                  <td className="ds-col-check">
                    <input type="checkbox" checked={selected} onChange={() => toggle(v.commit)} aria-label={`Select version ${shortCommit(v.commit)} for diff`} data-testid="version-select" />
                  </td>
                  <td className="ds-col-commit">
                    <code className="commit-oid" title={v.commit}>
                      {shortCommit(v.commit)}
                    </code>
                    {i === 0 ? <span className="badge badge-neutral ds-tag">latest</span> : null}
                    {current ? (
                      <span className="badge badge-ok ds-tag" title="The pointer in the working tree refers to this version">
                        current
                      </span>
                    ) : null}
                  </td>
                  <td className="ds-col-date" title={`${formatDate(v.timestamp)} by ${v.author}`}>
                    <RelativeTime ms={v.timestamp} />
                  </td>
                  <td className="ds-col-msg" title={v.message}>
                    <span className="ds-msg">{firstLine(v.message)}</span>
                  </td>
                  <td className="ds-col-num right tabular" title={`${v.pointer.columns.length} columns, ${formatBytes(v.pointer.size)}`}>
                    {formatInt(v.pointer.rows)}
                  </td>
                  <td className="ds-col-sha">
                    <code className="mono small" title={v.pointer.sha256}>
                      {shortSha(v.pointer.sha256)}
                    </code>
                  </td>
                  <td className="ds-col-runs">
                    <RunLinks runs={v.runs} />
                  </td>
                  <td className="ds-col-actions">
                    <button type="button" className="button button-xs" onClick={() => setConfirm(v)} title={`Restore this version into ${dataset.path}`} data-testid="btn-checkout">
                      Checkout
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {confirm ? <CheckoutDialog project={project} dataset={dataset} version={confirm} onClose={() => setConfirm(null)} /> : null}
    </div>
  );
}
