/**
 * Restoring a checkpoint: into the system it was taken in (the running component of that name
 * is rolled back: a new incarnation takes its place, the others run on) or into another one (a
 * second machine: the component migrates).
 *
 * The target's init configuration must have a `<start>` node of the component's name: it says
 * how much quota the component gets there, which CPUs and priority it runs at, and where its
 * sessions are routed (`checkpoint="wait"` reserves such a node without starting anything).
 * The restore then does what the runtime did, in the target: init opens the environment (PD,
 * CPU, LOG) with the target's policy; the runtime re-creates every other session through the
 * target's routing with the recorded arguments and quota, re-creates signal sources and
 * contexts, RAM dataspaces (contents copied), region maps and attachments at the same
 * addresses, threads in the same stack slots with their registers, and binds every capability
 * at the selector it had, so the addresses and selectors the guest stored still hold. All of
 * it goes through the runtime's own stand-ins, as requests, so the new runtime's records are
 * made the way they always are.
 *
 * Blocked threads: a thread waiting for a signal, for a request or stopped waits again, as it
 * did (the counter waits for its timer's signal, and the timer is set again with the time it
 * had left). A thread blocked in a call goes back to its `ecall` and makes the call again
 * (the reply it was waiting for belonged to the old incarnation); one blocked by a page fault
 * retries the access.
 *
 * Everything that can be checked beforehand is (the start node, routes, providers, quota): a
 * failure then leaves the target untouched. A running incarnation is destroyed before the new
 * one is built (its quota and exclusive resources such as I/O ports go to the new one); should
 * a later step fail (the machine runs out of memory, a device is taken), what was built is torn
 * down again and the component is gone, which the error says.
 */
import { RPC, RPC_NAME, SEL } from '../abi';
import { resolveRoute, type StartNode } from '../init/config';
import { ENV_SESSION_CAPS, ENV_SESSION_RAM, ParentComponent, type Child, type Init } from '../init/init';
import {
  RpcObject,
  SignalContext,
  SignalSource,
  type CoreCall,
  type CoreReply,
  type CoreServer,
  type KObject,
} from '../kernel_objects';
import { romName } from '../rom_session_component';
import { argString, parseSessionArgs, prefixLabel } from '../session_args';
import type { System } from '../system';
import { validateCheckpoint, type ComponentCheckpoint } from './checkpoint_format';
import { ComponentRuntime, type ThreadRecord } from './component_runtime';
import type { CpuThreadComponent } from '../cpu_session_component';
import { VirtualCpuSession } from './virtual_cpu_session';
import { VirtualIrqSession } from './virtual_irq_session';
import { VirtualPdSession } from './virtual_pd_session';
import { VirtualRegionMap } from './virtual_region_map';
import { VirtualRomSession } from './virtual_rom_session';
import { VirtualSession } from './virtual_session';
import { VirtualTimerSession } from './virtual_timer_session';

export interface RestoreOptions {
  /** Restore under another start name (default: the checkpoint's). */
  name?: string;
}

/** What a restore did. */
export interface RestoreReport {
  /** The start name the component runs under now. */
  name: string;
  /** A running incarnation was replaced (rolled back), rather than a waiting slot filled. */
  replaced: boolean;
  sessions: number;
  threads: number;
  dataspaces: number;
}

/**
 * Restores checkpoint `cp` into `sys`. Returns what was done, or an error naming the component
 * and what stands in the way (then `sys` is as it was).
 */
