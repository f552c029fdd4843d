/**
 * Init: the parent of all user components. It reads Genode's init configuration (its "config"
 * ROM), starts the children (PD, CPU and LOG sessions; the ELF from its ROM module loaded into
 * RAM dataspaces; quota transferred from init's own PD), and serves each child's parent
 * interface: session requests are routed by the configuration to core or to another child
 * (whose root object creates the session), with Genode's resource trading (the client donates
 * the session quota) and labels ("init -> client -> label" at core).
 *
 * Init runs in TypeScript beside core, not as a guest program: its parent interface is the
 * real RPC interface the guests call, served by a core-side object per child. A bad new
 * configuration is reported (node, attribute, line) and the running system stays as it was.
 *
 * A child whose start node says `checkpoint="yes"` runs under the checkpointing runtime
 * (../runtime): its capability space holds the runtime's stand-ins for its parent and
 * sessions, which forward to the objects init and core made. `checkpoint="wait"` children are
 * not started here; a restore fills their place.
 */
import { parseElf, PF_W, PF_X, utf8Decode, utf8Encode } from '../../cpu/elf';
import { LAYOUT, MessageWriter, PARENT, ROOT, RPC, SEL } from '../abi';
import type { Core, CoreSession } from '../core';
import { createThread, type CpuSessionComponent, type CpuThreadComponent } from '../cpu_session_component';
import { KObject, RpcObject, type CoreCall, type CoreReply, type CoreServer, type Pd } from '../kernel_objects';
import { transferQuota, type PdSessionComponent } from '../pd_session_component';
import { argNumber, argString, formatSessionArgs, parseSessionArgs, prefixLabel } from '../session_args';
import { ComponentRuntime } from '../runtime/component_runtime';
import { TraceKind, quotaSample } from '../trace';
import { formatIssue, parseInitConfig, resolveRoute, type InitConfig, type StartNode } from './config';

/** RAM and caps each environment session (PD, CPU, LOG) costs a child. */
export const ENV_SESSION_RAM = 4096;
export const ENV_SESSION_CAPS = 2;
/** What core keeps for itself when handing its account to init. */
const CORE_RESERVE = 4 * 1024 * 1024;

/** A session a child opened through its parent. */
export interface ChildSession {
  service: string;
  label: string;
  /** The object naming the session (what the client holds). */
  obj: RpcObject;
  /** Served by core (with its session record) or by another child. */
  core: CoreSession | null;
  server: Child | null;
  ram: number;
  caps: number;
}

interface PendingRequest {
  client: Child;
  service: string;
  label: string;
  args: string;
  affinity: [number, number];
  /** The client's call, completed when the server answers. */
  call: { complete(reply: CoreReply): void };
}

export class Child {
  pdSession!: PdSessionComponent;
  cpuSession!: CpuSessionComponent;
  logSession!: CoreSession;
  main: CpuThreadComponent | null = null;
  parentObj!: RpcObject;
  readonly sessions = new Map<RpcObject, ChildSession>();
  /** Services this child announced: name → root object. */
  readonly announced = new Map<string, RpcObject>();
  exitCode: number | null = null;
  /**
   * The checkpointing runtime between this child and its services (start node
   * `checkpoint="yes"`, or a restored child), null for a plain child.
   */
  runtime: ComponentRuntime | null = null;
  /** Serialized start node, to detect changes on reload. */
  readonly key: string;

  constructor(
    readonly name: string,
    public start: StartNode,
  ) {
    this.key = startKey(start);
  }

  get pd(): Pd {
    return this.pdSession.pd;
  }
}

function startKey(s: StartNode): string {
  const { line, column, config, configLine, ...rest } = s as StartNode & { column?: number };
  void line;
  void column;
  void config;
  void configLine;
  return JSON.stringify(rest);
}

export class Init {
  readonly pd: Pd;
  config: InitConfig | null = null;
  readonly children = new Map<string, Child>();
  private readonly pending: PendingRequest[] = [];

