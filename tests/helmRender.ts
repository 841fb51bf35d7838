import YAML from 'yaml';

/**
 * HELM TEMPLATE STAND-IN — not Helm. There is no helm binary on this machine, so this renders a chart the way
 * `helm template <chart> --namespace <ns>` would, for exactly the Go-template constructs mldesk's charts use:
 * `{{ .Values.a.b }}`, `{{ .Release.Namespace }}`, `{{ $var }}`, pipelines with `quote`, `toYaml`, `nindent N`,
 * `indent N`, `not`; `{{ if … }}` / `{{ else }}` / `{{ end }}`; `{{ range $k, $v := … }}` (maps in key order, as
 * Go's text/template does); and the `{{-` / `-}}` whitespace trims. Anything else throws, so a chart cannot silently
 * use a construct this stand-in does not understand.
 */

type Ctx = { Values: unknown; Release: { Namespace: string; Name: string }; Chart: unknown };
type Scope = Record<string, unknown>;

type Node =
  | { t: 'text'; text: string }
  | { t: 'out'; expr: string }
  | { t: 'if'; expr: string; then: Node[]; else: Node[] }
  | { t: 'range'; key: string | null; val: string; expr: string; body: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error('helm stand-in: unclosed {{');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimAfter = false;
    if (inner.endsWith(' -')) {
      trimAfter = true;
      inner = inner.slice(0, -1);
    }
    out.push({ kind: 'text', text });
    out.push({ kind: 'action', text: inner.trim() });
    i = close + 2;
    if (trimAfter) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

function parse(tokens: Token[]): Node[] {
  let pos = 0;
  const block = (ends: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if (tok.kind === 'text') {
        if (tok.text) nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.text;
      if (ends.includes(a)) return { nodes, end: a };
      if (a.startsWith('if ')) {
        const then = block(['else', 'end']);
        const els = then.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: 'if', expr: a.slice(3).trim(), then: then.nodes, else: els });
      } else if (a.startsWith('range ')) {
        const m = /^range\s+(?:(\$\w+)\s*,\s*)?(\$\w+)\s*:=\s*(.+)$/.exec(a);
        if (!m) throw new Error(`helm stand-in: unsupported range: ${a}`);
        nodes.push({ t: 'range', key: m[1] ?? null, val: m[2]!, expr: m[3]!, body: block(['end']).nodes });
      } else if (a === 'end' || a === 'else') {
        throw new Error(`helm stand-in: unexpected {{ ${a} }}`);
      } else {
        nodes.push({ t: 'out', expr: a });
      }
    }
    if (ends.length) throw new Error(`helm stand-in: missing {{ ${ends.join(' / ')} }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

function lookup(ctx: Ctx, scope: Scope, term: string): unknown {
  if (term.startsWith('"')) return JSON.parse(term) as unknown;
  if (/^-?\d+$/.test(term)) return Number(term);
  if (term.startsWith('$')) {
    if (!(term in scope)) throw new Error(`helm stand-in: undefined variable ${term}`);
    return scope[term];
  }
  if (term.startsWith('.')) {
    let v: unknown = ctx;
    for (const k of term.slice(1).split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    return v;
  }
  throw new Error(`helm stand-in: unsupported term ${term}`);
}

/** Go text/template truth: false, 0, nil, empty string / map / slice are false. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Helm's toYaml: YAML of the value without the trailing newline. */
function toYaml(v: unknown): string {
  return YAML.stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
}

function splitArgs(cmd: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[0]);
  return out;
}

function call(fn: string, args: unknown[]): unknown {
  switch (fn) {
    case 'quote':
      // Go's %q of the value's text (Helm's quote): JSON's escaping is a valid YAML double-quoted scalar too.
      return JSON.stringify(args.length ? String(args[args.length - 1] ?? '') : '');
    case 'toYaml':
      return toYaml(args[0]);
    case 'nindent':
    case 'indent': {
      const n = Number(args[0]);
      const text = String(args[1] ?? '');
      const pad = ' '.repeat(n);
      const body = text
        .split('\n')
        .map((l) => pad + l)
        .join('\n');
      return fn === 'nindent' ? `\n${body}` : body;
    }
    case 'not':
      return !truthy(args[0]);
    default:
      throw new Error(`helm stand-in: unsupported function ${fn}`);
  }
}

function evaluate(ctx: Ctx, scope: Scope, expr: string): unknown {
  const cmds = expr.split('|').map((c) => c.trim());
  let value: unknown = undefined;
  cmds.forEach((cmd, i) => {
    const parts = splitArgs(cmd);
    const head = parts[0]!;
    const isFn = !head.startsWith('.') && !head.startsWith('$') && !head.startsWith('"') && !/^-?\d+$/.test(head);
    if (!isFn) {
      if (i > 0 || parts.length > 1) throw new Error(`helm stand-in: cannot apply ${cmd}`);
      value = lookup(ctx, scope, head);
      return;
    }
    const args = parts.slice(1).map((a) => lookup(ctx, scope, a));
    if (i > 0) args.push(value);
    value = call(head, args);
  });
  return value;
}

function printValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') throw new Error('helm stand-in: printing a map or list needs toYaml');
  return String(v);
}

function renderNodes(nodes: Node[], ctx: Ctx, scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.text;
    else if (n.t === 'out') out += printValue(evaluate(ctx, scope, n.expr));
    else if (n.t === 'if') out += renderNodes(truthy(evaluate(ctx, scope, n.expr)) ? n.then : n.else, ctx, scope);
    else {
      const coll = evaluate(ctx, scope, n.expr);
      const entries: Array<[unknown, unknown]> = Array.isArray(coll)
        ? coll.map((v, i) => [i, v])
        : typeof coll === 'object' && coll !== null
          ? Object.keys(coll)
              .sort()
              .map((k) => [k, (coll as Record<string, unknown>)[k]])
          : [];
      for (const [k, v] of entries) out += renderNodes(n.body, ctx, { ...scope, ...(n.key ? { [n.key]: k } : {}), [n.val]: v });
    }
  }
  return out;
}

/** Renders one template's text. */
export function renderTemplate(src: string, values: unknown, namespace: string, release = 'release'): string {
  return renderNodes(parse(tokenize(src)), { Values: values, Release: { Namespace: namespace, Name: release }, Chart: {} }, {});
}

/** `helm template`: every templates/*.yaml (not _*.tpl) rendered with values.yaml, parsed; empty documents dropped. */
export function helmTemplate(files: Record<string, string>, namespace: string): Array<Record<string, unknown>> {
  const values = YAML.parse(files['values.yaml'] ?? '{}') as unknown;
  const out: Array<Record<string, unknown>> = [];
  for (const [file, src] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!file.startsWith('templates/') || !file.endsWith('.yaml')) continue;
    const text = renderTemplate(src, values, namespace);
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`helm stand-in: ${file} does not render to valid YAML: ${doc.errors[0]!.message}\n${text}`);
      const v = doc.toJS() as unknown;
      if (v !== null && v !== undefined) out.push(v as Record<string, unknown>);
    }
  }
  return out;
}
