import { EventEmitter } from 'node:events';
import type { TopicName, TopicPayload } from '../../shared/contract';

export type Listener<T extends TopicName> = (payload: TopicPayload<T>) => void;

/** In-process pub/sub behind both hosts' event streams. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    // Every open window / SSE client adds listeners; there is no leak to warn about.
    this.emitter.setMaxListeners(0);
  }
  publish<T extends TopicName>(topic: T, payload: TopicPayload<T>): void {
    this.emitter.emit(topic, payload);
  }
  subscribe<T extends TopicName>(topic: T, listener: Listener<T>): () => void {
    this.emitter.on(topic, listener as (p: unknown) => void);
    return () => this.emitter.off(topic, listener as (p: unknown) => void);
  }
}
