import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

/**
 * A popover in a portal, placed under `anchor` with fixed positioning (so the table's scroll box does
 * not clip it); it follows the anchor when the table scrolls. Closes on a mousedown outside (the anchor
 * excepted: its own click toggles), Escape (focus goes back to the anchor), window resize, or when the
 * anchor scrolls out of sight.
 */
export function FloatingPopover({
  anchor,
  onClose,
  children,
  className = '',
  testId,
  label,
  align = 'left',
}: {
  anchor: HTMLElement;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  testId?: string;
  label: string;
  align?: 'left' | 'right';
}) {
  const panel = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const closeRef = useRef(onClose);
  useLayoutEffect(() => {
    closeRef.current = onClose;
  });

  const place = useCallback(() => {
    const el = panel.current;
    if (!el) return;
    const a = anchor.getBoundingClientRect();
    // The anchor scrolled out of sight (or left the page): nothing to point at any more.
    if (!anchor.isConnected || a.bottom < 0 || a.top > window.innerHeight || a.right < 0 || a.left > window.innerWidth) {
      closeRef.current();
      return;
    }
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    let left = align === 'right' ? a.right - w : a.left;
    left = Math.max(8, Math.min(left, window.innerWidth - w - 8));
    let top = a.bottom + 4;
    if (top + h > window.innerHeight - 8 && a.top - h - 4 > 8) top = a.top - h - 4;
    setPos((p) => (p && p.top === top && p.left === left ? p : { top, left }));
  }, [anchor, align]);

  useLayoutEffect(() => {
    place();
  }, [place]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const t = e.target;
      if (!(t instanceof Node)) return;
      if (panel.current?.contains(t) || anchor.contains(t)) return;
      closeRef.current();
    };
    // Scrolling the table (or the page) moves the popover along with its anchor.
    let raf = 0;
    const onScroll = (e: Event) => {
      if (e.target instanceof Node && panel.current?.contains(e.target)) return;
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(place);
    };
    const onResize = () => closeRef.current();
    // Escape also when focus stayed on the anchor (opened with the mouse).
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      closeRef.current();
      anchor.focus();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown, true);
    window.addEventListener('scroll', onScroll, true);
    window.addEventListener('resize', onResize);
    return () => {
      cancelAnimationFrame(raf);
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown, true);
      window.removeEventListener('scroll', onScroll, true);
      window.removeEventListener('resize', onResize);
    };
  }, [anchor, place]);

  return createPortal(
    <div
      ref={panel}
      className={`popover floating-popover ${className}`}
      style={pos ? { top: pos.top, left: pos.left } : { top: -9999, left: -9999 }}
      role="dialog"
      aria-label={label}
      data-testid={testId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          closeRef.current();
          anchor.focus();
        }
      }}
    >
      {children}
    </div>,
    document.body,
  );
}
