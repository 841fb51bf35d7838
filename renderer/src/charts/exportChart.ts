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
const LEGEND_H = 20;

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

/** Standalone SVG text for a rendered <svg>, computed styles inlined. */
export function serializeSvg(svg: SVGSVGElement, opts: SerializeOptions = {}): SerializedSvg {
  const rect = svg.getBoundingClientRect();
  const chartW = Math.round(Number(svg.getAttribute('width')) || rect.width || 600);
  const chartH = Math.round(Number(svg.getAttribute('height')) || rect.height || 300);
  const cs = getComputedStyle(svg);
  const legend = opts.legend ?? [];
  const titleH = (opts.title ? TITLE_H : 0) + (legend.length > 0 ? LEGEND_H : 0);
  const height = chartH + titleH;
  // Legend entries' x positions; the picture widens (chart left-aligned) rather than clip a long title or legend.
  const legendFont = `12px ${cs.fontFamily}`;
  const legendX: number[] = [];
  let legendEnd = 12;
  for (const item of legend) {
    legendX.push(legendEnd);
    legendEnd += 14 + Math.ceil(textWidth(item.label, legendFont)) + 16;
  }
  const titleEnd = opts.title ? 12 + Math.ceil(textWidth(opts.title, `600 13px ${cs.fontFamily}`)) + 12 : 0;
  const width = Math.max(chartW, titleEnd, legend.length > 0 ? legendEnd - 4 : 0);

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
    const t = document.createElementNS(SVG_NS, 'text');
    t.setAttribute('x', '12');
    t.setAttribute('y', '19');
    t.setAttribute('style', `font-family:${cs.fontFamily};font-size:13px;font-weight:600;fill:${cs.color || '#222'}`);
    t.textContent = opts.title;
    out.append(t);
  }
  if (legend.length > 0) {
    const y = (opts.title ? TITLE_H : 0) + 12;
    legend.forEach((item, i) => {
      const x = legendX[i]!;
      const sw = document.createElementNS(SVG_NS, 'rect');
      sw.setAttribute('x', String(x));
      sw.setAttribute('y', String(y - 9));
      sw.setAttribute('width', '10');
      sw.setAttribute('height', '10');
      sw.setAttribute('rx', '2');
      sw.setAttribute('fill', item.color);
      const t = document.createElementNS(SVG_NS, 'text');
      t.setAttribute('x', String(x + 14));
      t.setAttribute('y', String(y));
      t.setAttribute('style', `font-family:${cs.fontFamily};font-size:12px;fill:${cs.color || '#222'}`);
      t.textContent = item.label;
      out.append(sw, t);
    });
  }
  const g = document.createElementNS(SVG_NS, 'g');
  g.setAttribute('transform', `translate(0 ${titleH})`);
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
