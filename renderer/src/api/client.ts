import {
  contract,
  HTTP_EVENTS_PATH,
  HTTP_RPC_PREFIX,
  MldeskError,
  type Api,
  type Feature,
  type TopicName,
  type TopicPayload,
} from '../../../shared/contract';
import type { Bridge, Envelope } from '../../../shared/contract/bridge';

declare global {
  interface Window {
    mldesk?: Bridge;
  }
}

interface Transport {
  call(name: string, input: unknown): Promise<unknown>;
  subscribe(topic: TopicName, cb: (payload: unknown) => void): () => void;
}

function unwrap(env: Envelope): unknown {
  if (env.ok) return env.value;
  throw MldeskError.from(env.error);
}

function ipcTransport(bridge: Bridge): Transport {
  return {
    async call(name, input) {
      const [feature, method] = name.split('.') as [string, string];
      const fn = (bridge as unknown as Record<string, Record<string, (i: unknown) => Promise<Envelope>>>)[feature]?.[method];
      if (!fn) throw new MldeskError('NOT_FOUND', `Unknown method ${name}`);
      return unwrap(await fn(input));
    },
    subscribe: (topic, cb) => bridge.subscribe(topic, cb),
  };
}

/** One EventSource for all topics; reconnects on its own (EventSource does) and resubscribes on topic changes. */
function httpTransport(base: string): Transport {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  let handlers = new Map<string, (e: MessageEvent) => void>();

  const reopen = () => {
    source?.close();
    source = null;
    handlers = new Map();
    const topics = [...listeners.keys()].filter((t) => (listeners.get(t)?.size ?? 0) > 0);
    if (topics.length === 0) return;
    source = new EventSource(`${base}${HTTP_EVENTS_PATH}?topics=${encodeURIComponent(topics.join(','))}`, { withCredentials: true });
    for (const t of topics) {
      const h = (e: MessageEvent) => {
        const payload = JSON.parse(e.data as string) as unknown;
        listeners.get(t)?.forEach((cb) => cb(payload));
      };
      handlers.set(t, h);
      source.addEventListener(t, h);
    }
  };
  let pending: ReturnType<typeof setTimeout> | null = null;
  const scheduleReopen = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      reopen();
    }, 0);
  };

  return {
    async call(name, input) {
      let res: Response;
      try {
        res = await fetch(`${base}${HTTP_RPC_PREFIX}${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw new MldeskError('UNAVAILABLE', `Cannot reach the mldesk server: ${(e as Error).message}`);
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw new MldeskError('INTERNAL', `Server sent a non-JSON answer (${res.status})`);
      }
      if (!res.ok) throw MldeskError.from(body);
      return body;
    },
    subscribe(topic, cb) {
      let set = listeners.get(topic);
      const isNew = !set || set.size === 0;
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(cb);
      if (isNew) scheduleReopen();
      return () => {
        set.delete(cb);
        if (set.size === 0) scheduleReopen();
      };
    },
  };
}

function buildApi(t: Transport): Api {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const feature of Object.keys(contract) as Feature[]) {
    api[feature] = {};
    for (const m of Object.keys(contract[feature])) {
      api[feature][m] = (input?: unknown) => t.call(`${feature}.${m}`, input ?? {});
    }
  }
  return api as unknown as Api;
}

const transport: Transport = typeof window !== 'undefined' && window.mldesk ? ipcTransport(window.mldesk) : httpTransport('');

/** Features call `api.projects.list()`; they never know whether IPC or HTTP carries it. */
export const api: Api = buildApi(transport);
export const hostKind: 'electron' | 'web' = typeof window !== 'undefined' && window.mldesk ? 'electron' : 'web';

export function subscribe<T extends TopicName>(topic: T, cb: (payload: TopicPayload<T>) => void): () => void {
  return transport.subscribe(topic, cb as (p: unknown) => void);
}

/** Electron: native folder picker. Web: null (the UI shows a path field instead). */
export async function pickDirectory(): Promise<string | null> {
  return window.mldesk ? window.mldesk.host.pickDirectory() : null;
}

export { MldeskError };
