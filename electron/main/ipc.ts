import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { methodNames, isTopic, MldeskError, OWNER, type TopicName } from '../../shared/contract';
import { IPC_EVENT_CHANNEL, IPC_PICK_DIRECTORY_CHANNEL, IPC_SUBSCRIBE_CHANNEL, ipcChannel, type Envelope } from '../../shared/contract/bridge';
import type { Engine } from '../core/engine';
import { runAs } from '../core/principal';
import { isAppUrl } from './security';

/** Registers every contract method on ipcMain.handle; each call checks who sent it before validating input. */
export function registerIpc(engine: Engine, appUrl: string): () => void {
  const trusted = (event: IpcMainInvokeEvent | Electron.IpcMainEvent): boolean => {
    const frame = event.senderFrame;
    return frame !== null && isAppUrl(frame.url, appUrl);
  };
  const refused = (): Envelope => ({ ok: false, error: new MldeskError('FORBIDDEN', 'IPC from an untrusted frame').toJSON() });

  const names = methodNames();
  for (const name of names) {
    // The desktop user is the owner: Engine.call applies the contract's role check and path confinement as over HTTP.
    ipcMain.handle(ipcChannel(name), (event, input: unknown) => (trusted(event) ? runAs(OWNER, () => engine.call(name, input)) : refused()));
  }

  ipcMain.handle(IPC_PICK_DIRECTORY_CHANNEL, async (event) => {
    if (!trusted(event)) return null;
    const win = BrowserWindow.fromWebContents(event.sender);
    const result = win
      ? await dialog.showOpenDialog(win, { properties: ['openDirectory', 'createDirectory'] })
      : await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });

  // Topic subscriptions per WebContents, forwarded over one event channel.
  const subs = new Map<number, Map<TopicName, () => void>>();
  const onSubscribe = (event: Electron.IpcMainEvent, topic: unknown, on: unknown) => {
    if (!trusted(event) || typeof topic !== 'string' || !isTopic(topic)) return;
    const wc: WebContents = event.sender;
    let mine = subs.get(wc.id);
    if (!mine) {
      mine = new Map();
      subs.set(wc.id, mine);
      const id = wc.id;
      wc.once('destroyed', () => {
        subs.get(id)?.forEach((off) => off());
        subs.delete(id);
      });
    }
    if (on === true && !mine.has(topic)) {
      mine.set(
        topic,
        engine.events.subscribe(topic, (payload) => {
          if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, topic, payload);
        }),
      );
    } else if (on === false) {
      mine.get(topic)?.();
      mine.delete(topic);
    }
  };
  ipcMain.on(IPC_SUBSCRIBE_CHANNEL, onSubscribe);

  return () => {
    for (const name of names) ipcMain.removeHandler(ipcChannel(name));
    ipcMain.removeHandler(IPC_PICK_DIRECTORY_CHANNEL);
    ipcMain.off(IPC_SUBSCRIBE_CHANNEL, onSubscribe);
    subs.forEach((m) => m.forEach((off) => off()));
    subs.clear();
  };
}
