/**
 * A GDB remote serial protocol stub for riscv32 (all-stop, multiprocess), over a
 * {@link GdbTarget}. Transport-free: feed it the bytes a client sent (`receive`) and pass on
 * what it produces (`onSend`); `host/gdb_server.ts` puts it on a TCP socket.
 *
 * Framing: `$payload#cs` with a two-digit hex checksum (sum of payload bytes mod 256); every
 * packet is acknowledged with `+` (or `-` on a bad checksum, which makes the client send it
 * again) until `QStartNoAckMode`. A `-` from the client resends our last packet. A lone 0x03
 * between packets is Ctrl-C: it interrupts a running target. Binary data (`X` requests,
 * `qXfer` replies) escapes `}` `#` `$` `*` as `}` followed by the byte xor 0x20. Incoming
 * run-length encoding is not supported (gdb never sends it).
 *
 * Registers, as target.xml numbers them (gdb's own riscv numbering): x0..x31 are 0..31, pc 32,
 * CSR n is 65 + n, priv is 65 + 4096. `g` carries x0..x31 and pc; the others travel by `p`.
 *
 * Thread ids are `pPID.TID` once the client announced multiprocess+ (gdb does), plain `TID`
 * otherwise; `-1` means all, `0` any. Replies to bad requests: `E01` for a malformed packet or
 * an unknown thread, `E02` when the target refused (unreadable memory, bad register value);
 * unknown packets get the empty reply. Nothing a client sends makes the stub throw.
 *
 * Reverse execution: `bs` (reverse-stepi of the thread `Hc` names, else the `Hg` thread) and
 * `bc` (reverse-continue), offered in qSupported (`ReverseStep+`, `ReverseContinue+`) when
 * the target has them. Their stop replies are those of `s` and `c`; at the start of the
 * recorded history the reply carries `replaylog:begin`. A refused one is answered `E.` with
 * the target's message, which gdb shows ("Remote failure reply: E.…").
 *
 * Limits: all-stop only; `D;pid` detaches from every inferior, not just `pid`.
 */
import { utf8Encode } from '../cpu/elf';
import {
  GDB_CSRS,
  GdbSignal,
  REG_PC,
  REG_PRIV,
  type GdbStop,
  type GdbTarget,
  type GdbThread,
  type ResumeRequest,
  type ThreadAction,
  type WatchKind,
} from './gdb_target';

/** Largest packet payload we accept and send; announced in qSupported (in hex there). */
export const PACKET_SIZE = 0x4000;

/** Most bytes one `m` reply or `qXfer` chunk carries (hex and escaping double the size). */
const MAX_DATA = (PACKET_SIZE - 32) >>> 1;

/** target.xml register numbers beyond x0..x31 and pc (= 32). */
const PNUM_CSR_BASE = 65;
const PNUM_PRIV = PNUM_CSR_BASE + 4096;
/** Registers in the `g` packet: x0..x31, pc. */
const G_REGS = 33;

/** gdb's riscv register names for x0..x31 (its features/riscv/32bit-cpu.xml), with types. */
const XREG_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
]; // prettier-ignore
const XREG_TYPES: Record<string, string> = {
  ra: 'code_ptr',
  sp: 'data_ptr',
  gp: 'data_ptr',
  tp: 'data_ptr',
  fp: 'data_ptr',
};

const WATCH_TYPE: Record<string, WatchKind> = { '2': 'write', '3': 'read', '4': 'access' };
const WATCH_REASON: Record<WatchKind, string> = { write: 'watch', read: 'rwatch', access: 'awatch' };

export interface GdbStubOptions {
  /** Receives one line per notable event: protocol errors, target errors. Default: dropped. */
  log?: (line: string) => void;
}

/** A reply: text, binary data (escaped when framed), or null for "no reply now". */
type Reply = string | { readonly binary: string } | null;

/** A thread-id as the protocol writes it: pid and tid each a number, 'all' (-1) or 'any' (0). */
interface ThreadSel {
  readonly pid: number | 'all' | 'any';
  readonly tid: number | 'all' | 'any';
}

const enum Rx {
  IDLE,
  BODY,
  SUM1,
  SUM2,
}

interface BreakpointEntry {
  readonly pid: number;
  readonly addr: number;
  readonly kind: number;
  /** Which of Z0 (software) and Z1 (hardware) inserted it. */
  readonly types: Set<0 | 1>;
}

interface WatchpointEntry {
  readonly pid: number;
  readonly addr: number;
  readonly len: number;
  readonly kind: WatchKind;
}

