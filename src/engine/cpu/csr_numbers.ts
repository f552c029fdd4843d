/**
 * CSR numbers and names (privileged spec, table "Currently allocated RISC-V machine-level CSR
 * addresses" and its S- and U-level siblings). The hart implements the ones listed in
 * `IMPLEMENTED_CSRS`; the assembler and disassembler know every name here.
 *
 * Bits 11..10 of a CSR number say read-only (0b11) or read/write; bits 9..8 give the lowest
 * privilege that may access it (0 U, 1 S, 3 M).
 */
export const CSR = {
  // Unprivileged counters
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  cycleh: 0xc80,
  timeh: 0xc81,
  instreth: 0xc82,
  // Supervisor
  sstatus: 0x100,
  sie: 0x104,
  stvec: 0x105,
  scounteren: 0x106,
  sscratch: 0x140,
  sepc: 0x141,
  scause: 0x142,
  stval: 0x143,
  sip: 0x144,
  satp: 0x180,
  // Machine information
  mvendorid: 0xf11,
  marchid: 0xf12,
  mimpid: 0xf13,
  mhartid: 0xf14,
  mconfigptr: 0xf15,
  // Machine trap setup
  mstatus: 0x300,
  misa: 0x301,
  medeleg: 0x302,
  mideleg: 0x303,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  mstatush: 0x310,
  // Machine trap handling
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  // Machine counters
  mcycle: 0xb00,
  minstret: 0xb02,
  mcycleh: 0xb80,
  minstreth: 0xb82,
  mcountinhibit: 0x320,
  // Physical memory protection (names known to the assembler; see hart.ts for what we do)
  pmpcfg0: 0x3a0,
  pmpcfg1: 0x3a1,
  pmpcfg2: 0x3a2,
  pmpcfg3: 0x3a3,
  pmpaddr0: 0x3b0,
  pmpaddr1: 0x3b1,
  pmpaddr2: 0x3b2,
  pmpaddr3: 0x3b3,
  pmpaddr4: 0x3b4,
  pmpaddr5: 0x3b5,
  pmpaddr6: 0x3b6,
  pmpaddr7: 0x3b7,
  // Debug/trace trigger registers (probed by some test environments)
  tselect: 0x7a0,
  tdata1: 0x7a1,
} as const;

export type CsrName = keyof typeof CSR;

/** CSR number to name, for the disassembler. */
export const CSR_NAME: ReadonlyMap<number, string> = new Map(Object.entries(CSR).map(([n, v]) => [v, n]));
