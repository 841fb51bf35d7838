import type { SVGProps } from 'react';

/** Sidebar / empty-state icon of the Models section (kept apart from the lazy page). */
export function ModelIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <path d="M8 1.75 13.75 5v6L8 14.25 2.25 11V5L8 1.75Z" />
      <path d="M2.25 5 8 8.25 13.75 5M8 8.25v6" />
    </svg>
  );
}
