// Sandboxed preload: bundled into one file (it cannot require local modules).
// Exposes one named function per contract method, plus subscribe() and a folder picker; never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { contract, isTopic, type TopicName } from '../../shared/contract';
import { IPC_EVENT_CHANNEL, IPC_NAVIGATE_CHANNEL, IPC_PICK_DIRECTORY_CHANNEL, IPC_SUBSCRIBE_CHANNEL, ipcChannel, isAppHash, type Envelope } from '../../shared/contract/bridge';

const listeners = new Map<TopicName, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, topic: TopicName, payload: unknown) => {
  listeners.get(topic)?.forEach((cb) => cb(payload));
});

const bridge: Record<string, unknown> = {};
for (const [feature, methods] of Object.entries(contract)) {
  const group: Record<string, (input: unknown) => Promise<Envelope>> = {};
  for (const m of Object.keys(methods)) {
    const channel = ipcChannel(`${feature}.${m}`);
    group[m] = (input: unknown) => ipcRenderer.invoke(channel, input) as Promise<Envelope>;
  }
  bridge[feature] = group;
}

bridge.subscribe = (topic: TopicName, cb: (payload: unknown) => void): (() => void) => {
  if (typeof topic !== 'string' || !isTopic(topic) || typeof cb !== 'function') throw new Error(`Unknown topic ${String(topic)}`);
  let set = listeners.get(topic);
  if (!set) {
    set = new Set();
    listeners.set(topic, set);
    ipcRenderer.send(IPC_SUBSCRIBE_CHANNEL, topic, true);
  }
  set.add(cb);
  return () => {
    set.delete(cb);
    if (set.size === 0) {
      listeners.delete(topic);
      ipcRenderer.send(IPC_SUBSCRIBE_CHANNEL, topic, false);
    }
  };
};
// Navigation requests from main (a click on an alert's desktop notification): in-app hashes only, to the page's own listener.
const navigateListeners = new Set<(hash: string) => void>();
ipcRenderer.on(IPC_NAVIGATE_CHANNEL, (_event, hash: unknown) => {
  if (isAppHash(hash)) navigateListeners.forEach((cb) => cb(hash));
});

bridge.host = {
  kind: 'electron',
  pickDirectory: () => ipcRenderer.invoke(IPC_PICK_DIRECTORY_CHANNEL) as Promise<string | null>,
  onNavigate: (cb: (hash: string) => void): (() => void) => {
    if (typeof cb !== 'function') throw new Error('onNavigate needs a callback');
    navigateListeners.add(cb);
    return () => {
      navigateListeners.delete(cb);
    };
  },
};

contextBridge.exposeInMainWorld('mldesk', bridge);