export class GdbStub {
  private readonly log: (line: string) => void;
  private sink: ((data: Uint8Array) => void) | null = null;
  private readonly pending: Uint8Array[] = [];
  private readonly unsubscribe: () => void;

  // ---- framing
  private rx = Rx.IDLE;
  private body: number[] = [];
  private sumHi = 0;
  private noAck = false;
  private lastFrame: Uint8Array | null = null;

  // ---- client features (qSupported)
  private multiprocess = false;
  private swbreak = false;
  private hwbreak = false;

  // ---- session state
  /** The client halted, resumed or inserted something: on disconnect, detach. */
  private attached = false;
  private disposed = false;
  /** A resume is under way; the next stop is reported. */
  private running = false;
  /** Thread of the last stop reported. */
  private stopThread: number | null = null;
  /** Hg: thread for registers and memory; null with a pid for "any thread of pid". */
  private gThread: number | null = null;
  private gPid: number | null = null;
  /** Hc: thread for legacy `s`. */
  private cThread: number | null = null;
  private readonly breakpoints = new Map<string, BreakpointEntry>();
  private readonly watchpoints = new Map<string, WatchpointEntry>();
  /** Thread ids still to list by qsThreadInfo; documents served by qXfer, kept across chunks. */
  private threadIdQueue: string[] = [];
  private threadsXml = '';

  constructor(
    private readonly target: GdbTarget,
    opts: GdbStubOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.unsubscribe = target.onStop((stop) => this.targetStopped(stop));
  }

  /** Sets where the stub's output goes; output produced before this is delivered now. */
  onSend(cb: (data: Uint8Array) => void): void {
    this.sink = cb;
    for (const d of this.pending.splice(0)) cb(d);
  }

