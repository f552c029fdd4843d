/**
 * The runtime's IRQ session: notes the signal context interrupts go to. Whether the interrupt
 * is unmasked (the driver acknowledged the last one and waits for the next) is read from the
 * interrupt controller when a checkpoint is taken.
 */
import { RPC } from '../abi';
import type { IrqSessionComponent } from '../irq_session_component';
import { SignalContext, type CoreCall, type CoreReply } from '../kernel_objects';
import { VirtualSession } from './virtual_session';

/** The PLIC's enable bits of context 0 (where core routes every source). */
const PLIC_ENABLE = 0x2000;

export class VirtualIrqSession extends VirtualSession {
  sigh: SignalContext | null = null;

  /** The interrupt is unmasked: the driver waits for it. */
  get enabled(): boolean {
    const irq = (this.session as IrqSessionComponent).irq;
    const word = this.rt.kernel.m.plic.read(PLIC_ENABLE + 4 * (irq >>> 5), 4) ?? 0;
    return ((word >>> (irq & 31)) & 1) === 1;
  }

  override dispatch(call: CoreCall): CoreReply {
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result === RPC.OK && call.op === 'sigh')
      this.sigh = call.caps.context instanceof SignalContext ? call.caps.context : null;
    return r;
  }
}
