/**
 * MLflow search syntax: run `filter_string`, run `order_by`, and model-registry filters.
 *
 * A hand-written tokenizer plus a recursive-descent parser, shared by the tracking server (which compiles the
 * AST to SQL, see electron/core/tracking/searchSql.ts) and the UI (which shows errors inline: every error
 * carries the 0-based UTF-16 offset and length of the offending text).
 *
 * Grammar (keywords case-insensitive):
 *
 *   filter      := ε | disjunction
 *   disjunction := conjunction                       -- `OR` is recognised and rejected (MLflow has no OR);
 *                                                    --  an OR node would be added here.
 *   conjunction := comparison (AND comparison)*
 *   comparison  := identifier operator value
 *   identifier  := entity "." key | key              -- a bare key is an attribute (as in MLflow)
 *   entity      := word | `backticked`
 *   key         := word | `backticked` | "double quoted"   (a quoted key must follow the "." directly)
 *   operator    := = | != | < | > | <= | >= | LIKE | ILIKE | IN | NOT IN | IS NULL | IS NOT NULL
 *   value       := number | 'string' | "string" | "(" string ("," string)* ")"
 *
 * Bare words are letters, digits, `_`, `-`, `/` and `.`; keys with anything else (spaces…) must be quoted.
 * Strings accept doubled quotes (`'it''s'`) and backslash escapes for the quote and backslash (`'it\'s'`);
 * any other backslash is kept, so LIKE patterns can escape wildcards with `\%` and `\_`.
 *
 * Deliberate differences from MLflow (more permissive, never less):
 *  - IN / NOT IN are accepted for every string field (params, tags, string attributes, dataset fields),
 *    not just `attributes.run_id` and datasets.
 *  - IS NULL / IS NOT NULL are accepted for metrics, params, tags and attributes ("the run has no such key").
 *  - Entity prefixes and attribute names are matched case-insensitively (`Metrics.x`, `attributes.Status`).
 *  - Strings are unescaped (MLflow keeps the raw text between the quotes).
 *
 * This file runs in both processes: no Node built-ins, no imports.
 */

export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type FilterOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';
export type FilterValue = number | string | string[] | null;

