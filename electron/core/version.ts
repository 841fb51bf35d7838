// Replaced at bundle time by esbuild's `define`; tests running from source see the fallback.
declare const __MLDESK_VERSION__: string | undefined;
export const VERSION: string = typeof __MLDESK_VERSION__ === 'string' ? __MLDESK_VERSION__ : '0.0.0-dev';
