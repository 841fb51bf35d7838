/**
 * Autocomplete for the runs filter box (pure: no React, no DOM). From the text and the cursor it works out what the
 * grammar expects there — an identifier (`metrics.` / `params.` / `tags.` / `attributes.` + the keys the runs
 * have), an operator, a value (the known values of a param or tag, run statuses), or `AND` — and which span of the
 * text a suggestion replaces. Unit-tested in tests/filterSuggest.test.ts.
 */
import { ENTITY_WORDS as FILTER_ENTITY_WORDS, RUN_ATTRIBUTES } from '../../../../shared/lib/mlflowFilter';
import { quoteKey, quoteValue } from './tableLogic';

export interface SuggestSource {
  params: readonly string[];
  metrics: readonly string[];
  tags: readonly string[];
  /** Known values of a param or tag (most frequent first). */
  values(entity: 'param' | 'tag', key: string): readonly string[];
}

export type SuggestionKind = 'entity' | 'key' | 'operator' | 'value' | 'keyword';

export interface Suggestion {
  /** What the list shows. */
  label: string;
  /** What replaces `from…to`. */
  insert: string;
  kind: SuggestionKind;
  /** Small print next to the label (entity, value count…). */
  detail?: string;
  /** The list stays open after accepting it (what comes next is suggested: keys after a prefix, operators after a key…). */
  keepOpen?: boolean;
}

export interface SuggestResult {
  /** Replaced span of the text (UTF-16 offsets). */
  from: number;
  to: number;
  items: Suggestion[];
}

type Entity = 'metric' | 'param' | 'tag' | 'attribute';

const ENTITY_WORDS: Readonly<Record<string, Entity>> = { ...FILTER_ENTITY_WORDS, run: 'attribute' };const PREFIX: Record<Entity, string> = { metric: 'metrics', param: 'params', tag: 'tags', attribute: 'attributes' };
const ENTITY_HELP: Record<Entity, string> = { metric: 'latest metric value', param: 'parameter', tag: 'run tag', attribute: 'run attribute' };
const ATTRIBUTE_KEYS = Object.keys(RUN_ATTRIBUTES);
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const NUMERIC_OPS = ['>', '>=', '<', '<=', '=', '!='];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const NULL_OPS = ['IS NULL', 'IS NOT NULL'];

const WORD_CHAR = /[\p{L}\p{N}_\-/.:]/u;

type Tok =
  | { t: 'word'; text: string; start: number; end: number }
  | { t: 'string'; text: string; value: string; start: number; end: number; closed: boolean }
  | { t: 'quoted'; text: string; value: string; start: number; end: number; closed: boolean }
  | { t: 'op'; text: string; start: number; end: number }
  | { t: 'punct'; text: string; start: number; end: number };

/** A forgiving lexer: unterminated strings and names run to the end (the user is typing them). */
function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', text: c, start, end: ++i });
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < src.length) {
        const d = src[j] as string;
        if (d === '\\' && c !== '`' && j + 1 < src.length) {
          value += src[j + 1];
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          j++;
          break;
        }
        value += d;
        j++;
      }
      const tok = { text: src.slice(start, j), value, start, end: j, closed };
      // A backtick right after `entity.` belongs to that identifier.
      const prev = out[out.length - 1];
      if (c === '`' && prev && prev.t === 'word' && prev.end === start && prev.text.endsWith('.')) {
        out[out.length - 1] = { t: 'quoted', ...tok, text: prev.text + tok.text, start: prev.start, value: prev.text + value };
      } else out.push(c === '`' ? { t: 'quoted', ...tok } : { t: 'string', ...tok });
      i = j;
      continue;
    }
    if (/[<>=!~]/.test(c)) {
      let j = i;
      while (j < src.length && /[<>=!~]/.test(src[j] as string)) j++;
      out.push({ t: 'op', text: src.slice(i, j), start, end: j });
      i = j;
      continue;
    }
    if (WORD_CHAR.test(c) || c === '+') {
      let j = i + 1;
      while (j < src.length && WORD_CHAR.test(src[j] as string)) j++;
      out.push({ t: 'word', text: src.slice(i, j), start, end: j });
      i = j;
      continue;
    }
    out.push({ t: 'punct', text: c, start, end: ++i });
  }
  return out;
}

interface Ident {
  entity: Entity | null;
  key: string;
}

