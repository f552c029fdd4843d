/**
 * The GDB stub driven by raw packets, against a real machine that executes the program below
 * (test/support/machine_gdb_target.ts): framing, acks, the packets gdb sends when it connects,
 * registers, memory, stepping, breakpoints, watchpoints, Ctrl-C, exit, and bad input. Reverse
 * execution (bs, bc) runs against the counter scenario with the debugger's target and real
 * time travel (test/support/travelling_debugger.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assembleProgram, MachineGdbTarget } from '../../../test/support/machine_gdb_target';
import { TravellingDebugger } from '../../../test/support/travelling_debugger';
import { parseElf, SymbolTable } from '../cpu/elf';
import { GdbStub, targetXml } from './gdb_stub';
import { REG_PC, type GdbThread } from './gdb_target';

const PROGRAM = `
.text
.globl _start
_start:
  la s0, counter
  li t0, 0
loop:
  addi t0, t0, 1
  sw t0, 0(s0)
  li t1, 3
  blt t0, t1, loop
spin:
  j spin
finish:
  li a0, 7
  li a7, 93
  ecall
.data
counter: .word 0
buffer: .space 16
`;

const { elf, symbols } = assembleProgram(PROGRAM);
const sym = (name: string): number => symbols.get(name)!;
const hex = (n: number): string => (n >>> 0).toString(16);
/** A 32-bit value as the protocol writes registers: little-endian hex. */
const le32 = (n: number): string =>
  [0, 8, 16, 24].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join('');

function checksum(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
  return (sum & 0xff).toString(16).padStart(2, '0');
}

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Undoes `}` escaping of binary replies. */
function unescape(s: string): string {
  return s.replace(/\}([\s\S])/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20));
}

/** The client side: frames packets, splits the stub's output into acks and packets. */
class Client {
  private out: number[] = [];
  private wake: (() => void) | null = null;
  /** Acks ('+', '-') seen so far, in order. */
  acks = '';

  constructor(readonly stub: GdbStub) {
    stub.onSend((d) => {
      this.out.push(...d);
      this.wake?.();
    });
  }

  sendRaw(s: string | Uint8Array): void {
    this.stub.receive(typeof s === 'string' ? bytesOf(s) : s);
  }

  send(payload: string): void {
    this.sendRaw(`$${payload}#${checksum(payload)}`);
  }

  /** The next complete packet already sent by the stub, or null. */
  take(): string | null {
    while (this.out.length && (this.out[0] === 0x2b || this.out[0] === 0x2d)) {
      this.acks += String.fromCharCode(this.out.shift()!);
    }
    const text = String.fromCharCode(...this.out);
    const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(text);
    if (!m) return null;
    expect(m[2]).toBe(checksum(m[1]));
    this.out.splice(0, m[0].length);
    return m[1];
  }

  /** Sends `payload` and returns the reply the stub sent at once. */
  request(payload: string): string {
    this.send(payload);
    const r = this.take();
    if (r === null) throw new Error(`no reply to ${payload}`);
    return r;
  }

  /** Waits for a packet (a stop reply). */
  async packet(ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const p = this.take();
      if (p !== null) return p;
      if (Date.now() > end) throw new Error('no packet from the stub');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
  }

  /** Output not yet taken, as text. */
  rest(): string {
    return String.fromCharCode(...this.out);
  }
}

let targets: MachineGdbTarget[] = [];
afterEach(() => {
  for (const t of targets) t.dispose();
  targets = [];
});

function connect(target = new MachineGdbTarget(elf)): {
  target: MachineGdbTarget;
  stub: GdbStub;
  gdb: Client;
  log: string[];
} {
  targets.push(target);
  const log: string[] = [];
  const stub = new GdbStub(target, { log: (l) => log.push(l) });
  return { target, stub, gdb: new Client(stub), log };
}

/** Connects and does what gdb does first; returns with acks off. */
function handshake(): ReturnType<typeof connect> {
  const c = connect();
  c.gdb.request('qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vContSupported+');
  c.gdb.request('vMustReplyEmpty');
  c.gdb.request('QStartNoAckMode');
  c.gdb.request('Hg0');
  return c;
}

