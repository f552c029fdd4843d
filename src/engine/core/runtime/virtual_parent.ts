/**
 * The runtime's parent interface: what the child calls its parent. Session requests go through
 * init's routing in the child's name (init cannot tell them from the child's own); the session
 * that comes back is noted and, if core serves it, handed to the child as the runtime's
 * stand-in. Upgrades, closes and announcements pass through to init and are noted.
 */
import { PARENT, RPC } from '../abi';
import type { Child } from '../init/init';
import { RpcObject, type CoreCall, type CoreReply } from '../kernel_objects';
import { argNumber, parseSessionArgs } from '../session_args';
import type { ComponentRuntime } from './component_runtime';
import { RuntimeObject, unwrapCaps } from './virtual_session';

export class VirtualParent extends RuntimeObject {
  readonly iface = PARENT;

  constructor(readonly rt: ComponentRuntime) {
    super();
  }

  private get child(): Child {
    return this.rt.child;
  }

  target(): RpcObject {
    return this.child.parentObj;
  }

  describe(): string {
    return `parent of "${this.child.name}" (through the runtime)`;
  }

  dispatch(call: CoreCall): CoreReply | 'defer' {
    const given = unwrapCaps(call);
    const a = call.args;
    const parent = this.child.parentObj.core!;
    switch (call.op) {
      case 'session': {
        const affinity: [number, number] = [a.affinity_x as number, a.affinity_y as number];
        const relay = new SessionRelay(this.rt, call, String(a.service), String(a.args), affinity);
        const r = this.rt.init.requestSession(this.child, relay.service, relay.args, affinity, relay);
        return r === 'defer' ? 'defer' : relay.answer(r);
      }
      case 'upgrade': {
        const rec = this.rt.sessionOf(given.session);
        const r = parent.dispatch(call);
        if (r !== 'defer' && r.result === RPC.OK && rec) {
          const args = parseSessionArgs(String(a.args));
          rec.ram += argNumber(args, 'ram_quota');
          rec.caps += argNumber(args, 'cap_quota');
        }
        return r;
      }
      case 'close': {
        const rec = this.rt.sessionOf(given.session);
        const r = parent.dispatch(call);
        if (r !== 'defer' && r.result === RPC.OK && rec) this.rt.sessionClosed(rec);
        return r;
      }
      case 'announce': {
        const r = parent.dispatch(call);
        if (r !== 'defer' && r.result === RPC.OK && call.caps.root instanceof RpcObject)
          this.rt.announced.set(String(a.service), call.caps.root);
        return r;
      }
    }
    return parent.dispatch(call);
  }
}

/**
 * A session request of the child on its way through init: init's answer (at once, or when a
 * server child answers) is noted by the runtime and passed on to the child. An object rather
 * than a closure, so a request in flight is part of a snapshot.
 */
export class SessionRelay {
  constructor(
    private readonly rt: ComponentRuntime,
    private readonly call: CoreCall,
    readonly service: string,
    readonly args: string,
    readonly affinity: readonly [number, number],
  ) {}

  /** What the child gets for init's answer `r`. */
  answer(r: CoreReply): CoreReply {
    const obj = r.caps?.[0];
    if (r.result !== RPC.OK || !(obj instanceof RpcObject)) return r;
    return { result: RPC.OK, caps: [this.rt.sessionOpened(this.service, this.args, this.affinity, obj)] };
  }

  complete(reply: CoreReply): void {
    this.call.complete(this.answer(reply));
  }
}