  constructor(readonly core: Core) {
    const pd = core.createPd('init');
    if (!pd) throw new Error('core could not create init');
    this.pd = pd;
    // Core grants init everything but a reserve for itself (the only policy core has).
    const ram = Math.max(0, core.ram.limit - CORE_RESERVE);
    core.ram.limit -= ram;
    pd.ram.limit = ram;
    const caps = core.capQuota.limit - 1000;
    core.capQuota.limit -= caps;
    pd.capQuota.limit = caps;
    pd.refAccount = null;
  }

  private log(text: string): void {
    this.core.log('init', text);
  }

  /** Tells TRACE about session quota init moved between two children (RAM, then caps). */
  private traceTrade(from: Pd, to: Pd, ram: number, caps: number): void {
    const kernel = this.core.kernel;
    const samples = [quotaSample(from.id, from.ram, from.capQuota), quotaSample(to.id, to.ram, to.capQuota)];
    for (const amount of [ram, caps])
      if (amount > 0)
        kernel.trace.emit(kernel.now(), 0, null, TraceKind.QUOTA_TRANSFER, to.id, amount, undefined, samples);
  }

  // -------------------------------------------------------------- config --

  /**
   * Applies a configuration: on first use starts every child; later adds, removes and restarts
   * children whose start node changed, and updates changed <config> ROMs. Returns an error
   * (formatted with line and column) and changes nothing if the configuration is bad.
   */
  apply(xml: string, file = 'config'): string | null {
    const parsed = parseInitConfig(xml);
    if (!parsed.ok) {
      const msg = formatIssue(file, parsed.error);
      this.log(`Error: ${msg}`);
      return msg;
    }
    const cfg = parsed.config;
    for (const w of cfg.warnings) this.log(`Warning: ${formatIssue(file, w)}`);
    const old = this.children;
    // Removed or changed children go first, so their quota is back before new ones start.
    for (const [name, child] of [...old]) {
      const next = cfg.children.find((c) => c.name === name);
      if (!next || startKey(next) !== child.key) this.destroyChild(child);
    }
    this.config = cfg;
    for (const start of cfg.children) {
      const have = this.children.get(start.name);
      if (have) {
        have.start = start;
        if (start.config !== null) this.setChildConfig(have.name, start.config);
        continue;
      }
      // A child waiting for a restore is started by restoreComponent (core/runtime), not here.
      if (start.checkpoint === 'wait') continue;
      this.startChild(start);
    }
    return null;
  }

  private setChildConfig(name: string, text: string): void {
    const label = `init -> ${name} -> config`;
    const bytes = utf8Encode(text);
    const cur = this.core.romData(label);
    if (cur && cur.length === bytes.length && cur.every((b, i) => b === bytes[i])) return;
    this.core.setRom(label, bytes, true);
  }

  // ------------------------------------------------------------ children --

