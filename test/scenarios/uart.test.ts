import { describe, expect, it } from 'vitest';
import { TraceKind } from '../../src/engine/core/trace';
import { IrqSessionComponent } from '../../src/engine/core/irq_session_component';
import { IoMemSessionComponent } from '../../src/engine/core/io_mem_session_component';
import type { System } from '../../src/engine/core/system';
import { bootScenario, linesOf, runUntil } from './harness';

const UART_IRQ = 10;
const GREETING = 'uart_driver: hello from a user-level driver; type and I echo in upper case\r\n';
const bytes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const text = (b: number[]): string => String.fromCharCode(...b);

/** Whether the UART's source is enabled (unmasked) for context 0 in the PLIC. */
function irqEnabled(sys: System): boolean {
  return (((sys.machine.plic.read(0x2000, 4) ?? 0) >>> UART_IRQ) & 1) === 1;
}

function irqSession(sys: System): IrqSessionComponent {
  const s = [...sys.core.sessions].filter((x) => x instanceof IrqSessionComponent);
  expect(s).toHaveLength(1);
  return s[0] as IrqSessionComponent;
}

/** Boots the scenario and runs until the driver waits for input and the probe is done. */
function boot(): System {
  const sys = bootScenario('uart');
  const ok = runUntil(
    sys,
    () =>
      linesOf(sys, 'init -> uart_driver').some((l) => /IRQ 10 ready/.test(l)) &&
      sys.init.children.get('uart_probe')?.exitCode !== null,
  );
  expect(ok).toBe(true);
  return sys;
}

/**
 * Feeds `input` to the UART and runs until the system is idle again. Each time the driver logs
 * a "received" line (inside its IRQ handler, before irq_ack), records whether the IRQ was
 * masked in the PLIC at that moment.
 */
function feed(sys: System, input: string): { maskedDuringHandling: boolean[] } {
  const maskedDuringHandling: boolean[] = [];
  sys.core.onLog = (line) => {
    if (line.label === 'init -> uart_driver' && line.text.startsWith('uart: received'))
      maskedDuringHandling.push(!irqEnabled(sys));
  };
  sys.machine.input(bytes(input));
  const before = sys.machine.output.length;
  runUntil(sys, () => false, 50_000_000);
  sys.core.onLog = null;
  expect(sys.machine.output.length).toBeGreaterThan(before);
  return { maskedDuringHandling };
}

