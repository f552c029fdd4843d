/**
 * The runtime's CPU session: notes the threads created (name, location, weight, and the PD
 * session they run in) and killed, and the session's exception handler. Thread capabilities
 * are core's own: what a thread is at a moment (registers, pc, why it is blocked) is read from
 * it when a checkpoint is taken, as a runtime would ask Cpu_thread::state.
 */
import { RPC } from '../abi';
import { CpuThreadComponent } from '../cpu_session_component';
import { RpcObject, SignalContext, type CoreCall, type CoreReply } from '../kernel_objects';
import { VirtualPdSession } from './virtual_pd_session';
import { VirtualSession, unwrapCaps } from './virtual_session';

export class VirtualCpuSession extends VirtualSession {
  exceptionSigh: SignalContext | null = null;

  override dispatch(call: CoreCall): CoreReply {
    const given = unwrapCaps(call);
    const killed = call.op === 'kill_thread' ? threadOf(call.caps.thread) : null;
    const r = this.session.dispatch(call) as CoreReply;
    if (r.result !== RPC.OK) return r;
    switch (call.op) {
      case 'create_thread': {
        const t = threadOf(r.caps?.[0] ?? null);
        const pd = given.pd instanceof RpcObject && given.pd.core instanceof VirtualPdSession ? given.pd.core : null;
        if (t) this.rt.noteThread(this, pd, t, call.args.affinity_x as number, call.args.affinity_y as number);
        break;
      }
      case 'kill_thread':
        if (killed) this.rt.threads.delete(killed.thread);
        break;
      case 'exception_sigh':
        this.exceptionSigh = call.caps.context instanceof SignalContext ? call.caps.context : null;
        break;
    }
    return r;
  }
}

function threadOf(obj: unknown): CpuThreadComponent | null {
  return obj instanceof RpcObject && obj.core instanceof CpuThreadComponent ? obj.core : null;
}