export function restoreComponent(
  sys: System,
  cp: ComponentCheckpoint,
  opts: RestoreOptions = {},
): RestoreReport | string {
  const name = opts.name ?? cp.name;
  const fail = (why: string): string => `cannot restore "${name}": ${why}`;
  const bad = validateCheckpoint(cp);
  if (bad) return fail(`the checkpoint is ${bad.startsWith('malformed') ? bad : `inconsistent: ${bad}`}`);
  const init = sys.init;
  const start = init.config?.children.find((c) => c.name === name);
  if (!start) return fail(`the target's init configuration has no <start name="${name}">`);
  const old = init.children.get(name) ?? null;
  const plan = checkPlan(init, start, cp, old);
  if (plan) return fail(plan);

  // The running incarnation goes first: its quota returns to init, and what it holds
  // exclusively (I/O ports, interrupts, I/O memory) is free for the new one.
  if (old) init.destroyChild(old);
  const gone = old ? ' (the running incarnation is gone)' : '';
  const child = init.openChildEnv(start);
  if (typeof child === 'string') return fail(child + gone);
  const k = init.core.kernel;
  child.parentObj = k.newRpcObject(null, new ParentComponent(init, child), null);
  const rt = ComponentRuntime.adopt(init, child);
  const built = new Rebuilder(init, child, rt, cp).run();
  if (typeof built === 'string') {
    init.destroyChild(child);
    return fail(built + gone);
  }
  const replaced = old !== null;
  init.replaceChild(child);
  child.exitCode = cp.exitCode;
  for (const a of cp.announced) {
    const root = built.rpcObjects.get(a.object);
    if (!root) continue;
    rt.announced.set(a.service, root);
    init.announce(child, a.service, root);
  }
  return {
    name,
    replaced,
    sessions: rt.sessions.size,
    threads: rt.threads.size,
    dataspaces: cp.dataspaces.filter((d) => d.kind === 'ram').length,
  };
}

/**
 * Checks what can be checked before anything is changed: every session the component opened
 * can be routed to the target's parent (core) and be served there, the start node's quota
 * covers what the component had committed, and init has that quota (counting what the running
 * incarnation `old`, replaced, gives back). Returns the first problem, or null.
 */
function checkPlan(init: Init, start: StartNode, cp: ComponentCheckpoint, old: Child | null): string | null {
  const cfg = init.config!;
  const core = init.core;
  const initRam = init.pd.ram.limit - init.pd.ram.used + (old ? old.start.ram : 0);
  const initCaps = init.pd.capQuota.limit - init.pd.capQuota.used + (old ? old.start.caps : 0);
  if (start.ram > initRam)
    return `init has ${initRam} bytes of RAM quota to give, its <start> node asks for ${start.ram}`;
  if (start.caps > initCaps)
    return `init has ${initCaps} capabilities to give, its <start> node asks for ${start.caps}`;
  let needRam = 0;
  let needCaps = 0;
  const env = cp.sessions.find((s) => s.env && s.service === 'PD')!;
  for (const s of cp.sessions) {
    if (s.env) {
      needRam += Math.max(0, s.ram - ENV_SESSION_RAM);
      needCaps += Math.max(0, s.caps - ENV_SESSION_CAPS);
      continue;
    }
    needRam += s.ram;
    needCaps += s.caps;
    if (s.pd?.refAccount === env.id) {
      needRam += s.pd.ram.limit;
      needCaps += s.pd.caps.limit;
    }
    const args = parseSessionArgs(s.args);
    const clientLabel = argString(args, 'label');
    const what = `its ${s.service} session (label "${clientLabel}")`;
    let label: string;
    if (s.service === 'ROM' && clientLabel === 'config' && start.config !== null) {
      label = `init -> ${start.name} -> config`;
    } else {
      const route = resolveRoute(cfg, start, s.service, clientLabel);
      if (route.kind === 'denied') return `${what} cannot be routed in the target: ${route.reason}`;
      if (route.kind !== 'parent')
        return `${what} is routed to component "${route.kind === 'child' ? route.name : '?'}" in the target; the runtime re-creates only sessions the parent provides`;
      label = prefixLabel('init', route.label);
    }
    if (!core.services.has(s.service)) return `${what}: the target's core provides no "${s.service}" service`;
    if (s.service === 'ROM' && !core.roms.has(label) && !core.roms.has(romName(label)))
      return `${what}: the target has no ROM module "${romName(label)}"`;
  }
  const envPd = env.pd!;
  needRam += envPd.ram.used;
  needCaps += envPd.caps.used;
  const haveRam = start.ram - 3 * ENV_SESSION_RAM;
  const haveCaps = start.caps - 3 * ENV_SESSION_CAPS;
  if (needRam > haveRam)
    return `not enough RAM quota: it needs ${needRam} bytes, its <start> node in the target gives ${haveRam} (ram="${start.ram}" minus its environment sessions)`;
  if (needCaps > haveCaps)
    return `not enough cap quota: it needs ${needCaps} capabilities, its <start> node in the target gives ${haveCaps}`;
  return null;
}

