/**
 * Core's PD service: a protection domain with RAM and capability quota, a reference account,
 * quota transfer, RAM dataspaces, its three region maps, signal sources and contexts and RPC
 * object allocation. Closing the session destroys the PD (its dataspaces disappear everywhere)
 * and returns its quota to the reference account.
 */
import { PD_SESSION, RPC } from './abi';
import { Core, CoreSession, type SessionFactory } from './core';
import {
  Pd,
  RpcObject,
  SignalContext,
  SignalSource,
  Thread,
  type CoreCall,
  type CoreReply,
  type Quota,
} from './kernel_objects';
import type { SessionArgs } from './session_args';
import { TraceKind, quotaSample } from './trace';

export class PdSessionComponent extends CoreSession {
  readonly iface = PD_SESSION;

  constructor(
    core: Core,
    label: string,
    args: SessionArgs,
    payer: Pd,
    readonly pd: Pd,
  ) {
    super(core, 'PD', label, args, payer);
    core.pdSessions.set(pd, this);
  }

  override describe(): string {
    return `PD session "${this.label}"`;
  }

  /** Charges one capability to the PD; false if its cap quota is used up. */
  private takeCap(): boolean {
    if (this.pd.capQuota.used >= this.pd.capQuota.limit) return false;
    this.pd.capQuota.used++;
    return true;
  }

  dispatch(call: CoreCall): CoreReply {
    const pd = this.pd;
    const k = this.core.kernel;
    if (pd.dead) return { result: RPC.CLOSED };
    switch (call.op) {
      case 'assign_parent': {
        const p = call.caps.parent;
        if (!(p instanceof RpcObject)) return { result: RPC.INVALID_ARGS };
        return { result: k.grant(pd, p, 1) !== null || pd.caps.get(1) === p ? RPC.OK : RPC.DENIED };
      }
      case 'alloc_signal_source': {
        if (!this.takeCap()) return { result: RPC.OUT_OF_CAPS };
        const src = k.newSignalSource(pd);
        return { result: RPC.OK, caps: [src] };
      }
      case 'free_signal_source': {
        const s = call.caps.source;
        if (!(s instanceof SignalSource) || s.owner !== pd) return { result: RPC.INVALID_ARGS };
        k.revoke(s);
        pd.capQuota.used--;
        return { result: RPC.OK };
      }
      case 'alloc_context': {
        const s = call.caps.source;
        if (!(s instanceof SignalSource) || s.dead) return { result: RPC.INVALID_ARGS };
        if (!this.takeCap()) return { result: RPC.OUT_OF_CAPS };
        return { result: RPC.OK, caps: [k.newSignalContext(s, call.args.imprint as number, pd)] };
      }
      case 'free_context': {
        const c = call.caps.context;
        if (!(c instanceof SignalContext) || c.owner !== pd) return { result: RPC.INVALID_ARGS };
        k.revoke(c);
        pd.capQuota.used--;
        return { result: RPC.OK };
      }
      case 'submit': {
        const c = call.caps.context;
        if (!(c instanceof SignalContext)) return { result: RPC.INVALID_ARGS };
        k.submit(c, Math.max(1, Math.min(call.args.count as number, 0xffff)));
        return { result: RPC.OK };
      }
      case 'alloc_rpc_cap': {
        const ep = call.caps.entrypoint;
        const thread: Thread | undefined = ep instanceof RpcObject ? ep.core?.thread : undefined;
        if (!thread || thread.pd !== pd) return { result: RPC.INVALID_ARGS };
        if (!this.takeCap()) return { result: RPC.OUT_OF_CAPS };
        const obj = k.newRpcObject(thread, null, pd);
        return { result: RPC.OK, words: [obj.badge], caps: [obj] };
      }
      case 'free_rpc_cap': {
        const o = call.caps.object;
        if (!(o instanceof RpcObject) || o.owner !== pd) return { result: RPC.INVALID_ARGS };
        k.revoke(o);
        pd.capQuota.used--;
        return { result: RPC.OK };
      }
      case 'address_space':
        return { result: RPC.OK, caps: [pd.addressSpace.cap] };
      case 'stack_area':
        return { result: RPC.OK, caps: [pd.stackArea.cap] };
      case 'linker_area':
        return { result: RPC.OK, caps: [pd.linkerArea.cap] };
      case 'ref_account': {
        const other = this.core.pdOf(call.caps.pd);
        if (!other || other === pd) return { result: RPC.INVALID };
        pd.refAccount = other;
        return { result: RPC.OK };
      }
      case 'transfer_ram_quota':
      case 'transfer_cap_quota': {
        const to = this.core.pdOf(call.caps.to);
        const ram = call.op === 'transfer_ram_quota';
        return { result: transferQuota(this.core, pd, to, call.args.amount as number, ram) };
      }
      case 'ram_quota':
        return { result: RPC.OK, words: [pd.ram.limit, pd.ram.used] };
      case 'cap_quota':
        return { result: RPC.OK, words: [pd.capQuota.limit, pd.capQuota.used] };
      case 'alloc_ram': {
        const ds = this.core.allocRam(pd, call.args.size as number);
        if (typeof ds === 'number') return { result: ds };
        ds.cached = call.args.cached !== 0;
        return { result: RPC.OK, caps: [this.core.dsCap(ds)] };
      }
      case 'free_ram': {
        const ds = this.core.dataspaceOf(call.caps.dataspace);
        if (!ds || ds.kind !== 'ram' || ds.owner !== pd) return { result: RPC.INVALID_ARGS };
        this.core.destroyDataspace(ds);
        return { result: RPC.OK };
      }
      case 'dma_addr': {
        const ds = this.core.dataspaceOf(call.caps.dataspace);
        if (!ds || ds.kind !== 'ram' || ds.owner !== pd) return { result: RPC.INVALID_ARGS };
        return { result: RPC.OK, words: [ds.phys] };
      }
    }
    return { result: RPC.UNKNOWN_OP };
  }

