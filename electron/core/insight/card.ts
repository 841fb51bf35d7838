import type { CardEditable, FairnessReport, GlobalResult, ModelCard, ModelLineage, Profile } from '../../../shared/contract';

/**
 * Model cards (Mitchell et al., "Model Cards for Model Reporting"): generated sections from what mldesk knows
 * (lineage, the training data and its profile, metrics, explanations, fairness) and the sections only a person can
 * write (intended use, limitations, ethical considerations). The Markdown is the saved form: person-written text sits
 * between `<!-- mldesk:edit <id> -->` markers, so a saved card is read back into the editor. The HTML export is one
 * self-contained file (inline CSS, charts as inline SVG, no script, nothing fetched).
 */

export const CARD_FILE = 'MODEL_CARD.md';
/** Project-relative folder of a version's card ("next to the model"): models/<model>/v<version>/. */
export const cardPath = (model: string, version: string) => `models/${model.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'model'}/v${version}/${CARD_FILE}`;

export type Edits = Record<CardEditable, string>;

const EDITABLE: Array<{ id: CardEditable; title: string; hint: string }> = [
  { id: 'intendedUse', title: 'Intended use', hint: 'Who should use this model, for what decisions, and what it must not be used for.' },
  { id: 'limitations', title: 'Limitations', hint: 'Where it is known to be weak: data it was not trained on, groups it serves worse, conditions that break it.' },
  { id: 'ethicalConsiderations', title: 'Ethical considerations', hint: 'Risks to people affected by its decisions, sensitive attributes, mitigations and the review it had.' },
];

export interface CardInput {
  model: string;
  version: string;
  description: string | null;
  stage: string;
  aliases: string[];
  createdAt: number;
  lineage: ModelLineage;
  run: { name: string; params: Array<{ key: string; value: string }>; metrics: Array<{ key: string; value: number }> } | null;
  training: { label: string; profile: Profile | null; problem: string | null } | null;
  global: GlobalResult | null;
  fairness: FairnessReport | null;
  edits: Edits;
}

type Section = ModelCard['sections'][number];

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(digits)).toString());
const withCi = (value: number | null, ci: [number, number] | null | undefined) => (value === null ? '—' : ci ? `${num(value)} [${num(ci[0])}, ${num(ci[1])}]` : num(value));

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function lineageSection(c: CardInput): string {
  const l = c.lineage;
  const lines = [
    `- **Model:** ${c.model} v${c.version} (stage ${c.stage}${c.aliases.length ? `, ${c.aliases.map((a) => `@${a}`).join(' ')}` : ''}), registered ${new Date(c.createdAt).toISOString().slice(0, 10)}`,
    `- **Source:** \`${l.model.source}\``,
    `- **Run:** ${l.run ? `${l.run.name || l.run.runId} (\`${l.run.runId}\`, ${l.run.status})` : 'none recorded'}`,
    `- **Code commit:** ${l.commit ? `\`${l.commit}\`` : 'none recorded'}`,
    `- **Datasets:** ${l.datasets.length ? l.datasets.map((d) => (d.version ? `\`${d.version.path}@${d.version.commit.slice(0, 12)}\`` : `${d.name} (digest \`${d.digest}\`)`)).join(', ') : 'none logged'}`,
    `- **Image:** ${l.image?.length ? l.image.map((i) => `\`${i.ref ?? i.digest}\``).join(', ') : 'not built'}`,
    `- **Deployments:** ${l.deployments?.length ? l.deployments.map((d) => `${d.id} (${d.target}, ${d.status})`).join(', ') : 'not deployed'}`,
  ];
  return lines.join('\n');
}

function dataSection(c: CardInput): string {
  const t = c.training;
  if (!t) return '_No training dataset is known from lineage._';
  const out = [`Training data: \`${t.label}\`.`];
  const p = t.profile;
  if (!p) {
    out.push('', `_No profile: ${t.problem ?? 'the data could not be read'}._`);
    return out.join('\n');
  }
  out.push('', `${p.rows.toLocaleString('en')} rows, ${p.columns.length} columns (sha256 \`${p.sha256.slice(0, 12)}\`).`, '');
  out.push(
    table(
      ['Column', 'Type', 'Missing', 'Distinct', 'Mean / top', 'Min', 'Max'],
      p.columns.map((col) => [
        `\`${col.name}\``,
        col.type,
        `${col.count ? ((col.missing / Math.max(1, col.count)) * 100).toFixed(1) : '0'}%`,
        String(col.distinct),
        col.mean !== null ? num(col.mean, 4) : col.top?.[0] ? `${col.top[0].value ?? 'null'} (${col.top[0].count})` : '—',
        col.min === null ? '—' : typeof col.min === 'number' ? num(col.min, 4) : col.min,
        col.max === null ? '—' : typeof col.max === 'number' ? num(col.max, 4) : col.max,
      ]),
    ),
  );
  return out.join('\n');
}