/** A request the runtime makes itself, as the runtime component would over RPC. */
class LocalCall implements CoreCall {
  readonly rest: number[] = [];
  readonly caller = null;
  reply: CoreReply | null = null;

  constructor(
    readonly op: string,
    readonly args: Record<string, number | string | null>,
    public caps: Record<string, KObject | null>,
  ) {}

  complete(reply: CoreReply): void {
    this.reply = reply;
  }
}

/** The live objects the checkpoint's records became, by record number. */
interface Built {
  rpcObjects: Map<number, RpcObject>;
}

/** Replays a checkpoint through a fresh runtime. Used once, then dropped. */
class Rebuilder {
  private readonly sessions = new Map<number, VirtualSession>();
  private readonly sources = new Map<number, SignalSource>();
  private readonly contexts = new Map<number, SignalContext>();
  private readonly dataspaces = new Map<number, RpcObject>();
  private readonly regionMaps = new Map<number, VirtualRegionMap>();
  private readonly threads = new Map<number, ThreadRecord>();
  private readonly rpcObjects = new Map<number, RpcObject>();

  constructor(
    private readonly init: Init,
    private readonly child: Child,
    private readonly rt: ComponentRuntime,
    private readonly cp: ComponentCheckpoint,
  ) {}

  /** Sends a request to one of the runtime's objects; a result other than OK becomes an error text. */
  private call(
    server: CoreServer,
    what: string,
    op: string,
    args: Record<string, number | string | null> = {},
    caps: Record<string, KObject | null> = {},
  ): CoreReply | string {
    const c = new LocalCall(op, args, caps);
    const r = server.dispatch(c);
    const reply = r === 'defer' ? c.reply : r;
    if (!reply) return `${what}: no answer`;
    if (reply.result !== RPC.OK) return `${what}: ${RPC_NAME[reply.result] ?? reply.result}`;
    return reply;
  }

  private ctx(n: number | null): SignalContext | null {
    return n === null ? null : (this.contexts.get(n) ?? null);
  }

  run(): Built | string {
    return (
      this.openSessions() ??
      this.pdQuota() ??
      this.signals() ??
      this.memory() ??
      this.threadsAndObjects() ??
      this.handlers() ??
      this.capSpace() ??
      this.threadStates() ?? { rpcObjects: this.rpcObjects }
    );
  }

  // ---- sessions: the environment from init, the rest through the target's routing
  private openSessions(): string | null {
    const rt = this.rt;
    for (const s of this.cp.sessions) {
      let v: VirtualSession;
      const what = `its ${s.service} session`;
      if (s.env) {
        v = s.service === 'PD' ? rt.envPd : s.service === 'CPU' ? rt.envCpu : rt.envLog;
      } else {
        const args: Record<string, number | string> = {
          service: s.service,
          args: s.args,
          affinity_x: s.affinity[0],
          affinity_y: s.affinity[1],
        };
        const r = this.call(rt.parent, what, 'session', args);
        if (typeof r === 'string') return r;
        const got = rt.sessionOf(r.caps?.[0] ?? null);
        if (!(got instanceof VirtualSession)) return `${what} is not served by the target's core`;
        v = got;
      }
      if (s.ram > v.ram || s.caps > v.caps) {
        const more = `ram_quota=${Math.max(0, s.ram - v.ram)}, cap_quota=${Math.max(0, s.caps - v.caps)}`;
        const r = this.call(rt.parent, `upgrading ${what}`, 'upgrade', { args: more }, { session: v.obj });
        if (typeof r === 'string') return r;
      }
      this.sessions.set(s.id, v);
    }
    return null;
  }

