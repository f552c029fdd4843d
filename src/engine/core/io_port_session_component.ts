/**
 * Core's IO_PORT service: exclusive port ranges; core performs in/out on the emulated port bus
 * only for ports inside the session's range.
 */
import { IO_PORT_SESSION, RPC } from './abi';
import { CoreSession, type SessionFactory } from './core';
import type { CoreCall, CoreReply } from './kernel_objects';
import { argNumber } from './session_args';

const WIDTH: Record<string, 1 | 2 | 4> = { inb: 1, inw: 2, inl: 4, outb: 1, outw: 2, outl: 4 };

export class IoPortSessionComponent extends CoreSession {
  readonly iface = IO_PORT_SESSION;
  base = 0;
  size = 0;

  dispatch(call: CoreCall): CoreReply {
    const w = WIDTH[call.op];
    const port = call.args.port as number;
    if (!w) return { result: RPC.UNKNOWN_OP };
    if (port < this.base || port + w > this.base + this.size) return { result: RPC.DENIED };
    if (call.op.startsWith('in')) return { result: RPC.OK, words: [this.core.ioPorts.read(port, w)] };
    this.core.ioPorts.write(port, w, call.args.value as number);
    return { result: RPC.OK };
  }

  protected release(): void {
    const list = this.core.ioPortSessions;
    const i = list.indexOf(this);
    if (i >= 0) list.splice(i, 1);
  }
}

export const createIoPortSession: SessionFactory = (core, label, args, payer) => {
  const base = argNumber(args, 'io_port_base', -1);
  const size = argNumber(args, 'io_port_size', 0);
  if (base < 0 || size <= 0 || base + size > 0x1_0000)
    return { error: RPC.DENIED, reason: `invalid port range base=${base} size=${size}` };
  const list = core.ioPortSessions;
  const clash = list.find((s) => base < s.base + s.size && s.base < base + size);
  if (clash) return { error: RPC.DENIED, reason: `ports already owned by "${clash.label}"` };
  const s = new IoPortSessionComponent(core, 'IO_PORT', label, args, payer);
  s.base = base;
  s.size = size;
  list.push(s);
  return s;
};