function parseIdent(tok: Tok): Ident | null {
  let text: string;
  if (tok.t === 'word') text = tok.text;
  else if (tok.t === 'quoted') text = tok.value;
  else return null;
  const dot = text.indexOf('.');
  if (dot < 0) return { entity: null, key: text };
  const entity = ENTITY_WORDS[text.slice(0, dot).toLowerCase()] ?? null;
  return { entity, key: text.slice(dot + 1) };
}

type State = { s: 'ident' } | { s: 'op'; id: Ident | null } | { s: 'value'; id: Ident | null; list: boolean } | { s: 'listOpen'; id: Ident | null } | { s: 'listNext'; id: Ident | null } | { s: 'is'; id: Ident | null } | { s: 'after' };

const upper = (t: Tok) => (t.t === 'word' ? t.text.toUpperCase() : '');

/** Walks the complete tokens before the cursor and returns what comes next. */
function stateAfter(toks: readonly Tok[]): State {
  let st: State = { s: 'ident' };
  for (const tok of toks) {
    const u = upper(tok);
    switch (st.s) {
      case 'ident':
        if (tok.t === 'punct' && tok.text === '(') break;
        st = { s: 'op', id: parseIdent(tok) };
        break;
      case 'op':
        if (tok.t === 'op') st = { s: 'value', id: st.id, list: false };
        else if (u === 'LIKE' || u === 'ILIKE') st = { s: 'value', id: st.id, list: false };
        else if (u === 'IN') st = { s: 'listOpen', id: st.id };
        else if (u === 'NOT') st = { s: 'op', id: st.id };
        else if (u === 'IS') st = { s: 'is', id: st.id };
        else st = { s: 'after' };
        break;
      case 'is':
        if (u === 'NOT') break;
        st = { s: 'after' };
        break;
      case 'listOpen':
        st = tok.t === 'punct' && tok.text === '(' ? { s: 'value', id: st.id, list: true } : { s: 'after' };
        break;
      case 'value':
        st = st.list ? { s: 'listNext', id: st.id } : { s: 'after' };
        break;
      case 'listNext':
        if (tok.t === 'punct' && tok.text === ',') st = { s: 'value', id: st.id, list: true };
        else if (tok.t === 'punct' && tok.text === ')') st = { s: 'after' };
        break;
      case 'after':
        st = u === 'AND' || u === 'OR' ? { s: 'ident' } : { s: 'after' };
        break;
    }
  }
  return st;
}

/** Prefix matches first, then (unless `prefixOnly`) substring matches; case-insensitive. */
function rank<T>(items: readonly T[], text: (x: T) => string, needle: string, prefixOnly = false): T[] {
  const n = needle.toLowerCase();
  if (!n) return [...items];
  const pre: T[] = [];
  const sub: T[] = [];
  for (const it of items) {
    const h = text(it).toLowerCase();
    if (h.startsWith(n)) pre.push(it);
    else if (!prefixOnly && h.includes(n)) sub.push(it);
  }
  return [...pre, ...sub];
}

function keysOf(src: SuggestSource, e: Entity): readonly string[] {
  return e === 'metric' ? src.metrics : e === 'param' ? src.params : e === 'tag' ? src.tags : ATTRIBUTE_KEYS;
}

const isNumericField = (id: Ident | null) => id?.entity === 'metric' || (id?.entity === 'attribute' && (id.key === 'start_time' || id.key === 'end_time'));

