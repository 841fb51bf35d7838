import { app, BrowserWindow, Menu, safeStorage, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer, type Served } from '../host/serve';
import { registerIpc } from './ipc';
import { buildMenu } from './menu';
import { startAlertNotifications } from './notifications';
import { hardenSession, lockNavigation } from './security';
import { useSafeStorageSecrets } from './secretCipher';

// Data lives in userData unless the user points elsewhere (tests do).
const dataDir = process.env.MLDESK_DATA_DIR ? path.resolve(process.env.MLDESK_DATA_DIR) : path.join(app.getPath('userData'), 'data');
const uiIndex = path.join(__dirname, 'renderer', 'index.html');
const appUrl = process.env.MLDESK_DEV_URL ?? pathToFileURL(uiIndex).toString();
const TRACKING_PORT = Number(process.env.MLDESK_PORT ?? 5000);

let served: Served | null = null;
let win: BrowserWindow | null = null;
let stopNotifications: (() => void) | null = null;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'mldesk',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  lockNavigation(w.webContents, appUrl);
  w.once('ready-to-show', () => w.show());
  void w.loadURL(appUrl);
  return w;
}

async function startEngine(): Promise<Served> {
  // The desktop app is also an MLflow tracking server on loopback; fall back to a free port if 5000 is taken.
  try {
    return await startServer({ dataDir, port: TRACKING_PORT, uiDir: null, engineHost: 'electron' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return startServer({ dataDir, port: 0, uiDir: null, engineHost: 'electron' });
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => lockNavigation(contents, appUrl));
  app
    .whenReady()
    .then(async () => {
      hardenSession();
      // Target keys and remote credentials: sealed with a key the OS keychain protects (web mode: MLDESK_SECRET_KEY or a 0600 key file).
      useSafeStorageSecrets(safeStorage);
      served = await startEngine();
      registerIpc(served.engine, appUrl);
      stopNotifications = startAlertNotifications(served.engine.events, () => (win && !win.isDestroyed() ? win : null));
      Menu.setApplicationMenu(buildMenu(() => void shell.openPath(dataDir)));
      win = createWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
      });
    })
    .catch((e: unknown) => {
      console.error('mldesk failed to start:', e);
      app.exit(1);
    });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('will-quit', (event) => {
    if (!served || closing) return;
    closing = true;
    event.preventDefault();
    stopNotifications?.();
    stopNotifications = null;
    void served.close().finally(() => app.quit());
    served = null;
  });
}
