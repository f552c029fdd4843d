/**
 * Core's IO_MEM service: a dataspace for a device's physical range. Each byte range is handed
 * out once; ranges that touch RAM are denied; byte-granular requests are rounded to pages (so
 * two devices on one page can be driven by two components, as Genode allows).
 */
import { RAM_BASE } from '../cpu/bus';
import { IO_MEM_SESSION, RPC } from './abi';
import { CoreSession, type SessionFactory } from './core';
import type { CoreCall, CoreReply, Dataspace } from './kernel_objects';
import { argNumber } from './session_args';

export class IoMemSessionComponent extends CoreSession {
  readonly iface = IO_MEM_SESSION;
  ds!: Dataspace;
  base = 0;
  size = 0;

  dispatch(call: CoreCall): CoreReply {
    void call;
    return { result: RPC.OK, words: [this.base - this.ds.phys], caps: [this.core.dsCap(this.ds)] };
  }

  protected release(): void {
    this.core.destroyDataspace(this.ds);
    const i = this.core.ioMemRanges.findIndex((r) => r.session === this);
    if (i >= 0) this.core.ioMemRanges.splice(i, 1);
  }
}

export const createIoMemSession: SessionFactory = (core, label, args, payer) => {
  const base = argNumber(args, 'base', -1);
  const size = argNumber(args, 'size', 0);
  if (base < 0 || size <= 0 || base + size > 0x1_0000_0000)
    return { error: RPC.DENIED, reason: `invalid range base=${base} size=${size}` };
  const ramEnd = RAM_BASE + core.kernel.m.bus.ramSize;
  if (base < ramEnd && RAM_BASE < base + size) return { error: RPC.DENIED, reason: 'the range intersects RAM' };
  const clash = core.ioMemRanges.find((r) => base < r.base + r.size && r.base < base + size);
  if (clash) return { error: RPC.DENIED, reason: `the range is already handed out to "${clash.session.label}"` };
  const s = new IoMemSessionComponent(core, 'IO_MEM', label, args, payer);
  const first = base - (base % 0x1000);
  const end = Math.ceil((base + size) / 0x1000) * 0x1000;
  s.base = base;
  s.size = size;
  s.ds = core.newDataspace('io_mem', first, end - first, true, null, null, `io_mem@0x${base.toString(16)}`);
  s.ds.writeCombined = args.get('wc') === 'yes' || args.get('wc') === '1';
  s.ds.cached = false;
  core.ioMemRanges.push({ base, size, session: s });
  return s;
};