  private startChild(start: StartNode): Child | null {
    const core = this.core;
    const fail = (why: string): null => {
      this.log(`Error: ${start.name}: ${why}`);
      return null;
    };
    const image = core.romData(start.binary);
    if (!image) return fail(`binary "${start.binary}" is not a ROM module`);
    const elf = parseElf(image);
    if (!elf.ok) return fail(`binary "${start.binary}": ${elf.error}`);
    const child = this.openChildEnv(start);
    if (typeof child === 'string') return fail(child);
    const pd = child.pd;
    const aff = this.affinityOf(start);

    // Load the ELF: each PT_LOAD segment into a fresh RAM dataspace of the child.
    for (const seg of elf.image.segments) {
      if (seg.memsz === 0) continue;
      const first = seg.vaddr - (seg.vaddr % 0x1000);
      const end = Math.ceil((seg.vaddr + seg.memsz) / 0x1000) * 0x1000;
      if (first < LAYOUT.USER_BASE || end > LAYOUT.STACK_AREA_BASE) {
        this.destroyChild(child);
        return fail(
          `segment ${seg.index} at 0x${seg.vaddr.toString(16)} is outside [0x${LAYOUT.USER_BASE.toString(16)}, 0x${LAYOUT.STACK_AREA_BASE.toString(16)})`,
        );
      }
      const ds = core.allocRam(pd, end - first);
      if (typeof ds === 'number') {
        this.destroyChild(child);
        return fail(`out of RAM loading segment ${seg.index}`);
      }
      core.kernel.m.bus.writeBytes(ds.phys + (seg.vaddr - first), seg.data);
      const r = core.attach(pd.addressSpace, ds, pd.ram, {
        size: end - first,
        offset: 0,
        useAt: true,
        at: first,
        executable: (seg.flags & PF_X) !== 0,
        writeable: (seg.flags & PF_W) !== 0,
      });
      if (typeof r === 'number') {
        this.destroyChild(child);
        return fail(`segment ${seg.index} overlaps another (${r})`);
      }
    }

    // The parent capability and the environment, at the selectors the SDK expects.
    const parent = new ParentComponent(this, child);
    child.parentObj = core.kernel.newRpcObject(null, parent, null);
    const main = createThread(child.cpuSession, pd, 'ep', child.cpuSession.cpuOf(aff.x, aff.y));
    if (typeof main === 'number') {
      this.destroyChild(child);
      return fail(`could not create the main thread (${main})`);
    }
    child.main = main;
    const stack = core.allocRam(pd, LAYOUT.MAIN_STACK_SIZE);
    if (typeof stack === 'number') {
      this.destroyChild(child);
      return fail('out of RAM for the main stack');
    }
    const stackTop = main.thread.utcbVa - LAYOUT.STACK_AREA_BASE;
    core.attach(pd.stackArea, stack, pd.ram, {
      size: LAYOUT.MAIN_STACK_SIZE,
      offset: 0,
      useAt: true,
      at: stackTop - LAYOUT.MAIN_STACK_SIZE,
      executable: false,
      writeable: true,
    });
    const k = core.kernel;
    // Under the runtime the child holds the runtime's objects, which forward to these.
    const rt = start.checkpoint === 'no' ? null : ComponentRuntime.adopt(this, child);
    k.grant(pd, rt ? rt.parent.obj : child.parentObj, SEL.PARENT);
    k.grant(pd, rt ? rt.envPd.obj : child.pdSession.obj, SEL.PD);
    k.grant(pd, rt ? rt.envCpu.obj : child.cpuSession.obj, SEL.CPU);
    k.grant(pd, rt ? rt.envLog.obj : child.logSession.obj, SEL.LOG);
    k.grant(pd, main.obj, SEL.MAIN_THREAD);
    this.children.set(child.name, child);
    k.startThread(main.thread, elf.image.entry, main.thread.utcbVa);
    return child;
  }

  /** Where a child's CPU session lies in the affinity space (its start node's, or all of it). */
  private affinityOf(start: StartNode): { x: number; y: number; width: number; height: number } {
    const space = this.config!.affinitySpace;
    return start.affinity ?? { x: 0, y: 0, width: space.width, height: space.height };
  }

  /**
   * Opens a child's environment: its PD session (the start node's quota, minus what the
   * environment sessions cost, moves from init to the PD), CPU and LOG sessions, and its
   * config ROM. Loads nothing, creates no thread and does not list the child among the
   * running ones. Returns the child, or why not (then nothing has changed).
   */
  openChildEnv(start: StartNode): Child | string {
    const core = this.core;
    const envRam = 3 * ENV_SESSION_RAM;
    const envCaps = 3 * ENV_SESSION_CAPS;
    if (start.ram < envRam + LAYOUT.MAIN_STACK_SIZE)
      return `RAM quota ${start.ram} is too small (need more than ${envRam + LAYOUT.MAIN_STACK_SIZE})`;
    if (start.caps < envCaps + 8) return `cap quota ${start.caps} is too small`;
    const freeRam = this.pd.ram.limit - this.pd.ram.used;
    const freeCaps = this.pd.capQuota.limit - this.pd.capQuota.used;
    if (start.ram > freeRam) return `not enough RAM: wants ${start.ram}, init has ${freeRam}`;
    if (start.caps > freeCaps) return `not enough caps: wants ${start.caps}, init has ${freeCaps}`;

    const child = new Child(start.name, start);
    const label = `init -> ${start.name}`;
    const sessionArgs = `ram_quota=${ENV_SESSION_RAM}, cap_quota=${ENV_SESSION_CAPS}`;
    const pdS = core.openSession('PD', label, sessionArgs, this.pd);
    if ('error' in pdS) return `PD session: ${pdS.reason}`;
    child.pdSession = pdS as PdSessionComponent;
    const pd = child.pd;
    pd.refAccount = this.pd;
    // The child gets its quota minus what its environment sessions cost.
    transferQuota(core, this.pd, pd, start.ram - envRam, true);
    transferQuota(core, this.pd, pd, start.caps - envCaps, false);
    const cfg = this.config!;
    const aff = this.affinityOf(start);
    const cpuArgs =
      `${sessionArgs}, priority=${start.priority}, space_width=${cfg.affinitySpace.width}, space_height=${cfg.affinitySpace.height}, ` +
      `affinity_x=${aff.x}, affinity_y=${aff.y}, affinity_width=${aff.width}, affinity_height=${aff.height}, ` +
      `cpu_quota=${start.cpuPercent}`;
    const cpuS = core.openSession('CPU', label, cpuArgs, this.pd);
    const logS = core.openSession('LOG', label, sessionArgs, this.pd);
    if ('error' in cpuS || 'error' in logS) {
      if (!('error' in cpuS)) core.closeSession(cpuS);
      if (!('error' in logS)) core.closeSession(logS);
      core.closeSession(pdS);
      return 'could not open the environment sessions';
    }
    child.cpuSession = cpuS as CpuSessionComponent;
    child.logSession = logS;
    if (start.config !== null) this.setChildConfig(start.name, start.config);
    return child;
  }

