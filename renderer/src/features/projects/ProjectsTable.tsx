import type { ProjectSummary } from '../../../../shared/contract';
import { BranchIcon, TrashIcon } from '../../app/icons';
import { firstLine, plural, shortOid } from '../../lib/format';
import { RelativeTime } from '../../ui/RelativeTime';
import type { Sort, SortKey } from './view';

const COLUMNS: readonly { key: SortKey; label: string; className?: string }[] = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'path', label: 'Path', className: 'col-path' },
  { key: 'branch', label: 'Branch', className: 'col-branch' },
  { key: 'commit', label: 'Last commit', className: 'col-commit' },
  { key: 'status', label: 'Status', className: 'col-status' },
];

function StatusBadge({ p }: { p: ProjectSummary }) {
  if (p.missing) {
    return (
      <span className="badge badge-danger" title="The folder no longer exists at this path" data-testid="project-missing">
        missing
      </span>
    );
  }
  if (!p.git) return <span className="muted">—</span>;
  const { dirty, changedFiles } = p.git;
  if (!dirty) {
    return (
      <span className="badge badge-ok" title="No uncommitted changes" data-testid="project-clean">
        clean
      </span>
    );
  }
  // Only dirty projects carry `project-dirty`, so tests can assert its absence for a clean tree.
  return (
    <span
      className="badge badge-warn"
      title={`${plural(changedFiles, 'file')} changed since the last commit`}
      data-testid="project-dirty"
      data-changed-files={changedFiles}
    >
      {changedFiles} changed
    </span>
  );
}

function CommitCell({ p }: { p: ProjectSummary }) {
  const c = p.git?.lastCommit;
  if (!c) {
    return (
      <span className="muted" data-testid="project-commit">
        {p.git ? 'no commits' : '—'}
      </span>
    );
  }
  const msg = firstLine(c.message);
  return (
    <span className="commit" data-testid="project-commit" data-oid={c.oid} title={`${c.oid}\n${c.author}\n\n${c.message}`}>
      <code className="commit-oid">{shortOid(c.oid)}</code>
      <span className="commit-message">{msg}</span>
      <RelativeTime ms={c.timestamp} className="commit-time" />
    </span>
  );
}

export function ProjectsTable({
  rows,
  sort,
  onSort,
  onRemove,
}: {
  rows: readonly ProjectSummary[];
  sort: Sort;
  onSort: (key: SortKey) => void;
  onRemove: (p: ProjectSummary) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Projects">
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const active = sort.key === c.key;
              return (
                <th key={c.key} scope="col" className={c.className} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                  <button type="button" className="th-sort" onClick={() => onSort(c.key)}>
                    {c.label}
                    <span className="sort-arrow" aria-hidden="true">
                      {active ? (sort.desc ? '↓' : '↑') : ''}
                    </span>
                  </button>
                </th>
              );
            })}
            <th scope="col" className="col-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id} data-testid="project-row" data-project-name={p.name} data-project-id={p.id} className={p.missing ? 'row-missing' : undefined}>
              <td className="col-name">
                <span className="project-name">{p.name}</span>
              </td>
              <td className="col-path">
                <span className="mono truncate" title={p.path}>
                  {p.path}
                </span>
              </td>
              <td className="col-branch">
                {p.git?.branch ? (
                  <span className="branch" data-testid="project-branch">
                    <BranchIcon width={12} height={12} />
                    {p.git.branch}
                  </span>
                ) : (
                  <span className="muted" data-testid="project-branch">
                    {p.git ? 'detached' : '—'}
                  </span>
                )}
              </td>
              <td className="col-commit">
                <CommitCell p={p} />
              </td>
              <td className="col-status">
                <StatusBadge p={p} />
              </td>
              <td className="col-actions">
                <button
                  type="button"
                  className="icon-button row-action"
                  onClick={() => onRemove(p)}
                  aria-label={`Remove ${p.name} from the list`}
                  title="Remove from list (files are not deleted)"
                  data-testid="btn-remove-project"
                >
                  <TrashIcon />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
