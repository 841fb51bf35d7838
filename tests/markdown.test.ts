// Run descriptions (shared/lib/markdown.ts): what the Markdown reader keeps, and that nothing in the source can
// become markup, script or a non-http(s) link (the UI renders the tree as React text and <a href> only).
import { describe, expect, it } from 'vitest';
import { markdownText, parseInline, parseMarkdown, safeHref, type MdBlock, type MdInline } from '../shared/lib/markdown';

/** Every link target anywhere in the tree. */
function hrefs(blocks: readonly MdBlock[]): string[] {
  const out: string[] = [];
  const inl = (xs: readonly MdInline[]) => {
    for (const x of xs) {
      if (x.t === 'link') out.push(x.href);
      if (x.t === 'em' || x.t === 'strong' || x.t === 'del' || x.t === 'link') inl(x.children);
    }
  };
  const blk = (b: MdBlock) => {
    if (b.t === 'p' || b.t === 'h') inl(b.children);
    else if (b.t === 'list') b.items.forEach((it) => it.forEach(blk));
    else if (b.t === 'quote') b.children.forEach(blk);
  };
  blocks.forEach(blk);
  return out;
}

describe('safeHref', () => {
  it('keeps absolute http(s) URLs only', () => {
    expect(safeHref('https://mlflow.org/docs')).toBe('https://mlflow.org/docs');
    expect(safeHref(' http://example.com/a?b=1#c ')).toBe('http://example.com/a?b=1#c');
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\u0000script:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '//evil.example/x',
      '/relative',
      'mailto:a@b.c',
      'https://exa mple.com',
      'https://a.b/\u0007',
      'http://',
      '',
    ]) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });
});

describe('parseMarkdown', () => {
  it('reads the usual constructs', () => {
    const md = [
      '# Baseline',
      '',
      'Tried **gbt** with *lr* 0.05 and `max_depth=6`, see [the docs](https://xgboost.readthedocs.io) or <https://mlflow.org>.',
      'Second line  ',
      'after a hard break, and https://example.com/x.',
      '',
      '- one',
      '- two',
      '  - nested',
      '',
      '1. first',
      '2. second',
      '',
      '> quoted ~~old~~ text',
      '',
      '```python',
      'print("<b>hi</b>")',
      '```',
      '',
      '---',
    ].join('\n');
    const tree = parseMarkdown(md);
    expect(tree.map((b) => b.t)).toEqual(['h', 'p', 'list', 'list', 'quote', 'pre', 'hr']);
    expect(tree[0]).toEqual({ t: 'h', level: 1, children: [{ t: 'text', text: 'Baseline' }] });
    const p = tree[1] as Extract<MdBlock, { t: 'p' }>;
    expect(p.children.map((c) => c.t)).toEqual(['text', 'strong', 'text', 'em', 'text', 'code', 'text', 'link', 'text', 'link', 'text', 'br', 'text', 'link', 'text']);
    expect(hrefs(tree)).toEqual(['https://xgboost.readthedocs.io/', 'https://mlflow.org/', 'https://example.com/x']);
    const ul = tree[2] as Extract<MdBlock, { t: 'list' }>;
    expect(ul.ordered).toBe(false);
    expect(ul.items).toHaveLength(2);
    expect(ul.items[1]!.map((b) => b.t)).toEqual(['p', 'list']);
    expect(tree[3]).toMatchObject({ t: 'list', ordered: true, start: 1 });
    expect(tree[5]).toEqual({ t: 'pre', lang: 'python', text: 'print("<b>hi</b>")' });
    expect(markdownText([tree[4]!])).toBe('quoted old text');
  });

  it('keeps raw HTML as text: nothing in the source becomes an element or an event handler', () => {
    const attacks = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg onload=alert(1)>',
      '<style>body{display:none}</style>',
    ];
    for (const a of attacks) {
      const tree = parseMarkdown(a);
      // At most a plain http(s) URL in it becomes a link; nothing else does.
      for (const h of hrefs(tree)) expect(h, a).toMatch(/^https?:\/\//);
      // The whole source survives as plain text (the renderer escapes it).
      expect(markdownText(tree), a).toBe(a);
    }
    expect(hrefs(parseMarkdown(attacks[2]!))).toEqual([]);
  });

  it('drops unsafe link targets (the label stays as text) and never loads images', () => {
    const cases: Array<[string, string]> = [
      ['[click](javascript:alert(1))', 'click'],
      ['[click](JAVASCRIPT:alert(document.cookie))', 'click'],
      ['[click]( javascript:alert(1) "t")', 'click'],
      ['[click](data:text/html;base64,PHNjcmlwdD4=)', 'click'],
      ['[click](vbscript:x)', 'click'],
      ['[click](/relative/path)', 'click'],
      ['[click](<javascript:alert(1)>)', 'click'],
      ['<javascript:alert(1)>', '<javascript:alert(1)>'],
      ['![tracking pixel](https://evil.example/p.gif)', 'tracking pixel'],
      ['[![img](https://a.b/i.png)](javascript:x)', 'img'],
      ['[a [nested](https://x.y) link](https://ok.example)', 'a nested link'],
    ];
    for (const [src, text] of cases) {
      const tree = parseMarkdown(src);
      expect(markdownText(tree), src).toBe(text);
      for (const h of hrefs(tree)) expect(h, src).toMatch(/^https?:\/\//);
    }
    // The nested link is flattened into its parent (no <a> inside <a>); the outer one is kept.
    expect(hrefs(parseMarkdown('[a [nested](https://x.y) link](https://ok.example)'))).toEqual(['https://ok.example/']);
    expect(hrefs(parseMarkdown('[ok](https://ok.example "title")'))).toEqual(['https://ok.example/']);
  });

  it('handles escapes, intraword underscores, unclosed markers and pathological input', () => {
    expect(markdownText(parseMarkdown('\\*not em\\* and snake_case_name and 2 * 3 * 4'))).toBe('*not em* and snake_case_name and 2 * 3 * 4');
    expect(parseInline('**unclosed and `code')).toEqual([{ t: 'text', text: '**unclosed and `code' }]);
    const deep = `${'['.repeat(5000)}x${']'.repeat(5000)}`;
    expect(() => parseMarkdown(deep)).not.toThrow();
    const nested = `${'> '.repeat(200)}deep`;
    expect(markdownText(parseMarkdown(nested))).toContain('deep');
    const stars = '*a '.repeat(3000);
    const t0 = performance.now();
    parseMarkdown(stars);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(parseMarkdown('')).toEqual([]);
    expect(parseMarkdown('x'.repeat(50_000)).length).toBe(1);
  });
});