  /**
   * Lists `child` as the running child of its name, destroying the one it replaces (a restored
   * incarnation of a component takes the place of the current one).
   */
  replaceChild(child: Child): void {
    const old = this.children.get(child.name);
    if (old && old !== child) this.destroyChild(old);
    this.children.set(child.name, child);
  }

  /** Closes everything of a child: sessions it opened, sessions it served, its PD. */
  destroyChild(child: Child): void {
    const core = this.core;
    for (const s of [...child.sessions.values()]) this.closeSession(child, s);
    // Clients of services this child served lose those sessions.
    for (const other of this.children.values()) {
      for (const s of [...other.sessions.values()]) if (s.server === child) this.closeSession(other, s);
    }
    for (const p of this.pending.filter((p) => p.client === child)) this.pending.splice(this.pending.indexOf(p), 1);
    if (child.parentObj) core.kernel.revoke(child.parentObj);
    child.runtime?.dissolve();
    if (child.cpuSession) core.closeSession(child.cpuSession);
    if (child.logSession) core.closeSession(child.logSession);
    if (child.pdSession) core.closeSession(child.pdSession);
    // A child that was never listed (a failed restore) must not take its namesake along.
    if (this.children.get(child.name) === child) this.children.delete(child.name);
  }

  // ---------------------------------------------------------- sessions --

  /** Handles `Parent::session` for `client`. */
  requestSession(
    client: Child,
    service: string,
    argsText: string,
    affinity: [number, number],
    call: { complete(reply: CoreReply): void },
  ): 'defer' | CoreReply {
    const cfg = this.config!;
    const args = parseSessionArgs(argsText);
    const clientLabel = argString(args, 'label');
    const ram = argNumber(args, 'ram_quota');
    const caps = argNumber(args, 'cap_quota');
    // The child's own config node is served by init as its "config" ROM.
    if (service === 'ROM' && clientLabel === 'config' && client.start.config !== null) {
      return this.openCore(client, 'ROM', `init -> ${client.name} -> config`, args, ram, caps);
    }
    const route = resolveRoute(cfg, client.start, service, clientLabel);
    if (route.kind === 'denied') {
      this.log(`Error: ${client.name}: ${route.reason}`);
      return { result: RPC.DENIED };
    }
    if (route.kind === 'parent')
      return this.openCore(client, service, prefixLabel('init', route.label), args, ram, caps);
    const name = route.kind === 'child' ? route.name : '';
    const server = this.children.get(name);
    if (!server) {
      this.log(`Error: ${client.name}: server "${name}" of service "${service}" is not running`);
      return { result: RPC.DENIED };
    }
    if (client.pd.ram.limit - client.pd.ram.used < ram) return { result: RPC.INSUFFICIENT_RAM };
    if (client.pd.capQuota.limit - client.pd.capQuota.used < caps) return { result: RPC.INSUFFICIENT_CAPS };
    const req: PendingRequest = { client, service, label: route.label, args: argsText, affinity, call };
    if (!server.announced.has(service)) {
      this.pending.push(req);
      return 'defer';
    }
    this.askServer(server, req);
    return 'defer';
  }