  protected release(): void {
    const pd = this.pd;
    const to = pd.refAccount && !pd.refAccount.dead ? pd.refAccount : null;
    const ram = pd.ram.limit;
    const caps = pd.capQuota.limit;
    this.core.destroyPd(pd);
    this.core.pdSessions.delete(pd);
    // The PD's whole quota goes back to its reference account (or to core).
    const acct: { ram: Quota; caps: Quota } = to
      ? { ram: to.ram, caps: to.capQuota }
      : { ram: this.core.ram, caps: this.core.capQuota };
    acct.ram.limit += ram;
    acct.caps.limit += caps;
    pd.ram.limit = pd.ram.used = 0;
    pd.capQuota.limit = pd.capQuota.used = 0;
  }
}

/**
 * Moves quota between a PD and its reference account (either direction). OK, EXCEEDED, or
 * INVALID if `to` is not a PD related to `from` by reference account.
 */
export function transferQuota(core: Core, from: Pd, to: Pd | null, amount: number, ram: boolean): number {
  if (!to || to.dead || to === from) return RPC.INVALID;
  if (to.refAccount !== from && from.refAccount !== to) return RPC.INVALID;
  const src = ram ? from.ram : from.capQuota;
  const dst = ram ? to.ram : to.capQuota;
  if (amount > src.limit - src.used) return RPC.EXCEEDED;
  src.limit -= amount;
  dst.limit += amount;
  core.kernel.trace.emit(core.kernel.now(), 0, null, TraceKind.QUOTA_TRANSFER, to.id, amount, undefined, [
    quotaSample(from.id, from.ram, from.capQuota),
    quotaSample(to.id, to.ram, to.capQuota),
  ]);
  return RPC.OK;
}

export const createPdSession: SessionFactory = (core, label, args, payer) => {
  const pd = core.createPd(label);
  if (!pd) return { error: RPC.OUT_OF_RAM, reason: 'no address-space id or page table left' };
  return new PdSessionComponent(core, label, args, payer, pd);
};
