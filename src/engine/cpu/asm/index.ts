/**
 * RISC-V assembler (GNU as subset) for RV32IMAC + Zicsr + Zifencei + privileged instructions.
 *
 * `assemble(source)` returns an ELF32 executable plus symbols, sections and a line table, or
 * every error found with its line and column. See assembler.ts for passes, layout and the
 * compression policy, pseudo.ts for the pseudo-instructions.
 */
export { assemble, formatAsmError } from './assembler';
export type { AsmError, AsmOptions, AsmResult, AsmSection, AsmSymbol, LineEntry, SectionKind } from './assembler';
export { REGISTERS } from './encode';
