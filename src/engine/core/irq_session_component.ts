/**
 * Core's IRQ service: one session per interrupt number, backed by the PLIC. The source is
 * enabled (unmasked) only while the client waits for the next interrupt, i.e. after ack_irq,
 * and masked on delivery until the next ack_irq.
 */
import { IRQ_SESSION, RPC } from './abi';
import { CoreSession, type SessionFactory } from './core';
import { SignalContext, type CoreCall, type CoreReply } from './kernel_objects';
import { TraceKind } from './trace';
import { argNumber } from './session_args';

const PLIC_ENABLE = 0x2000;
const PLIC_CLAIM = 0x20_0004;

export class IrqSessionComponent extends CoreSession {
  readonly iface = IRQ_SESSION;
  irq = 0;
  private sigh: SignalContext | null = null;
  /** Claimed from the PLIC and not yet completed. */
  private claimed = false;
  occurrences = 0;

  private setEnabled(on: boolean): void {
    const plic = this.core.kernel.m.plic;
    const off = PLIC_ENABLE + 4 * (this.irq >>> 5);
    const cur = plic.read(off, 4) ?? 0;
    const bit = 1 << (this.irq & 31);
    plic.write(off, 4, on ? cur | bit : cur & ~bit);
  }

  /** Called by core when the kernel claimed this IRQ: mask and notify the client. */
  raised(): void {
    this.claimed = true;
    this.occurrences++;
    this.setEnabled(false);
    if (this.sigh) this.core.kernel.submit(this.sigh, 1);
  }

  dispatch(call: CoreCall): CoreReply {
    switch (call.op) {
      case 'ack_irq': {
        const plic = this.core.kernel.m.plic;
        // Unmask first: the PLIC ignores a completion for a source the context has disabled.
        this.setEnabled(true);
        if (this.claimed) {
          plic.write(PLIC_CLAIM, 4, this.irq); // complete
          this.claimed = false;
        }
        this.core.kernel.trace.emit(this.core.kernel.now(), 0, call.caller, TraceKind.IRQ_ACK, this.irq, 0);
        return { result: RPC.OK };
      }
      case 'sigh': {
        const c = call.caps.context;
        if (c !== null && !(c instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        this.sigh = c;
        return { result: RPC.OK };
      }
    }
    return { result: RPC.UNKNOWN_OP };
  }

  protected release(): void {
    // Complete while still enabled (a completion for a disabled source is ignored), then mask.
    if (this.claimed) {
      this.setEnabled(true);
      this.core.kernel.m.plic.write(PLIC_CLAIM, 4, this.irq);
    }
    this.setEnabled(false);
    this.core.irqHandlers.delete(this.irq);
  }
}

export const createIrqSession: SessionFactory = (core, label, args, payer) => {
  const irq = argNumber(args, 'irq_number', -1);
  const plic = core.kernel.m.plic;
  if (irq < 1 || irq >= plic.numSources) return { error: RPC.DENIED, reason: `no IRQ ${irq}` };
  if (core.irqHandlers.has(irq)) return { error: RPC.DENIED, reason: `IRQ ${irq} is already in use` };
  const s = new IrqSessionComponent(core, 'IRQ', label, args, payer);
  s.irq = irq;
  plic.write(4 * irq, 4, 1); // priority 1: above the threshold of 0
  core.irqHandlers.set(irq, s);
  return s;
};
