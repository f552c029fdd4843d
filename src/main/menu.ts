/**
 * The native menu, as data (Electron builds it with `Menu.buildFromTemplate`). Debugger keys
 * are shown in the menu but not registered as accelerators (`registerAccelerator: false`): the
 * page handles F5, F9, F10, F11 itself, in Electron and in a browser alike, so a key press never
 * runs a command twice. Menu clicks send the action to the page, which runs the same code.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';
import type { MenuAction } from '../preload/api';

export interface MenuHandlers {
  /** Sends an action to the workbench. */
  send(action: MenuAction): void;
  /** Opens a scenario file (Open Recent). */
  open(path: string): void;
  clearRecent(): void;
}

export function menuTemplate(recent: readonly string[], h: MenuHandlers, isMac = false): MenuItemConstructorOptions[] {
  const item = (label: string, action: MenuAction, accelerator?: string, page = false): MenuItemConstructorOptions => ({
    label,
    accelerator,
    registerAccelerator: page ? false : undefined,
    click: () => h.send(action),
  });
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map((p) => ({ label: basename(p), sublabel: p, toolTip: p, click: () => h.open(p) })),
        { type: 'separator' },
        { label: 'Clear Recent', click: () => h.clearRecent() },
      ]
    : [{ label: 'No recent scenarios', enabled: false }];
  return [
    ...(isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [
        item('Open Scenario…', 'open', 'CmdOrCtrl+O'),
        { label: 'Open Recent', submenu: recentItems },
        item('Reload Scenario', 'reload', 'CmdOrCtrl+Shift+R'),
        { type: 'separator' },
        item('Save Snapshot…', 'saveSnapshot', 'CmdOrCtrl+Shift+S'),
        item('Load Snapshot…', 'loadSnapshot', 'CmdOrCtrl+Shift+O'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { label: '&Edit', role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        item('Topology', 'tab:topology', 'CmdOrCtrl+1'),
        item('Memory', 'tab:memory', 'CmdOrCtrl+2'),
        item('Disassembly and Source', 'tab:code', 'CmdOrCtrl+3'),
        item('Threads', 'tab:threads', 'CmdOrCtrl+4'),
        item('Trace', 'tab:trace', 'CmdOrCtrl+5'),
        item('Scenario Editor', 'tab:editor', 'CmdOrCtrl+6'),
        { type: 'separator' },
        item('Toggle Theme', 'toggleTheme'),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' },
      ],
    },
    {
      label: '&Run',
      submenu: [
        item('Continue', 'run', 'F5', true),
        item('Pause', 'pause', 'F6', true),
        { type: 'separator' },
        item('Step Over', 'stepOver', 'F10', true),
        item('Step Into', 'stepInstruction', 'F11', true),
        item('Step Out', 'stepOut', 'Shift+F11', true),
        { type: 'separator' },
        item('Step Back', 'reverseStep', 'CmdOrCtrl+F11', true),
        item('Reverse Continue', 'reverseContinue', 'CmdOrCtrl+F5', true),
        { type: 'separator' },
        item('Toggle Breakpoint', 'toggleBreakpoint', 'F9', true),
        { type: 'separator' },
        item('Restart Engine', 'restartEngine'),
      ],
    },
    { label: '&Window', role: 'windowMenu' },
  ];
}
