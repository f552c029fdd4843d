/**
 * Electron main process: one window with secure defaults, the native menu, and the engine host
 * in a utility process whose MessagePorts go straight to the renderer. Kept thin on purpose:
 * what can be tested without Electron lives beside it (engine_supervisor, menu, recent,
 * security) and is tested in Node; everything else is in src/engine and src/renderer.
 *
 * Usage: `corescope [scenario.xml]` (default: the demo scenario, loaded and running).
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  session,
  shell,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MenuAction } from '../preload/api';
import { IPC } from '../preload/channels';
import { EngineSupervisor, type EngineChild } from './engine_supervisor';
import { menuTemplate } from './menu';
import { readRecent, withRecent, writeRecent } from './recent';
import { CSP, refuseSender } from './security';

const DEMO = join(app.getAppPath(), 'resources', 'scenarios', 'demo.xml');
const recentFile = (): string => join(app.getPath('userData'), 'recent-scenarios.json');

let win: BrowserWindow | null = null;
let appUrl = '';
let recent: string[] = [];
/** The scenario the window loads when it first connects (then null: a reload keeps the engine's). */
let initial: string | null = scenarioFromArgs(process.argv) ?? DEMO;

function scenarioFromArgs(argv: readonly string[]): string | null {
  const file = argv.slice(1).find((a) => a.endsWith('.xml') && !a.startsWith('-'));
  return file && existsSync(file) ? resolve(file) : null;
}

/** An engine process; machine 2 is a second engine (another ECU to migrate components to). */
const supervisor = (machine: 1 | 2): EngineSupervisor =>
  new EngineSupervisor({
    fork: (): EngineChild => {
      const child = utilityProcess.fork(join(__dirname, 'engine.js'), [], {
        serviceName: machine === 1 ? 'Corescope engine' : 'Corescope engine (machine 2)',
        stdio: 'pipe',
      });
      return {
        postMessage: (message, transfer) => child.postMessage(message, transfer as Electron.MessagePortMain[]),
        onExit: (cb) => child.on('exit', cb),
        onStderr: (cb) => child.stderr?.on('data', (d: Buffer) => cb(d.toString())),
        kill: () => void child.kill(),
      };
    },
    channel: () => new MessageChannelMain(),
    onDied: (why) => win?.webContents.send(IPC.engineDied, why, machine),
  });
const engine = supervisor(1);
/** Started when the window first asks for machine 2. */
let engine2: EngineSupervisor | null = null;

function send(action: MenuAction): void {
  win?.webContents.send(IPC.menu, action);
}

function openScenario(path: string): void {
  win?.webContents.send(IPC.openScenario, path);
}

function rememberScenario(path: string): void {
  recent = withRecent(recent, path);
  writeRecent(recentFile(), recent);
  app.addRecentDocument(path);
  win?.setTitle(`Corescope — ${path}`);
  buildMenu();
}

function buildMenu(): void {
  const template = menuTemplate(
    recent,
    {
      send,
      open: openScenario,
      clearRecent: () => {
        recent = [];
        writeRecent(recentFile(), recent);
        app.clearRecentDocuments();
        buildMenu();
      },
    },
    process.platform === 'darwin',
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Registers an IPC handler that only answers the app's own page. */
function handle(channel: string, fn: (e: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, (e, ...args) => {
    const why = refuseSender(
      {
        fromAppWindow: win !== null && e.sender === win.webContents,
        topFrame: e.senderFrame !== null && e.senderFrame === e.sender.mainFrame,
        frameUrl: e.senderFrame?.url ?? null,
      },
      appUrl,
    );
    if (why) throw new Error(`refused ${channel}: ${why}`);
    return fn(e, ...args);
  });
}

function registerIpc(): void {
  handle(IPC.connectEngine, (e, machine) => {
    let sup = engine;
    if (machine === 2) {
      if (!engine2) {
        engine2 = supervisor(2);
        engine2.start();
      }
      sup = engine2;
    }
    const port = sup.connect();
    e.sender.postMessage(IPC.enginePort, machine === 2 ? 2 : 1, [port as Electron.MessagePortMain]);
  });
  handle(IPC.restartEngine, (_e, machine) => (machine === 2 ? engine2?.restart() : engine.restart()));
  handle(IPC.initialScenario, () => {
    const path = initial;
    initial = null;
    return path;
  });
  handle(IPC.chooseScenario, async () => {
    const r = await dialog.showOpenDialog(win!, {
      title: 'Open scenario',
      properties: ['openFile'],
      filters: [{ name: 'Scenarios', extensions: ['xml'] }],
    });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  handle(IPC.chooseSnapshot, async (_e, mode, name) => {
    const filters = [{ name: 'Corescope snapshots', extensions: ['snap'] }];
    if (mode === 'save') {
      const r = await dialog.showSaveDialog(win!, {
        title: 'Save snapshot',
        defaultPath: typeof name === 'string' ? name : 'snapshot.snap',
        filters,
      });
      return r.canceled ? null : (r.filePath ?? null);
    }
    const r = await dialog.showOpenDialog(win!, { title: 'Load snapshot', properties: ['openFile'], filters });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  handle(IPC.scenarioOpened, (_e, path) => {
    if (typeof path === 'string' && path.length > 0) rememberScenario(path);
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Corescope',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // No navigation away from the app and no new windows; https links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  // A crashed or killed renderer: load the page again (the engine keeps running).
  win.webContents.on('render-process-gone', (_e, d) => {
    if (d.reason !== 'clean-exit') win?.webContents.reload();
  });
  win.on('closed', () => (win = null));
  if (process.env.ELECTRON_RENDERER_URL) {
    appUrl = process.env.ELECTRON_RENDERER_URL;
    void win.loadURL(appUrl);
  } else {
    const file = join(__dirname, '../renderer/index.html');
    appUrl = new URL(`file://${file}`).href;
    void win.loadFile(file);
  }
}

// One instance: a second launch with a scenario opens it in the first window.
if (!app.requestSingleInstanceLock()) app.quit();
app.on('second-instance', (_e, argv) => {
  const path = scenarioFromArgs(argv);
  if (path) openScenario(path);
  if (win?.isMinimized()) win.restore();
  win?.focus();
});

void app.whenReady().then(() => {
  // The CSP as a header too, for every response the window's session gets.
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  recent = readRecent(recentFile());
  registerIpc();
  buildMenu();
  engine.start();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => {
  engine.stop();
  engine2?.stop();
});