describe('GdbStub: connecting like gdb', () => {
  it('answers the opening packets with acks until QStartNoAckMode, then without', () => {
    const { gdb } = connect();
    gdb.sendRaw('+');
    const features = gdb.request('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386;vContSupported+');
    expect(features.split(';')).toEqual([
      'PacketSize=4000',
      'qXfer:features:read+',
      'qXfer:threads:read+',
      'multiprocess+',
      'vContSupported+',
      'QStartNoAckMode+',
      'swbreak+',
      'hwbreak+',
    ]);
    expect(gdb.request('vMustReplyEmpty')).toBe('');
    expect(gdb.request('QStartNoAckMode')).toBe('OK');
    expect(gdb.acks).toBe('+++');
    expect(gdb.request('Hg0')).toBe('OK');
    expect(gdb.request('qAttached')).toBe('1');
    expect(gdb.acks).toBe('+++'); // no more acks
  });

  it('describes rv32 with x0..x31, pc, the CSRs and priv in target.xml', () => {
    const { gdb } = handshake();
    const reply = gdb.request('qXfer:features:read:target.xml:0,3fff');
    expect(reply[0]).toBe('l');
    const xml = unescape(reply.slice(1));
    expect(xml).toBe(targetXml());
    expect(xml).toContain('<architecture>riscv:rv32</architecture>');
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.cpu">');
    expect(xml).toContain('<reg name="zero" bitsize="32" type="int" regnum="0"/>');
    expect(xml).toContain('<reg name="t6" bitsize="32" type="int" regnum="31"/>');
    expect(xml).toContain('<reg name="pc" bitsize="32" type="code_ptr" regnum="32"/>');
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.csr">');
    expect(xml).toContain(`<reg name="satp" bitsize="32" type="int" regnum="${65 + 0x180}"/>`);
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.virtual">');
    expect(xml).toContain(`<reg name="priv" bitsize="32" type="int" regnum="${65 + 4096}"/>`);
  });

  it('pages qXfer documents by offset and length (m = more, l = last)', () => {
    const { gdb } = handshake();
    const whole = targetXml();
    let doc = '';
    let last = false;
    let chunks = 0;
    while (!last) {
      const r = gdb.request(`qXfer:features:read:target.xml:${hex(doc.length)},80`);
      expect(['m', 'l']).toContain(r[0]);
      last = r[0] === 'l';
      const part = unescape(r.slice(1));
      expect(part.length).toBeLessThanOrEqual(0x80);
      doc += part;
      chunks++;
    }
    expect(doc).toBe(whole);
    expect(chunks).toBe(Math.ceil(whole.length / 0x80));
    expect(gdb.request(`qXfer:features:read:target.xml:${hex(whole.length + 10)},80`)).toBe('l');
    expect(gdb.request('qXfer:features:read:other.xml:0,80')).toBe('E00');
    expect(gdb.request('qXfer:features:read:target.xml:zz,80')).toBe('E01');
  });

  it('lists threads (qfThreadInfo, qXfer:threads with names), qC, T and ?', () => {
    const { gdb } = handshake();
    expect(gdb.request('qfThreadInfo')).toBe('mp1.1');
    expect(gdb.request('qsThreadInfo')).toBe('l');
    const threads = gdb.request('qXfer:threads:read::0,fff');
    expect(unescape(threads)).toBe(
      'l<?xml version="1.0"?>\n<threads>\n<thread id="p1.1" name="test/main"/>\n</threads>\n',
    );
    expect(gdb.request('?')).toBe(`T05thread:p1.1;20:${le32(sym('_start'))};`);
    expect(gdb.request('qC')).toBe('QCp1.1');
    expect(gdb.request('Tp1.1')).toBe('OK');
    expect(gdb.request('Tp1.2')).toBe('E01');
    expect(gdb.request('Hgp1.1')).toBe('OK');
    expect(gdb.request('Hgp2.1')).toBe('E01');
    expect(gdb.request('Hgp1.-1')).toBe('OK');
    expect(gdb.request('Hcp1.1')).toBe('OK');
  });

  it('escapes # $ } * in binary replies (thread names)', () => {
    const target = new (class extends MachineGdbTarget {
      override threads(): readonly GdbThread[] {
        return [{ id: 1, pid: 1, name: 'a#b$c}d*e<&>' }];
      }
    })(elf);
    const { gdb } = connect(target);
    gdb.request('qSupported:multiprocess+');
    const raw = gdb.request('qXfer:threads:read::0,fff');
    expect(raw).not.toMatch(/[#$*]/);
    expect(raw).toContain('a}\x03b}\x04c}]d}\x0ae');
    expect(unescape(raw)).toContain('name="a#b$c}d*e&#60;&#38;&#62;"');
  });

  it('speaks plain thread ids to a client without multiprocess', () => {
    const { gdb } = connect();
    gdb.request('qSupported:swbreak+');
    expect(gdb.request('qfThreadInfo')).toBe('m1');
    expect(gdb.request('?')).toBe(`T05thread:1;20:${le32(sym('_start'))};`);
  });
});

describe('GdbStub: registers and memory', () => {
  it('reads all registers with g and single ones with p (pc, priv, CSRs)', () => {
    const { gdb, target } = handshake();
    gdb.request('?');
    const g = gdb.request('g');
    expect(g).toHaveLength(33 * 8);
    expect(g.slice(32 * 8)).toBe(le32(sym('_start')));
    expect(g.slice(2 * 8, 3 * 8)).toBe(le32(target.hart.x[2])); // sp
    expect(target.hart.x[2]).not.toBe(0);
    expect(gdb.request('p20')).toBe(le32(sym('_start')));
    expect(gdb.request('p2')).toBe(le32(target.hart.x[2]));
    expect(gdb.request(`p${hex(65 + 4096)}`)).toBe('00000000'); // priv: U
    expect(gdb.request(`p${hex(65 + 0x180)}`)).toBe('00000000'); // satp: bare
    expect(gdb.request(`p${hex(65 + 0xc00)}`)).toBe(le32(target.hart.cycleNow()));
    expect(gdb.request('p21')).toBe('E01'); // not in target.xml
    expect(gdb.request('pzz')).toBe('E01');
  });

  it('writes registers with P and G; CSRs and priv are read-only', () => {
    const { gdb, target } = handshake();
    expect(gdb.request(`Pa=${le32(0x12345678)}`)).toBe('OK');
    expect(target.hart.x[10]).toBe(0x12345678);
    expect(gdb.request(`P${hex(65 + 0x180)}=00000000`)).toBe('E02');
    expect(gdb.request(`P${hex(65 + 4096)}=03000000`)).toBe('E02');
    expect(gdb.request('Pa=123')).toBe('E01');
    const g = gdb.request('g');
    const regs = g.slice(0, 11 * 8) + le32(0xcafe) + g.slice(12 * 8);
    expect(gdb.request(`G${regs}`)).toBe('OK');
    expect(target.hart.x[11]).toBe(0xcafe);
    expect(gdb.request(`G${regs.slice(1)}`)).toBe('E01');
    expect(gdb.request(`G${'zz'.repeat(4)}`)).toBe('E01');
  });

  it('reads and writes memory with m, M and escaped binary X', () => {
    const { gdb } = handshake();
    const code = gdb.request(`m${hex(sym('_start'))},8`);
    expect(code).toHaveLength(16);
    const buf = sym('buffer');
    expect(gdb.request(`M${hex(buf)},4:01020304`)).toBe('OK');
    expect(gdb.request(`m${hex(buf)},4`)).toBe('01020304');
    // X carries raw bytes; # $ } * are escaped as } and the byte ^ 0x20.
    const data = [0x23, 0x24, 0x7d, 0x2a, 0x00, 0x03, 0xff, 0x41];
    const escaped = data
      .map((b) => ([0x23, 0x24, 0x7d, 0x2a].includes(b) ? '}' + String.fromCharCode(b ^ 0x20) : String.fromCharCode(b)))
      .join('');
    expect(gdb.request(`X${hex(buf)},0:`)).toBe('OK'); // gdb's probe
    expect(gdb.request(`X${hex(buf)},8:${escaped}`)).toBe('OK');
    expect(gdb.request(`m${hex(buf)},8`)).toBe('23247d2a0003ff41');
    expect(gdb.request(`X${hex(buf)},9:${escaped}`)).toBe('E01'); // length mismatch
    expect(gdb.request(`X${hex(buf)},1:}`)).toBe('E01'); // ends inside an escape
  });

  it('answers bad memory requests with errors', () => {
    const { gdb } = handshake();
    expect(gdb.request('mffffffff80000000,4')).toBe(gdb.request('m80000000,4')); // sign-extended
    expect(gdb.request('m1ffffffff,4')).toBe('E01');
    expect(gdb.request('mzz,4')).toBe('E01');
    expect(gdb.request('m80000000')).toBe('E01');
    expect(gdb.request('m10,4')).toBe('E02'); // not mapped
    expect(gdb.request('M80000000,2:0102zz')).toBe('E01');
    expect(gdb.request('M80000000,4:0102')).toBe('E01');
    expect(gdb.request('M123456789,1:00')).toBe('E01'); // beyond 32 bits
    expect(gdb.request('M10,1:00')).toBe('E02');
  });
});

describe('GdbStub: running', () => {
  it('steps one instruction with vCont;s and with s', async () => {
    const { gdb } = handshake();
    gdb.request('?');
    expect(gdb.request('vCont?')).toBe('vCont;c;C;s;S;t');
    gdb.send('vCont;s:p1.1;c');
    // la = auipc + addi: one step moves pc by one instruction.
    expect(await gdb.packet()).toBe(`T05thread:p1.1;20:${le32(sym('_start') + 4)};`);
    gdb.send('s');
    expect(await gdb.packet()).toBe(`T05thread:p1.1;20:${le32(sym('_start') + 8)};`);
    expect(gdb.request('p8')).toBe(le32(sym('counter'))); // s0 = &counter
  });

  it('continues to a Z0 breakpoint and reports swbreak; z0 removes it exactly', async () => {
    const { gdb, target } = handshake();
    gdb.request('?');
    const store = sym('loop') + 4;
    expect(gdb.request(`Z0,${hex(store)},4`)).toBe('OK');
    expect(gdb.request(`Z0,${hex(store)},4`)).toBe('OK'); // idempotent
    expect(target.breakpointCount).toBe(1);
    gdb.send('vCont;c');
    expect(await gdb.packet()).toBe(`T05swbreak:;thread:p1.1;20:${le32(store)};`);
    expect(gdb.request('p5')).toBe(le32(1)); // t0 = 1, not yet stored
    // Resuming at the breakpoint executes it; the next arrival stops again.
    gdb.send('vCont;c:p1.1');
    expect(await gdb.packet()).toBe(`T05swbreak:;thread:p1.1;20:${le32(store)};`);
    expect(gdb.request('p5')).toBe(le32(2));
    expect(gdb.request(`z0,${hex(store)},4`)).toBe('OK');
    expect(gdb.request(`z0,${hex(store)},4`)).toBe('OK');
    expect(target.breakpointCount).toBe(0);
    // Z1 is a breakpoint too, reported as hwbreak.
    expect(gdb.request(`Z1,${hex(sym('spin'))},4`)).toBe('OK');
    gdb.send('c');
    expect(await gdb.packet()).toBe(`T05hwbreak:;thread:p1.1;20:${le32(sym('spin'))};`);
    expect(gdb.request(`Z0,${hex(store)},3`)).toBe('E01'); // kind must be 2 or 4
    expect(gdb.request('Z0,zz,4')).toBe('E01');
    expect(gdb.request('Z0,80000000')).toBe('E01');
    expect(gdb.request('Z5,80000000,4')).toBe('');
  });

  it('stops on a Z2 write watchpoint before the store, with the watched address', async () => {
    const { gdb } = handshake();
    gdb.request('?');
    const counter = sym('counter');
    expect(gdb.request(`Z2,${hex(counter)},4`)).toBe('OK');
    gdb.send('vCont;c');
    expect(await gdb.packet()).toBe(`T05watch:${hex(counter)};thread:p1.1;20:${le32(sym('loop') + 4)};`);
    expect(gdb.request(`m${hex(counter)},4`)).toBe(le32(0)); // not stored yet
    // As gdb does with non-steppable watchpoints: remove, step, look.
    expect(gdb.request(`z2,${hex(counter)},4`)).toBe('OK');
    gdb.send('vCont;s:p1.1');
    await gdb.packet();
    expect(gdb.request(`m${hex(counter)},4`)).toBe(le32(1));
    // Read and access watchpoints report rwatch and awatch.
    expect(gdb.request(`Z4,${hex(counter + 2)},1`)).toBe('OK');
    gdb.send('vCont;c');
    expect(await gdb.packet()).toBe(`T05awatch:${hex(counter + 2)};thread:p1.1;20:${le32(sym('loop') + 4)};`);
    expect(gdb.request(`z4,${hex(counter + 2)},1`)).toBe('OK');
    expect(gdb.request(`Z3,${hex(counter)},4`)).toBe('OK'); // the program never loads it
    expect(gdb.request(`Z2,${hex(counter)},0`)).toBe('E01');
  });

  it('interrupts a running program on Ctrl-C (0x03) with SIGINT', async () => {
    const { gdb, target } = handshake();
    gdb.request('?');
    gdb.send('vCont;c');
    await new Promise((r) => setTimeout(r, 50));
    expect(gdb.take()).toBeNull();
    expect(target.running).toBe(true);
    gdb.sendRaw(new Uint8Array([0x03]));
    const stop = await gdb.packet();
    expect(stop).toBe(`T02thread:p1.1;20:${le32(sym('spin'))};`);
    expect(target.running).toBe(false);
    expect(gdb.request(`m${hex(sym('counter'))},4`)).toBe(le32(3));
  });

  it('reports the exit of the inferior with W and its process', async () => {
    const { gdb } = handshake();
    gdb.request('?');
    expect(gdb.request(`P20=${le32(sym('finish'))}`)).toBe('OK');
    gdb.send('vCont;c');
    expect(await gdb.packet()).toBe('W07;process:1');
    expect(gdb.request('qfThreadInfo')).toBe('l');
    expect(gdb.request('g')).toBe('E01');
    expect(gdb.request('?')).toBe('W07;process:1');
    expect(gdb.request('vCont;c')).toBe('E02'); // nothing left to run
  });

  it('rejects malformed vCont and resume packets', () => {
    const { gdb, target } = handshake();
    gdb.request('?');
    expect(gdb.request('vCont;x')).toBe('E01');
    expect(gdb.request('vCont;c:pzz.1')).toBe('E01');
    expect(gdb.request('vCont;Czz')).toBe('E01');
    expect(gdb.request('vCont;t')).toBe('E01'); // nothing would run
    expect(gdb.request('c123456789')).toBe('E01');
    expect(target.running).toBe(false);
  });

  it('detaches with D: removes its breakpoints and lets the program run', () => {
    const { gdb, target } = handshake();
    gdb.request('?');
    gdb.request(`Z0,${hex(sym('spin'))},4`);
    gdb.request(`Z2,${hex(sym('counter'))},4`);
    expect(gdb.request('D;1')).toBe('OK');
    expect(target.calls).toContain(`z0 ${hex(sym('spin'))}`);
    expect(target.calls).toContain('detach');
    expect(target.breakpointCount).toBe(0);
    expect(target.watchpointCount).toBe(0);
    expect(target.running).toBe(true);
    expect(gdb.request('Dx')).toBe('E01');
  });

  it('detaches when the connection drops without D, and kills on k without a reply', () => {
    const a = handshake();
    a.gdb.request('?');
    a.gdb.request(`Z0,${hex(sym('spin'))},4`);
    a.stub.dispose();
    const calls = a.target.calls;
    expect(calls.indexOf(`z0 ${hex(sym('spin'))}`)).toBeGreaterThan(-1);
    expect(calls.indexOf(`z0 ${hex(sym('spin'))}`)).toBeLessThan(calls.indexOf('detach'));
    expect(a.target.running).toBe(true);

    const b = handshake();
    b.gdb.request('?');
    b.gdb.send('k');
    expect(b.gdb.rest()).toBe('');
    expect(b.target.calls).toContain('kill null');
    expect(b.gdb.request('vKill;1')).toBe('OK');
    expect(b.gdb.request('vKill;zz')).toBe('E01');
  });
});

describe('GdbStub: framing and bad input', () => {
  it("nacks a bad checksum with '-' and does not act on the packet", () => {
    const { gdb, target } = connect();
    gdb.sendRaw('$?#00');
    expect(gdb.rest()).toBe('-');
    expect(target.calls).not.toContain('halt');
    gdb.sendRaw('$?#zz');
    expect(gdb.rest()).toBe('--');
  });

  it("resends its last packet on '-'", () => {
    const { gdb } = connect();
    const first = gdb.request('qAttached');
    gdb.sendRaw('-');
    expect(gdb.take()).toBe(first);
  });

  it('takes packets in any chunking, ignores noise between them, and restarts on a stray $', () => {
    const { gdb } = connect();
    const frame = `xx$qAttached#${checksum('qAttached')}`;
    for (const ch of frame) gdb.sendRaw(ch);
    expect(gdb.take()).toBe('1');
    gdb.sendRaw(`$qAtt$qAttached#${checksum('qAttached')}`);
    expect(gdb.take()).toBe('1');
  });

  it('answers unknown packets empty and bad thread ids with E01', () => {
    const { gdb } = handshake();
    for (const p of ['qFooBar', 'vFile:open:x', 'QNonStop:1', 'qTStatus', 'qOffsets', '!', 'bc', 'Qbogus']) {
      expect(gdb.request(p)).toBe('');
    }
    expect(gdb.request('Hgzz')).toBe('E01');
    expect(gdb.request('Hg')).toBe('E01');
    expect(gdb.request('Hgp1.')).toBe('E01');
    expect(gdb.request('Hgp1.7')).toBe('E01');
    expect(gdb.request('Hx1')).toBe('');
    expect(gdb.request('qXfer:threads:read:x:0,10')).toBe('E00');
  });

  it('never throws on random packets, and answers each one', () => {
    const { gdb, stub } = handshake();
    gdb.request('?');
    const heads = ['m', 'M', 'X', 'p', 'P', 'G', 'H', 'Hg', 'Z', 'z', 'T', 'vCont;', 'vKill;', 'qXfer:features:read:'];
    const chars = '0123456789abcdefpx,.:;-=}#*$\x03';
    let seed = 12345;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let i = 0; i < 3000; i++) {
      let p = heads[rand(heads.length)];
      for (let k = rand(12); k > 0; k--) p += chars[rand(chars.length)];
      p = p.replace(/[#$]/g, ''); // framing characters cannot appear unescaped
      expect(() => gdb.send(p)).not.toThrow();
      expect(gdb.take() !== null || p.startsWith('vCont;')).toBe(true);
      if (i % 100 === 0) stub.receive(new Uint8Array([0x03]));
    }
  });

  it('ignores Ctrl-C while stopped', () => {
    const { gdb, target } = handshake();
    gdb.sendRaw(new Uint8Array([0x03]));
    expect(gdb.rest()).toBe('');
    expect(target.calls).not.toContain('interrupt');
  });

  it('drops a packet longer than PacketSize', () => {
    const { gdb, log } = connect();
    gdb.sendRaw('$' + 'a'.repeat(0x8001));
    expect(gdb.rest()).toBe('-');
    expect(log.join('\n')).toMatch(/longer than PacketSize/);
    expect(gdb.request('qAttached')).toBe('1');
  });
});

describe('GdbStub: reverse execution', () => {
  /** The stub over the counter scenario with reverse execution; `tid` is its thread's id. */
  function reversible(): {
    own: TravellingDebugger;
    gdb: Client;
    log: string[];
    ep: number;
    at: number;
    tid: string;
  } {
    const own = new TravellingDebugger('counter');
    const log: string[] = [];
    const gdb = new Client(new GdbStub(own.target, { log: (l) => log.push(l) }));
    const child = own.sys.init.children.get('counter')!;
    const ep = [...child.pd.threads][0].id;
    const elf = parseElf(own.sys.core.romData(child.start.binary)!);
    if (!elf.ok) throw new Error(elf.error);
    const at = SymbolTable.fromImage(elf.image).lookup('timer_msleep')!.value;
    gdb.request('qSupported:multiprocess+;swbreak+');
    gdb.request('QStartNoAckMode');
    gdb.request('?');
    expect(gdb.request(`Z0,${hex(at)},2`)).toBe('OK');
    return { own, gdb, log, ep, at, tid: `p${hex(child.pd.id)}.${hex(ep)}` };
  }

  /** Continues to the next hit of the breakpoint at `at`, running the machine as its owner does. */
  function toNextHit(r: ReturnType<typeof reversible>): void {
    r.gdb.send('vCont;c');
    r.own.runToStop();
    expect(r.gdb.take()).toBe(`T05swbreak:;thread:${r.tid};20:${le32(r.at)};`);
  }

  const counterLines = (own: TravellingDebugger): string[] =>
    own.sys.transcript().filter((l) => l.startsWith('[init -> counter]'));

  it('offers ReverseStep and ReverseContinue only with a target that has them', () => {
    const plain = connect();
    expect(plain.gdb.request('qSupported:multiprocess+')).not.toMatch(/Reverse/);
    expect(plain.gdb.request('bs')).toBe('');
    expect(plain.gdb.request('bc')).toBe('');
    const { gdb } = reversible();
    expect(gdb.request('qSupported:multiprocess+').split(';').slice(-2)).toEqual(['ReverseStep+', 'ReverseContinue+']);
    expect(gdb.request('b9600')).toBe(''); // the obsolete baud rate packet
  });

  it('bs steps back one instruction, bc back to the previous hit, and both say replaylog:begin at the start', () => {
    const r = reversible();
    const { own, gdb, ep, at, tid } = r;
    toNextHit(r);
    toNextHit(r);
    expect(counterLines(own)).toEqual(['[init -> counter] 0', '[init -> counter] 1']);
    // The thread of Hg (here: of the last stop) steps back: before the call of timer_msleep.
    const position = own.sys.machine.position;
    const reply = gdb.request('bs');
    const back = own.target.readRegister(ep, REG_PC)!;
    expect(reply).toBe(`T05thread:${tid};20:${le32(back)};`);
    expect(back).not.toBe(at);
    expect(own.sys.machine.position).toBeLessThan(position);
    expect(gdb.request('p20')).toBe(le32(back)); // registers come from the new moment
    // With Hc naming the thread, bs steps that one (one more instruction back).
    expect(gdb.request(`Hc${tid}`)).toBe('OK');
    const reply2 = gdb.request('bs');
    const back2 = own.target.readRegister(ep, REG_PC)!;
    expect(reply2).toBe(`T05thread:${tid};20:${le32(back2)};`);
    expect(back2).not.toBe(back);
    // Back to the first hit: only "0" was logged then.
    expect(gdb.request('bc')).toBe(`T05swbreak:;thread:${tid};20:${le32(at)};`);
    expect(counterLines(own)).toEqual(['[init -> counter] 0']);
    // No hit before it: the start of the history, where bs has nothing to go back to either.
    const start = gdb.request('bc');
    const pc = own.target.readRegister(ep, REG_PC)!;
    expect(start).toBe(`T05replaylog:begin;thread:${tid};20:${le32(pc)};`);
    expect(own.sys.machine.position).toBe(own.travel.earliest);
    expect(gdb.request('bs')).toBe(`T05replaylog:begin;thread:${tid};20:${le32(pc)};`);
    // Forward from there as before: the first hit again.
    toNextHit(r);
    expect(counterLines(own)).toEqual(['[init -> counter] 0']);
  });

  it('answers a refused bs or bc with E. and the message, logs it, and serves on', () => {
    const r = reversible();
    const { own, gdb, log, tid } = r;
    toNextHit(r);
    own.dbg.resume(); // someone else (the UI) lets the machine run
    expect(gdb.request('bc')).toBe('E.travelling needs the machine stopped; pause first');
    expect(gdb.request('bs')).toBe('E.travelling needs the machine stopped; pause first');
    expect(log).toEqual([
      'gdb: reverse continue: travelling needs the machine stopped; pause first',
      'gdb: reverse step: travelling needs the machine stopped; pause first',
    ]);
    expect(gdb.request('?')).toMatch(new RegExp(`^T05thread:${tid};`)); // halts it for gdb
    expect(gdb.request('bs')).toMatch(new RegExp(`^T05thread:${tid};`));
  });
});
