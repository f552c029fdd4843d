/**
 * Interrupts: the CLINT machine timer and software interrupts (also across harts), vectored
 * mtvec, S-mode timer interrupts delegated with mideleg, PLIC external interrupts from the
 * UART, WFI, masking by mstatus.MIE and mie, and priorities.
 */
import { describe, expect, it } from 'vitest';
import { ENTER_S, ENTER_U, PASS, TO_M, hex, irq, runAsm, runPass } from './harness';

const CLINT = 0x0200_0000;
const MTIMECMP = CLINT + 0x4000;
const MTIME = CLINT + 0xbff8;
const PLIC = 0x0c00_0000;
const UART = 0x1000_0000;

/** Arms this hart's timer `delta` ticks from now (clobbers t0-t2). */
const ARM_TIMER = (delta: number): string => `
  li t0, ${MTIME}
  lw t1, 0(t0)
  addi t1, t1, ${delta}
  li t0, ${MTIMECMP}
  csrr t2, mhartid
  slli t2, t2, 3
  add t0, t0, t2
  sw t1, 0(t0)
  sw zero, 4(t0)`;

/** Waits until the default handlers have logged `n` traps in total (clobbers t0, t1). */
const WAIT_TRAPS = (n: number, log = 'trap_count'): string => `
1:
  la t0, ${log}
  lw t0, 0(t0)
  li t1, ${n}
  bltu t0, t1, 1b`;

describe('CLINT timer', () => {
  it('mtimecmp raises MTIP, taken when mie.MTIE and mstatus.MIE are set', () => {
    const r = runPass(`
main:
  ${ARM_TIMER(50)}
  mv s1, t1                 # the compare value
  li t0, 1 << 7
  csrs mie, t0
  csrsi mstatus, 8
  ${WAIT_TRAPS(1)}
  csrr s2, time
  csrr s3, mip
  ${PASS}
`);
    const [t] = r.traps();
    expect(hex(t.cause)).toBe(hex(irq(7)));
    expect(t.ip & 0x80).toBe(0x80); // MTIP was pending in the handler
    expect(t.tval).toBe(0);
    expect(r.ureg('s2')).toBeGreaterThanOrEqual(r.ureg('s1'));
    expect(r.ureg('s3') & 0x80).toBe(0x80); // still pending (the handler only disabled MTIE)
  });

  it('is taken at the same instruction every run, and not before mtime reaches mtimecmp', () => {
    const src = `
main:
  ${ARM_TIMER(37)}
  mv s1, t1
  li t0, 1 << 7
  csrs mie, t0
  li a0, 0
  csrsi mstatus, 8
1:
  addi a0, a0, 1            # counts until the interrupt
  la t0, trap_count
  lw t0, 0(t0)
  beqz t0, 1b
  csrr s2, time
  ${PASS}
`;
    const a = runPass(src);
    const b = runPass(src);
    expect(a.reg('a0')).toBe(b.reg('a0'));
    expect(a.traps()[0].epc).toBe(b.traps()[0].epc);
    // 37 ticks = 370 cycles; the loop is 5 instructions; the handler takes ~40 cycles.
    expect(a.reg('a0')).toBeGreaterThan(65);
    expect(a.reg('a0')).toBeLessThanOrEqual(74);
    expect(a.ureg('s2')).toBeGreaterThanOrEqual(a.ureg('s1'));
    expect(a.ureg('s2') - a.ureg('s1')).toBeLessThanOrEqual(6);
  });

  it('vectored mtvec (mode 1): interrupts go to base + 4 * cause, exceptions to base', () => {
    const r = runPass(`
main:
  la t0, vtable
  ori t0, t0, 1
  csrw mtvec, t0
  la s0, order
  la s1, order
  ecall                     # exception: vtable + 0
  li t0, ${CLINT}
  li t1, 1
  sw t1, 0(t0)              # msip: vtable + 12
  li t0, (1 << 3) | (1 << 7)
  csrs mie, t0
  csrsi mstatus, 8
  ${ARM_TIMER(20)}          # timer: vtable + 28
1:
  lw t0, 8(s1)
  beqz t0, 1b
  csrci mstatus, 8
  ${PASS}

record:                     # appends t3 to order (s0 advances)
  sw t3, 0(s0)
  addi s0, s0, 4
  ret
vexc:
  li t3, 100
  csrr t4, mcause
  add t3, t3, t4
  jal record
  csrr t4, mepc
  addi t4, t4, 4
  csrw mepc, t4
  mret
vmsi:
  li t3, 3
  jal record
  li t4, ${CLINT}
  sw zero, 0(t4)
  mret
vtimer:
  li t3, 7
  jal record
  li t4, ${MTIMECMP}
  li t3, -1
  sw t3, 4(t4)
  mret
vbad:
  li gp, 99
  j __fail

.balign 64
vtable:
  j vexc
  j vbad
  j vbad
  j vmsi
  j vbad
  j vbad
  j vbad
  j vtimer
  j vbad
  j vbad
  j vbad
  j vbad
.data
.balign 4
order: .word 0, 0, 0, 0
`);
    const order = [0, 1, 2, 3].map((i) => r.word(r.sym('order') + 4 * i));
    expect(order).toEqual([111, 3, 7, 0]); // ecall from M (100 + 11), then MSI, then MTI
  });
});