/** The received texts logged by the driver (unescaped for plain input). */
function received(sys: System): string[] {
  return linesOf(sys, 'init -> uart_driver')
    .map((l) => /^uart: received '(.*)' \(\d+ bytes, interrupt \d+: /.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
}

describe('scenario uart (user-level UART driver: IO_MEM + IRQ)', () => {
  it('maps the registers through IO_MEM, greets, and waits with the IRQ unmasked', () => {
    const sys = boot();
    expect(text(sys.machine.output)).toBe(GREETING);
    const drv = linesOf(sys, 'init -> uart_driver');
    expect(drv[0]).toMatch(/^uart: IO_MEM 0x10000000\+0x100 attached at 0x60000000 \(uncached device memory\)$/);

    // Core: one IO_MEM session for exactly the UART's range, one IRQ session for IRQ 10.
    expect(sys.core.ioMemRanges.map((r) => [r.base, r.size, r.session.label])).toEqual([
      [0x1000_0000, 0x100, 'init -> uart_driver'],
    ]);
    const ioMem = [...sys.core.sessions].filter((s) => s instanceof IoMemSessionComponent) as IoMemSessionComponent[];
    expect(ioMem).toHaveLength(1);
    expect(ioMem[0].ds.kind).toBe('io_mem');
    expect(ioMem[0].ds.phys).toBe(0x1000_0000);
    expect(ioMem[0].ds.cached).toBe(false);
    const irq = irqSession(sys);
    expect(irq.label).toBe('init -> uart_driver');
    expect(irq.irq).toBe(UART_IRQ);
    expect(irq.occurrences).toBe(0);

    // The driver's address space holds the device dataspace, non-executable, and it is mapped.
    const drvChild = sys.init.children.get('uart_driver')!;
    const pd = drvChild.pd;
    const region = pd.addressSpace.find(0x6000_0000);
    expect(region?.ds).toBe(ioMem[0].ds);
    expect(region?.executable).toBe(false);
    expect(region?.writeable).toBe(true);
    expect(pd.mappings.get(0x6000_0000 / 0x1000)?.phys).toBe(0x1000_0000);
    expect([...drvChild.sessions.values()].map((s) => s.service).sort()).toEqual(['IO_MEM', 'IRQ']);

    // Waiting for the interrupt: unmasked in the PLIC, the entrypoint blocked.
    expect(irqEnabled(sys)).toBe(true);
    const ep = [...pd.threads][0];
    expect(sys.kernel.reason(ep)).toBe('waiting for a request');
    expect(sys.core.faults).toEqual([]);
  });

  it('denies a second IO_MEM session for the range, a part of it, RAM, and IRQ 10 twice', () => {
    const sys = boot();
    expect(linesOf(sys, 'init -> uart_probe')).toEqual([
      "uart_probe: IO_MEM 0x10000000+0x100 (the UART's registers): DENIED",
      'uart_probe: IO_MEM 0x10000004+0x4 (a part of them): DENIED',
      'uart_probe: IO_MEM 0x80000000+0x1000 (RAM): DENIED',
      "uart_probe: IRQ irq_number=10 (the UART's interrupt): DENIED",
      'uart_probe: done, 0 of 4 requests granted',
    ]);
    const initErrors = linesOf(sys, 'init').filter((l) => l.startsWith('Error: uart_probe'));
    expect(initErrors).toEqual([
      'Error: uart_probe: IO_MEM session "init -> uart_probe" denied: the range is already handed out to "init -> uart_driver"',
      'Error: uart_probe: IO_MEM session "init -> uart_probe" denied: the range is already handed out to "init -> uart_driver"',
      'Error: uart_probe: IO_MEM session "init -> uart_probe" denied: the range intersects RAM',
      'Error: uart_probe: IRQ session "init -> uart_probe" denied: IRQ 10 is already in use',
    ]);
    expect(sys.init.children.get('uart_probe')!.exitCode).toBe(0);
    // Nothing was handed out to the probe: still one range and one IRQ, both the driver's.
    expect(sys.core.ioMemRanges).toHaveLength(1);
    expect(sys.core.irqHandlers.get(UART_IRQ)).toBe(irqSession(sys));
  });

  it('receives on the IRQ, logs, echoes upper-cased; the IRQ is masked from delivery to ack', () => {
    const sys = boot();
    const irq = irqSession(sys);
    const traceFrom = sys.kernel.trace.count;
    const { maskedDuringHandling } = feed(sys, 'hello');

    expect(received(sys)).toEqual(['hello']);
    expect(linesOf(sys, 'init -> uart_driver')).toContain(
      "uart: received 'hello' (5 bytes, interrupt 1: rx timeout, 5 bytes in total)",
    );
    expect(text(sys.machine.output)).toBe(GREETING + 'HELLO');
    expect(irq.occurrences).toBe(1);
    // Masked while the driver handled it (it logged before irq_ack), unmasked while it waits.
    expect(maskedDuringHandling).toEqual([true]);
    expect(irqEnabled(sys)).toBe(true);
    // The kernel claimed IRQ 10 once, and the driver acknowledged it afterwards.
    const irqEvents = sys.kernel.trace
      .since(traceFrom)
      .filter((e) => (e.kind === TraceKind.IRQ || e.kind === TraceKind.IRQ_ACK) && e.a === UART_IRQ)
      .map((e) => (e.kind === TraceKind.IRQ ? 'irq' : 'ack'));
    expect(irqEvents).toEqual(['irq', 'ack']);
    expect(sys.core.faults).toEqual([]);
  });

  it('handles input longer than the 16-byte FIFO over several interrupts', () => {
    const sys = boot();
    const input = 'the quick brown fox jumps over the lazy dog';
    const { maskedDuringHandling } = feed(sys, input);
    const parts = received(sys);
    expect(parts.join('')).toBe(input);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.every((p) => p.length <= 16)).toBe(true);
    expect(irqSession(sys).occurrences).toBe(parts.length);
    expect(maskedDuringHandling).toEqual(parts.map(() => true));
    expect(text(sys.machine.output)).toBe(GREETING + input.toUpperCase());
    expect(irqEnabled(sys)).toBe(true);

    // A second burst later is handled the same way.
    feed(sys, 'ok\r');
    expect(received(sys).slice(parts.length)).toEqual(['ok\\r']);
    expect(text(sys.machine.output)).toBe(GREETING + input.toUpperCase() + 'OK\r');
  });
});
