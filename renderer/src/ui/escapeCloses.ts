import type { KeyboardEvent } from 'react';

/** onKeyDown of a popover: Escape closes it (without reaching outer handlers) and refocuses its opener. */
export function escapeCloses(close: () => void, opener: () => HTMLElement | null | undefined) {
  return (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    close();
    opener()?.focus();
  };
}
