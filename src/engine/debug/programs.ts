/**
 * Debug information per PD: the ELF each of init's children was started from (its ROM
 * module), parsed once into a DebugInfo (symbols and line tables). PDs that did not come from
 * an ELF of init (core's own, runtime-created ones without a known binary) have none.
 */
import type { Pd } from '../core/kernel_objects';
import type { System } from '../core/system';
import { Debugger, type ProgramInfo } from './debugger';
import { DebugInfo } from './symbols';
import { unwind } from './unwind';

/** The DebugInfo of a PD's program, parsed once per ROM module. */
export function programLookup(sys: System): (pd: Pd) => DebugInfo | null {
  const byModule = new Map<string, DebugInfo | null>();
  return (pd) => {
    let binary: string | null = null;
    for (const c of sys.init.children.values()) if (c.pdSession && c.pd === pd) binary = c.start.binary;
    if (binary === null) return null;
    if (!byModule.has(binary)) {
      const bytes = sys.core.romData(binary);
      const r = bytes ? DebugInfo.fromElf(bytes) : null;
      byModule.set(binary, r && r.ok ? r.info : null);
    }
    return byModule.get(binary)!;
  };
}

/** The debugger's view of a DebugInfo. */
export function programInfo(info: DebugInfo): ProgramInfo {
  return {
    symbolize: (a) => info.symbolize(a),
    lookup: (n) => info.lookup(n),
    lineOf: (pc) => info.lineOf(pc),
    addressesOf: (file, line) => {
      const r = info.addressesOf(file, line);
      return r.ok && r.addresses.length ? { addresses: r.addresses, line: r.line } : null;
    },
    lineRange: (pc) => info.lineRange(pc),
  };
}

/** A debugger with symbols, line tables and frame-pointer unwinding for init's children. */
export function createDebugger(sys: System, programs = programLookup(sys)): Debugger {
  const views = new Map<DebugInfo, ProgramInfo>();
  const view = (pd: Pd): ProgramInfo | null => {
    const info = programs(pd);
    if (!info) return null;
    let v = views.get(info);
    if (!v) views.set(info, (v = programInfo(info)));
    return v;
  };
  return new Debugger(sys, view, (regs, read32, pd) => unwind(regs, read32, programs(pd)));
}
