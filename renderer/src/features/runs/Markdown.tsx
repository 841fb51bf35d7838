import { Fragment, useMemo, type ReactNode } from 'react';
import { parseMarkdown, type MdBlock, type MdInline } from '../../../../shared/lib/markdown';

function inlines(xs: readonly MdInline[]): ReactNode {
  return xs.map((x, i) => {
    switch (x.t) {
      case 'text':
        return <Fragment key={i}>{x.text}</Fragment>;
      case 'code':
        return <code key={i}>{x.text}</code>;
      case 'br':
        return <br key={i} />;
      case 'em':
        return <em key={i}>{inlines(x.children)}</em>;
      case 'strong':
        return <strong key={i}>{inlines(x.children)}</strong>;
      case 'del':
        return <del key={i}>{inlines(x.children)}</del>;
      case 'link':
        // href is an absolute http(s) URL (safeHref); it opens outside the app.
        return (
          <a key={i} href={x.href} target="_blank" rel="noopener noreferrer nofollow" title={x.href}>
            {inlines(x.children)}
          </a>
        );
    }
  });
}

function blocks(bs: readonly MdBlock[]): ReactNode {
  return bs.map((b, i) => {
    switch (b.t) {
      case 'p':
        return <p key={i}>{inlines(b.children)}</p>;
      case 'h': {
        // Headings inside a card: one level below the card title at most.
        const Tag = `h${Math.min(6, b.level + 2)}` as 'h3' | 'h4' | 'h5' | 'h6';
        return <Tag key={i}>{inlines(b.children)}</Tag>;
      }
      case 'pre':
        return (
          <pre key={i} data-lang={b.lang || undefined}>
            <code>{b.text}</code>
          </pre>
        );
      case 'list': {
        const items = b.items.map((it, j) => <li key={j}>{blocks(it)}</li>);
        return b.ordered ? (
          <ol key={i} start={b.start === 1 ? undefined : b.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
      case 'quote':
        return <blockquote key={i}>{blocks(b.children)}</blockquote>;
      case 'hr':
        return <hr key={i} />;
    }
  });
}

/** Markdown rendered from a parsed tree (shared/lib/markdown): text is always text, links only to http(s). */
export function Markdown({ source, className, testId }: { source: string; className?: string; testId?: string }) {
  const tree = useMemo(() => parseMarkdown(source), [source]);
  return (
    <div className={`markdown${className ? ` ${className}` : ''}`} data-testid={testId}>
      {blocks(tree)}
    </div>
  );
}
