import type { SVGProps } from 'react';

/** Sidebar / empty-state icon of the Compare section (kept apart from the lazy page). */
export function CompareIcon(p: SVGProps<SVGSVGElement>) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...p}>
      <path d="M1.75 12.5 5 7.5l3 2.5 6.25-7" />
      <path d="M1.75 9.5 5 11l3-4.5 2.5 1.5 3.75-2.5" opacity="0.55" />
    </svg>
  );
}