function metricsSection(c: CardInput): string {
  if (!c.run) return '_No run: no metrics or parameters recorded._';
  const m = c.run.metrics.filter((x) => Number.isFinite(x.value)).sort((a, b) => a.key.localeCompare(b.key));
  const p = [...c.run.params].sort((a, b) => a.key.localeCompare(b.key));
  return [
    m.length ? table(['Metric', 'Value'], m.map((x) => [`\`${x.key}\``, num(x.value, 4)])) : '_No metrics logged._',
    '',
    p.length ? `**Parameters:** ${p.map((x) => `\`${x.key}=${x.value}\``).join(', ')}` : '_No parameters logged._',
  ].join('\n');
}

function explanationsSection(c: CardInput): string {
  const g = c.global;
  if (!g) return '_Not computed yet: open the version’s Insight tab and compute the global explanations._';
  const top = g.importance.slice(0, 10);
  const out = [`On ${g.dataset.label} (${g.settings.sampleRows.toLocaleString('en')}-row sample, ${g.settings.repeats} repeats, scoring \`${g.settings.scoring}\`; baseline ${num(g.baseline, 4)}).`, ''];
  if (top.length) {
    out.push('**Permutation importance** (drop of the score when the feature is shuffled, mean and 95% CI):', '');
    out.push(table(['Feature', 'Importance', '95% CI'], top.map((x) => [`\`${x.feature}\``, num(x.mean), `[${num(x.ci[0])}, ${num(x.ci[1])}]`])), '');
  } else out.push('_No permutation importance: the data has no label column._', '');
  out.push(`**Mean |SHAP|** (${g.shap.method === 'treeshap' ? 'exact TreeSHAP' : 'KernelSHAP'} on ${g.shap.rows} rows, ${g.shap.space} space):`, '');
  out.push(table(['Feature', 'Mean |SHAP|'], g.shap.meanAbs.slice(0, 10).map((x) => [`\`${x.feature}\``, num(x.value)])));
  return out.join('\n');
}

function fairnessSection(c: CardInput): string {
  const f = c.fairness;
  if (!f) return '_Not computed yet: open the version’s Insight tab, pick a sensitive attribute and compute fairness._';
  const s = f.summary;
  const m = (x: { value: number | null; ci: [number, number] | null }) => withCi(x.value, x.ci);
  return [
    `By \`${f.attributes.join(' × ')}\` on ${f.dataset.label} (label \`${f.label}\`), threshold ${f.threshold}, ${f.bootstrap.samples} bootstrap resamples (${Math.round(f.bootstrap.level * 100)}% CIs).`,
    '',
    table(
      ['Group', 'Size', 'Selection rate', 'TPR', 'FPR', 'Precision', 'Mean score', 'Observed rate'],
      f.groups.map((g) => [
        g.key,
        String(g.size),
        withCi(g.selectionRate, g.ci.selectionRate),
        withCi(g.tpr, g.ci.tpr),
        withCi(g.fpr, g.ci.fpr),
        withCi(g.precision, g.ci.precision),
        withCi(g.calibration.meanScore, g.ci.meanScore),
        withCi(g.calibration.observedRate, g.ci.observedRate),
      ]),
    ),
    '',
    `- Demographic parity difference: ${m(s.demographicParityDifference)}; ratio: ${m(s.demographicParityRatio)}`,
    `- Equal opportunity difference: ${m(s.equalOpportunityDifference)}`,
    `- Equalized odds difference: ${m(s.equalizedOddsDifference)}`,
    ...f.notes.map((n) => `- _${n}_`),
  ].join('\n');
}

