/// <reference lib="dom" />
/**
 * Preload: the only bridge between the sandboxed renderer and Electron. It exposes the small
 * typed API declared in `api.d.ts` and passes the engine's MessagePort to the page with a
 * window message (ports cannot be return values of the context bridge).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { CorescopeApi, MenuAction } from './api';
import { ENGINE_PORT_MESSAGE, IPC } from './channels';

ipcRenderer.on(IPC.enginePort, (e, machine: number) => {
  window.postMessage(
    { corescope: ENGINE_PORT_MESSAGE, machine: machine === 2 ? 2 : 1 },
    window.location.origin === 'null' ? '*' : window.location.origin,
    [...e.ports],
  );
});

const api: CorescopeApi = {
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node ?? '',
  },
  connectEngine: (machine = 1) => ipcRenderer.invoke(IPC.connectEngine, machine),
  restartEngine: (machine = 1) => ipcRenderer.invoke(IPC.restartEngine, machine),
  initialScenario: () => ipcRenderer.invoke(IPC.initialScenario),
  chooseScenario: () => ipcRenderer.invoke(IPC.chooseScenario),
  chooseSnapshot: (mode, name) => ipcRenderer.invoke(IPC.chooseSnapshot, mode, name),
  scenarioOpened: (path) => ipcRenderer.invoke(IPC.scenarioOpened, String(path)),
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenu: (listener) => void ipcRenderer.on(IPC.menu, (_e, action: MenuAction) => listener(action)),
  onOpenScenario: (listener) => void ipcRenderer.on(IPC.openScenario, (_e, path: string) => listener(path)),
  onEngineDied: (listener) =>
    void ipcRenderer.on(IPC.engineDied, (_e, why: string, machine?: number) => listener(why, machine === 2 ? 2 : 1)),
};

contextBridge.exposeInMainWorld('corescope', api);
