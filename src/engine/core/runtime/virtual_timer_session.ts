/**
 * The runtime's Timer session: notes the timer the child set up (one-shot or periodic, and the
 * signal context it fires). How long until it fires is asked of the kernel when a checkpoint is
 * taken.
 */
import { RPC } from '../abi';
import { SignalContext, type CoreCall, type CoreReply } from '../kernel_objects';
import { VirtualSession } from './virtual_session';

export type TimerMode = 'none' | 'once' | 'periodic';

export class VirtualTimerSession extends VirtualSession {
  sigh: SignalContext | null = null;
  mode: TimerMode = 'none';
  /** Period of a periodic timer in µs (as core clamps it). */
  periodUs = 0;

  override dispatch(call: CoreCall): CoreReply {
    // The only capability argument is the child's own signal context: nothing to unwrap.
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result !== RPC.OK) return r;
    switch (call.op) {
      case 'trigger_once':
        this.mode = 'once';
        this.periodUs = 0;
        break;
      case 'trigger_periodic': {
        const us = call.args.us as number;
        this.mode = us === 0 ? 'none' : 'periodic';
        this.periodUs = us === 0 ? 0 : Math.max(10, us);
        break;
      }
      case 'sigh':
        this.sigh = call.caps.context instanceof SignalContext ? call.caps.context : null;
        if (!this.sigh) this.mode = 'none';
        break;
    }
    return r;
  }
}
