/**
 * IPC channels of the Electron host that are not contract methods or topics (the contract's live in
 * shared/contract/bridge.ts). Imported by main and by the bundled preload.
 */

/** main → renderer: open an in-app location (a `#/…` hash), e.g. after a click on an alert's desktop notification. */
export const IPC_NAVIGATE_CHANNEL = 'mldesk:host:navigate';

/** Only in-app hash routes cross this channel: `#/section` plus an optional query, nothing else. */
export function isAppHash(hash: unknown): hash is string {
  return typeof hash === 'string' && hash.length <= 2000 && /^#\/[a-z][a-z0-9-]*(\?[^#\s]*)?$/.test(hash);
}
