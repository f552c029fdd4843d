import { describe, expect, it } from 'vitest';
import { RecordingLine } from '../../../test/support/recording_line';
import { Uart16550 } from './uart16550';

const RBR = 0,
  THR = 0,
  DLL = 0,
  IER = 1,
  DLM = 1,
  IIR = 2,
  FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7;

function make() {
  const irq = new RecordingLine();
  const out: number[] = [];
  const uart = new Uart16550('uart0', irq, (b) => out.push(b));
  const r = (off: number) => uart.read(off, 1);
  const w = (off: number, v: number) => expect(uart.write(off, 1, v)).toBe(true);
  return { uart, irq, out, r, w };
}

describe('Uart16550', () => {
  it('has the name it was given and a 0x100-byte window', () => {
    const { uart } = make();
    expect(uart.name).toBe('uart0');
    expect(uart.size).toBe(0x100);
  });

  it('resets like a 16550: no interrupt, THR empty, FIFOs off, QEMU modem lines', () => {
    const { r, irq } = make();
    expect(r(IER)).toBe(0);
    expect(r(IIR)).toBe(0x01);
    expect(r(LCR)).toBe(0);
    expect(r(MCR)).toBe(0);
    expect(r(LSR)).toBe(0x60);
    expect(r(MSR)).toBe(0xb0);
    expect(irq.level).toBe(false);
  });

  it('rejects accesses wider than a byte and offsets past 7', () => {
    const { uart } = make();
    expect(uart.read(0, 2)).toBeNull();
    expect(uart.read(0, 4)).toBeNull();
    expect(uart.write(0, 4, 0x41)).toBe(false);
    expect(uart.read(8, 1)).toBeNull();
    expect(uart.write(0xff, 1, 0)).toBe(false);
  });

  describe('transmit', () => {
    it('sends THR writes to onTransmit at once and keeps THRE/TEMT set', () => {
      const { r, w, out } = make();
      w(THR, 0x48);
      w(THR, 0x169); // only the low byte is written
      expect(out).toEqual([0x48, 0x69]);
      expect(r(LSR)! & 0x60).toBe(0x60);
    });

    it('raises THR-empty when ETBEI is enabled, clears it on an IIR read, re-raises on THR write', () => {
      const { r, w, irq } = make();
      w(IER, 0x02);
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0x02);
      expect(irq.level).toBe(false);
      expect(r(IIR)).toBe(0x01);
      w(THR, 0x41); // holding register empties at once: THRE interrupt again
      expect(irq.level).toBe(true);
      w(IER, 0x02); // ETBEI unchanged: no change
      expect(r(IIR)).toBe(0x02);
      w(IER, 0x02);
      expect(r(IIR)).toBe(0x01);
      // Toggling ETBEI off and on re-raises it (Linux's THRE test relies on this).
      w(IER, 0);
      w(IER, 0x02);
      expect(r(IIR)).toBe(0x02);
    });

    it('clears a pending THR-empty when ETBEI is disabled', () => {
      const { w, irq, r } = make();
      w(IER, 0x02);
      w(IER, 0x00);
      expect(irq.level).toBe(false);
      expect(r(IIR)).toBe(0x01);
    });
  });

  describe('divisor latch and plain registers', () => {
    it('maps DLL/DLM over RBR/IER while DLAB is set', () => {
      const { r, w, out } = make();
      w(IER, 0x05);
      w(LCR, 0x83);
      w(DLL, 0x0c);
      w(DLM, 0x01);
      expect(out).toEqual([]); // DLL write is not a transmission
      expect(r(DLL)).toBe(0x0c);
      expect(r(DLM)).toBe(0x01);
      w(LCR, 0x03);
      expect(r(IER)).toBe(0x05);
      expect(r(LCR)).toBe(0x03);
    });

    it('keeps SCR, masks IER and MCR, and ignores writes to LSR and MSR', () => {
      const { r, w } = make();
      w(SCR, 0xa5);
      expect(r(SCR)).toBe(0xa5);
      w(IER, 0xff);
      expect(r(IER)).toBe(0x0f);
      w(IER, 0);
      w(MCR, 0xff & ~0x10);
      expect(r(MCR)).toBe(0x0f);
      w(LSR, 0);
      w(MSR, 0);
      expect(r(LSR)).toBe(0x60);
    });
  });

  describe('receive without FIFOs', () => {
    it('holds one byte; DR follows it; RDA fires for one byte', () => {
      const { uart, r, w, irq } = make();
      w(IER, 0x01);
      expect(uart.receive([0x61, 0x62])).toBe(1); // flow control: one byte fits
      expect(uart.rxFree()).toBe(0);
      expect(r(LSR)! & 1).toBe(1);
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0x04);
      expect(r(RBR)).toBe(0x61);
      expect(irq.level).toBe(false);
      expect(r(LSR)! & 1).toBe(0);
      expect(r(RBR)).toBe(0); // empty receiver reads 0
    });

    it('overwrites the unread byte and sets OE on a raw line', () => {
      const { uart, r } = make();
      expect(uart.receive([1, 2, 3], { overrun: true })).toBe(3);
      expect(r(LSR)).toBe(0x63);
      expect(r(LSR)).toBe(0x61); // OE clears on read
      expect(r(RBR)).toBe(3);
    });

    it('does not raise the character timeout', () => {
      const { uart, r, w } = make();
      w(IER, 0x01);
      uart.receive([7]);
      uart.rxIdle();
      expect(r(IIR)).toBe(0x04);
    });
  });

  describe('FIFO mode', () => {
    it('reports FIFOs in IIR bits 7:6 and holds 16 bytes', () => {
      const { uart, r, w } = make();
      w(FCR, 0x01);
      expect(r(IIR)).toBe(0xc1);
      const input = Array.from({ length: 20 }, (_, i) => 0x30 + i);
      expect(uart.receive(input)).toBe(16);
      expect(uart.rxFree()).toBe(0);
      expect(r(LSR)).toBe(0x61); // no overrun with flow control
      const got: number[] = [];
      while (r(LSR)! & 1) got.push(r(RBR)!);
      expect(got).toEqual(input.slice(0, 16));
    });

    it('sets OE and drops the excess on a raw line, raising a line-status interrupt', () => {
      const { uart, r, w, irq } = make();
      w(FCR, 0x01);
      w(IER, 0x04);
      expect(uart.receive(new Uint8Array(18).fill(9), { overrun: true })).toBe(16);
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0xc6);
      expect(r(LSR)).toBe(0x63);
      expect(irq.level).toBe(false);
      expect(r(IIR)).toBe(0xc1);
    });

    it.each([
      [0x01, 1],
      [0x41, 4],
      [0x81, 8],
      [0xc1, 14],
    ])('FCR %i raises rx-data-available at %i bytes', (fcr, level) => {
      const { uart, r, w, irq } = make();
      w(FCR, fcr);
      w(IER, 0x01);
      uart.receive(new Array(level - 1).fill(0x55));
      expect(irq.level).toBe(false);
      uart.receive([0x55]);
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0xc4);
      r(RBR); // drops below the trigger
      expect(irq.level).toBe(false);
    });

    it('raises the character timeout on rxIdle below the trigger until RBR is read', () => {
      const { uart, r, w, irq } = make();
      w(FCR, 0xc1); // trigger 14
      w(IER, 0x01);
      uart.rxIdle(); // empty FIFO: nothing
      expect(irq.level).toBe(false);
      uart.receive([1, 2, 3]);
      expect(irq.level).toBe(false);
      uart.rxIdle();
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0xcc);
      expect(r(RBR)).toBe(1);
      expect(irq.level).toBe(false); // reading a byte restarts the timer
      uart.rxIdle();
      expect(r(IIR)).toBe(0xcc);
      uart.receive([4]); // new data restarts the timer too
      expect(r(IIR)).toBe(0xc1);
      uart.rxIdle();
      expect([r(RBR), r(RBR), r(RBR)]).toEqual([2, 3, 4]);
      expect(r(IIR)).toBe(0xc1);
    });

    it('empties the receiver on rx FIFO reset and when the FIFO enable bit changes', () => {
      const { uart, r, w } = make();
      w(FCR, 0x01);
      uart.receive([1, 2, 3]);
      w(FCR, 0x03);
      expect(r(LSR)! & 1).toBe(0);
      uart.receive([1, 2, 3]);
      w(FCR, 0x01); // same enable bit, no reset: data stays
      expect(r(LSR)! & 1).toBe(1);
      w(FCR, 0x00); // disabling clears
      expect(r(LSR)! & 1).toBe(0);
      expect(r(IIR)).toBe(0x01);
      uart.receive([5]);
      w(FCR, 0x01); // enabling clears
      expect(r(LSR)! & 1).toBe(0);
    });

    it('ignores FCR trigger bits while bit 0 is written as 0', () => {
      const { uart, w, irq } = make();
      w(FCR, 0x81); // trigger 8
      w(FCR, 0xc0); // disables FIFOs; trigger bits ignored
      w(FCR, 0x01); // re-enable without trigger bits: trigger 1
      w(IER, 0x01);
      uart.receive([1]);
      expect(irq.level).toBe(true);
    });
  });

  describe('interrupt priority', () => {
    it('orders line status > timeout > rx data > THR empty > modem status', () => {
      const { uart, r, w } = make();
      w(FCR, 0x41); // trigger 4
      w(IER, 0x0f);
      uart.setModemInputs({ cts: false }); // modem status pending
      expect(r(IIR)).toBe(0xc2); // THR empty (pending since ETBEI was enabled)
      expect(r(IIR)).toBe(0xc0); // modem status
      uart.receive([1, 2, 3, 4]);
      expect(r(IIR)).toBe(0xc4);
      uart.rxIdle();
      expect(r(IIR)).toBe(0xcc);
      uart.receive(new Array(20).fill(0), { overrun: true });
      expect(r(IIR)).toBe(0xc6);
      r(LSR);
      expect(r(IIR)).toBe(0xc4);
      while (r(LSR)! & 1) r(RBR);
      expect(r(IIR)).toBe(0xc0);
      expect(r(MSR)).toBe(0xa1); // DCTS; CTS low, DSR and DCD high
    });
  });

  describe('modem status', () => {
    it('reports deltas, clears them on an MSR read and raises the modem interrupt', () => {
      const { uart, r, w, irq } = make();
      w(IER, 0x08);
      uart.setModemInputs({ dcd: false, ri: true });
      expect(irq.level).toBe(true);
      expect(r(IIR)).toBe(0x00);
      expect(r(MSR)).toBe(0x08 | 0x20 | 0x10 | 0x40); // DDCD; DSR, CTS, RI
      expect(irq.level).toBe(false);
      uart.setModemInputs({ ri: false }); // trailing edge of RI
      expect(r(MSR)).toBe(0x04 | 0x30);
      uart.setModemInputs({ ri: true }); // leading edge: no TERI
      expect(r(MSR)).toBe(0x70);
      expect(irq.level).toBe(false);
    });
  });

  describe('loopback', () => {
    it('routes THR to the receiver, not to onTransmit, and refuses host input', () => {
      const { uart, r, w, out, irq } = make();
      w(MCR, 0x10);
      w(IER, 0x01);
      w(THR, 0x5a);
      expect(out).toEqual([]);
      expect(irq.level).toBe(true);
      expect(r(RBR)).toBe(0x5a);
      expect(uart.receive([1, 2])).toBe(0);
      expect(r(LSR)! & 1).toBe(0);
      w(MCR, 0x00);
      w(THR, 0x5b);
      expect(out).toEqual([0x5b]);
    });

    it('overruns a full FIFO like a raw line', () => {
      const { r, w } = make();
      w(FCR, 0x01);
      w(MCR, 0x10);
      for (let i = 0; i < 17; i++) w(THR, i);
      expect(r(LSR)).toBe(0x63);
      expect(r(RBR)).toBe(0);
    });

    it('wires MCR outputs to MSR inputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD', () => {
      const { r, w } = make();
      w(MCR, 0x10);
      r(MSR); // entering loopback changed every line: clear deltas
      expect(r(MSR)).toBe(0x00);
      w(MCR, 0x10 | 0x02);
      expect(r(MSR)).toBe(0x10 | 0x01);
      w(MCR, 0x10 | 0x01);
      expect(r(MSR)).toBe(0x20 | 0x01 | 0x02);
      w(MCR, 0x10 | 0x04);
      expect(r(MSR)).toBe(0x40 | 0x02);
      w(MCR, 0x10 | 0x08);
      expect(r(MSR)).toBe(0x80 | 0x08 | 0x04); // RI fell: TERI
    });
  });

  describe('state', () => {
    it('round-trips FIFO contents, registers and pending indications', () => {
      const a = make();
      a.w(LCR, 0x80);
      a.w(DLL, 3);
      a.w(DLM, 4);
      a.w(LCR, 0x1b);
      a.w(FCR, 0x81);
      a.w(IER, 0x07);
      a.w(SCR, 0x77);
      a.w(MCR, 0x0b);
      a.uart.receive([10, 11, 12]);
      a.uart.rxIdle();
      a.uart.setModemInputs({ dsr: false });
      const saved = JSON.parse(JSON.stringify(a.uart.saveState()));

      const b = make();
      expect(b.uart.loadState(saved)).toBeNull();
      expect(b.irq.level).toBe(true);
      expect(b.r(IIR)).toBe(0xcc);
      expect([b.r(LSR), b.r(RBR), b.r(RBR), b.r(RBR)]).toEqual([0x61, 10, 11, 12]);
      expect(b.r(IIR)).toBe(0xc2);
      expect(b.r(SCR)).toBe(0x77);
      expect(b.r(MCR)).toBe(0x0b);
      expect(b.r(MSR)).toBe(0x02 | 0x90);
      b.w(LCR, 0x9b);
      expect([b.r(DLL), b.r(DLM)]).toEqual([3, 4]);
      // Trigger level 8 survived.
      b.w(LCR, 0x1b);
      b.uart.receive(new Array(7).fill(1));
      expect(b.r(IIR)).toBe(0xc1);
      b.uart.receive([1]);
      expect(b.r(IIR)).toBe(0xc4);
    });

    it('rejects malformed state', () => {
      const { uart } = make();
      const good = uart.saveState() as Record<string, unknown>;
      const bad: unknown[] = [
        null,
        [],
        { ...good, ier: 0x10 },
        { ...good, lcr: -1 },
        { ...good, trigger: 2 },
        { ...good, rx: [1, 2] }, // FIFOs off: at most one byte
        { ...good, fifoEnabled: true, rx: new Array(17).fill(0) },
        { ...good, rx: [256] },
        { ...good, thri: 1 },
        { ...good, modem: { cts: true } },
        { ...good, lsrErrors: 4 },
      ];
      for (const s of bad) expect(typeof uart.loadState(s as never)).toBe('string');
    });
  });
});
