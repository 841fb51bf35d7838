/**
 * A small, safe Markdown reader for run descriptions (MLflow keeps them in the `mlflow.note.content` tag).
 *
 * It returns a tree, never HTML: the UI renders the tree with React, so every character of the source ends up as
 * text (raw HTML such as `<script>` is shown, not interpreted). Links are kept only for http(s) URLs; anything else
 * (`javascript:`, `data:`, relative paths) stays plain text. Images are not loaded (their alt text is shown).
 *
 * Supported: paragraphs, hard breaks (two trailing spaces or `\`), ATX headings, fenced code, block quotes,
 * bullet and numbered lists (nested by indentation), thematic breaks, `code`, *em*, **strong**, ~~strike~~,
 * [links](https://…), <https://…> and bare https:// URLs, backslash escapes.
 */

export type MdInline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'em' | 'strong' | 'del'; children: MdInline[] }
  | { t: 'link'; href: string; children: MdInline[] }
  | { t: 'br' };

export type MdBlock =
  | { t: 'p'; children: MdInline[] }
  | { t: 'h'; level: 1 | 2 | 3 | 4 | 5 | 6; children: MdInline[] }
  | { t: 'pre'; lang: string; text: string }
  | { t: 'list'; ordered: boolean; start: number; items: MdBlock[][] }
  | { t: 'quote'; children: MdBlock[] }
  | { t: 'hr' };

/** Longest source parsed (MLflow tag values are at most 8,000 characters); the rest is cut. */
export const MAX_MARKDOWN = 20_000;
/** Nesting depth of quotes / lists / emphasis kept as structure; deeper content becomes text. */
const MAX_DEPTH = 8;

/** The URL as a link target when it is an absolute http(s) URL without spaces or control characters, else null. */
export function safeHref(raw: string): string | null {
  const s = raw.trim();
  if (!/^https?:\/\/[^\s]+$/i.test(s) || /[\u0000-\u001f\u007f]/.test(s)) return null;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (!u.hostname) return null;
    return u.href;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Inlines

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!<>~|"'&]/;
const BARE_URL = /https?:\/\/[^\s<>"'`]+/iy;
const ALNUM = /[\p{L}\p{N}]/u;

function pushText(out: MdInline[], text: string): void {
  if (!text) return;
  const last = out[out.length - 1];
  if (last && last.t === 'text') last.text += text;
  else out.push({ t: 'text', text });
}

/** Index of the `]` closing the `[` at `open` (nested brackets and escapes respected), or -1. */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > 0) i = end;
    } else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/** `(url "title")` right after a link's `]`: the URL and where it ends, or null. */
function linkTarget(s: string, at: number): { url: string; end: number } | null {
  if (s[at] !== '(') return null;
  let i = at + 1;
  while (s[i] === ' ') i++;
  let url = '';
  if (s[i] === '<') {
    const close = s.indexOf('>', i);
    if (close < 0) return null;
    url = s.slice(i + 1, close);
    i = close + 1;
  } else {
    let depth = 0;
    while (i < s.length) {
      const c = s[i] as string;
      if (c === '\\' && i + 1 < s.length) {
        url += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (/\s/.test(c)) break;
      url += c;
      i++;
    }
  }
  while (s[i] === ' ') i++;
  // Optional title: "…", '…' or (…) — read and dropped.
  const q = s[i];
  if (q === '"' || q === "'" || q === '(') {
    const close = s.indexOf(q === '(' ? ')' : q, i + 1);
    if (close < 0) return null;
    i = close + 1;
    while (s[i] === ' ') i++;
  }
  if (s[i] !== ')') return null;
  return { url, end: i + 1 };
}

/** Where the emphasis opened at `from` with `delim` closes (same delimiter, not right after a space), or -1. */
function closingDelim(s: string, from: number, delim: string): number {
  for (let i = from; i <= s.length - delim.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > 0) i = end;
      continue;
    }
    if (!s.startsWith(delim, i)) continue;
    if (i === from || /\s/.test(s[i - 1] as string)) continue;
    // `**` inside `*…*` is not the end of the single-star span.
    if (delim.length === 1 && s[i + 1] === delim[0]) {
      i++;
      continue;
    }
    if (delim[0] === '_' && ALNUM.test(s[i + delim.length] ?? '')) continue;
    return i;
  }
  return -1;
}

