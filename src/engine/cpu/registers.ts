/** RV32 integer register names: the one list the disassembler, the debugger and the protocol use. */

/** ABI register names, x0..x31. */
// prettier-ignore
export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const;

/** Register number of a name: x0..x31, an ABI name or fp (= s0); -1 for pc; null if none. */
export function registerNumber(name: string): number | null {
  if (name === 'pc') return -1;
  if (name === 'fp') return 8;
  const x = /^x([0-9]|[12][0-9]|3[01])$/.exec(name);
  if (x) return Number(x[1]);
  const i = (ABI_NAMES as readonly string[]).indexOf(name);
  return i >= 0 ? i : null;
}