  private openCore(
    client: Child,
    service: string,
    label: string,
    args: Map<string, string>,
    ram: number,
    caps: number,
  ): CoreReply {
    args.delete('label');
    const s = this.core.openSession(service, label, formatSessionArgs(args), client.pd);
    if ('error' in s) {
      this.log(`Error: ${client.name}: ${service} session "${label}" denied: ${s.reason}`);
      return { result: s.error };
    }
    client.sessions.set(s.obj, { service, label, obj: s.obj, core: s, server: null, ram, caps });
    return { result: RPC.OK, caps: [s.obj] };
  }

  /** Asks a server child's root for a session; the client's quota goes to the server. */
  private askServer(server: Child, req: PendingRequest): void {
    const root = server.announced.get(req.service)!;
    const args = parseSessionArgs(req.args);
    args.set('label', req.label);
    const ram = argNumber(args, 'ram_quota');
    const caps = argNumber(args, 'cap_quota');
    const msg = new MessageWriter()
      .word(ROOT.ops.session.op)
      .str(formatSessionArgs(args))
      .word(req.affinity[0])
      .word(req.affinity[1])
      .bytes();
    this.core.kernel.invoke(new SessionAnswer(this, server, req, ram, caps), root, msg, []);
  }

  /** A server answered `req` (see {@link SessionAnswer}). */
  sessionAnswered(
    server: Child,
    req: PendingRequest,
    ram: number,
    caps: number,
    result: number,
    caps_: (KObject | null)[],
  ): void {
    const obj = caps_[0];
    if (result !== RPC.OK || !(obj instanceof RpcObject)) {
      this.log(`Error: ${req.client.name}: "${server.name}" refused ${req.service} session (${result})`);
      req.call.complete({ result: result === RPC.OK ? RPC.DENIED : result });
      return;
    }
    const c = req.client.pd;
    const s = server.pd;
    // Resource trading: the client pays the server for the session.
    const r = Math.min(ram, c.ram.limit - c.ram.used);
    const k = Math.min(caps, c.capQuota.limit - c.capQuota.used);
    c.ram.limit -= r;
    s.ram.limit += r;
    c.capQuota.limit -= k;
    s.capQuota.limit += k;
    this.traceTrade(c, s, r, k);
    req.client.sessions.set(obj, {
      service: req.service,
      label: req.label,
      obj,
      core: null,
      server,
      ram: r,
      caps: k,
    });
    req.call.complete({ result: RPC.OK, caps: [obj] });
  }

  closeSession(client: Child, s: ChildSession): void {
    client.sessions.delete(s.obj);
    const holder = s.obj.holders.get(client.pd);
    if (holder !== undefined) this.core.kernel.deleteCap(client.pd, holder);
    if (s.core) {
      this.core.closeSession(s.core);
      return;
    }
    const server = s.server;
    if (!server) return;
    const root = server.announced.get(s.service);
    if (root && !root.dead && server.main && !server.main.thread.dead) {
      const msg = new MessageWriter().word(ROOT.ops.close.op).bytes();
      this.core.kernel.invoke({ onReply: () => undefined }, root, msg, [s.obj]);
    }
    // The donated quota returns from the server (as far as it still has it free).
    const sp = server.pd;
    const c = client.pd;
    if (!sp.dead && !c.dead) {
      const r = Math.min(s.ram, sp.ram.limit - sp.ram.used);
      const k = Math.min(s.caps, sp.capQuota.limit - sp.capQuota.used);
      sp.ram.limit -= r;
      c.ram.limit += r;
      sp.capQuota.limit -= k;
      c.capQuota.limit += k;
      this.traceTrade(sp, c, r, k);
    }
  }

  announce(server: Child, service: string, root: RpcObject): void {
    server.announced.set(service, root);
    if (!server.start.provides.includes(service))
      this.log(`Warning: ${server.name} announced "${service}", which its <provides> does not list`);
    for (const req of [...this.pending]) {
      if (req.service !== service) continue;
      const route = resolveRoute(
        this.config!,
        req.client.start,
        service,
        argString(parseSessionArgs(req.args), 'label'),
      );
      if (route.kind === 'child' && route.name === server.name) {
        this.pending.splice(this.pending.indexOf(req), 1);
        this.askServer(server, req);
      }
    }
  }

