import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';

export function buildMenu(onOpenDataDir: () => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [{ label: 'Show Data Folder', click: onOpenDataDir }, { type: 'separator' }, isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `mldesk ${app.getVersion()}`, enabled: false }, { label: 'Electron Security Checklist', click: () => void shell.openExternal('https://www.electronjs.org/docs/latest/tutorial/security') }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
