import { lazy, type ComponentType } from 'react';
import { CompareIcon } from '../features/compare/icon';
import { compareTargetQuery, useCompareTarget } from '../features/compare/target';
import { ProjectsPage } from '../features/projects';
import { ModelIcon } from '../features/models/icon';
import { DeployIcon } from '../features/deploy/icon';
import { useOpenAlertCount } from '../features/monitor/store';
import { DatabaseIcon, FolderIcon, RunsIcon, SettingsIcon, type Icon } from './icons';

/**
 * The sidebar is built from this registry. To add a feature: one entry here.
 * Order matters: the N-th section gets Ctrl/Cmd+N. Use `lazy()` for heavy pages
 * (charts, editors) so the first paint stays small.
 */
interface SectionDef {
  /** First hash segment: '#/projects'. Also used for data-testid="nav-<id>". */
  id: string;
  label: string;
  icon: Icon;
  component: ComponentType;
  /** Rendered in the sidebar footer group rather than the main list. */
  footer?: boolean;
  /**
   * Where the link and the shortcut go when it is not just the section's bare path (Compare: the selected runs, or
   * the last comparison). `useTarget` is the same as a hook, so the sidebar link updates as it changes.
   */
  target?: {
    query(): Readonly<Record<string, string>> | undefined;
    useQuery(): Readonly<Record<string, string>> | undefined;
    /** What the shortcut does, for the help overlay. */
    help: string;
  };
  /** A count shown on the sidebar link (e.g. open alerts on Deployments); 0 hides it. */
  badge?: {
    useCount(): number;
    label(n: number): string;
  };
}

export interface Section extends SectionDef {
  /** 'Mod+1' (Mod = Ctrl, or Cmd on macOS); undefined past the 9th section. */
  shortcut: string | undefined;
  path: string;
}

const loaders = {
  settings: () => import('../features/settings/SettingsPage'),
  runs: () => import('../features/runs/RunsPage'),
  compare: () => import('../features/compare/ComparePage'),
  data: () => import('../features/data/DataPage'),
  models: () => import('../features/models/ModelsPage'),
  deployments: () => import('../features/deploy/DeploymentsPage'),
};
const SettingsPage = lazy(loaders.settings);
const RunsPage = lazy(loaders.runs);
const ComparePage = lazy(loaders.compare);
const DataPage = lazy(loaders.data);
const ModelsPage = lazy(loaders.models);
const DeploymentsPage = lazy(loaders.deployments);

// Fetch the page the app opens on while React starts, instead of after the first render (~250 ms sooner).
const opening = typeof location === 'undefined' ? undefined : /^#\/(\w+)/.exec(location.hash)?.[1];
if (opening && opening in loaders) void loaders[opening as keyof typeof loaders]();

const defs: readonly SectionDef[] = [
  { id: 'projects', label: 'Projects', icon: FolderIcon, component: ProjectsPage },
  { id: 'runs', label: 'Runs', icon: RunsIcon, component: RunsPage },
  {
    id: 'compare',
    label: 'Compare',
    icon: CompareIcon,
    component: ComparePage,
    target: {
      query: () => compareTargetQuery(),
      useQuery: () => compareTargetQuery(useCompareTarget()),
      help: 'Compare the runs selected in the table (else reopen the last comparison)',
    },
  },
  { id: 'data', label: 'Data', icon: DatabaseIcon, component: DataPage },
  { id: 'models', label: 'Models', icon: ModelIcon, component: ModelsPage },
  {
    id: 'deployments',
    label: 'Deployments',
    icon: DeployIcon,
    component: DeploymentsPage,
    badge: { useCount: () => useOpenAlertCount(), label: (n) => `${n} open alert${n === 1 ? '' : 's'}` },
  },
  { id: 'settings', label: 'Settings', icon: SettingsIcon, component: SettingsPage, footer: true },
];

export const sections: readonly Section[] = defs.map((d, i) => ({
  ...d,
  path: `/${d.id}`,
  shortcut: i < 9 ? `Mod+${i + 1}` : undefined,
}));

export const defaultSection: Section = sections[0] as Section;

export function findSection(id: string): Section | undefined {
  return sections.find((s) => s.id === id);
}
