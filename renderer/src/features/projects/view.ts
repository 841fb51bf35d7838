import type { ProjectSummary } from '../../../../shared/contract';

/** Sort keys usable in the URL: `#/projects?sort=-commit`. */
export const SORT_KEYS = ['name', 'path', 'branch', 'commit', 'status'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface Sort {
  key: SortKey;
  desc: boolean;
}
export const DEFAULT_SORT: Sort = { key: 'name', desc: false };

export function parseSort(raw: string | undefined): Sort {
  if (!raw) return DEFAULT_SORT;
  const desc = raw.startsWith('-');
  const key = (desc ? raw.slice(1) : raw) as SortKey;
  return SORT_KEYS.includes(key) ? { key, desc } : DEFAULT_SORT;
}
export const formatSort = (s: Sort): string | undefined =>
  s.key === DEFAULT_SORT.key && s.desc === DEFAULT_SORT.desc ? undefined : `${s.desc ? '-' : ''}${s.key}`;

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Missing (3) sorts after dirty (2) after clean (1) ascending… reversed when descending. */
function statusRank(p: ProjectSummary): number {
  if (p.missing) return 3;
  return p.git?.dirty ? 2 : 1;
}

function compare(a: ProjectSummary, b: ProjectSummary, key: SortKey): number {
  switch (key) {
    case 'name':
      return collator.compare(a.name, b.name);
    case 'path':
      return collator.compare(a.path, b.path);
    case 'branch':
      return collator.compare(a.git?.branch ?? '', b.git?.branch ?? '');
    case 'commit':
      return (a.git?.lastCommit?.timestamp ?? 0) - (b.git?.lastCommit?.timestamp ?? 0);
    case 'status':
      return statusRank(a) - statusRank(b) || (a.git?.changedFiles ?? 0) - (b.git?.changedFiles ?? 0);
  }
}

export function matchesFilter(p: ProjectSummary, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return [p.name, p.path, p.git?.branch ?? '', p.git?.lastCommit?.message ?? ''].some((f) => f.toLowerCase().includes(needle));
}

/** Filtered and sorted copy; ties fall back to name then id so the order is stable. */
export function visibleProjects(list: readonly ProjectSummary[], q: string, sort: Sort): ProjectSummary[] {
  const dir = sort.desc ? -1 : 1;
  return list
    .filter((p) => matchesFilter(p, q))
    .sort((a, b) => dir * compare(a, b, sort.key) || collator.compare(a.name, b.name) || a.id.localeCompare(b.id));
}
