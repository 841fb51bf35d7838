/** Public face of the compare feature (the page is lazy-loaded from app/sections.ts). */
export { CompareIcon } from './icon';
export { compareHref, parseView, viewToQuery, type CompareView, type XMode } from './url';