  /**
   * The connection ended. Stops listening to the target and, if the client had stopped or
   * changed anything and did not detach, detaches (removes its breakpoints, lets threads run).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribe();
    if (this.attached) this.detachAll();
  }

  // ------------------------------------------------------------- framing --

  /** Consumes bytes from the client, in any chunking. */
  receive(data: Uint8Array): void {
    if (this.disposed) return;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      switch (this.rx) {
        case Rx.IDLE:
          if (b === 0x24) {
            this.body = [];
            this.rx = Rx.BODY;
          } else if (b === 0x2d) {
            this.retransmit();
          } else if (b === 0x03) {
            this.ctrlC();
          } // '+' and noise between packets: nothing to do
          break;
        case Rx.BODY:
          if (b === 0x23) {
            this.rx = Rx.SUM1;
          } else if (b === 0x24) {
            this.log('gdb: packet restarted before its end');
            this.body = [];
          } else if (this.body.length >= 2 * PACKET_SIZE) {
            this.log('gdb: packet longer than PacketSize dropped');
            this.rx = Rx.IDLE;
            if (!this.noAck) this.emit(new Uint8Array([0x2d]));
          } else {
            this.body.push(b);
          }
          break;
        case Rx.SUM1:
          this.sumHi = b;
          this.rx = Rx.SUM2;
          break;
        case Rx.SUM2:
          this.rx = Rx.IDLE;
          this.packetReceived(this.sumHi, b);
          break;
      }
    }
  }

  private packetReceived(hi: number, lo: number): void {
    let sum = 0;
    for (const b of this.body) sum += b;
    const given = parseHex(String.fromCharCode(hi, lo), 2);
    if (given !== (sum & 0xff)) {
      this.log(`gdb: bad checksum on packet ${JSON.stringify(latin1(this.body).slice(0, 40))}`);
      if (!this.noAck) this.emit(new Uint8Array([0x2d]));
      return;
    }
    if (!this.noAck) this.emit(new Uint8Array([0x2b]));
    const packet = latin1(this.body);
    let reply: Reply;
    try {
      reply = this.handle(packet);
    } catch (e) {
      // Only a faulty target gets here; the client still gets an answer.
      this.log(`gdb: ${packet.slice(0, 40)}: ${e instanceof Error ? e.message : String(e)}`);
      reply = 'E02';
    }
    if (reply !== null) this.send(reply);
    if (packet === 'QStartNoAckMode') this.noAck = true;
  }

  private send(reply: string | { readonly binary: string }): void {
    const body = typeof reply === 'string' ? reply : escapeBinary(reply.binary);
    let sum = 0;
    for (let i = 0; i < body.length; i++) sum += body.charCodeAt(i);
    const frame = `$${body}#${hex2(sum & 0xff)}`;
    const bytes = new Uint8Array(frame.length);
    for (let i = 0; i < frame.length; i++) bytes[i] = frame.charCodeAt(i);
    this.lastFrame = bytes;
    this.emit(bytes);
  }

  private retransmit(): void {
    if (!this.noAck && this.lastFrame) this.emit(this.lastFrame);
  }

  private emit(bytes: Uint8Array): void {
    if (this.sink) this.sink(bytes);
    else this.pending.push(bytes);
  }

  // ------------------------------------------------------------ dispatch --

  private handle(p: string): Reply {
    switch (p[0]) {
      case '?':
        return this.haltReply();
      case 'g':
        return p === 'g' ? this.readRegisters() : '';
      case 'G':
        return this.writeRegisters(p.slice(1));
      case 'p':
        return this.readRegister(p.slice(1));
      case 'P':
        return this.writeRegister(p.slice(1));
      case 'm':
        return this.readMemory(p.slice(1));
      case 'M':
        return this.writeMemory(p.slice(1), false);
      case 'X':
        return this.writeMemory(p.slice(1), true);
      case 'c':
      case 'C':
      case 's':
      case 'S':
        return this.legacyResume(p);
      case 'b':
        return this.reverse(p);
      case 'Z':
      case 'z':
        return this.breakOrWatch(p);
      case 'H':
        return this.setThread(p);
      case 'T':
        return this.parseThread(p.slice(1)).length > 0 ? 'OK' : 'E01';
      case 'D':
        return this.detach(p);
      case 'k':
        this.kill(null);
        return null; // gdb expects no reply and closes the connection
      case 'q':
        return this.query(p);
      case 'Q':
        return p === 'QStartNoAckMode' ? 'OK' : '';
      case 'v':
        return this.vPacket(p);
      default:
        return '';
    }
  }

  private query(p: string): Reply {
    if (p === 'qSupported' || p.startsWith('qSupported:')) return this.supported(p.slice(11));
    if (p.startsWith('qXfer:features:read:')) {
      const [annex, range] = splitOnce(p.slice(20), ':');
      if (annex !== 'target.xml') return 'E00';
      return this.xfer(targetXml(), range);
    }
    if (p.startsWith('qXfer:threads:read:')) {
      const [annex, range] = splitOnce(p.slice(19), ':');
      if (annex !== '') return 'E00';
      // Built at offset 0 and kept, so that a list read in chunks is one consistent list.
      if (range.startsWith('0,') || this.threadsXml === '') this.threadsXml = this.threadsDocument();
      return this.xfer(this.threadsXml, range);
    }
    switch (p) {
      case 'qfThreadInfo':
        this.threadIdQueue = this.target.threads().map((t) => this.threadId(t));
        return this.nextThreadIds();
      case 'qsThreadInfo':
        return this.nextThreadIds();
      case 'qC': {
        const t = this.stoppedOrFirst();
        return t ? `QC${this.threadId(t)}` : '';
      }
      case 'qAttached':
        return '1';
    }
    if (p.startsWith('qAttached:')) return '1';
    return '';
  }

  private vPacket(p: string): Reply {
    if (p === 'vCont?') return 'vCont;c;C;s;S;t';
    if (p.startsWith('vCont;')) return this.vCont(p.slice(6));
    if (p.startsWith('vKill;')) {
      const pid = parseHex(p.slice(6));
      if (pid === null || pid === 0) return 'E01';
      return this.kill(pid) ? 'OK' : 'E02';
    }
    return ''; // vMustReplyEmpty, vFile, vAttach, vRun, ...
  }

  private supported(features: string): string {
    for (const f of features.split(';')) {
      if (f === 'multiprocess+') this.multiprocess = true;
      else if (f === 'swbreak+') this.swbreak = true;
      else if (f === 'hwbreak+') this.hwbreak = true;
    }
    return [
      `PacketSize=${PACKET_SIZE.toString(16)}`,
      'qXfer:features:read+',
      'qXfer:threads:read+',
      'multiprocess+',
      'vContSupported+',
      'QStartNoAckMode+',
      'swbreak+',
      'hwbreak+',
      ...(this.target.reverseStep ? ['ReverseStep+'] : []),
      ...(this.target.reverseContinue ? ['ReverseContinue+'] : []),
    ].join(';');
  }

  /** Serves `offset,length` of `doc` (UTF-8): `m` and a chunk with more to come, `l` at the end. */
  private xfer(doc: string, range: string): Reply {
    const [o, l] = splitOnce(range, ',');
    const offset = parseHex(o);
    const length = parseHex(l);
    if (offset === null || length === null) return 'E01';
    const bytes = latin1(utf8Encode(doc));
    const chunk = bytes.slice(offset, offset + Math.min(length, MAX_DATA));
    return { binary: (offset + chunk.length < bytes.length ? 'm' : 'l') + chunk };
  }

  // ------------------------------------------------------------- threads --

  private threadId(t: { readonly id: number; readonly pid: number }): string {
    return this.multiprocess ? `p${t.pid.toString(16)}.${t.id.toString(16)}` : t.id.toString(16);
  }

  private nextThreadIds(): string {
    if (this.threadIdQueue.length === 0) return 'l';
    let out = '';
    while (this.threadIdQueue.length && out.length + this.threadIdQueue[0].length < PACKET_SIZE - 16) {
      out += (out ? ',' : '') + this.threadIdQueue.shift();
    }
    return 'm' + out;
  }

  private threadsDocument(): string {
    const lines = this.target.threads().map((t) => `<thread id="${this.threadId(t)}" name="${xmlEscape(t.name)}"/>`);
    return `<?xml version="1.0"?>\n<threads>\n${lines.join('\n')}\n</threads>\n`;
  }

  /** The live threads a thread-id names: none if it is malformed or names nothing. */
  private parseThread(s: string): GdbThread[] {
    const sel = parseThreadSel(s);
    return sel ? this.matching(sel) : [];
  }

  private matching(sel: ThreadSel): GdbThread[] {
    return this.target
      .threads()
      .filter(
        (t) => (typeof sel.pid !== 'number' || t.pid === sel.pid) && (typeof sel.tid !== 'number' || t.id === sel.tid),
      );
  }

  /** `Hg`/`Hc`: picks the thread later packets act on. */
  private setThread(p: string): Reply {
    const op = p[1];
    if (op !== 'g' && op !== 'c') return '';
    const sel = parseThreadSel(p.slice(2));
    if (!sel) return 'E01';
    const wildcard = typeof sel.pid !== 'number' && typeof sel.tid !== 'number';
    const matches = this.matching(sel);
    if (!wildcard && matches.length === 0) return 'E01';
    const tid = typeof sel.tid === 'number' ? sel.tid : null;
    if (op === 'c') {
      this.cThread = tid;
    } else {
      this.gThread = tid;
      this.gPid = typeof sel.pid === 'number' ? sel.pid : tid !== null ? matches[0].pid : null;
    }
    return 'OK';
  }

  /** The thread of the last stop if it lives, else the first thread. */
  private stoppedOrFirst(): GdbThread | null {
    const ts = this.target.threads();
    return ts.find((t) => t.id === this.stopThread) ?? ts[0] ?? null;
  }

  /** The thread `Hg` chose; with a wildcard, the last stopped (or first) thread of its pid. */
  private general(): GdbThread | null {
    const ts = this.target.threads();
    if (this.gThread !== null) return ts.find((t) => t.id === this.gThread) ?? null;
    if (this.gPid !== null) {
      return (
        ts.find((t) => t.id === this.stopThread && t.pid === this.gPid) ?? ts.find((t) => t.pid === this.gPid) ?? null
      );
    }
    return this.stoppedOrFirst();
  }

  private generalPid(): number | null {
    return this.gThread === null && this.gPid !== null ? this.gPid : (this.general()?.pid ?? null);
  }

  // ----------------------------------------------------------- registers --

  private readRegisters(): Reply {
    const t = this.general();
    if (!t) return 'E01';
    let out = '';
    for (let r = 0; r < G_REGS; r++) out += hex32(this.target.readRegister(t.id, r));
    return out;
  }

  private writeRegisters(data: string): Reply {
    const t = this.general();
    if (!t) return 'E01';
    if (data.length === 0 || data.length % 8 !== 0 || data.length > 8 * G_REGS) return 'E01';
    const values: number[] = [];
    for (let i = 0; i < data.length; i += 8) {
      const v = parseLe32(data.slice(i, i + 8));
      if (v === null) return 'E01';
      values.push(v);
    }
    let failed = false;
    values.forEach((v, r) => {
      const err = this.target.writeRegister(t.id, r, v);
      if (err) {
        this.log(`gdb: G: register ${r}: ${err}`);
        failed = true;
      }
    });
    return failed ? 'E02' : 'OK';
  }

  private readRegister(arg: string): Reply {
    const t = this.general();
    const pnum = parseHex(arg);
    if (!t || pnum === null) return 'E01';
    const reg = registerOf(pnum);
    if (reg === null) return 'E01';
    return hex32('csr' in reg ? this.target.readCsr(t.id, reg.csr) : this.target.readRegister(t.id, reg.reg));
  }

  private writeRegister(arg: string): Reply {
    const t = this.general();
    const [n, v] = splitOnce(arg, '=');
    const pnum = parseHex(n);
    const value = parseLe32(v);
    if (!t || pnum === null || value === null) return 'E01';
    const reg = registerOf(pnum);
    if (reg === null) return 'E01';
    if ('csr' in reg) return 'E02'; // CSRs are read-only through the stub
    const err = this.target.writeRegister(t.id, reg.reg, value);
    if (err) this.log(`gdb: P${arg}: ${err}`);
    return err ? 'E02' : 'OK';
  }

  // -------------------------------------------------------------- memory --

  private readMemory(arg: string): Reply {
    const [a, l] = splitOnce(arg, ',');
    const addr = parseAddr(a);
    const len = parseHex(l);
    const pid = this.generalPid();
    if (addr === null || len === null || pid === null) return 'E01';
    if (len === 0) return '';
    const data = this.target.readMemory(pid, addr, Math.min(len, MAX_DATA, 0x1_0000_0000 - addr));
    if (typeof data === 'string' || data.length === 0) {
      if (typeof data === 'string') this.log(`gdb: m${arg}: ${data}`);
      return 'E02';
    }
    let out = '';
    for (const b of data) out += hex2(b);
    return out;
  }

  /** `M addr,len:hex` or `X addr,len:binary`. */
  private writeMemory(arg: string, binary: boolean): Reply {
    const [head, data] = splitOnce(arg, ':');
    const [a, l] = splitOnce(head, ',');
    const addr = parseAddr(a);
    const len = parseHex(l);
    const pid = this.generalPid();
    if (addr === null || len === null || pid === null || !arg.includes(':')) return 'E01';
    if (addr + len > 0x1_0000_0000) return 'E01';
    const bytes = binary ? unescapeBinary(data) : parseHexBytes(data);
    if (bytes === null || bytes.length !== len) return 'E01';
    if (len === 0) return 'OK'; // gdb probes X support with an empty write
    const err = this.target.writeMemory(pid, addr, bytes);
    if (err) this.log(`gdb: ${binary ? 'X' : 'M'}${head}: ${err}`);
    return err ? 'E02' : 'OK';
  }

  // --------------------------------------------------------- run control --

  private legacyResume(p: string): Reply {
    const op = p[0];
    // c [addr], s [addr], C sig[;addr], S sig[;addr]
    let rest = p.slice(1);
    if (op === 'C' || op === 'S') {
      const [sig, tail] = splitOnce(rest, ';');
      if (parseHex(sig, 2) === null) return 'E01';
      rest = tail;
    }
    const stepping = op === 's' || op === 'S';
    const t =
      stepping && this.cThread !== null
        ? (this.target.threads().find((x) => x.id === this.cThread) ?? null)
        : this.general();
    if (rest !== '') {
      const addr = parseAddr(rest);
      if (addr === null || !t) return 'E01';
      const err = this.target.writeRegister(t.id, REG_PC, addr);
      if (err) return 'E02';
    }
    if (stepping) {
      if (!t) return 'E01';
      return this.resume({ threads: new Map([[t.id, 'step']]), others: 'stop' });
    }
    return this.resume({ threads: new Map(), others: 'continue' });
  }

  /** `vCont;action[:thread-id];...`: each thread takes the leftmost action that names it. */
  private vCont(arg: string): Reply {
    const actions: { action: ThreadAction; sel: ThreadSel | null }[] = [];
    for (const part of arg.split(';')) {
      const [a, id] = splitOnce(part, ':');
      let action: ThreadAction;
      if (a === 'c' || (a[0] === 'C' && parseHex(a.slice(1), 2) !== null)) action = 'continue';
      else if (a === 's' || (a[0] === 'S' && parseHex(a.slice(1), 2) !== null)) action = 'step';
      else if (a === 't') action = 'stop';
      else return 'E01';
      const sel = part.includes(':') ? parseThreadSel(id) : null;
      if (part.includes(':') && sel === null) return 'E01';
      actions.push({ action, sel });
    }
    const threads = new Map<number, ThreadAction>();
    for (const t of this.target.threads()) {
      const hit = actions.find(
        ({ sel }) =>
          sel === null ||
          ((typeof sel.pid !== 'number' || sel.pid === t.pid) && (typeof sel.tid !== 'number' || sel.tid === t.id)),
      );
      threads.set(t.id, hit ? hit.action : 'stop');
    }
    const others = actions.find((x) => x.sel === null)?.action ?? 'stop';
    if (others === 'stop' && [...threads.values()].every((a) => a === 'stop')) return 'E01';
    return this.resume({ threads, others });
  }

  private resume(request: ResumeRequest): Reply {
    return this.start('resume', () => this.target.resume(request)) === null ? null : 'E02';
  }

  /**
   * Starts a run (`go`) whose stop the target reports through the stop listener, perhaps
   * before `go` returns. Returns the target's refusal (logged), or null.
   */
  private start(what: string, go: () => string | null): string | null {
    this.attached = true;
    this.running = true;
    const err = go();
    if (err === null) return null; // the stop reply comes when the target stops (perhaps already has)
    this.running = false;
    this.log(`gdb: ${what}: ${err}`);
    return err;
  }

  /** `bs` and `bc`, if the target has them (else, and for the obsolete `b baud`, empty). */
  private reverse(p: string): Reply {
    const target = this.target;
    let err: string | null;
    if (p === 'bc' && target.reverseContinue) {
      err = this.start('reverse continue', () => target.reverseContinue!());
    } else if (p === 'bs' && target.reverseStep) {
      const t = this.cThread !== null ? (target.threads().find((x) => x.id === this.cThread) ?? null) : this.general();
      if (!t) return 'E01';
      err = this.start('reverse step', () => target.reverseStep!(t.id));
    } else {
      return '';
    }
    return err === null ? null : `E.${errorText(err)}`;
  }

  private ctrlC(): void {
    if (this.running) this.target.interrupt();
  }

  private targetStopped(stop: GdbStop): void {
    if (!this.running || this.disposed) return; // gdb thinks the target is stopped already
    this.running = false;
    let reply: string;
    try {
      reply = this.stopReply(stop);
    } catch (e) {
      // Called from inside the engine: a faulty target must not throw back into it.
      this.log(`gdb: stop reply: ${e instanceof Error ? e.message : String(e)}`);
      reply = `S${hex2(GdbSignal.TRAP)}`;
    }
    this.send(reply);
  }

  private haltReply(): Reply {
    this.attached = true;
    this.running = false;
    return this.stopReply(this.target.halt());
  }

  /** `T..` for a thread's stop, `W..`/`X..` for an inferior's end. */
  private stopReply(stop: GdbStop): string {
    const process = (pid: number): string => (this.multiprocess ? `;process:${pid.toString(16)}` : '');
    if (stop.kind === 'exited') return `W${hex2(stop.code & 0xff)}${process(stop.pid)}`;
    if (stop.kind === 'killed') return `X${hex2(stop.signal & 0xff)}${process(stop.pid)}`;
    this.stopThread = stop.thread;
    let signal: number = GdbSignal.TRAP;
    let reason = '';
    if (stop.kind === 'signal') signal = stop.signal & 0xff;
    else if (stop.kind === 'historyStart') reason = 'replaylog:begin;';
    else if (stop.kind === 'watchpoint') reason = `${WATCH_REASON[stop.access]}:${(stop.addr >>> 0).toString(16)};`;
    else if (stop.kind === 'breakpoint') reason = this.breakReason(stop.thread);
    const t = this.target.threads().find((x) => x.id === stop.thread);
    const id = t ? this.threadId(t) : stop.thread.toString(16);
    const pc = this.target.readRegister(stop.thread, REG_PC);
    const expedite = pc === null ? '' : `20:${hex32(pc)};`;
    return `T${hex2(signal)}${reason}thread:${id};${expedite}`;
  }

  /** `swbreak:;` or `hwbreak:;` (whichever inserted the breakpoint at pc), if gdb wants them. */
  private breakReason(thread: number): string {
    const t = this.target.threads().find((x) => x.id === thread);
    const pc = this.target.readRegister(thread, REG_PC);
    const e = t && pc !== null ? this.breakpoints.get(`${t.pid}:${pc >>> 0}`) : undefined;
    if (e && !e.types.has(0) && this.hwbreak) return 'hwbreak:;';
    return this.swbreak ? 'swbreak:;' : '';
  }

  // ------------------------------------------------ breakpoints, watches --

  private breakOrWatch(p: string): Reply {
    const m = /^([zZ])([0-9]),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(p);
    if (!m) return p.length > 1 && p[1] >= '5' && p[1] <= '9' ? '' : 'E01';
    const insert = m[1] === 'Z';
    const type = Number(m[2]);
    const addr = parseAddr(m[3]);
    const size = parseHex(m[4]);
    if (type > 4) return '';
    if (addr === null || size === null) return 'E01';
    const pid = this.generalPid();
    if (pid === null) return 'E01';
    if (type <= 1) {
      if (size !== 2 && size !== 4) return 'E01';
      return this.breakpoint(insert, type as 0 | 1, pid, addr, size);
    }
    if (size === 0 || addr + size > 0x1_0000_0000) return 'E01';
    return this.watchpoint(insert, { pid, addr, len: size, kind: WATCH_TYPE[m[2]] });
  }

  private breakpoint(insert: boolean, type: 0 | 1, pid: number, addr: number, kind: number): Reply {
    const key = `${pid}:${addr}`;
    const e = this.breakpoints.get(key);
    if (insert) {
      this.attached = true;
      if (e) {
        e.types.add(type);
        return 'OK';
      }
      const err = this.target.insertBreakpoint(pid, addr, kind);
      if (err) {
        this.log(`gdb: Z${type} ${hex(addr)}: ${err}`);
        return 'E02';
      }
      this.breakpoints.set(key, { pid, addr, kind, types: new Set([type]) });
      return 'OK';
    }
    if (!e || !e.types.delete(type) || e.types.size > 0) return 'OK';
    this.breakpoints.delete(key);
    const err = this.target.removeBreakpoint(pid, addr, e.kind);
    if (err) this.log(`gdb: z${type} ${hex(addr)}: ${err}`);
    return err ? 'E02' : 'OK';
  }

  private watchpoint(insert: boolean, w: WatchpointEntry): Reply {
    const key = `${w.pid}:${w.addr}:${w.len}:${w.kind}`;
    if (insert) {
      this.attached = true;
      if (this.watchpoints.has(key)) return 'OK';
      const err = this.target.insertWatchpoint(w.pid, w.addr, w.len, w.kind);
      if (err) {
        this.log(`gdb: ${w.kind} watchpoint ${hex(w.addr)}: ${err}`);
        return 'E02';
      }
      this.watchpoints.set(key, w);
      return 'OK';
    }
    if (!this.watchpoints.delete(key)) return 'OK';
    const err = this.target.removeWatchpoint(w.pid, w.addr, w.len, w.kind);
    if (err) this.log(`gdb: ${w.kind} watchpoint ${hex(w.addr)}: ${err}`);
    return err ? 'E02' : 'OK';
  }

  /** Removes the breakpoints and watchpoints the client inserted (of `pid`, or all). */
  private removeInserted(pid: number | null): void {
    for (const [key, e] of this.breakpoints) {
      if (pid !== null && e.pid !== pid) continue;
      this.breakpoints.delete(key);
      const err = this.target.removeBreakpoint(e.pid, e.addr, e.kind);
      if (err) this.log(`gdb: removing breakpoint ${hex(e.addr)}: ${err}`);
    }
    for (const [key, w] of this.watchpoints) {
      if (pid !== null && w.pid !== pid) continue;
      this.watchpoints.delete(key);
      const err = this.target.removeWatchpoint(w.pid, w.addr, w.len, w.kind);
      if (err) this.log(`gdb: removing watchpoint ${hex(w.addr)}: ${err}`);
    }
  }

  // --------------------------------------------------------- detach, kill --

  /** `D` or `D;pid`: both leave every inferior (see the module comment). */
  private detach(p: string): Reply {
    if (p !== 'D' && !(p.startsWith('D;') && parseHex(p.slice(2)) !== null)) return 'E01';
    this.detachAll();
    return 'OK';
  }

  private detachAll(): void {
    this.removeInserted(null);
    this.running = false;
    this.attached = false;
    this.target.detach();
  }

  private kill(pid: number | null): boolean {
    this.removeInserted(pid);
    if (pid === null) {
      this.running = false;
      this.attached = false;
    }
    const err = this.target.kill(pid);
    if (err) this.log(`gdb: kill: ${err}`);
    return err === null;
  }
}

