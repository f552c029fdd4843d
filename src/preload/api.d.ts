/**
 * The API the preload exposes on `window.corescope` (absent when the renderer is served to a
 * plain browser). It is deliberately small: the engine protocol does not pass through it. The
 * renderer asks for a connection and gets a MessagePort straight to the engine process, over
 * which it speaks the protocol (`src/engine/protocol.ts`) as it does over a WebSocket.
 */
import type { CommandKind } from '../engine/protocol';

/** Menu items that run a debugger command: the protocol's own command names. */
export type MenuCommand = Extract<CommandKind, 'run' | 'pause' | 'stepInstruction' | 'stepOver' | 'stepOut'>;
/** Menu items the workbench handles itself. */
export type MenuAction =
  | MenuCommand
  | 'open'
  | 'reload'
  | 'restartEngine'
  | 'toggleTheme'
  | 'toggleBreakpoint'
  | 'reverseStep'
  | 'reverseContinue'
  | 'saveSnapshot'
  | 'loadSnapshot'
  | 'tab:topology'
  | 'tab:memory'
  | 'tab:code'
  | 'tab:threads'
  | 'tab:trace'
  | 'tab:editor';

export interface CorescopeApi {
  versions: { electron: string; chrome: string; node: string };
  /**
   * Asks for a connection to the engine process (starting it if it is not running); machine 2
   * is a second engine process, another machine to migrate components to. The port arrives as
   * a window message `{ corescope: 'engine-port', machine }` with the port in `ports[0]` (a
   * MessagePort cannot cross the context bridge as a return value).
   */
  connectEngine(machine?: 1 | 2): Promise<void>;
  /** Ends the engine process if it runs and starts a new one; then connect again. */
  restartEngine(machine?: 1 | 2): Promise<void>;
  /** The scenario to load at start (the command line's, else the demo), once; then null. */
  initialScenario(): Promise<string | null>;
  /** Shows the open dialog; resolves with the chosen scenario's path, or null. */
  chooseScenario(): Promise<string | null>;
  /**
   * Shows a save dialog ('save', suggesting `name`) or an open dialog ('open') for a snapshot
   * file; resolves with the chosen path, or null.
   */
  chooseSnapshot(mode: 'save' | 'open', name?: string): Promise<string | null>;
  /** Records a scenario the workbench opened (recent files, window title). */
  scenarioOpened(path: string): Promise<void>;
  /** The path of a file dropped on the window. */
  pathForFile(file: File): string;
  onMenu(listener: (action: MenuAction) => void): void;
  /** A scenario picked from the menu (Open Recent, the dialog, a file given to a second launch). */
  onOpenScenario(listener: (path: string) => void): void;
  /** An engine process died; the window stays and offers a restart. */
  onEngineDied(listener: (why: string, machine: 1 | 2) => void): void;
}

declare global {
  interface Window {
    corescope?: CorescopeApi;
  }
}
