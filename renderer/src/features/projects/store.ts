import { useEffect } from 'react';
import { create } from 'zustand';
import { api, subscribe, type MldeskError } from '../../api/client';
import type { ProjectSummary } from '../../../../shared/contract';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';

export interface PathInput {
  path: string;
  name?: string;
}

interface ProjectsState {
  projects: readonly ProjectSummary[];
  /** The first load has finished (successfully or not). */
  loaded: boolean;
  loading: boolean;
  /** Last load error; cleared by the next successful load. */
  error: MldeskError | null;
  /** The demo project is being generated (takes a few seconds). */
  demoBusy: boolean;

  load(): Promise<void>;
  /** Throws MldeskError so a dialog can show it inline. */
  create(input: PathInput): Promise<ProjectSummary>;
  /** Throws MldeskError so a dialog can show it inline. */
  open(input: PathInput): Promise<ProjectSummary>;
  /** Throws MldeskError so the confirm dialog can show it inline. */
  remove(id: string): Promise<void>;
  /** Errors become toasts; resolves to null on failure. */
  createDemo(): Promise<ProjectSummary | null>;
}

// Each load gets a sequence number so a slow, older answer never overwrites a newer one;
// each local change bumps the epoch so a list fetched before it is not trusted.
let loadSeq = 0;
let epoch = 0;

function upsert(list: readonly ProjectSummary[], p: ProjectSummary): ProjectSummary[] {
  const i = list.findIndex((x) => x.id === p.id);
  if (i < 0) return [...list, p];
  const next = [...list];
  next[i] = p;
  return next;
}

const clean = ({ path, name }: PathInput): PathInput => {
  const n = name?.trim();
  return n ? { path: path.trim(), name: n } : { path: path.trim() };
};

export const useProjects = create<ProjectsState>((set, get) => ({
  projects: [],
  loaded: false,
  loading: false,
  error: null,
  demoBusy: false,

  async load() {
    const seq = ++loadSeq;
    const startEpoch = epoch;
    set({ loading: true });
    try {
      const projects = await api.projects.list();
      if (seq !== loadSeq) return;
      if (startEpoch !== epoch) {
        void get().load(); // the list changed under us: fetch it again
        return;
      }
      set({ projects, loaded: true, loading: false, error: null });
    } catch (e) {
      if (seq !== loadSeq) return;
      const error = asMldeskError(e);
      set({ loaded: true, loading: false, error });
      toast.error(error, 'Could not load projects');
    }
  },

  async create(input) {
    const p = await api.projects.create(clean(input)).catch((e: unknown) => {
      throw asMldeskError(e);
    });
    epoch++; // a list request already in flight predates this project
    set({ projects: upsert(get().projects, p) });
    return p;
  },

  async open(input) {
    const p = await api.projects.open(clean(input)).catch((e: unknown) => {
      throw asMldeskError(e);
    });
    epoch++;
    set({ projects: upsert(get().projects, p) });
    return p;
  },

  async remove(id) {
    await api.projects.remove({ id }).catch((e: unknown) => {
      throw asMldeskError(e);
    });
    epoch++;
    set({ projects: get().projects.filter((p) => p.id !== id) });
  },

  async createDemo() {
    if (get().demoBusy) return null;
    set({ demoBusy: true });
    try {
      const p = await api.projects.createDemo();
      epoch++;
      set({ projects: upsert(get().projects, p), demoBusy: false });
      toast.success(`Demo project “${p.name}” is ready at ${p.path}`);
      return p;
    } catch (e) {
      set({ demoBusy: false });
      toast.error(e, 'Could not create the demo project');
      return null;
    }
  },
}));

/**
 * Loads the list on mount and reloads it whenever the engine announces `projects.changed`
 * (bursts are coalesced into one request).
 */
export function useProjectsSync(): void {
  useEffect(() => {
    void useProjects.getState().load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = subscribe('projects.changed', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void useProjects.getState().load();
      }, 150);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, []);
}