  exit(child: Child, code: number): void {
    child.exitCode = code;
    this.log(`child "${child.name}" exited with exit value ${code}`);
    for (const t of [...child.pd.threads]) this.core.kernel.setPaused(t, true);
  }
}

/** The parent interface of one child, served by init. */
export class ParentComponent implements CoreServer {
  readonly iface = PARENT;
  constructor(
    private readonly init: Init,
    private readonly child: Child,
  ) {}

  describe(): string {
    return `parent of "${this.child.name}"`;
  }

  dispatch(call: CoreCall): CoreReply | 'defer' {
    const a = call.args;
    const child = this.child;
    switch (call.op) {
      case 'session':
        return this.init.requestSession(
          child,
          String(a.service),
          String(a.args),
          [a.affinity_x as number, a.affinity_y as number],
          call,
        );
      case 'upgrade': {
        const args = parseSessionArgs(String(a.args));
        const ram = argNumber(args, 'ram_quota');
        const caps = argNumber(args, 'cap_quota');
        // The environment sessions (PD, CPU, LOG) init opened for the child: the child pays the
        // upgrade, as a Genode component upgrades its env CPU session to create more threads.
        const env = [child.pdSession, child.cpuSession, child.logSession].find((e) => e.obj === call.caps.session);
        if (env) return { result: this.init.core.upgradeSession(env, ram, caps, child.pd) };
        const s = sessionOf(child, call.caps.session);
        if (!s) return { result: RPC.INVALID_ARGS };
        if (s.core) {
          const r = this.init.core.upgradeSession(s.core, ram, caps, child.pd);
          if (r === RPC.OK) {
            s.ram += ram;
            s.caps += caps;
          }
          return { result: r };
        }
        const c = child.pd;
        if (c.ram.limit - c.ram.used < ram || c.capQuota.limit - c.capQuota.used < caps)
          return { result: RPC.EXCEEDED };
        c.ram.limit -= ram;
        s.server!.pd.ram.limit += ram;
        c.capQuota.limit -= caps;
        s.server!.pd.capQuota.limit += caps;
        s.ram += ram;
        s.caps += caps;
        return { result: RPC.OK };
      }
      case 'close': {
        const s = sessionOf(child, call.caps.session);
        if (!s) return { result: RPC.INVALID_ARGS };
        this.init.closeSession(child, s);
        return { result: RPC.OK };
      }
      case 'announce': {
        const root = call.caps.root;
        if (!(root instanceof RpcObject) || root.ep?.pd !== child.pd) return { result: RPC.INVALID_ARGS };
        this.init.announce(child, String(a.service), root);
        return { result: RPC.OK };
      }
      case 'exit':
        this.init.exit(child, (a.code as number) | 0);
        return { result: RPC.OK };
    }
    return { result: RPC.UNKNOWN_OP };
  }
}

function sessionOf(child: Child, obj: KObject | null): ChildSession | null {
  return obj instanceof RpcObject ? (child.sessions.get(obj) ?? null) : null;
}

/**
 * Init's side of a session request it passed to a server's root: the server's reply goes to
 * `Init.sessionAnswered`. An object rather than a closure, so a request in flight is part of a
 * snapshot.
 */
export class SessionAnswer {
  constructor(
    private readonly init: Init,
    private readonly server: Child,
    private readonly req: PendingRequest,
    private readonly ram: number,
    private readonly caps: number,
  ) {}

  onReply(result: number, _data: Uint8Array, caps: (KObject | null)[]): void {
    this.init.sessionAnswered(this.server, this.req, this.ram, this.caps, result, caps);
  }
}

/** Applies each new version of init's config ROM (a ROM watcher of "config"). */
export class ConfigFollower {
  constructor(
    private readonly core: Core,
    private readonly init: Init,
  ) {}

  notify(): void {
    const data = this.core.romData('config');
    if (data) this.init.apply(utf8Decode(data));
  }
}
