/** Public face of the models feature (the page itself is lazy-loaded by the sections registry). */
export { ModelIcon } from './icon';
export { RegisterModelDialog } from './RegisterModelDialog';