// ------------------------------------------------------------ target.xml --

let targetXmlCache = '';

/** The target description: gdb's riscv cpu feature (rv32), our CSRs, and `priv`. */
export function targetXml(): string {
  if (targetXmlCache) return targetXmlCache;
  const reg = (name: string, regnum: number, type = 'int'): string =>
    `    <reg name="${name}" bitsize="32" type="${type}" regnum="${regnum}"/>`;
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    '  <architecture>riscv:rv32</architecture>',
    '  <feature name="org.gnu.gdb.riscv.cpu">',
    ...XREG_NAMES.map((n, i) => reg(n, i, XREG_TYPES[n] ?? 'int')),
    reg('pc', 32, 'code_ptr'),
    '  </feature>',
    '  <feature name="org.gnu.gdb.riscv.csr">',
    ...GDB_CSRS.map((c) => reg(c.name, PNUM_CSR_BASE + c.csr)),
    '  </feature>',
    '  <feature name="org.gnu.gdb.riscv.virtual">',
    reg('priv', PNUM_PRIV),
    '  </feature>',
    '</target>',
  ];
  targetXmlCache = lines.join('\n') + '\n';
  return targetXmlCache;
}

/** What a target.xml register number stands for: a GdbTarget register or a CSR. */
function registerOf(pnum: number): { reg: number } | { csr: number } | null {
  if (pnum <= REG_PC) return { reg: pnum };
  if (pnum === PNUM_PRIV) return { reg: REG_PRIV };
  const csr = pnum - PNUM_CSR_BASE;
  return GDB_CSRS.some((c) => c.csr === csr) ? { csr } : null;
}