describe('software interrupts', () => {
  it('msip raises MSIP (cause 3) and clearing msip clears it', () => {
    const r = runPass(`
main:
  li s0, ${CLINT}
  li t0, 1
  sw t0, 0(s0)
  csrr s1, mip              # MSIP pending, not enabled yet
  li t0, 1 << 3
  csrs mie, t0
  csrsi mstatus, 8
  ${WAIT_TRAPS(1)}
  sw zero, 0(s0)
  csrr s2, mip
  lw s3, 0(s0)
  ${PASS}
`);
    expect(r.ureg('s1') & 8).toBe(8);
    expect(r.traps().map((t) => t.cause)).toEqual([irq(3)]);
    expect(r.ureg('s2') & 8).toBe(0);
    expect(r.reg('s3')).toBe(0);
  });

  it('one hart interrupts another through its msip', () => {
    const r = runPass(
      `
main:
  la s0, ready
  bnez a0, hart1
  li s1, ${CLINT}
1:
  lw t0, 0(s0)
  beqz t0, 1b
  li t0, 1
  sw t0, 4(s1)              # msip[1]
  ${WAIT_TRAPS(1)}
  csrr s2, mip              # hart 0's own MSIP stays clear
  ${PASS}
hart1:
  li t0, 1 << 3
  csrs mie, t0
  csrsi mstatus, 8
  li t0, 1
  sw t0, 0(s0)
2:
  wfi
  j 2b
.data
.balign 4
ready: .word 0
`,
      { harts: 2 },
    );
    const [t] = r.traps();
    expect([hex(t.cause), t.hart]).toEqual([hex(irq(3)), 1]);
    expect(r.ureg('s2') & 8).toBe(0);
  });
});

describe('delegated S-mode interrupts', () => {
  it('STIP set by M software is taken in S-mode via mideleg (scause = 5 | bit 31)', () => {
    const r = runPass(`
main:
  li t0, 1 << 5
  csrw mideleg, t0
  csrs mie, t0              # STIE
  csrs mip, t0              # STIP, pending but not taken in M-mode
  csrsi sstatus, 2          # SIE
  csrr s1, mip
  ${ENTER_S}
  nop                       # the interrupt is taken before this runs
  ${TO_M}
  li t0, 1 << 5
  csrc mip, t0
  ${PASS}
`);
    expect(r.ureg('s1') & 0x20).toBe(0x20);
    expect(r.traps()).toEqual([]);
    expect(r.straps().map((t) => hex(t.cause))).toEqual([hex(irq(5))]);
  });

  it('an M-mode timer handler forwards the tick to S-mode by setting STIP', () => {
    const r = runPass(`
main:
  la t0, mhandler
  csrw mtvec, t0
  li t0, 1 << 5
  csrw mideleg, t0
  li t0, (1 << 5) | (1 << 7)
  csrs mie, t0              # STIE, MTIE
  csrsi sstatus, 2          # SIE
  ${ARM_TIMER(30)}
  ${ENTER_S}
1:
  la t0, strap_count
  lw t0, 0(t0)
  beqz t0, 1b
  ${TO_M}
  ${PASS}

mhandler:                   # timer: raise STIP, disarm; anything else: the default handler
  csrrw t0, mscratch, t0
  sw t1, 0(t0)
  csrr t1, mcause
  bgez t1, 2f
  li t1, 1 << 7
  csrc mie, t1
  li t1, 1 << 5
  csrs mip, t1
  lw t1, 0(t0)
  csrrw t0, mscratch, t0
  mret
2:
  lw t1, 0(t0)
  csrrw t0, mscratch, t0
  j __trap_entry
`);
    expect(r.straps().map((t) => hex(t.cause))).toEqual([hex(irq(5))]);
    expect(r.straps()[0].ip & 0x20).toBe(0x20);
  });
});

