import type { ErrorShape } from './errors';
import type { Contract, TopicName } from './index';

/** What crosses IPC for each call: errors travel as data because Electron drops custom error fields. */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorShape };

/** Channel names are derived, never typed by hand. */
export const ipcChannel = (name: string) => `mldesk:call:${name}`;
export const IPC_EVENT_CHANNEL = 'mldesk:event';
export const IPC_SUBSCRIBE_CHANNEL = 'mldesk:subscribe';
export const IPC_PICK_DIRECTORY_CHANNEL = 'mldesk:host:pick-directory';
/** main → renderer: open an in-app location (a `#/…` hash), e.g. after a click on an alert's desktop notification. */
export const IPC_NAVIGATE_CHANNEL = 'mldesk:host:navigate';

/** Only in-app hash routes cross the navigate channel: `#/section` plus an optional query, nothing else. */
export function isAppHash(hash: unknown): hash is string {
  return typeof hash === 'string' && hash.length <= 2000 && /^#\/[a-z][a-z0-9-]*(\?[^#\s]*)?$/.test(hash);
}

/** The object the preload puts on window.mldesk: one function per contract method + subscribe. */
export type Bridge = {
  [F in keyof Contract]: { [M in keyof Contract[F]]: (input: unknown) => Promise<Envelope> };
} & {
  subscribe(topic: TopicName, cb: (payload: unknown) => void): () => void;
  host: { kind: 'electron'; pickDirectory(): Promise<string | null>; onNavigate(cb: (hash: string) => void): () => void };
};

/** HTTP shape of the same contract (web mode). */
export const HTTP_RPC_PREFIX = '/rpc/';
export const HTTP_EVENTS_PATH = '/events';