// --------------------------------------------------------------- helpers --

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const hex2 = (b: number): string => (b & 0xff).toString(16).padStart(2, '0');

/** A 32-bit value as 8 hex digits in target (little-endian) byte order; x's if unavailable. */
function hex32(v: number | null): string {
  if (v === null) return 'xxxxxxxx';
  return hex2(v) + hex2(v >>> 8) + hex2(v >>> 16) + hex2(v >>> 24);
}

/** Parses 8 hex digits in little-endian byte order; null if malformed. */
function parseLe32(s: string): number | null {
  if (!/^[0-9a-fA-F]{8}$/.test(s)) return null;
  let v = 0;
  for (let i = 3; i >= 0; i--) v = v * 256 + parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return v;
}

/** Parses 1..`maxDigits` hex digits; null if malformed. */
function parseHex(s: string, maxDigits = 8): number | null {
  if (s.length === 0 || s.length > maxDigits || !/^[0-9a-fA-F]+$/.test(s)) return null;
  return parseInt(s, 16);
}

/**
 * Parses an address: up to 8 significant hex digits, or a 64-bit sign extension of a 32-bit
 * address (ffffffff8xxxxxxx), which some gdb paths send for rv32.
 */
function parseAddr(s: string): number | null {
  if (s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  const digits = s.replace(/^0+(?=.)/, '');
  if (digits.length <= 8) return parseInt(digits, 16);
  if (digits.length === 16 && /^ffffffff[89a-f]/i.test(digits)) return parseInt(digits.slice(8), 16);
  return null;
}

function parseHexBytes(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Undoes binary escaping (`}` then byte ^ 0x20); null if the data ends inside an escape. */
function unescapeBinary(s: string): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x7d) {
      out.push(c);
    } else {
      if (++i >= s.length) return null;
      out.push(s.charCodeAt(i) ^ 0x20);
    }
  }
  return new Uint8Array(out);
}

