import { describe, expect, it } from 'vitest';
import { RecordingLine } from '../../../test/support/recording_line';
import { Plic, PLIC_CONTEXT, PLIC_ENABLE, PLIC_PENDING } from './plic';

const prio = (n: number) => 4 * n;
const enable = (ctx: number, w = 0) => PLIC_ENABLE + 0x80 * ctx + 4 * w;
const threshold = (ctx: number) => PLIC_CONTEXT + 0x1000 * ctx;
const claim = (ctx: number) => PLIC_CONTEXT + 0x1000 * ctx + 4;

function make(numSources = 64, numContexts = 4) {
  const lines = Array.from({ length: numContexts }, () => new RecordingLine());
  const plic = new Plic(numSources, lines);
  return { plic, lines };
}

/** Priority p for source n, enabled on context ctx. */
function arm(plic: Plic, n: number, p: number, ctx = 0): void {
  expect(plic.write(prio(n), 4, p)).toBe(true);
  const old = plic.read(enable(ctx, n >>> 5), 4) ?? 0;
  expect(plic.write(enable(ctx, n >>> 5), 4, old | (1 << (n & 31)))).toBe(true);
}

describe('Plic', () => {
  it('rejects bad configurations', () => {
    expect(() => new Plic(31, [new RecordingLine()])).toThrow(RangeError);
    expect(() => new Plic(1025, [new RecordingLine()])).toThrow(RangeError);
    expect(() => new Plic(64, [])).toThrow(RangeError);
    expect(new Plic(96, [new RecordingLine()]).size).toBe(0x400_0000);
  });

  describe('registers', () => {
    it('keeps 3 bits of priority and threshold; source 0 priority is hardwired 0', () => {
      const { plic } = make();
      plic.write(prio(5), 4, 0xffff_ffff);
      expect(plic.read(prio(5), 4)).toBe(7);
      plic.write(prio(0), 4, 5);
      expect(plic.read(prio(0), 4)).toBe(0);
      plic.write(threshold(1), 4, 0xf3);
      expect(plic.read(threshold(1), 4)).toBe(3);
    });

    it('hardwires enable bit 0 and the bits of sources that do not exist', () => {
      const { plic } = make(40);
      plic.write(enable(1, 0), 4, 0xffff_ffff);
      expect(plic.read(enable(1, 0), 4)).toBe(0xffff_fffe);
      plic.write(enable(1, 1), 4, 0xffff_ffff);
      expect(plic.read(enable(1, 1), 4)).toBe(0xff); // sources 32..39
      expect(plic.read(enable(0, 0), 4)).toBe(0); // other context untouched
    });

    it('faults non-word, misaligned and out-of-range accesses', () => {
      const { plic } = make(64, 2);
      expect(plic.read(prio(1), 1)).toBeNull();
      expect(plic.read(prio(1), 2)).toBeNull();
      expect(plic.write(prio(1), 2, 1)).toBe(false);
      expect(plic.read(prio(1) + 2, 4)).toBeNull();
      expect(plic.read(prio(64), 4)).toBeNull(); // source 64 does not exist
      expect(plic.read(PLIC_PENDING + 8, 4)).toBeNull(); // only 2 pending words
      expect(plic.read(enable(0, 2), 4)).toBeNull();
      expect(plic.read(enable(2, 0), 4)).toBeNull(); // context 2 does not exist
      expect(plic.read(threshold(2), 4)).toBeNull();
      expect(plic.write(claim(2), 4, 1)).toBe(false);
      expect(plic.read(threshold(0) + 8, 4)).toBeNull(); // gap inside a context block
      expect(plic.read(0x3ff_fffc, 4)).toBeNull();
    });

    it('ignores writes to the read-only pending array', () => {
      const { plic } = make();
      expect(plic.write(PLIC_PENDING, 4, 0xffff_ffff)).toBe(true);
      expect(plic.read(PLIC_PENDING, 4)).toBe(0);
    });
  });

  describe('gateways and claims', () => {
    it('shows a high source as pending and raises the context line when enabled above threshold', () => {
      const { plic, lines } = make();
      plic.source(10).set(true);
      expect(plic.read(PLIC_PENDING, 4)).toBe(1 << 10);
      expect(lines[0].level).toBe(false); // priority 0: never interrupts
      plic.write(prio(10), 4, 1);
      expect(lines[0].level).toBe(false); // not enabled yet
      plic.write(enable(0), 4, 1 << 10);
      expect(lines[0].level).toBe(true);
      expect(lines[1].level).toBe(false);
      plic.write(threshold(0), 4, 1);
      expect(lines[0].level).toBe(false); // priority must be strictly above threshold
      plic.write(threshold(0), 4, 0);
      expect(lines[0].level).toBe(true);
    });

    it('drives the line only when its level changes', () => {
      const { plic, lines } = make();
      arm(plic, 3, 2);
      plic.source(3).set(true);
      plic.source(3).set(true);
      plic.write(prio(3), 4, 3);
      expect(lines[0].sets).toBe(1);
    });

    it('claims the highest priority, ties to the lowest id, and respects the threshold', () => {
      const { plic } = make();
      arm(plic, 40, 3);
      arm(plic, 7, 3);
      arm(plic, 20, 5);
      arm(plic, 2, 1);
      for (const n of [40, 7, 20, 2]) plic.source(n).set(true);
      plic.write(threshold(0), 4, 1);
      expect(plic.peekClaim(0)).toBe(20);
      expect(plic.read(claim(0), 4)).toBe(20);
      expect(plic.read(claim(0), 4)).toBe(7);
      expect(plic.read(claim(0), 4)).toBe(40);
      expect(plic.read(claim(0), 4)).toBe(0); // source 2 is at the threshold
      expect(plic.isPending(2)).toBe(true);
    });

    it('clears pending on claim and ignores the line until completion', () => {
      const { plic, lines } = make();
      arm(plic, 10, 1);
      plic.source(10).set(true);
      expect(plic.read(claim(0), 4)).toBe(10);
      expect(plic.isPending(10)).toBe(false);
      expect(plic.isClaimed(10)).toBe(true);
      expect(lines[0].level).toBe(false);
      plic.source(10).set(false);
      plic.source(10).set(true); // a new edge while in service changes nothing
      expect(plic.isPending(10)).toBe(false);
      expect(plic.read(claim(0), 4)).toBe(0);
      // Completion with the line still high: pending again.
      expect(plic.write(claim(0), 4, 10)).toBe(true);
      expect(plic.isClaimed(10)).toBe(false);
      expect(plic.isPending(10)).toBe(true);
      expect(lines[0].level).toBe(true);
      expect(plic.read(claim(0), 4)).toBe(10);
      // Completion with the line low: stays quiet.
      plic.source(10).set(false);
      plic.write(claim(0), 4, 10);
      expect(plic.isPending(10)).toBe(false);
      expect(lines[0].level).toBe(false);
    });

    it('drops a pending (unclaimed) request when the line falls', () => {
      const { plic, lines } = make();
      arm(plic, 4, 1);
      plic.source(4).set(true);
      expect(lines[0].level).toBe(true);
      plic.source(4).set(false);
      expect(plic.isPending(4)).toBe(false);
      expect(lines[0].level).toBe(false);
    });

    it('ignores completions for ids that are not claimed, not enabled or out of range', () => {
      const { plic } = make();
      arm(plic, 9, 1, 0);
      plic.source(9).set(true);
      expect(plic.read(claim(0), 4)).toBe(9);
      plic.write(claim(1), 4, 9); // context 1 does not have 9 enabled
      expect(plic.isClaimed(9)).toBe(true);
      plic.write(claim(0), 4, 8); // 8 was never claimed
      plic.write(claim(0), 4, 0);
      plic.write(claim(0), 4, 1000);
      plic.write(claim(0), 4, 0xffff_ffff);
      expect(plic.isClaimed(9)).toBe(true);
      // Disabling then completing is ignored too (spec: completion must match an enabled source).
      plic.write(enable(0), 4, 0);
      plic.write(claim(0), 4, 9);
      expect(plic.isClaimed(9)).toBe(true);
      plic.write(enable(0), 4, 1 << 9);
      plic.write(claim(0), 4, 9);
      expect(plic.isClaimed(9)).toBe(false);
    });

    it('serves one source to several contexts: the first claim wins', () => {
      const { plic, lines } = make();
      arm(plic, 11, 1, 0);
      arm(plic, 11, 1, 3);
      plic.source(11).set(true);
      expect(lines[0].level).toBe(true);
      expect(lines[3].level).toBe(true);
      expect(plic.read(claim(3), 4)).toBe(11);
      expect(lines[0].level).toBe(false);
      expect(plic.read(claim(0), 4)).toBe(0);
      // Another context with the source enabled may complete it.
      plic.write(claim(0), 4, 11);
      expect(plic.isClaimed(11)).toBe(false);
    });

    it('lowers the line when the priority drops to 0 or the source is disabled', () => {
      const { plic, lines } = make();
      arm(plic, 33, 2);
      plic.source(33).set(true);
      expect(plic.read(PLIC_PENDING + 4, 4)).toBe(2);
      expect(lines[0].level).toBe(true);
      plic.write(prio(33), 4, 0);
      expect(lines[0].level).toBe(false);
      plic.write(prio(33), 4, 2);
      expect(lines[0].level).toBe(true);
      plic.write(enable(0, 1), 4, 0);
      expect(lines[0].level).toBe(false);
    });

    it('gives inert lines for source 0 and ids out of range', () => {
      const { plic } = make(32);
      plic.source(0).set(true);
      plic.source(32).set(true);
      plic.source(-1).set(true);
      expect(plic.read(PLIC_PENDING, 4)).toBe(0);
    });
  });

  describe('state', () => {
    it('round-trips through JSON and re-drives the lines', () => {
      const a = make();
      arm(a.plic, 10, 3, 0);
      arm(a.plic, 12, 2, 0);
      arm(a.plic, 50, 1, 1);
      a.plic.write(threshold(2), 4, 4);
      a.plic.source(10).set(true);
      a.plic.source(12).set(true);
      a.plic.source(50).set(true);
      expect(a.plic.read(claim(0), 4)).toBe(10);
      const saved = JSON.parse(JSON.stringify(a.plic.saveState()));

      const b = make();
      expect(b.plic.loadState(saved)).toBeNull();
      expect(b.lines.map((l) => l.level)).toEqual([true, true, false, false]);
      expect(b.plic.isClaimed(10)).toBe(true);
      expect(b.plic.read(threshold(2), 4)).toBe(4);
      expect(b.plic.read(claim(0), 4)).toBe(12);
      b.plic.write(claim(0), 4, 10); // line still high: pending again
      expect(b.plic.read(claim(0), 4)).toBe(10);
      expect(b.plic.read(claim(1), 4)).toBe(50);
    });

    it('rejects malformed state', () => {
      const { plic } = make();
      const good = plic.saveState() as Record<string, number[]>;
      const bad: unknown[] = [
        null,
        [],
        'x',
        { ...good, priority: good.priority.slice(1) },
        { ...good, priority: good.priority.map(() => 8) },
        { ...good, enable: [] },
        { ...good, pending: [0, -1] },
        { ...good, threshold: undefined },
        { ...good, level: [0, 0.5] },
      ];
      for (const s of bad) expect(typeof plic.loadState(s as never)).toBe('string');
    });
  });
});