describe('vectored stvec', () => {
  it('a delegated S timer interrupt goes to stvec base + 4 * 5 in mode 1', () => {
    const r = runPass(`
main:
  li t0, 1 << 5
  csrw mideleg, t0
  csrs mie, t0
  csrs mip, t0              # STIP pending
  la t1, svec
  ori t1, t1, 1
  csrw stvec, t1
  li s1, 0
  ${ENTER_S}                # SIE = 0: not taken yet
  csrsi sstatus, 2          # taken now
  ${TO_M}
  li t0, 1 << 5
  csrc mip, t0
  ${PASS}

svec:
  j sbad
  j sbad
  j sbad
  j sbad
  j sbad
  j stimer
sbad:
  li gp, 98
  j __fail
stimer:
  li s1, 5
  li t0, 1 << 5
  csrc sie, t0
  sret
`);
    expect(r.reg('s1')).toBe(5);
  });
});

describe('PLIC and UART', () => {
  const program = (threshold: number): string => `
main:
  la t0, mhandler
  csrw mtvec, t0
  li t0, ${UART}
  li t1, 1
  sb t1, 1(t0)              # IER: rx data available
  li t0, ${PLIC}
  li t1, 1
  sw t1, 40(t0)             # priority[10] = 1
  li t0, ${PLIC + 0x2000}
  li t1, 1 << 10
  sw t1, 0(t0)              # context 0 (hart 0 M-mode) enables source 10
  li t0, ${PLIC + 0x200000}
  li t1, ${threshold}
  sw t1, 0(t0)              # threshold
  li t0, 1 << 11
  csrs mie, t0              # MEIE
  csrsi mstatus, 8
  li a0, 3000
1:
  addi a0, a0, -1           # wait a while: the byte arrives at cycle 2000
  bnez a0, 1b
  csrr s5, mip
  la s0, got
  lw s6, 0(s0)              # 0 if masked by the threshold
  li t0, ${PLIC + 0x200000}
  sw zero, 0(t0)            # threshold 0
2:
  lw t1, 0(s0)
  beqz t1, 2b
  ${PASS}

mhandler:
  csrr t3, mcause
  li t4, ${irq(11) | 0}
  bne t3, t4, 9f
  li t3, ${PLIC + 0x200004}
  lw t4, 0(t3)              # claim
  li t5, ${UART}
  lbu t6, 0(t5)             # RBR
  sw t4, 0(t3)              # complete
  lw t5, 0(t3)              # a second claim: nothing left
  la t3, got
  sw t4, 0(t3)
  sw t6, 4(t3)
  sw t5, 8(t3)
  csrr t4, mcause
  sw t4, 12(t3)
  mret
9:
  j __trap_entry
.data
.balign 4
got: .word 0, 0, 0, 0
`;

  it('a received byte raises MEIP through the PLIC; claim returns 10; complete ends it', () => {
    const r = runPass(program(0), { setup: (m) => m.input([0x41], 2000) });
    const got = [0, 1, 2, 3].map((i) => r.word(r.sym('got') + 4 * i));
    expect(got).toEqual([10, 0x41, 0, irq(11)]);
    expect(r.reg('s6')).toBe(10); // taken during the wait loop
  });

  it('a threshold at the source priority masks the interrupt until it is lowered', () => {
    const r = runPass(program(1), { setup: (m) => m.input([0x5a], 2000) });
    expect(r.ureg('s5') & (1 << 11)).toBe(0); // MEIP low while masked
    expect(r.reg('s6')).toBe(0);
    const got = [0, 1].map((i) => r.word(r.sym('got') + 4 * i));
    expect(got).toEqual([10, 0x5a]);
  });
  it('the S-mode context of the PLIC raises SEIP, taken in S-mode when mideleg delegates it', () => {
    const r = runPass(
      `
main:
  li t0, 1 << 9
  csrw mideleg, t0
  csrs mie, t0              # SEIE
  csrsi sstatus, 2          # SIE
  li t0, ${UART}
  li t1, 1
  sb t1, 1(t0)
  li t0, ${PLIC}
  li t1, 2
  sw t1, 40(t0)             # priority[10] = 2
  li t0, ${PLIC + 0x2000 + 0x80}
  li t1, 1 << 10
  sw t1, 0(t0)              # context 1 (hart 0 S-mode) enables source 10
  li a0, 300
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, mip              # SEIP pending (not taken in M-mode)
  ${ENTER_S}
  nop
  li t0, ${PLIC + 0x201004}
  lw s2, 0(t0)              # claim by context 1
  li t1, ${UART}
  lbu s3, 0(t1)
  sw s2, 0(t0)              # complete
  ${TO_M}
  ${PASS}
`,
      { setup: (m) => m.input([0x7e], 0) },
    );
    expect(r.ureg('s1') & (1 << 9)).toBe(1 << 9);
    expect(r.straps().map((t) => hex(t.cause))).toEqual([hex(irq(9))]);
    expect(r.traps()).toEqual([]);
    expect([r.reg('s2'), r.reg('s3')]).toEqual([10, 0x7e]);
  });
});

