/**
 * Preload: the only bridge between the sandboxed renderer and Electron. It exposes a small,
 * typed API (declared in `api.d.ts` so the renderer sees the types, never this code).
 */
import { contextBridge } from 'electron';
import type { CorescopeApi } from './api';

const api: CorescopeApi = {
  versions: {
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node ?? '',
  },
};

contextBridge.exposeInMainWorld('corescope', api);