export function parseInline(src: string, depth = 0): MdInline[] {
  const out: MdInline[] = [];
  const s = src;
  let i = 0;
  let text = '';
  const flush = () => {
    pushText(out, text);
    text = '';
  };
  while (i < s.length) {
    const c = s[i] as string;
    // Backslash escapes and hard breaks.
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '\n') {
        flush();
        out.push({ t: 'br' });
        i += 2;
        continue;
      }
      if (n !== undefined && ESCAPABLE.test(n)) {
        text += n;
        i += 2;
        continue;
      }
      text += c;
      i++;
      continue;
    }
    if (c === '\n') {
      // Two trailing spaces: a hard break; otherwise the line break is a space.
      if (/ {2,}$/.test(text)) {
        text = text.replace(/ +$/, '');
        flush();
        out.push({ t: 'br' });
      } else text = `${text.replace(/ +$/, '')} `;
      i++;
      continue;
    }
    // Code spans: a run of n backticks up to the next run of exactly n.
    if (c === '`') {
      let n = 1;
      while (s[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      let j = s.indexOf(fence, i + n);
      while (j >= 0 && s[j + n] === '`') j = s.indexOf(fence, j + n + 1);
      if (j < 0) {
        text += fence;
        i += n;
        continue;
      }
      flush();
      let code = s.slice(i + n, j).replace(/\n/g, ' ');
      if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
      out.push({ t: 'code', text: code });
      i = j + n;
      continue;
    }
    // <https://…> autolinks (anything else in angle brackets is just text).
    if (c === '<') {
      const close = s.indexOf('>', i + 1);
      const href = close > 0 ? safeHref(s.slice(i + 1, close)) : null;
      if (close > 0 && href && !/\s/.test(s.slice(i + 1, close))) {
        flush();
        out.push({ t: 'link', href, children: [{ t: 'text', text: s.slice(i + 1, close) }] });
        i = close + 1;
        continue;
      }
      text += c;
      i++;
      continue;
    }
    // [text](url) and ![alt](url): links only to http(s); images are never loaded (alt text only).
    if (c === '[' || (c === '!' && s[i + 1] === '[')) {
      const open = c === '!' ? i + 1 : i;
      const close = closingBracket(s, open);
      const target = close > 0 ? linkTarget(s, close + 1) : null;
      if (close > 0 && target) {
        flush();
        const label = s.slice(open + 1, close);
        // No link inside a link: nested ones keep their text only.
        const children = (depth < MAX_DEPTH ? parseInline(label, depth + 1) : [{ t: 'text' as const, text: label }]).flatMap((x) => (x.t === 'link' ? x.children : [x]));
        const href = safeHref(target.url);
        if (c === '!') pushText(out, label);
        else if (href) out.push({ t: 'link', href, children });
        else {
          for (const ch of children) {
            if (ch.t === 'text') pushText(out, ch.text);
            else out.push(ch);
          }
        }
        i = target.end;
        continue;
      }
      text += c;
      i++;
      continue;
    }
    // Bare http(s) URLs (trailing punctuation stays outside the link).
    if ((c === 'h' || c === 'H') && (i === 0 || !ALNUM.test(s[i - 1] as string))) {
      BARE_URL.lastIndex = i;
      const m = BARE_URL.exec(s);
      if (m) {
        let url = m[0];
        while (/[.,:;!?)\]*_~]$/.test(url)) url = url.slice(0, -1);
        const href = safeHref(url);
        if (href) {
          flush();
          out.push({ t: 'link', href, children: [{ t: 'text', text: url }] });
          i += url.length;
          continue;
        }
      }
    }
    // Emphasis: **strong** / __strong__, *em* / _em_, ~~strike~~.
    if ((c === '*' || c === '_' || c === '~') && depth < MAX_DEPTH) {
      const two = s[i + 1] === c;
      const delim = c === '~' ? (two ? '~~' : '') : two ? c + c : c;
      const canOpen = delim !== '' && s[i + delim.length] !== undefined && !/\s/.test(s[i + delim.length] as string) && !(c === '_' && i > 0 && ALNUM.test(s[i - 1] as string));
      const end = canOpen ? closingDelim(s, i + delim.length, delim) : -1;
      if (end > 0) {
        flush();
        const inner = parseInline(s.slice(i + delim.length, end), depth + 1);
        out.push({ t: c === '~' ? 'del' : delim.length === 2 ? 'strong' : 'em', children: inner });
        i = end + delim.length;
        continue;
      }
      text += two ? c + c : c;
      i += two ? 2 : 1;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( {0,3})([-*+]|(\d{1,9})[.)])([ \t]+(.*)|[ \t]*)$/;

