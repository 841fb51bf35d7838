import type { Store } from './store';
import type { EventBus } from './events';

/** What every feature of the engine gets: one store, one event bus, where it lives. */
export interface EngineContext {
  store: Store;
  events: EventBus;
  dataDir: string;
  host: 'electron' | 'web';
  version: string;
  /** Set by the host once its HTTP server listens (MLflow clients point here). */
  trackingUri: string | null;
  audit(action: string, subject?: string | null, detail?: unknown): void;
}
