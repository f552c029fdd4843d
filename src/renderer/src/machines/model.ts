/** Component checkpoints and machine 2's console: plain data and naming, tested without a DOM. */

/** A component checkpoint file the engine wrote. */
export interface Checkpoint {
  /** The component's start name. */
  name: string;
  path: string;
  /** Virtual time of machine 1 when it was taken (µs). */
  timeUs: number;
  bytes: number;
}

/** A LOG line of machine 2. */
export interface MachineLine {
  seq: number;
  label: string;
  text: string;
  time: number;
}

/**
 * Where a checkpoint of `child` taken at `timeUs` goes (relative to the engines' working
 * directory, which both machines share): checkpoints/<child>-<ms>ms-<n>.ckpt. Characters other
 * than letters, digits, '-', '_' and '.' in the name become '_'.
 */
export function checkpointPath(child: string, timeUs: number, n: number): string {
  const safe = child.replace(/[^A-Za-z0-9._-]/g, '_') || 'component';
  return `checkpoints/${safe}-${Math.round(timeUs / 1000)}ms-${n + 1}.ckpt`;
}

/** Machine 2's LOG lines as text lines "[label] text" (the newest `max`). */
export function consoleText(lines: readonly MachineLine[], max = 200): string[] {
  return lines.slice(-max).map((l) => (l.label ? `[${l.label}] ${l.text}` : l.text));
}