const isBlank = (l: string) => l.trim() === '';
const startsBlock = (l: string) => FENCE.test(l) || HEADING.test(l) || HR.test(l) || QUOTE.test(l) || LIST_ITEM.test(l);

function parseBlocks(lines: readonly string[], depth: number): MdBlock[] {
  const out: MdBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] as string;
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(lines[i] as string)) body.push(lines[i++] as string);
      i++; // the closing fence (or the end)
      out.push({ t: 'pre', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    if (HR.test(line)) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }
    const h = HEADING.exec(line);
    if (h) {
      out.push({ t: 'h', level: (h[1] as string).length as 1 | 2 | 3 | 4 | 5 | 6, children: parseInline(h[2] ?? '') });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && !isBlank(lines[i] as string)) {
        const q = QUOTE.exec(lines[i] as string);
        body.push(q ? (q[1] as string) : (lines[i] as string));
        i++;
      }
      out.push(depth < MAX_DEPTH ? { t: 'quote', children: parseBlocks(body, depth + 1) } : { t: 'p', children: parseInline(body.join('\n')) });
      continue;
    }
    const li = LIST_ITEM.exec(line);
    if (li) {
      const ordered = li[3] !== undefined;
      const start = ordered ? Number(li[3]) : 1;
      const items: MdBlock[][] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i] as string);
        if (!m || (m[3] !== undefined) !== ordered) break;
        const indent = (m[1] as string).length + (m[2] as string).length + 1;
        const body: string[] = [m[5] ?? ''];
        i++;
        // The item's other lines: indented ones (nested content), or lazy continuations of its paragraph.
        while (i < lines.length) {
          const l = lines[i] as string;
          if (isBlank(l)) {
            const next = lines[i + 1];
            if (next !== undefined && /^\s+/.test(next) && next.length - next.trimStart().length >= indent) {
              body.push('');
              i++;
              continue;
            }
            break;
          }
          const lead = l.length - l.trimStart().length;
          if (lead >= indent) body.push(l.slice(indent));
          else if (!startsBlock(l) && !isBlank(body[body.length - 1] ?? '')) body.push(l.trimStart());
          else break;
          i++;
        }
        items.push(depth < MAX_DEPTH ? parseBlocks(body, depth + 1) : [{ t: 'p', children: parseInline(body.join('\n')) }]);
        while (i < lines.length && isBlank(lines[i] as string) && lines[i + 1] !== undefined && LIST_ITEM.test(lines[i + 1] as string)) i++;
      }
      out.push({ t: 'list', ordered, start, items });
      continue;
    }
    // A paragraph: up to a blank line or the start of another block.
    const para: string[] = [line.trimStart()];
    i++;
    while (i < lines.length && !isBlank(lines[i] as string) && !startsBlock(lines[i] as string)) para.push((lines[i++] as string).trimStart());
    out.push({ t: 'p', children: parseInline(para.join('\n').replace(/\s+$/, '')) });
  }
  return out;
}

/** Markdown source → block tree (see the module comment for what is kept and what becomes text). */
export function parseMarkdown(src: string): MdBlock[] {
  const text = src.length > MAX_MARKDOWN ? src.slice(0, MAX_MARKDOWN) : src;
  return parseBlocks(text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n'), 0);
}

/** The plain text of a tree (search, titles, tests). */
export function markdownText(blocks: readonly MdBlock[]): string {
  const inl = (xs: readonly MdInline[]): string => xs.map((x) => (x.t === 'text' || x.t === 'code' ? x.text : x.t === 'br' ? '\n' : inl(x.children))).join('');
  const blk = (b: MdBlock): string => {
    switch (b.t) {
      case 'p':
      case 'h':
        return inl(b.children);
      case 'pre':
        return b.text;
      case 'list':
        return b.items.map((it) => it.map(blk).join('\n')).join('\n');
      case 'quote':
        return b.children.map(blk).join('\n');
      case 'hr':
        return '';
    }
  };
  return blocks.map(blk).join('\n\n');
}