/** Escapes `#` `$` `}` `*` in binary data (a string of byte-valued chars). */
function escapeBinary(s: string): string {
  return s.replace(/[#$}*]/g, (c) => '}' + String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

/** Bytes as a string of byte-valued chars. */
function latin1(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 8192));
  }
  return s;
}

/**
 * A message as the text of an `E.` reply: printable ASCII without the framing characters
 * (`$` `#` `}` `*`), at most 200 characters.
 */
function errorText(message: string): string {
  return message.replace(/[^\x20-\x7e]|[$#}*]/g, '?').slice(0, 200);
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Parses `pPID.TID`, `pPID` (all its threads) or `TID`; ids are hex, -1 all, 0 any. */
function parseThreadSel(s: string): ThreadSel | null {
  const id = (x: string): number | 'all' | 'any' | null => {
    if (x === '-1') return 'all';
    const n = parseHex(x);
    return n === null ? null : n === 0 ? 'any' : n;
  };
  if (s.startsWith('p')) {
    const [p, t] = splitOnce(s.slice(1), '.');
    const pid = id(p);
    const tid = s.includes('.') ? id(t) : 'all';
    return pid === null || tid === null ? null : { pid, tid };
  }
  const tid = id(s);
  return tid === null ? null : { pid: 'any', tid };
}
