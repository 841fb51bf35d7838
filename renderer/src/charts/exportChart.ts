/**
 * Chart export: serialize a rendered chart <svg> (recharts or any other) into a standalone SVG file
 * with the computed styles inlined — so colours that come from CSS variables and theme classes
 * survive outside the app — and rasterize it to PNG through a canvas.
 */
import { downloadBlob } from '../lib/exportCsv';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Presentation properties copied from the computed style onto each cloned element. */
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'alignment-baseline',
  'letter-spacing',
  'visibility',
  'display',
  'shape-rendering',
  'paint-order',
] as const;

export interface SerializeOptions {
  /** Solid background (CSS colour). Default: the nearest non-transparent ancestor background, else white. */
  background?: string | null;
  /** Optional title drawn above the chart. */
  title?: string;
  /**
   * Optional legend line under the title (swatch + label per series), for charts whose legend is HTML outside
   * the <svg> and would otherwise be lost in the file.
   */
  legend?: readonly LegendItem[];
  /** Axis titles written next to the axes (e.g. `{ x: 'step', y: 'val_loss' }`), so the file says what it plots. */
  axes?: { x?: string; y?: string };
}

export interface LegendItem {
  label: string;
  /** Any CSS colour (read from the page at export time, so it follows the theme). */
  color: string;
}

export interface SerializedSvg {
  text: string;
  width: number;
  height: number;
}

const TITLE_H = 28;
const LEGEND_ROW_H = 18;
const AXIS_X_H = 20;
const AXIS_Y_W = 20;
/** Legend entries written out; past that, one "+N more" entry. */
export const MAX_LEGEND_ITEMS = 60;

/** Width of `text` in `font` (canvas metrics; a rough estimate when canvas is unavailable). */
function textWidth(text: string, font: string): number {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return text.length * 7;
  ctx.font = font;
  return ctx.measureText(text).width;
}

function isTransparent(color: string): boolean {
  return color === '' || color === 'transparent' || /^rgba\(.*,\s*0\)$/.test(color);
}

/** First non-transparent background colour up the tree (the card the chart sits on). */
export function effectiveBackground(el: Element): string {
  for (let n: Element | null = el; n; n = n.parentElement) {
    const bg = getComputedStyle(n).backgroundColor;
    if (!isTransparent(bg)) return bg;
  }
  return '#ffffff';
}

/** Not inherited in SVG: written only when they differ from the initial value. */
const NON_INHERITED: Readonly<Record<string, string>> = { opacity: '1', display: 'inline', 'alignment-baseline': 'auto', 'dominant-baseline': 'auto' };

/**
 * Copies computed presentation styles onto the clone. Inherited properties are written only where they
 * differ from the parent's, so the file stays small and still renders identically without the app's CSS.
 */
function inlineStyles(source: Element, target: Element, parent: ReadonlyMap<string, string> | null): void {
  const cs = getComputedStyle(source);
  const mine = new Map<string, string>();
  const parts: string[] = [];
  for (const p of STYLE_PROPS) {
    const v = cs.getPropertyValue(p);
    mine.set(p, v);
    if (!v) continue;
    const initial = NON_INHERITED[p];
    // An element's own presentation attribute (recharts sets stroke="#3182bd" etc.) must be overridden explicitly.
    const own = source.hasAttribute(p);
    if (own || (initial !== undefined ? v !== initial && !(p === 'display' && v === 'block') : parent === null || parent.get(p) !== v)) parts.push(`${p}:${v}`);
  }
  if (parts.length > 0) target.setAttribute('style', parts.join(';'));
  else target.removeAttribute('style');
  target.removeAttribute('class');
  const sKids = source.children;
  const tKids = target.children;
  for (let i = 0; i < sKids.length && i < tKids.length; i++) inlineStyles(sKids[i] as Element, tKids[i] as Element, mine);
}

interface LegendPlacement {
  item: LegendItem;
  x: number;
  row: number;
}

/** Legend entries flowed left to right into rows no wider than `width` (at least one entry per row). */
export function layoutLegend(items: readonly LegendItem[], measure: (text: string) => number, width: number): { placed: LegendPlacement[]; rows: number; widest: number } {
  const shown = items.length > MAX_LEGEND_ITEMS ? [...items.slice(0, MAX_LEGEND_ITEMS - 1), { label: `+${items.length - MAX_LEGEND_ITEMS + 1} more`, color: 'transparent' }] : items;
  const placed: LegendPlacement[] = [];
  let x = 12;
  let row = 0;
  let widest = 0;
  for (const item of shown) {
    const w = 14 + Math.ceil(measure(item.label)) + 16;
    if (x > 12 && x + w - 4 > width) {
      row++;
      x = 12;
    }
    placed.push({ item, x, row });
    x += w;
    widest = Math.max(widest, x - 4);
  }
  return { placed, rows: placed.length > 0 ? row + 1 : 0, widest };
}

function svgText(text: string, attrs: Record<string, string>): SVGTextElement {
  const t = document.createElementNS(SVG_NS, 'text');
  for (const [k, v] of Object.entries(attrs)) t.setAttribute(k, v);
  t.textContent = text;
  return t;
}

/**
 * Standalone SVG text for a rendered <svg>, computed styles inlined: the title, a legend (flowed into rows) and the
 * axis titles around the chart, so the picture explains itself outside the app.
 */