export function cardSections(c: CardInput): Section[] {
  const gen = (id: string, title: string, markdown: string): Section => ({ id, title, markdown, editable: false });
  return [
    gen('details', 'Model details', `${c.description ? `${c.description}\n\n` : ''}${lineageSection(c)}`),
    ...EDITABLE.slice(0, 1).map((e) => ({ id: e.id, title: e.title, markdown: c.edits[e.id], editable: true })),
    gen('data', 'Training data', dataSection(c)),
    gen('metrics', 'Metrics', metricsSection(c)),
    gen('explanations', 'Explanations', explanationsSection(c)),
    gen('fairness', 'Fairness', fairnessSection(c)),
    ...EDITABLE.slice(1).map((e) => ({ id: e.id, title: e.title, markdown: c.edits[e.id], editable: true })),
  ];
}

export function cardMarkdown(c: CardInput, sections: Section[]): string {
  const parts = [`# Model card: ${c.model} v${c.version}`, '', `_Generated by mldesk on ${new Date().toISOString().slice(0, 10)}. Sections marked “written by a person” are kept when the card is generated again._`];
  for (const s of sections) {
    parts.push('', `## ${s.title}`, '');
    if (s.editable) {
      const hint = EDITABLE.find((e) => e.id === s.id)?.hint ?? '';
      parts.push(`<!-- mldesk:edit ${s.id} (written by a person: ${hint}) -->`, s.markdown.trim() || `_Not written yet._`, `<!-- /mldesk:edit ${s.id} -->`);
    } else parts.push(s.markdown);
  }
  return parts.join('\n') + '\n';
}

/** The person-written sections of a saved card (empty when absent or never written). */
export function parseEdits(markdown: string | null): Edits {
  const out: Edits = { intendedUse: '', limitations: '', ethicalConsiderations: '' };
  if (!markdown) return out;
  for (const e of EDITABLE) {
    const m = new RegExp(`<!-- mldesk:edit ${e.id}\\b[^>]*-->\\r?\\n([\\s\\S]*?)\\r?\\n?<!-- /mldesk:edit ${e.id} -->`).exec(markdown);
    const text = m?.[1]?.trim() ?? '';
    out[e.id] = text === '_Not written yet._' ? '' : text;
  }
  return out;
}

// ── HTML ────────────────────────────────────────────────────────────────────

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(s: string): string {
  return html(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_([^_]+)_(?=[\s).,;:]|$)/g, '$1<em>$2</em>');
}

