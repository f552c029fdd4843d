/** The runtime's ROM session: notes the module, whether its dataspace was handed out, and the change signal. */
import { RPC } from '../abi';
import { SignalContext, type CoreCall, type CoreReply } from '../kernel_objects';
import type { RomSessionComponent } from '../rom_session_component';
import { VirtualSession, unwrapCaps } from './virtual_session';

export class VirtualRomSession extends VirtualSession {
  /** The dataspace was asked for (a restored session is asked again, so update() answers the same). */
  handed = false;
  sigh: SignalContext | null = null;

  /** The ROM module's name. */
  get module(): string {
    return (this.session as RomSessionComponent).module.name;
  }

  override dispatch(call: CoreCall): CoreReply {
    unwrapCaps(call);
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result !== RPC.OK) return r;
    if (call.op === 'dataspace') {
      const ds = this.rt.core.dataspaceOf(r.caps?.[0] ?? null);
      if (ds) this.rt.noteHanded(this, ds);
      this.handed = true;
    } else if (call.op === 'sigh') {
      this.sigh = call.caps.context instanceof SignalContext ? call.caps.context : null;
    }
    return r;
  }
}