function identSuggestions(partial: string, src: SuggestSource, limit: number): Suggestion[] {
  const dot = partial.indexOf('.');
  const keyItem = (e: Entity, key: string): Suggestion => ({ label: `${PREFIX[e]}.${key}`, insert: `${PREFIX[e]}.${quoteKey(key)} `, kind: 'key', detail: ENTITY_HELP[e], keepOpen: true });
  if (dot >= 0) {
    const e = ENTITY_WORDS[partial.slice(0, dot).toLowerCase()];
    if (!e) return [];
    const needle = partial.slice(dot + 1).replace(/^`/, '');
    return rank(keysOf(src, e), (k) => k, needle)
      .slice(0, limit)
      .map((k) => keyItem(e, k));
  }
  const entities: Suggestion[] = rank(['metric', 'param', 'tag', 'attribute'] as Entity[], (e) => PREFIX[e], partial, true).map((e) => ({
    label: `${PREFIX[e]}.`,
    insert: `${PREFIX[e]}.`,
    kind: 'entity',
    detail: `${keysOf(src, e).length} ${e === 'attribute' ? 'attributes' : 'keys'}`,
    keepOpen: true,
  }));
  if (!partial) return entities;
  const keys: Suggestion[] = [];
  for (const e of ['metric', 'param', 'tag'] as const) for (const k of rank(keysOf(src, e), (x) => x, partial)) keys.push(keyItem(e, k));
  // Keys whose name starts with what was typed before the ones that only contain it.
  const n = partial.toLowerCase();
  keys.sort((a, b) => Number(!a.label.slice(a.label.indexOf('.') + 1).toLowerCase().startsWith(n)) - Number(!b.label.slice(b.label.indexOf('.') + 1).toLowerCase().startsWith(n)));
  return [...entities, ...keys].slice(0, limit);
}

function opSuggestions(id: Ident | null, partial: string): Suggestion[] {
  const ops = isNumericField(id) ? NUMERIC_OPS : id?.entity === 'param' || id?.entity === 'tag' ? [...STRING_OPS, ...NULL_OPS] : STRING_OPS;
  return rank(ops, (o) => o, partial, true)
    .filter((o) => o !== partial.toUpperCase())
    .map((o) => ({ label: o, insert: o === 'IN' || o === 'NOT IN' ? `${o} (` : `${o} `, kind: 'operator' as const, keepOpen: true }));
}

function valueSuggestions(id: Ident | null, partial: string, list: boolean, src: SuggestSource, limit: number): Suggestion[] {
  if (!id?.entity) return [];
  let values: readonly string[] = [];
  if (id.entity === 'param' || id.entity === 'tag') values = src.values(id.entity, id.key);
  else if (id.entity === 'attribute' && id.key.toLowerCase() === 'status') values = STATUSES;
  if (values.length === 0) return [];
  const needle = partial.replace(/^['"]/, '');
  return rank(values, (v) => v, needle)
    .slice(0, limit)
    .map((v) => ({ label: v, insert: list ? quoteValue(v) : `${quoteValue(v)} `, kind: 'value' as const, keepOpen: !list }));
}

/**
 * Suggestions for the text at `cursor`: the span they replace (the word being typed, up to its end) and the items,
 * best first (at most `limit`). Null when nothing fits there.
 */
export function suggestFilter(text: string, cursor: number, src: SuggestSource, limit = 40): SuggestResult | null {
  const at = Math.max(0, Math.min(cursor, text.length));
  const toks = lex(text.slice(0, at));
  const last = toks[toks.length - 1];
  // The token under the cursor (touching it, or an unterminated string / name that runs to it) is being typed.
  const typing = last && last.end === at && (last.t === 'word' || last.t === 'quoted' || last.t === 'op' || (last.t === 'string' && !last.closed)) ? last : null;
  const done = typing ? toks.slice(0, -1) : toks;
  const st = stateAfter(done);
  const from = typing ? typing.start : at;
  let to = at;
  while (to < text.length && WORD_CHAR.test(text[to] as string)) to++;
  const partial = typing ? typing.text : '';
  let items: Suggestion[] = [];
  switch (st.s) {
    case 'ident':
      if (!typing || typing.t === 'word' || typing.t === 'quoted') items = identSuggestions(partial, src, limit);
      break;
    case 'op':
      if (!typing || typing.t === 'word' || typing.t === 'op') items = opSuggestions(st.id, partial);
      break;
    case 'is':
      items = rank(['NULL', 'NOT NULL'], (o) => o, partial, true).map((o) => ({ label: o, insert: `${o} `, kind: 'keyword' as const, keepOpen: true }));
      break;
    case 'value':
      if (!typing || typing.t === 'string' || typing.t === 'word') items = valueSuggestions(st.id, partial, st.list, src, limit);
      break;
    case 'listNext':
      if (!typing) items = [{ label: ')', insert: ') ', kind: 'keyword', keepOpen: true }];
      break;
    case 'after':
      if (!typing || (typing.t === 'word' && 'AND'.startsWith(partial.toUpperCase()) && partial.toUpperCase() !== 'AND')) items = [{ label: 'AND', insert: 'AND ', kind: 'keyword', keepOpen: true }];
      break;
  }
  if (items.length === 0) return null;
  // Right after a complete token (`'gbt'|`): the next one needs a space before it.
  if (!typing && at > 0 && !/[\s(]/.test(text[at - 1] as string)) items = items.map((i) => (i.insert.startsWith(')') ? i : { ...i, insert: ` ${i.insert}` }));
  return { from, to, items: items.slice(0, limit) };
}

/** The text and cursor after accepting `s`. */
export function applySuggestion(text: string, r: Pick<SuggestResult, 'from' | 'to'>, s: Suggestion): { text: string; cursor: number } {
  const next = text.slice(0, r.from) + s.insert + text.slice(r.to);
  return { text: next, cursor: r.from + s.insert.length };
}