/** The Markdown this file writes (and plain person-written Markdown): headings, paragraphs, lists, tables, code spans. */
export function markdownToHtml(md: string): string {
  const lines = md.replace(/<!--[\s\S]*?-->/g, '').split(/\r?\n/);
  const out: string[] = [];
  let i = 0;
  const cells = (l: string) => l.replace(/^\s*\|/, '').replace(/\|\s*$/, '').split(/(?<!\\)\|/).map((c) => inline(c.trim().replace(/\\\|/g, '|')));
  while (i < lines.length) {
    const l = lines[i]!;
    if (!l.trim()) {
      i++;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(l);
    if (h) {
      out.push(`<h${h[1]!.length}>${inline(h[2]!)}</h${h[1]!.length}>`);
      i++;
    } else if (/^\s*\|/.test(l) && /^\s*\|?\s*-{3}/.test(lines[i + 1] ?? '')) {
      const head = cells(l);
      i += 2;
      const body: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) body.push(cells(lines[i++]!));
      out.push(`<table><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (/^\s*[-*]\s+/.test(l)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i]!)) items.push(`<li>${inline(lines[i++]!.replace(/^\s*[-*]\s+/, ''))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i]!.trim() && !/^(#{1,6}\s|\s*\||\s*[-*]\s+)/.test(lines[i]!)) para.push(lines[i++]!);
      out.push(`<p>${inline(para.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

/** A horizontal bar chart with optional CI whiskers, as inline SVG (what the HTML card draws its charts with). */
export function barChartSvg(title: string, bars: Array<{ label: string; value: number; ci?: [number, number] | null }>, opts: { color?: string; format?: (v: number) => string } = {}): string {
  const fmt = opts.format ?? ((v: number) => num(v));
  const rowH = 22;
  const left = 170;
  const width = 640;
  const plot = width - left - 70;
  const height = 30 + bars.length * rowH + 10;
  const vals = bars.flatMap((b) => [b.value, ...(b.ci ?? [])]).filter(Number.isFinite);
  const lo = Math.min(0, ...vals);
  const hi = Math.max(0, ...vals, 1e-12);
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plot;
  const color = opts.color ?? '#3b6fd8';
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${html(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`, `<title>${html(title)}</title>`, `<text x="0" y="16" font-weight="600">${html(title)}</text>`, `<line x1="${x(0)}" y1="24" x2="${x(0)}" y2="${height - 6}" stroke="#999"/>`];
  bars.forEach((b, k) => {
    const y = 28 + k * rowH;
    const x0 = x(Math.min(0, b.value));
    const w = Math.max(1, Math.abs(x(b.value) - x(0)));
    parts.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end">${html(b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label)}</text>`);
    parts.push(`<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}" rx="2"/>`);
    if (b.ci) {
      const [a, c] = b.ci;
      parts.push(`<line x1="${x(a).toFixed(1)}" y1="${y + 11}" x2="${x(c).toFixed(1)}" y2="${y + 11}" stroke="#222" stroke-width="1.2"/>`);
      for (const v of [a, c]) parts.push(`<line x1="${x(v).toFixed(1)}" y1="${y + 6}" x2="${x(v).toFixed(1)}" y2="${y + 16}" stroke="#222" stroke-width="1.2"/>`);
    }
    parts.push(`<text x="${(Math.max(x(b.value), b.ci ? x(b.ci[1]) : 0) + 6).toFixed(1)}" y="${y + 14}" fill="#444">${html(fmt(b.value))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5d6778; --bg: #ffffff; --line: #d9dee7; --code: #f2f4f8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa4b5; --bg: #161a22; --line: #323a48; --code: #222835; } svg text { fill: #e6e9ef; } }
body { font: 14px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); max-width: 920px; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .75rem 0; font-size: 13px; } th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--code); } code { background: var(--code); padding: 0 .25rem; border-radius: 3px; font-size: 12.5px; }
.person { border-left: 3px solid #3b6fd8; padding-left: .9rem; } .muted, em { color: var(--muted); } figure { margin: 1rem 0; overflow-x: auto; }
`;

/** One self-contained HTML file: the card's Markdown rendered, charts inline. */
export function cardHtml(c: CardInput, sections: Section[]): string {
  const body: string[] = [`<h1>Model card: ${html(c.model)} v${html(c.version)}</h1>`, `<p class="muted">Generated by mldesk on ${new Date().toISOString().slice(0, 10)}.</p>`];
  for (const s of sections) {
    body.push(`<section id="${s.id}"><h2>${html(s.title)}</h2>`);
    if (s.editable) body.push(`<div class="person">${s.markdown.trim() ? markdownToHtml(s.markdown) : '<p><em>Not written yet.</em></p>'}</div>`);
    else body.push(markdownToHtml(s.markdown));
    if (s.id === 'explanations' && c.global) {
      if (c.global.importance.length) body.push(`<figure>${barChartSvg('Permutation importance (95% CI)', c.global.importance.slice(0, 10).map((x) => ({ label: x.feature, value: x.mean, ci: x.ci })))}</figure>`);
      body.push(`<figure>${barChartSvg('Mean |SHAP|', c.global.shap.meanAbs.slice(0, 10).map((x) => ({ label: x.feature, value: x.value })), { color: '#d8743b' })}</figure>`);
    }
    if (s.id === 'fairness' && c.fairness) {
      body.push(`<figure>${barChartSvg('Selection rate by group (95% CI)', c.fairness.groups.map((g) => ({ label: g.key, value: g.selectionRate ?? 0, ci: g.ci.selectionRate ?? null })), { color: '#2f9e77' })}</figure>`);
      body.push(`<figure>${barChartSvg('True positive rate by group (95% CI)', c.fairness.groups.map((g) => ({ label: g.key, value: g.tpr ?? 0, ci: g.ci.tpr ?? null })), { color: '#7a5cc4' })}</figure>`);
    }
    body.push('</section>');
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Model card: ${html(c.model)} v${html(c.version)}</title><style>${CSS}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}