  /** Quota of the PDs the component created, moved to them from their reference accounts. */
  private pdQuota(): string | null {
    for (const s of this.cp.sessions) {
      if (!s.pd || s.env || s.pd.refAccount === null) continue;
      const pd = this.sessions.get(s.id)!;
      const acct = this.sessions.get(s.pd.refAccount)!;
      const what = `the quota of its PD session "${s.label}"`;
      let r = this.call(pd, what, 'ref_account', {}, { pd: acct.obj });
      if (typeof r === 'string') return r;
      r = this.call(acct, what, 'transfer_ram_quota', { amount: s.pd.ram.limit }, { to: pd.obj });
      if (typeof r === 'string') return r;
      r = this.call(acct, what, 'transfer_cap_quota', { amount: s.pd.caps.limit }, { to: pd.obj });
      if (typeof r === 'string') return r;
    }
    return null;
  }

  private signals(): string | null {
    for (const s of this.cp.signalSources) {
      const r = this.call(this.sessions.get(s.session)!, 'a signal source', 'alloc_signal_source');
      if (typeof r === 'string') return r;
      this.sources.set(s.id, r.caps![0] as SignalSource);
    }
    for (const c of this.cp.signalContexts) {
      const pd = this.sessions.get(c.session)!;
      const source = this.sources.get(c.source)!;
      const r = this.call(pd, 'a signal context', 'alloc_context', { imprint: c.imprint }, { source });
      if (typeof r === 'string') return r;
      this.contexts.set(c.id, r.caps![0] as SignalContext);
    }
    return null;
  }

  // ---- dataspaces, region maps, attachments
  private memory(): string | null {
    const bus = this.init.core.kernel.m.bus;
    for (const d of this.cp.dataspaces) {
      if (d.kind !== 'ram') continue;
      const what = `a RAM dataspace of ${d.size} bytes`;
      const r = this.call(this.sessions.get(d.session)!, what, 'alloc_ram', { size: d.size, cached: d.cached ? 1 : 0 });
      if (typeof r === 'string') return r;
      const cap = r.caps![0] as RpcObject;
      const ds = this.init.core.dataspaceOf(cap)!;
      bus.writeBytes(ds.phys, d.contents);
      this.dataspaces.set(d.id, cap);
    }
    for (const m of this.cp.regionMaps) {
      const session = this.sessions.get(m.session)!;
      const what = `its region map ${m.origin}`;
      const r =
        m.origin === 'rm' ? this.call(session, what, 'create', { size: m.size }) : this.call(session, what, m.origin);
      if (typeof r === 'string') return r;
      const obj = r.caps?.[0];
      if (!(obj instanceof RpcObject) || !(obj.core instanceof VirtualRegionMap)) return `${what}: not the runtime's`;
      this.regionMaps.set(m.id, obj.core);
    }
    for (const d of this.cp.dataspaces) {
      if (d.kind === 'ram') continue;
      const r =
        d.kind === 'session'
          ? this.call(this.sessions.get(d.session)!, 'the dataspace of a session', 'dataspace')
          : this.call(this.regionMaps.get(d.regionMap)!, 'a region map as dataspace', 'dataspace');
      if (typeof r === 'string') return r;
      this.dataspaces.set(d.id, r.caps![0] as RpcObject);
    }
    for (const m of this.cp.regionMaps) {
      const v = this.regionMaps.get(m.id)!;
      for (const a of m.attachments) {
        const what = `attaching at 0x${a.at.toString(16)} of ${v.rm.name}`;
        const args = {
          size: a.size,
          offset: a.offset,
          use_at: 1,
          at: a.at,
          executable: a.executable ? 1 : 0,
          writeable: a.writeable ? 1 : 0,
        };
        const r = this.call(v, what, 'attach', args, { dataspace: this.dataspaces.get(a.dataspace)! });
        if (typeof r === 'string') return r;
      }
      if (m.faultHandler !== null) {
        const r = this.call(
          v,
          `the fault handler of ${v.rm.name}`,
          'fault_handler',
          {},
          {
            context: this.ctx(m.faultHandler),
          },
        );
        if (typeof r === 'string') return r;
      }
    }
    return null;
  }

