/**
 * The Compare view state ⇄ URL query. Pure (no router, no React) so it can be tested and reused
 * (e.g. by the Runs table to build a "Compare" link with `compareHref`).
 *
 *   #/compare?exp=1&runs=a,b&keys=loss,acc&x=step|wall|relative&smooth=0.6&log=loss&clip=1
 *            &group=params.lr&band=minmax|std&zoom=loss:10:200,acc:0:50&sys=1&hide=b&tab=summary
 *            &pdiff=0&sx=param:lr&sy=metric:loss&pm=loss&pp=lr,depth      (panel settings)
 */
import type { BandMode } from './aggregate';

export type XMode = 'step' | 'wall' | 'relative';
export type PanelTab = 'params' | 'summary' | 'parallel' | 'scatter';

export interface ZoomRange {
  min: number;
  max: number;
}

export interface CompareView {
  /** Experiment ids the runs belong to (a hint for the run lookup; runs elsewhere are found too). */
  exp: readonly string[];
  runIds: readonly string[];
  /** Metric keys to chart, in order; null = every non-system key of the runs (or every key with `system`). */
  keys: readonly string[] | null;
  x: XMode;
  /** EMA weight 0–0.99. */
  smooth: number;
  /** Metric keys drawn on a log y-scale. */
  log: readonly string[];
  clip: boolean;
  /** 'params.X' or 'tags.Y'. */
  group: string | null;
  band: BandMode;
  /** Zoomed x-range per metric key, in the units of the x mode (step, epoch ms, or ms since run start). */
  zoom: Readonly<Record<string, ZoomRange>>;
  /** Include system/* metrics in the default key set. */
  system: boolean;
  /** Runs hidden from the charts (still in the comparison). */
  hidden: readonly string[];
  tab: PanelTab;
  /** Panel settings: params table "differences only", scatter axes, parallel-coordinates axes. */
  diffOnly: boolean;
  scatterX: string | null;
  scatterY: string | null;
  pcMetric: string | null;
  pcParams: readonly string[] | null;
}

export const X_MODES: readonly XMode[] = ['step', 'wall', 'relative'];
export const PANEL_TABS: readonly PanelTab[] = ['params', 'summary', 'parallel', 'scatter'];

export const DEFAULT_VIEW: CompareView = {
  exp: [],
  runIds: [],
  keys: null,
  x: 'step',
  smooth: 0,
  log: [],
  clip: false,
  group: null,
  band: 'minmax',
  zoom: {},
  system: false,
  hidden: [],
  tab: 'params',
  diffOnly: true,
  scatterX: null,
  scatterY: null,
  pcMetric: null,
  pcParams: null,
};

/** Comma list → unique non-empty trimmed items, order kept. */
export function splitList(s: string | undefined): string[] {
  if (!s) return [];
  const seen = new Set<string>();
  for (const part of s.split(',')) {
    const t = part.trim();
    if (t) seen.add(t);
  }
  return [...seen];
}

export function clampSmoothing(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 0;
  return Math.min(0.99, Math.round(v * 100) / 100);
}

/** 'val/loss:10:200' → ['val/loss', {min: 10, max: 200}] (the key itself may contain ':'). */
export function parseZoomItem(item: string): [string, ZoomRange] | null {
  const b = item.lastIndexOf(':');
  if (b <= 0) return null;
  const a = item.lastIndexOf(':', b - 1);
  if (a <= 0) return null;
  const key = item.slice(0, a);
  const min = Number(item.slice(a + 1, b));
  const max = Number(item.slice(b + 1));
  if (!key || item.slice(a + 1, b).trim() === '' || item.slice(b + 1).trim() === '' || !Number.isFinite(min) || !Number.isFinite(max)) return null;
  return min <= max ? [key, { min, max }] : [key, { min: max, max: min }];
}

/** Short, exact-enough number for URLs: integers as is, others with 8 significant digits. */
export function urlNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(8)));
}

export function parseView(q: Readonly<Record<string, string>>): CompareView {
  const x = q.x as XMode | undefined;
  const tab = q.tab as PanelTab | undefined;
  const zoom: Record<string, ZoomRange> = {};
  for (const item of splitList(q.zoom)) {
    const z = parseZoomItem(item);
    if (z) zoom[z[0]] = z[1];
  }
  const group = q.group?.trim();
  return {
    exp: splitList(q.exp),
    runIds: splitList(q.runs),
    keys: q.keys !== undefined && q.keys.trim() !== '' ? splitList(q.keys) : null,
    x: x && X_MODES.includes(x) ? x : 'step',
    smooth: clampSmoothing(Number(q.smooth ?? 0)),
    log: splitList(q.log),
    clip: q.clip === '1' || q.clip === 'true',
    group: group && /^(params|tags)\../.test(group) ? group : null,
    band: q.band === 'std' ? 'std' : 'minmax',
    zoom,
    system: q.sys === '1' || q.sys === 'true',
    hidden: splitList(q.hide),
    tab: tab && PANEL_TABS.includes(tab) ? tab : 'params',
    diffOnly: q.pdiff !== '0',
    scatterX: q.sx?.trim() || null,
    scatterY: q.sy?.trim() || null,
    pcMetric: q.pm?.trim() || null,
    pcParams: q.pp !== undefined && q.pp.trim() !== '' ? splitList(q.pp) : null,
  };
}

/** Query params for a view; defaults become null (= removed from the URL). */
export function viewToQuery(v: CompareView): Record<string, string | null> {
  const zoom = Object.entries(v.zoom)
    .map(([k, r]) => `${k}:${urlNumber(r.min)}:${urlNumber(r.max)}`)
    .join(',');
  return {
    exp: v.exp.length ? v.exp.join(',') : null,
    runs: v.runIds.length ? v.runIds.join(',') : null,
    keys: v.keys ? v.keys.join(',') || null : null,
    x: v.x === 'step' ? null : v.x,
    smooth: v.smooth > 0 ? String(v.smooth) : null,
    log: v.log.length ? v.log.join(',') : null,
    clip: v.clip ? '1' : null,
    group: v.group,
    band: v.band === 'minmax' ? null : v.band,
    zoom: zoom || null,
    sys: v.system ? '1' : null,
    hide: v.hidden.length ? v.hidden.join(',') : null,
    tab: v.tab === 'params' ? null : v.tab,
    pdiff: v.diffOnly ? null : '0',
    sx: v.scatterX,
    sy: v.scatterY,
    pm: v.pcMetric,
    pp: v.pcParams ? v.pcParams.join(',') || null : null,
  };
}

/** Canonical string of a view (what the URL would say), to compare views cheaply. */
export function viewKey(v: CompareView): string {
  const q = viewToQuery(v);
  return Object.keys(q)
    .sort()
    .map((k) => `${k}=${q[k] ?? ''}`)
    .join('&');
}

/** '#/compare?exp=…&runs=…' for a set of runs (for links from other pages). */
export function compareHref(runIds: readonly string[], experimentIds: readonly string[] = []): string {
  const params = new URLSearchParams();
  if (experimentIds.length) params.set('exp', experimentIds.join(','));
  if (runIds.length) params.set('runs', runIds.join(','));
  const s = params.toString();
  return `#/compare${s ? `?${s}` : ''}`;
}
