/**
 * Keeps one engine process alive for the window and hands the renderer MessagePorts to it.
 *
 * The main process forks the engine host as an Electron utility process and never speaks the
 * protocol itself: for each renderer connection it makes a MessageChannel, posts one end to the
 * engine (which serves it as a client, `serveParentPort`) and gives the other to the renderer.
 * When the engine process dies, the supervisor says why (exit code, the last lines it wrote to
 * stderr) and waits to be told to restart; the window stays.
 *
 * Nothing here imports Electron: the fork and the channel are passed in, so the logic is tested
 * in Node with a worker thread standing in for the utility process.
 */

/** The part of a MessagePort the supervisor handles (it only passes ports along). */
export interface PortLike {
  close?(): void;
}

/** What a forked engine process offers (Electron's `UtilityProcess`, or a test's worker). */
export interface EngineChild {
  postMessage(message: unknown, transfer: PortLike[]): void;
  onExit(listener: (code: number) => void): void;
  /** Lines the process writes to stderr, as they come. */
  onStderr(listener: (text: string) => void): void;
  kill(): void;
}

export interface SupervisorOptions {
  fork: () => EngineChild;
  channel: () => { port1: PortLike; port2: PortLike };
  /** The engine process ended without being asked to. */
  onDied: (why: string) => void;
}

export class EngineSupervisor {
  private child: EngineChild | null = null;
  private stderrTail: string[] = [];
  private generation = 0;

  constructor(private readonly opts: SupervisorOptions) {}

  get alive(): boolean {
    return this.child !== null;
  }

  /** Starts the engine process unless it runs. */
  start(): void {
    if (this.child) return;
    const child = this.opts.fork();
    const generation = ++this.generation;
    this.child = child;
    this.stderrTail = [];
    child.onStderr((text) => {
      this.stderrTail = [...this.stderrTail, ...text.split('\n').filter((l) => l.trim() !== '')].slice(-5);
    });
    child.onExit((code) => {
      // A process we stopped ourselves (restart, quit) is not news.
      if (generation !== this.generation || this.child !== child) return;
      this.child = null;
      const tail = this.stderrTail.length ? `: ${this.stderrTail.join(' / ')}` : '';
      this.opts.onDied(`the engine process exited with code ${code}${tail}`);
    });
  }

  /** A new connection to the engine: returns the renderer's end of a fresh channel. */
  connect(): PortLike {
    this.start();
    const { port1, port2 } = this.opts.channel();
    this.child!.postMessage({ type: 'client' }, [port1]);
    return port2;
  }

  /** Stops the engine process (if it runs) and starts a new one. */
  restart(): void {
    this.stop();
    this.start();
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    this.generation++;
    child?.kill();
  }
}