  // ---- threads (in their stack slots) and the RPC objects they serve
  private threadsAndObjects(): string | null {
    const rt = this.rt;
    for (const t of this.cp.threads) {
      const cpu = this.sessions.get(t.session) as VirtualCpuSession;
      const pdv = this.sessions.get(t.pd) as VirtualPdSession;
      const pd = pdv.pd;
      // Core picks a thread's stack slot (in Genode the component does); tell it the old one, so
      // that the stack and UTCB addresses the thread stored hold again.
      pd.freeSlots.splice(0, pd.freeSlots.length, t.slot);
      const args = { name: t.name, affinity_x: t.affinity[0], affinity_y: t.affinity[1], weight: t.weight };
      const r = this.call(cpu, `thread "${t.name}"`, 'create_thread', args, { pd: pdv.obj });
      if (typeof r === 'string') return r;
      const rec = rt.threads.get(((r.caps![0] as RpcObject).core as CpuThreadComponent).thread);
      if (!rec || rec.comp.thread.slot !== t.slot) return `thread "${t.name}" did not get stack slot ${t.slot}`;
      this.threads.set(t.id, rec);
    }
    for (const s of this.cp.sessions) {
      if (!s.pd) continue;
      const pd = (this.sessions.get(s.id) as VirtualPdSession).pd;
      pd.nextSlot = s.pd.nextSlot;
      pd.freeSlots.splice(0, pd.freeSlots.length, ...s.pd.freeSlots);
    }
    // An RPC object keeps its badge: the entrypoint finds its objects by it.
    const k = this.init.core.kernel;
    for (const o of this.cp.rpcObjects) {
      const pdv = this.sessions.get(o.session) as VirtualPdSession;
      const pd = pdv.pd;
      if (pd.capQuota.used >= pd.capQuota.limit) return `RPC object ${o.badge}: out of cap quota`;
      pd.capQuota.used++;
      const obj = new RpcObject(k.newId(), o.badge, this.threads.get(o.thread)!.comp.thread, null, pd);
      k.objects.add(obj);
      rt.noteRpcObject(pdv, obj);
      this.rpcObjects.set(o.id, obj);
    }
    return null;
  }

  // ---- exception, ROM and timer handlers; timeouts
  private handlers(): string | null {
    const k = this.init.core.kernel;
    for (const s of this.cp.sessions) {
      const v = this.sessions.get(s.id)!;
      if (s.cpu && s.cpu.exceptionSigh !== null) {
        const r = this.call(
          v,
          'the exception handler',
          'exception_sigh',
          {},
          { context: this.ctx(s.cpu.exceptionSigh) },
        );
        if (typeof r === 'string') return r;
      }
      if (s.rom && v instanceof VirtualRomSession) {
        if (s.rom.handed) {
          const r = this.call(v, `ROM "${s.rom.module}"`, 'dataspace');
          if (typeof r === 'string') return r;
        }
        if (s.rom.sigh !== null) {
          const r = this.call(v, `ROM "${s.rom.module}"`, 'sigh', {}, { context: this.ctx(s.rom.sigh) });
          if (typeof r === 'string') return r;
        }
      }
      if (s.irq && v instanceof VirtualIrqSession) {
        if (s.irq.sigh !== null) {
          const r = this.call(v, 'the interrupt handler', 'sigh', {}, { context: this.ctx(s.irq.sigh) });
          if (typeof r === 'string') return r;
        }
        if (s.irq.enabled) {
          const r = this.call(v, 'the interrupt', 'ack_irq');
          if (typeof r === 'string') return r;
        }
      }
      if (s.timer && v instanceof VirtualTimerSession) {
        if (s.timer.sigh !== null) {
          const r = this.call(v, 'the timer', 'sigh', {}, { context: this.ctx(s.timer.sigh) });
          if (typeof r === 'string') return r;
        }
        v.mode = s.timer.mode;
        v.periodUs = s.timer.periodUs;
        const p = s.timer.pending;
        if (p && v.sigh) k.setTimeout(v.session, v.sigh, p.remainingUs, p.periodUs);
      }
    }
    for (const t of this.cp.threads) {
      const rec = this.threads.get(t.id)!;
      if (t.exceptionSigh !== null) {
        const r = this.call(
          rec.comp,
          'a thread exception handler',
          'exception_sigh',
          {},
          {
            context: this.ctx(t.exceptionSigh),
          },
        );
        if (typeof r === 'string') return r;
      }
      if (t.timeout)
        k.setTimeout(rec.comp.thread, this.ctx(t.timeout.context)!, t.timeout.remainingUs, t.timeout.periodUs);
    }
    // Signals submitted and not yet delivered, or delivered and not yet acknowledged.
    for (const c of this.cp.signalContexts) {
      const ctx = this.contexts.get(c.id)!;
      ctx.count = c.count;
      ctx.lastCount = c.lastCount;
      ctx.delivered = c.delivered;
    }
    for (const s of this.cp.signalSources) {
      const src = this.sources.get(s.id)!;
      for (const c of s.pending) {
        const ctx = this.contexts.get(c)!;
        ctx.queued = true;
        src.pending.push(ctx);
      }
    }
    return null;
  }

