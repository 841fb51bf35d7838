/** Public face of the data feature (the page itself is lazy-loaded by the sections registry). */
export { useData, useDatasetsSync, useDiff, useValidation } from './store';
export type { DatasetItem, Expectations } from './logic';
