/**
 * Run colours: one colour per run everywhere (table swatch, compare lines and legend, exports).
 *
 * A run's colour is, in order: the user's choice (override), else the colour it was assigned the last time it was
 * shown in a small view (remembered), else a colour derived from its id. Inside one view of at most
 * `RUN_PALETTE.length` runs (the compared runs, a short table, the selection) the colours are made distinct: a run
 * whose colour an earlier run of the view already has gets the next free palette colour, and that assignment is
 * remembered, so the same run has the same colour on every page and after a reload.
 */

/**
 * Twenty colours that read on light and dark backgrounds (CIELAB lightness 48–82), pairwise ΔE*ab ≥ 26: Tableau 10's
 * first nine, then colours picked greedily to be as far as possible from those already in the list.
 */
export const RUN_PALETTE: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#9b8df8',
  '#807312',
  '#c63c7e',
  '#f38ce8',
  '#b3b47c',
  '#33beef',
  '#2dc79c',
  '#a86027',
  '#437e5c',
  '#a3bb46',
  '#e1a46e',
];

/** FNV-1a of the run id (32-bit, unsigned). */
export function runIdHash(runId: string): number {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The colour derived from the id alone (what a run never shown in a small view gets). */
export function hashRunColor(runId: string, palette: readonly string[] = RUN_PALETTE): string {
  return palette[runIdHash(runId) % palette.length] as string;
}

export interface RunColorMemory {
  /** Colours the user picked (always win, even when two runs of a view share one). */
  overrides: Readonly<Record<string, string>>;
  /** Colours assigned in earlier views (kept unless an earlier run of the view has the same one). */
  assigned: Readonly<Record<string, string>>;
}

/** A run's colour outside any view: override, else remembered, else derived from the id. */
export function runColorOf(runId: string, mem: RunColorMemory, palette: readonly string[] = RUN_PALETTE): string {
  return mem.overrides[runId] ?? mem.assigned[runId] ?? hashRunColor(runId, palette);
}

export interface ViewColors {
  /** Colour of each run of the view. */
  colors: Map<string, string>;
  /** New or changed assignments to remember (empty when the view changed nothing). */
  assigned: Record<string, string>;
}

/**
 * Colours for the runs of one view, in view order (earlier runs keep their colour when two collide). With at most
 * `palette.length` distinct runs every run gets a distinct colour unless the user gave two the same; with more,
 * runs keep their own colours (repeats are unavoidable) and nothing new is remembered.
 */
export function assignRunColors(runIds: readonly string[], mem: RunColorMemory, palette: readonly string[] = RUN_PALETTE): ViewColors {
  const ids = [...new Set(runIds)];
  const colors = new Map<string, string>();
  const assigned: Record<string, string> = {};
  if (ids.length > palette.length) {
    for (const id of ids) colors.set(id, runColorOf(id, mem, palette));
    return { colors, assigned };
  }
  const used = new Set<string>();
  const key = (c: string) => c.toLowerCase();
  // 1. The user's choices.
  for (const id of ids) {
    const o = mem.overrides[id];
    if (o === undefined) continue;
    colors.set(id, o);
    used.add(key(o));
  }
  // 2. Remembered colours, unless an earlier run of the view has that colour.
  for (const id of ids) {
    if (colors.has(id)) continue;
    const a = mem.assigned[id];
    if (a === undefined || used.has(key(a))) continue;
    colors.set(id, a);
    used.add(key(a));
  }
  // 3. The rest: the id's own colour when free, else the next free one after it (same order for the same id).
  for (const id of ids) {
    if (colors.has(id)) continue;
    const start = runIdHash(id) % palette.length;
    let pick = palette[start] as string;
    for (let k = 0; k < palette.length; k++) {
      const c = palette[(start + k) % palette.length] as string;
      if (!used.has(key(c))) {
        pick = c;
        break;
      }
    }
    colors.set(id, pick);
    used.add(key(pick));
    if (mem.assigned[id] !== pick) assigned[id] = pick;
  }
  return { colors, assigned };
}

/** Keeps the remembered assignments bounded: the newest `max` (insertion order) survive. */
export function trimAssigned(assigned: Readonly<Record<string, string>>, max: number): Record<string, string> {
  const entries = Object.entries(assigned);
  if (entries.length <= max) return { ...assigned };
  return Object.fromEntries(entries.slice(entries.length - max));
}
