/** Public face of the runs feature (the page is lazy-loaded from app/sections.ts). */
export { default as RunsPage } from './RunsPage';
export { useExperiments, useRuns } from './store';
export { StatusBadge } from './StatusBadge';
