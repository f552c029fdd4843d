/** Core's ROM service: boot modules by name, and dynamic modules with update() and a change signal. */
import { ROM_SESSION, RPC } from './abi';
import { CoreSession, type RomModule, type SessionFactory } from './core';
import { SignalContext, type CoreCall, type CoreReply, type Dataspace } from './kernel_objects';

export class RomSessionComponent extends CoreSession {
  readonly iface = ROM_SESSION;
  private sigh: SignalContext | null = null;
  /** The version handed out last. */
  private handed: Dataspace | null = null;
  readonly module!: RomModule;

  attachModule(m: RomModule): void {
    (this as { module: RomModule }).module = m;
    m.watchers.add(this);
  }

  /** The module changed (this session is one of its watchers). */
  notify(): void {
    if (this.sigh) this.core.kernel.submit(this.sigh, 1);
  }

  dispatch(call: CoreCall): CoreReply {
    switch (call.op) {
      case 'dataspace':
        this.handed = this.module.ds;
        return { result: RPC.OK, words: [this.module.ds.size], caps: [this.core.dsCap(this.module.ds)] };
      case 'update':
        return { result: RPC.OK, words: [this.handed === this.module.ds ? 1 : 0] };
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
    this.module.watchers.delete(this);
  }
}

/** The module name is the last element of the label ("init -> counter -> config" asks for "config"). */
export function romName(label: string): string {
  const parts = label.split(' -> ');
  return parts[parts.length - 1];
}

export const createRomSession: SessionFactory = (core, label, args, payer) => {
  const name = romName(label);
  const m = core.roms.get(label) ?? core.roms.get(name);
  if (!m) return { error: RPC.DENIED, reason: `no ROM module "${name}"` };
  const s = new RomSessionComponent(core, 'ROM', label, args, payer);
  s.attachModule(m);
  return s;
};
