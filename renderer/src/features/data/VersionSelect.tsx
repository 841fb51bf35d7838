import type { DatasetVersion } from '../../../../shared/contract';
import { firstLine } from '../../lib/format';
import { formatDate, formatInt, shortCommit } from './format';
import { WORKING } from './logic';

export function versionLabel(versions: readonly DatasetVersion[], v: string): string {
  if (v === WORKING) return 'working file';
  const i = versions.findIndex((x) => x.commit === v);
  return i < 0 ? shortCommit(v) : `${shortCommit(v)}${i === 0 ? ' (latest)' : ''}`;
}

/** A version of the dataset (newest first), optionally the working file too. */
export function VersionSelect({
  versions,
  value,
  onChange,
  label,
  testId,
  working = false,
  id,
  disabled,
  extra,
}: {
  versions: readonly DatasetVersion[];
  value: string;
  onChange: (v: string) => void;
  label: string;
  testId: string;
  working?: boolean;
  id?: string;
  disabled?: boolean;
  /** More choices after the versions (e.g. other datasets). */
  extra?: ReadonlyArray<{ value: string; label: string }>;
}) {
  return (
    <select id={id} className="input input-sm ds-version-select" value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} data-testid={testId} disabled={disabled}>
      {versions.map((v, i) => (
        <option key={v.commit} value={v.commit}>
          {shortCommit(v.commit)} · {formatDate(v.timestamp)} · {formatInt(v.pointer.rows)} rows{i === 0 ? ' · latest' : ''} — {firstLine(v.message).slice(0, 60)}
        </option>
      ))}
      {working ? <option value={WORKING}>Working file (uncommitted state)</option> : null}
      {extra && extra.length > 0 ? (
        <optgroup label="Other datasets of the project (working file)">
          {extra.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ) : null}
    </select>
  );
}