describe('WFI and masking', () => {
  it('WFI wakes on a pending enabled interrupt even with MIE = 0, without taking it', () => {
    const r = runPass(`
main:
  ${ARM_TIMER(200)}
  mv s1, t1
  li t0, 1 << 7
  csrs mie, t0
  csrr s4, cycle
  wfi
  csrr s5, cycle
  csrr s2, time
  csrr s3, mip
  la t0, trap_count
  lw s6, 0(t0)              # nothing taken yet
  csrsi mstatus, 8          # now it is taken
  nop
  ${PASS}
`);
    expect(r.ureg('s2')).toBeGreaterThanOrEqual(r.ureg('s1'));
    expect(r.reg('s5') - r.reg('s4')).toBeGreaterThan(1000); // the hart slept ~2000 cycles
    expect(r.ureg('s3') & 0x80).toBe(0x80);
    expect(r.reg('s6')).toBe(0);
    expect(r.traps().map((t) => t.cause)).toEqual([irq(7)]);
  });

  it('WFI with nothing enabled waits forever: the machine reports idle', () => {
    const r = runAsm(`
main:
  wfi
  ${PASS}
`);
    expect(r.stop).toBe('idle');
    expect(r.exitCode).toBe(null);
    expect(r.m.harts[0].waiting).toBe(true);
  });

  it('pending interrupts stay in mip while mstatus.MIE = 0 in M-mode, and are taken at once in U-mode', () => {
    const r = runPass(`
main:
  li t0, ${CLINT}
  li t1, 1
  sw t1, 0(t0)              # MSIP
  li t0, 1 << 3
  csrs mie, t0
  li a0, 200
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, mip
  la t0, trap_count
  lw s2, 0(t0)              # 0: masked
  ${ENTER_U}
u:
  nop                       # MIE does not mask M interrupts below M-mode
  ${TO_M}
  li t0, ${CLINT}
  sw zero, 0(t0)
  ${PASS}
`);
    expect(r.ureg('s1') & 8).toBe(8);
    expect(r.reg('s2')).toBe(0);
    const [t] = r.traps();
    expect([t.cause, t.epc, (t.status >>> 11) & 3]).toEqual([irq(3), r.sym('u'), 0]);
  });

  it('an interrupt not enabled in mie is not taken, even in U-mode', () => {
    const r = runPass(`
main:
  li t0, ${CLINT}
  li t1, 1
  sw t1, 0(t0)
  ${ENTER_U}
  nop
  nop
  ${TO_M}
  li t0, ${CLINT}
  sw zero, 0(t0)
  ${PASS}
`);
    expect(r.traps()).toEqual([]);
  });

  it('priority: external over software over timer', () => {
    const r = runPass(
      `
main:
  li t0, ${UART}
  li t1, 1
  sb t1, 1(t0)
  li t0, ${PLIC}
  li t1, 1
  sw t1, 40(t0)
  li t0, ${PLIC + 0x2000}
  li t1, 1 << 10
  sw t1, 0(t0)
  li t0, ${CLINT}
  li t1, 1
  sw t1, 0(t0)              # MSIP
  ${ARM_TIMER(1)}
  li a0, 100
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, mip
  li t0, (1 << 3) | (1 << 7) | (1 << 11)
  csrs mie, t0
  csrsi mstatus, 8          # all three pending: taken one by one, each then disabled
  nop
  nop
  nop
  li t0, ${CLINT}
  sw zero, 0(t0)
  ${PASS}
`,
      { setup: (m) => m.input([0x31], 0) },
    );
    expect(r.ureg('s1') & 0x888).toBe(0x888);
    expect(r.traps().map((t) => hex(t.cause))).toEqual([irq(11), irq(3), irq(7)].map(hex));
  });
});