export interface FilterSpan {
  /** 0-based offset of the first character (UTF-16 code units, as `String.prototype.slice`). */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export interface FilterClause {
  entity: FilterEntity;
  /**
   * Metric/param/tag keys exactly as written (case-sensitive). Attribute keys are normalised:
   * `created` → `start_time`, `run_uuid` → `run_id`, `run name` → `run_name`. Dataset keys: name | digest | context.
   */
  key: string;
  op: FilterOp;
  /** number for numeric fields, string for string fields, string[] for IN / NOT IN, null for IS [NOT] NULL. */
  value: FilterValue;
  span: FilterSpan;
}

/** The clauses are ANDed. (Should OR ever be supported, it would become `{ clauses, any?: FilterAst[] }` or DNF.) */
export interface FilterAst {
  clauses: FilterClause[];
}

export interface OrderByItem {
  entity: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  ascending: boolean;
}

export type ModelSearchTarget = 'registered_models' | 'model_versions';

export interface ModelOrderByItem {
  key: 'name' | 'creation_timestamp' | 'last_updated_timestamp' | 'version_number';
  ascending: boolean;
}

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  /** The message without the "Invalid filter at position N: " prefix (for inline display). */
  readonly detail: string;
  /** For order_by errors: which entry of the list (0-based); position is then relative to that entry. */
  readonly item?: number;
  constructor(
    detail: string,
    readonly position: number,
    readonly length: number,
    readonly expected?: string,
    opts: { what?: string; item?: number } = {},
  ) {
    super(`Invalid ${opts.what ?? 'filter'} at position ${position}: ${detail}`);
    this.detail = detail;
    if (opts.item !== undefined) this.item = opts.item;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

export type FilterTokenType = 'word' | 'number' | 'string' | 'backtick' | 'op' | 'lparen' | 'rparen' | 'comma' | 'eof';

export interface FilterToken {
  type: FilterTokenType;
  /** The source text of the token, quotes included. */
  text: string;
  /** Unescaped content for strings and backticks; `text` otherwise. */
  value: string;
  start: number;
  end: number;
  /** For `string` tokens: which quote delimited it. */
  quote?: "'" | '"';
}

const WORD_RE = /[\p{L}\p{N}_\-/.]+/uy;
const WORD_CHAR_RE = /[\p{L}\p{N}_\-/.]/u;
const NUMBER_RE = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const OP_RE = /[<>=!~]+/y;
const SPACE_RE = /\s/;

/** Splits `src` into tokens; the last one is always `eof` (at `src.length`). Throws FilterSyntaxError. */
export function tokenizeFilter(src: string, what = 'filter'): FilterToken[] {
  const tokens: FilterToken[] = [];
  const fail = (detail: string, pos: number, len: number, expected?: string): never => {
    throw new FilterSyntaxError(detail, pos, len, expected, { what });
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (SPACE_RE.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, value: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < src.length) {
        const d = src[j] as string;
        if (d === '\\' && c !== '`' && j + 1 < src.length) {
          const n = src[j + 1] as string;
          if (n === c || n === '\\') {
            value += n;
            j += 2;
            continue;
          }
          value += d;
          j++;
          continue;
        }
        if (d === c) {
          if (src[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        value += d;
        j++;
      }
      if (!closed) {
        const kind = c === '`' ? 'quoted name' : 'string';
        fail(`unterminated ${kind} (missing closing ${c})`, start, src.length - start, c);
      }
      const text = src.slice(start, j);
      tokens.push(c === '`' ? { type: 'backtick', text, value, start, end: j } : { type: 'string', text, value, start, end: j, quote: c as "'" | '"' });
      i = j;
      continue;
    }
    OP_RE.lastIndex = i;
    const op = OP_RE.exec(src);
    if (op) {
      i += op[0].length;
      tokens.push({ type: 'op', text: op[0], value: op[0], start, end: i });
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(src);
    if (num) {
      const after = src[i + num[0].length];
      if (after === undefined || !WORD_CHAR_RE.test(after)) {
        i += num[0].length;
        tokens.push({ type: 'number', text: num[0], value: num[0], start, end: i });
        continue;
      }
    }
    WORD_RE.lastIndex = i;
    const word = WORD_RE.exec(src);
    if (word) {
      i += word[0].length;
      tokens.push({ type: 'word', text: word[0], value: word[0], start, end: i });
      continue;
    }
    const ch = String.fromCodePoint(src.codePointAt(i) ?? 0);
    fail(`unexpected character ${JSON.stringify(ch)}`, start, ch.length);
  }
  tokens.push({ type: 'eof', text: '', value: '', start: src.length, end: src.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Fields: what an (entity, key) pair is, and which operators and values it takes

type ValueKind = 'number' | 'string';

interface Field {
  entity: FilterEntity;
  key: string;
  kind: ValueKind;
  ops: readonly FilterOp[];
  /** For messages: `metric "acc"`, `attribute "status"`. */
  label: string;
}

const NUMERIC_OPS: readonly FilterOp[] = ['=', '!=', '<', '>', '<=', '>='];
const STRING_OPS: readonly FilterOp[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const NULL_OPS: readonly FilterOp[] = ['IS NULL', 'IS NOT NULL'];
const ALL_OPS = new Set<string>([...NUMERIC_OPS, ...STRING_OPS]);
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'ASC', 'DESC']);

/** Searchable run attributes and their value kind (MLflow's RunInfo searchable attributes). */
export const RUN_ATTRIBUTES = {
  run_id: 'string',
  run_name: 'string',
  status: 'string',
  start_time: 'number',
  end_time: 'number',
  user_id: 'string',
  artifact_uri: 'string',
} as const satisfies Record<string, ValueKind>;
export type RunAttribute = keyof typeof RUN_ATTRIBUTES;

const RUN_ATTRIBUTE_ALIASES: Record<string, RunAttribute> = { created: 'start_time', run_uuid: 'run_id' };

/** Model registry attributes (MLflow's SearchModelVersionUtils; registered models only have `name`). */
export const MODEL_ATTRIBUTES = {
  name: 'string',
  run_id: 'string',
  source_path: 'string',
  version_number: 'number',
} as const satisfies Record<string, ValueKind>;
export type ModelAttribute = keyof typeof MODEL_ATTRIBUTES;

export const DATASET_KEYS = ['name', 'digest', 'context'] as const;

/** The words MLflow accepts before a key's dot, for every entity (`metrics.`, `param.`, `attr.` …). */
export const ENTITY_WORDS: Readonly<Record<string, Exclude<FilterEntity, 'dataset'>>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
};

const RUN_ENTITIES: Record<string, FilterEntity> = { ...ENTITY_WORDS, run: 'attribute', dataset: 'dataset', datasets: 'dataset' };const MODEL_ENTITIES: Record<string, FilterEntity> = {
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
};

function own<T>(rec: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
}

function normaliseRunAttribute(key: string): RunAttribute | undefined {
  const k = key.trim().toLowerCase().replace(/\s+/g, '_');
  const alias = own(RUN_ATTRIBUTE_ALIASES, k);
  if (alias) return alias;
  return own(RUN_ATTRIBUTES, k) ? (k as RunAttribute) : undefined;
}

interface Grammar {
  entities: Record<string, FilterEntity>;
  entityHint: string;
  identifierHint: string;
  attribute(key: string): { key: string; kind: ValueKind } | undefined;
  attributeHint: string;
}

const RUN_GRAMMAR: Grammar = {
  entities: RUN_ENTITIES,
  entityHint: 'metrics, params, tags, attributes, datasets',
  identifierHint: 'an identifier such as metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<name>',
  attribute(key) {
    const k = normaliseRunAttribute(key);
    return k ? { key: k, kind: RUN_ATTRIBUTES[k] } : undefined;
  },
  attributeHint: [...Object.keys(RUN_ATTRIBUTES), 'created'].join(', '),
};

function modelGrammar(target: ModelSearchTarget): Grammar {
  const keys: ModelAttribute[] = target === 'registered_models' ? ['name'] : ['name', 'run_id', 'source_path', 'version_number'];
  return {
    entities: MODEL_ENTITIES,
    entityHint: 'tags, or a bare attribute name',
    identifierHint: `an identifier such as ${keys.join(', ')} or tags.<key>`,
    attribute(key) {
      const k = key.trim().toLowerCase() as ModelAttribute;
      return (keys as string[]).includes(k) ? { key: k, kind: MODEL_ATTRIBUTES[k] } : undefined;
    },
    attributeHint: keys.join(', '),
  };
}

function fieldFor(entity: FilterEntity, key: string, kind: ValueKind): Field {
  let ops: readonly FilterOp[];
  if (entity === 'dataset') ops = STRING_OPS;
  else ops = [...(kind === 'number' ? NUMERIC_OPS : STRING_OPS), ...NULL_OPS];
  return { entity, key, kind, ops, label: `${entity} ${JSON.stringify(key)}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

interface Identifier {
  entity: FilterEntity;
  key: string;
  /** Attribute/dataset value kind; metrics are numbers, params and tags strings. */
  kind: ValueKind;
  start: number;
}

function describe(t: FilterToken): string {
  if (t.type === 'eof') return 'end of input';
  if (t.type === 'string') return t.text;
  return JSON.stringify(t.text);
}

function isKeyword(t: FilterToken, kw: string): boolean {
  return t.type === 'word' && t.text.toUpperCase() === kw;
}

class Parser {
  private pos = 0;
  private lastEnd = 0;
  constructor(
    private readonly tokens: FilterToken[],
    private readonly grammar: Grammar,
    private readonly what: string,
    private readonly item?: number,
  ) {}

  private peek(): FilterToken {
    return this.tokens[this.pos] ?? (this.tokens[this.tokens.length - 1] as FilterToken);
  }
  private next(): FilterToken {
    const t = this.peek();
    if (t.type !== 'eof') this.pos++;
    this.lastEnd = t.end;
    return t;
  }

  error(detail: string, position: number, length: number, expected?: string): FilterSyntaxError {
    return new FilterSyntaxError(detail, position, length, expected, { what: this.what, ...(this.item === undefined ? {} : { item: this.item }) });
  }
  private unexpected(t: FilterToken, expectation: string, expected?: string, hint = ''): FilterSyntaxError {
    return this.error(`${expectation}, got ${describe(t)}${hint}`, t.start, t.end - t.start, expected ?? expectation.replace(/^expected /, ''));
  }

  atEnd(): boolean {
    return this.peek().type === 'eof';
  }

  /** filter := ε | disjunction */
  filter(): FilterAst {
    if (this.atEnd()) return { clauses: [] };
    const ast = this.disjunction();
    const t = this.peek();
    if (t.type !== 'eof') throw this.unexpected(t, 'expected AND or the end of the filter', 'AND');
    return ast;
  }

  /** disjunction := conjunction ; OR is where an `or` node would go. */
  private disjunction(): FilterAst {
    const left = this.conjunction();
    const t = this.peek();
    if (isKeyword(t, 'OR')) {
      throw this.error('OR is not supported: MLflow filters can only combine comparisons with AND', t.start, t.end - t.start, 'AND');
    }
    return left;
  }

  private conjunction(): FilterAst {
    const clauses = [this.comparison()];
    while (isKeyword(this.peek(), 'AND')) {
      this.next();
      clauses.push(this.comparison());
    }
    return { clauses };
  }

  identifier(): Identifier {
    const first = this.next();
    let entityText: string | undefined;
    let entityStart = first.start;
    let entityEnd = first.end;
    let keyTok: { text: string; start: number; end: number } | undefined;
    // The token that holds "entity." — the key is either its remainder or a quoted token glued to it.
    let dotted: FilterToken | undefined;
    if (first.type === 'word') {
      const dot = first.text.indexOf('.');
      if (dot < 0) {
        if (KEYWORDS.has(first.text.toUpperCase())) throw this.unexpected(first, `expected ${this.grammar.identifierHint}`, 'identifier');
        keyTok = { text: first.text, start: first.start, end: first.end };
      } else if (dot === 0) {
        throw this.unexpected(first, `expected ${this.grammar.identifierHint}`, 'identifier');
      } else {
        entityText = first.text.slice(0, dot);
        entityEnd = first.start + dot;
        dotted = first;
      }
    } else if (first.type === 'backtick') {
      const d = this.peek();
      if (d.type === 'word' && d.start === first.end && d.text.startsWith('.')) {
        this.next();
        entityText = first.value;
        dotted = d;
      } else {
        keyTok = { text: first.value, start: first.start, end: first.end };
      }
    } else {
      throw this.unexpected(first, `expected ${this.grammar.identifierHint}`, 'identifier');
    }

    if (dotted) {
      const dot = dotted.text.indexOf('.');
      const rest = dotted.text.slice(dot + 1);
      if (rest !== '') {
        keyTok = { text: rest, start: dotted.start + dot + 1, end: dotted.end };
      } else {
        const q = this.peek();
        if (q.start === dotted.end && (q.type === 'backtick' || (q.type === 'string' && q.quote === '"'))) {
          this.next();
          keyTok = { text: q.value, start: q.start, end: q.end };
        } else {
          throw this.error(
            `expected a key right after ${JSON.stringify(entityText + '.')} (quote keys containing special characters with backticks or double quotes), got ${describe(q)}`,
            q.type === 'eof' || q.start !== dotted.end ? dotted.end : q.start,
            q.start === dotted.end ? q.end - q.start : 0,
            'key',
          );
        }
      }
    }
    const key = keyTok as { text: string; start: number; end: number };

    let entity: FilterEntity = 'attribute';
    if (entityText !== undefined) {
      const e = own(this.grammar.entities, entityText.toLowerCase());
      if (!e) {
        throw this.error(
          `unknown entity ${JSON.stringify(entityText)}; expected one of ${this.grammar.entityHint}`,
          entityStart,
          entityEnd - entityStart,
          this.grammar.entityHint,
        );
      }
      entity = e;
    } else {
      entityStart = key.start;
    }
    if (key.text === '') throw this.error('the key must not be empty', key.start, key.end - key.start, 'key');

    if (entity === 'attribute') {
      const a = this.grammar.attribute(key.text);
      if (!a) {
        throw this.error(
          `unknown attribute ${JSON.stringify(key.text)}; expected one of ${this.grammar.attributeHint}`,
          key.start,
          key.end - key.start,
          this.grammar.attributeHint,
        );
      }
      return { entity, key: a.key, kind: a.kind, start: entityStart };
    }
    if (entity === 'dataset') {
      const k = key.text.toLowerCase();
      if (!(DATASET_KEYS as readonly string[]).includes(k)) {
        throw this.error(`unknown dataset field ${JSON.stringify(key.text)}; expected one of ${DATASET_KEYS.join(', ')}`, key.start, key.end - key.start, DATASET_KEYS.join(', '));
      }
      return { entity, key: k, kind: 'string', start: entityStart };
    }
    return { entity, key: key.text, kind: entity === 'metric' ? 'number' : 'string', start: entityStart };
  }

  private comparison(): FilterClause {
    const id = this.identifier();
    const field = fieldFor(id.entity, id.key, id.kind);
    const op = this.operator(field);
    let value: FilterValue;
    if (op === 'IS NULL' || op === 'IS NOT NULL') value = null;
    else if (op === 'IN' || op === 'NOT IN') value = this.list(field, op);
    else value = this.scalar(field);
    return { entity: field.entity, key: field.key, op, value, span: { start: id.start, end: this.lastEnd } };
  }

  private operator(field: Field): FilterOp {
    const expectation = `expected a comparison operator (${field.ops.join(', ')})`;
    const t = this.next();
    let op: FilterOp | undefined;
    const start = t.start;
    let end = t.end;
    if (t.type === 'op') {
      if (!ALL_OPS.has(t.text)) {
        const hint = t.text === '==' ? ' (use =)' : t.text === '<>' ? ' (use !=)' : '';
        throw this.error(`unknown operator ${JSON.stringify(t.text)}${hint}; expected one of ${field.ops.join(', ')}`, t.start, t.end - t.start, field.ops.join(', '));
      }
      op = t.text as FilterOp;
    } else if (t.type === 'word') {
      const u = t.text.toUpperCase();
      if (u === 'LIKE' || u === 'ILIKE' || u === 'IN') op = u;
      else if (u === 'NOT') {
        const n = this.next();
        if (!isKeyword(n, 'IN')) throw this.unexpected(n, 'expected IN after NOT', 'IN');
        op = 'NOT IN';
        end = n.end;
      } else if (u === 'IS') {
        let n = this.next();
        const negated = isKeyword(n, 'NOT');
        if (negated) n = this.next();
        if (!isKeyword(n, 'NULL')) throw this.unexpected(n, negated ? 'expected NULL after IS NOT' : 'expected NULL or NOT NULL after IS', 'NULL');
        op = negated ? 'IS NOT NULL' : 'IS NULL';
        end = n.end;
      }
    }
    if (!op) throw this.unexpected(t, expectation, field.ops.join(', '));
    if (!field.ops.includes(op)) {
      throw this.error(`operator ${op} is not supported for ${field.label}; expected one of ${field.ops.join(', ')}`, start, end - start, field.ops.join(', '));
    }
    return op;
  }

  private scalar(field: Field): number | string {
    const t = this.next();
    if (field.kind === 'number') {
      if (t.type === 'number') return Number(t.text);
      throw this.unexpected(t, `expected a number for ${field.label}`, 'number');
    }
    if (t.type === 'string') return t.value;
    const hint = t.type === 'number' || t.type === 'word' ? ` (string values must be quoted, e.g. '${t.text}')` : '';
    throw this.unexpected(t, `expected a quoted string for ${field.label}`, 'quoted string', hint);
  }

  private list(field: Field, op: FilterOp): string[] {
    const open = this.next();
    if (open.type !== 'lparen') throw this.unexpected(open, `expected "(" to start the ${op} list`, '(');
    const first = this.peek();
    if (first.type === 'rparen') throw this.error(`the ${op} list must not be empty`, open.start, first.end - open.start, 'quoted string');
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.type !== 'string') throw this.unexpected(t, `expected a quoted string in the ${op} list for ${field.label}`, 'quoted string');
      values.push(t.value);
      const sep = this.next();
      if (sep.type === 'rparen') return values;
      if (sep.type !== 'comma') throw this.unexpected(sep, `expected "," or ")" in the ${op} list`, ', or )');
    }
  }

  /** order_by entry := identifier [ASC | DESC] */
  orderBy(): { id: Identifier; ascending: boolean } {
    const id = this.identifier();
    let ascending = true;
    const t = this.peek();
    if (isKeyword(t, 'ASC') || isKeyword(t, 'DESC')) {
      this.next();
      ascending = t.text.toUpperCase() === 'ASC';
    } else if (t.type !== 'eof') {
      throw this.unexpected(t, 'expected ASC, DESC or the end of the order_by entry', 'ASC, DESC');
    }
    const end = this.peek();
    if (end.type !== 'eof') throw this.unexpected(end, 'expected the end of the order_by entry', 'end of input');
    return { id, ascending };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

/** Parses an MLflow run search `filter_string`. Empty or blank → no clauses. Throws FilterSyntaxError. */
export function parseFilter(src: string): FilterAst {
  return new Parser(tokenizeFilter(src), RUN_GRAMMAR, 'filter').filter();
}

/**
 * Parses MLflow run `order_by` entries (`metrics.rmse DESC`, `attributes.start_time`, `` params.`a b` ASC ``).
 * Default direction is ascending. Datasets can't be ordered by. Errors carry `item` (the entry index) and a
 * position relative to that entry.
 */
export function parseOrderBy(items: readonly string[]): OrderByItem[] {
  return items.map((src, item) => {
    const what = `order_by entry ${item}`;
    const p = new Parser(tokenizeFilter(src, what), RUN_GRAMMAR, what, item);
    if (p.atEnd()) throw p.error('expected an identifier such as metrics.<key> or attributes.start_time, got an empty entry', 0, src.length, 'identifier');
    const { id, ascending } = p.orderBy();
    if (id.entity === 'dataset') throw p.error('datasets cannot be used in order_by', id.start, src.trimEnd().length - id.start, 'metrics, params, tags, attributes');
    return { entity: id.entity, key: id.key, ascending };
  });
}

/**
 * Parses a model-registry filter: `name = 'm'`, `name LIKE 'a%'`, `run_id IN ('a', 'b')`, `tags.k = 'v'`,
 * `version_number >= 2`, `source_path = '...'`. Bare names are attributes (entity 'attribute'); `tags.` gives 'tag'.
 * For `registered_models` only `name` and tags are searchable.
 */
export function parseModelFilter(src: string, target: ModelSearchTarget = 'model_versions'): FilterAst {
  return new Parser(tokenizeFilter(src), modelGrammar(target), 'filter').filter();
}

const MODEL_ORDER_KEYS: Record<string, ModelOrderByItem['key']> = {
  name: 'name',
  timestamp: 'creation_timestamp',
  creation_timestamp: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
  version_number: 'version_number',
};

/** Parses `order_by` for search_registered_models / search_model_versions (`name ASC`, `last_updated_timestamp DESC`). */
export function parseModelOrderBy(items: readonly string[], target: ModelSearchTarget = 'model_versions'): ModelOrderByItem[] {
  const allowed = target === 'registered_models' ? ['name', 'timestamp', 'creation_timestamp', 'last_updated_timestamp'] : Object.keys(MODEL_ORDER_KEYS);
  const grammar: Grammar = {
    entities: { attribute: 'attribute', attributes: 'attribute', attr: 'attribute' },
    entityHint: 'attributes, or a bare name',
    identifierHint: `one of ${allowed.join(', ')}`,
    attribute(key) {
      const k = key.trim().toLowerCase();
      return allowed.includes(k) ? { key: k, kind: 'string' } : undefined;
    },
    attributeHint: allowed.join(', '),
  };
  return items.map((src, item) => {
    const what = `order_by entry ${item}`;
    const p = new Parser(tokenizeFilter(src, what), grammar, what, item);
    if (p.atEnd()) throw p.error(`expected one of ${allowed.join(', ')}, got an empty entry`, 0, src.length, allowed.join(', '));
    const { id, ascending } = p.orderBy();
    return { key: MODEL_ORDER_KEYS[id.key] as ModelOrderByItem['key'], ascending };
  });
}
