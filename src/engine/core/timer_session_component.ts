/**
 * The Timer service (served by core here; Genode runs it as a driver component): one-shot and
 * periodic timeouts in virtual time delivered as signals, and the elapsed time.
 */
import { RPC, TIMER_SESSION } from './abi';
import { CoreSession, type SessionFactory } from './core';
import { SignalContext, type CoreCall, type CoreReply } from './kernel_objects';

export class TimerSessionComponent extends CoreSession {
  readonly iface = TIMER_SESSION;
  private sigh: SignalContext | null = null;

  dispatch(call: CoreCall): CoreReply {
    const k = this.core.kernel;
    const us = call.args.us as number;
    switch (call.op) {
      case 'trigger_once':
        if (!this.sigh) return { result: RPC.DENIED };
        k.setTimeout(this, this.sigh, Math.max(1, us));
        return { result: RPC.OK };
      case 'trigger_periodic':
        if (us === 0) {
          k.cancelTimeouts((t) => t.key === this);
          return { result: RPC.OK };
        }
        if (!this.sigh) return { result: RPC.DENIED };
        k.setTimeout(this, this.sigh, Math.max(10, us), Math.max(10, us));
        return { result: RPC.OK };
      case 'sigh': {
        const c = call.caps.context;
        if (c !== null && !(c instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        this.sigh = c;
        if (!c) k.cancelTimeouts((t) => t.key === this);
        return { result: RPC.OK };
      }
      case 'elapsed_us': {
        const now = Math.floor(k.nowUs());
        return { result: RPC.OK, words: [now % 0x1_0000_0000, Math.floor(now / 0x1_0000_0000)] };
      }
      case 'elapsed_ms':
        return { result: RPC.OK, words: [Math.floor(k.nowUs() / 1000) >>> 0] };
    }
    return { result: RPC.UNKNOWN_OP };
  }

  protected release(): void {
    this.core.kernel.cancelTimeouts((t) => t.key === this);
  }
}

export const createTimerSession: SessionFactory = (core, label, args, payer) =>
  new TimerSessionComponent(core, 'Timer', label, args, payer);