  // ---- every capability at its old selector
  private capSpace(): string | null {
    const k = this.init.core.kernel;
    const pd = this.child.pd;
    for (const c of this.cp.caps) {
      const r = c.ref;
      const obj: KObject | null | undefined =
        r.kind === 'parent'
          ? this.rt.parent.obj
          : r.kind === 'session'
            ? this.sessions.get(r.id)?.obj
            : r.kind === 'dataspace'
              ? this.dataspaces.get(r.id)
              : r.kind === 'region_map'
                ? this.regionMaps.get(r.id)?.obj
                : r.kind === 'thread'
                  ? this.threads.get(r.id)?.comp.obj
                  : r.kind === 'signal_source'
                    ? this.sources.get(r.id)
                    : r.kind === 'signal_context'
                      ? this.contexts.get(r.id)
                      : this.rpcObjects.get(r.id);
      if (!obj) return `selector ${c.sel}: ${r.kind} ${'id' in r ? r.id : ''} was not re-created`;
      if (k.grant(pd, obj, c.sel) !== c.sel) return `selector ${c.sel}: cannot bind ${r.kind} there`;
      // The thread at the main-thread selector is the child's main thread (init serves its
      // sessions as long as it lives).
      if (c.sel === SEL.MAIN_THREAD && r.kind === 'thread') this.child.main = this.threads.get(r.id)!.comp;
    }
    return null;
  }

  // ---- registers, UTCB and what each thread was waiting for; then they may run
  private threadStates(): string | null {
    const k = this.init.core.kernel;
    const bus = k.m.bus;
    for (const t of this.cp.threads) {
      const th = this.threads.get(t.id)!.comp.thread;
      bus.writeBytes(th.utcbPhys, t.utcb);
      for (let i = 1; i < 32; i++) th.regs[i] = t.regs[i] | 0;
      th.pc = t.pc | 0;
      th.stopState = t.stopState;
      th.stopCause = t.stopCause;
      th.stopTval = t.stopTval;
      th.paused = t.paused;
      th.started = t.started;
      if (t.singleStep) k.setSingleStep(th, true);
      switch (t.block.kind) {
        case 'signal': {
          const src = this.sources.get(t.block.source!)!;
          th.block = { kind: 'signal', source: src };
          src.waiters.push(th);
          break;
        }
        case 'receive': {
          const src = t.block.source === null ? null : this.sources.get(t.block.source)!;
          th.block = { kind: 'receive', source: src };
          if (src) src.waiters.push(th);
          break;
        }
        case 'stopped':
          th.block = { kind: 'stopped' };
          break;
        case 'call':
          // Back to the ecall (4 bytes; it has no compressed form): the call is made again.
          th.pc = (t.pc - 4) | 0;
          break;
        case 'page_fault':
        case 'none':
          break;
      }
      k.update(th);
    }
    return null;
  }
}