export function serializeSvg(svg: SVGSVGElement, opts: SerializeOptions = {}): SerializedSvg {
  const rect = svg.getBoundingClientRect();
  const chartW = Math.round(Number(svg.getAttribute('width')) || rect.width || 600);
  const chartH = Math.round(Number(svg.getAttribute('height')) || rect.height || 300);
  const cs = getComputedStyle(svg);
  const font = cs.fontFamily;
  const ink = cs.color || '#222';
  const yLabelW = opts.axes?.y ? AXIS_Y_W : 0;
  const xLabelH = opts.axes?.x ? AXIS_X_H : 0;
  const legendFont = `12px ${font}`;
  const legend = layoutLegend(opts.legend ?? [], (t) => textWidth(t, legendFont), Math.max(chartW + yLabelW, 360));
  const titleH = opts.title ? TITLE_H : 0;
  const headH = titleH + (legend.rows > 0 ? legend.rows * LEGEND_ROW_H + 4 : 0);
  const height = headH + chartH + xLabelH;
  // The picture widens (chart left-aligned) rather than clip a long title or legend.
  const titleEnd = opts.title ? 12 + Math.ceil(textWidth(opts.title, `600 13px ${font}`)) + 12 : 0;
  const width = Math.max(chartW + yLabelW, titleEnd, legend.widest);

  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone, null);
  // Interactive-only bits (tooltip cursor, active dots) are not part of the picture.
  clone.querySelectorAll('.recharts-tooltip-cursor, .recharts-active-dot').forEach((n) => n.remove());

  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('xmlns', SVG_NS);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const background = opts.background === undefined ? effectiveBackground(svg) : opts.background;
  if (background) {
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('width', '100%');
    bg.setAttribute('height', '100%');
    bg.setAttribute('fill', background);
    out.append(bg);
  }
  if (opts.title) {
    out.append(svgText(opts.title, { x: '12', y: '19', class: 'export-title', style: `font-family:${font};font-size:13px;font-weight:600;fill:${ink}` }));
  }
  if (legend.rows > 0) {
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('class', 'export-legend');
    for (const { item, x, row } of legend.placed) {
      const y = titleH + 12 + row * LEGEND_ROW_H;
      if (item.color !== 'transparent') {
        const sw = document.createElementNS(SVG_NS, 'rect');
        sw.setAttribute('x', String(x));
        sw.setAttribute('y', String(y - 9));
        sw.setAttribute('width', '10');
        sw.setAttribute('height', '10');
        sw.setAttribute('rx', '2');
        sw.setAttribute('fill', item.color);
        g.append(sw);
      }
      g.append(svgText(item.label, { x: String(item.color === 'transparent' ? x : x + 14), y: String(y), style: `font-family:${font};font-size:12px;fill:${ink}` }));
    }
    out.append(g);
  }
  const g = document.createElementNS(SVG_NS, 'g');
  g.setAttribute('transform', `translate(${yLabelW} ${headH})`);
  const inner = document.createElementNS(SVG_NS, 'svg');
  inner.setAttribute('width', String(chartW));
  inner.setAttribute('height', String(chartH));
  const vb = svg.getAttribute('viewBox');
  if (vb) inner.setAttribute('viewBox', vb);
  inner.setAttribute('overflow', 'hidden');
  const rootStyle = clone.getAttribute('style');
  if (rootStyle) inner.setAttribute('style', rootStyle);
  while (clone.firstChild) inner.append(clone.firstChild);
  g.append(inner);
  out.append(g);
  const axisStyle = `font-family:${font};font-size:11px;fill:${ink}`;
  if (opts.axes?.x) {
    out.append(svgText(opts.axes.x, { x: String(yLabelW + chartW / 2), y: String(headH + chartH + 14), 'text-anchor': 'middle', class: 'export-axis-x', style: axisStyle }));
  }
  if (opts.axes?.y) {
    const cy = headH + chartH / 2;
    out.append(svgText(opts.axes.y, { x: '13', y: String(cy), 'text-anchor': 'middle', transform: `rotate(-90 13 ${cy})`, class: 'export-axis-y', style: axisStyle }));
  }

  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(out)}`;
  return { text, width, height };
}

/** Rasterizes SVG text to a PNG blob at `scale` × its size (2 = crisp on HiDPI screens). */
export function svgToPng(svg: SerializedSvg, scale = 2): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      try {
        const canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(svg.width * scale));
        canvas.height = Math.max(1, Math.round(svg.height * scale));
        const ctx = canvas.getContext('2d');
        if (!ctx) throw new Error('Canvas 2D is not available');
        ctx.scale(scale, scale);
        ctx.drawImage(img, 0, 0, svg.width, svg.height);
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('Could not encode the PNG'))), 'image/png');
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    img.onerror = () => reject(new Error('Could not rasterize the chart'));
    // A data: URL (allowed by the CSP's img-src) keeps the canvas untainted.
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.text)}`;
  });
}

/** File-system-safe base name: "val/auc" → "val-auc". */
export function chartFileName(base: string, ext: 'svg' | 'png'): string {
  const cleaned = base.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').replace(/\s+/g, ' ').trim() || 'chart';
  return `${cleaned.slice(0, 150)}.${ext}`;
}

/** The chart's main <svg> inside a container (recharts' surface, else the first <svg>). */
export function findChartSvg(root: Element | null): SVGSVGElement | null {
  if (!root) return null;
  return root.querySelector<SVGSVGElement>('svg.recharts-surface') ?? root.querySelector<SVGSVGElement>('svg');
}

export function exportSvg(svg: SVGSVGElement, fileBase: string, opts: SerializeOptions = {}): SerializedSvg {
  const s = serializeSvg(svg, opts);
  downloadBlob(new Blob([s.text], { type: 'image/svg+xml;charset=utf-8' }), chartFileName(fileBase, 'svg'));
  return s;
}

export async function exportPng(svg: SVGSVGElement, fileBase: string, opts: SerializeOptions & { scale?: number } = {}): Promise<Blob> {
  const blob = await svgToPng(serializeSvg(svg, opts), opts.scale ?? 2);
  downloadBlob(blob, chartFileName(fileBase, 'png'));
  return blob;
}
