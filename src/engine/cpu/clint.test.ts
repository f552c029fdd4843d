import { describe, expect, it } from 'vitest';
import { RecordingLine } from '../../../test/support/recording_line';
import { Clint, CLINT_MTIME, CLINT_MTIMECMP, type Clock } from './clint';

class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  set(ticks: number): void {
    this.t = ticks;
  }
}

function make(harts = 2) {
  const clock = new FakeClock();
  const msip = Array.from({ length: harts }, () => new RecordingLine());
  const changed: number[] = [];
  const clint = new Clint(harts, clock, { msip, timerChanged: (h) => changed.push(h) });
  return { clint, clock, msip, changed };
}

describe('Clint', () => {
  it('has the SiFive window size and name', () => {
    const { clint } = make();
    expect(clint.size).toBe(0x10000);
    expect(clint.name).toBe('clint');
  });

  it('rejects bad configurations', () => {
    const clock = new FakeClock();
    expect(() => new Clint(0, clock, { msip: [], timerChanged: () => {} })).toThrow(RangeError);
    expect(() => new Clint(2, clock, { msip: [new RecordingLine()], timerChanged: () => {} })).toThrow(RangeError);
  });

  describe('msip', () => {
    it('drives the hart line from bit 0 and reads back only bit 0', () => {
      const { clint, msip } = make();
      expect(clint.read(4, 4)).toBe(0);
      expect(clint.write(4, 4, 0xffff_ffff)).toBe(true);
      expect(msip[1].level).toBe(true);
      expect(msip[0].level).toBe(false);
      expect(clint.read(4, 4)).toBe(1);
      expect(clint.msipLevel(1)).toBe(true);
      expect(clint.write(4, 4, 2)).toBe(true); // bit 0 clear
      expect(msip[1].level).toBe(false);
      expect(clint.read(4, 4)).toBe(0);
    });

    it('does not re-drive a line whose level did not change', () => {
      const { clint, msip } = make();
      clint.write(0, 4, 1);
      clint.write(0, 4, 1);
      expect(msip[0].sets).toBe(1);
    });

    it('faults msip of a hart that does not exist', () => {
      const { clint } = make(2);
      expect(clint.read(8, 4)).toBeNull();
      expect(clint.write(8, 4, 1)).toBe(false);
      expect(clint.read(0x3ffc, 4)).toBeNull();
    });
  });

  describe('mtimecmp', () => {
    it('reads 0xFFFFFFFF in both halves at reset and reports Infinity', () => {
      const { clint } = make();
      expect(clint.read(CLINT_MTIMECMP, 4)).toBe(0xffff_ffff);
      expect(clint.read(CLINT_MTIMECMP + 4, 4)).toBe(0xffff_ffff);
      expect(clint.read(CLINT_MTIMECMP + 12, 4)).toBe(0xffff_ffff);
      expect(clint.mtimecmp(0)).toBe(Infinity);
      expect(clint.mtimecmp(1)).toBe(Infinity);
    });

    it('updates each half independently and notifies the machine per write', () => {
      const { clint, changed } = make();
      // The usual RV32 sequence: high half to max, low half, then high half.
      expect(clint.write(CLINT_MTIMECMP + 8 + 4, 4, 0xffff_ffff)).toBe(true);
      expect(clint.write(CLINT_MTIMECMP + 8, 4, 0x8000_0001)).toBe(true);
      expect(clint.mtimecmp(1)).toBe(Infinity);
      expect(clint.write(CLINT_MTIMECMP + 8 + 4, 4, 0x12)).toBe(true);
      expect(clint.mtimecmp(1)).toBe(0x12 * 2 ** 32 + 0x8000_0001);
      expect(clint.read(CLINT_MTIMECMP + 8, 4)).toBe(0x8000_0001);
      expect(clint.read(CLINT_MTIMECMP + 12, 4)).toBe(0x12);
      expect(clint.mtimecmp(0)).toBe(Infinity); // hart 0 untouched
      expect(changed).toEqual([1, 1, 1]);
    });

    it('returns exact values just below 2^53 and Infinity from 2^53 up', () => {
      const { clint } = make(1);
      clint.write(CLINT_MTIMECMP, 4, 0xffff_ffff);
      clint.write(CLINT_MTIMECMP + 4, 4, 0x1f_ffff);
      expect(clint.mtimecmp(0)).toBe(Number.MAX_SAFE_INTEGER);
      clint.write(CLINT_MTIMECMP + 4, 4, 0x20_0000);
      expect(clint.mtimecmp(0)).toBe(Infinity);
      expect(clint.read(CLINT_MTIMECMP + 4, 4)).toBe(0x20_0000);
      clint.write(CLINT_MTIMECMP, 4, 0);
      clint.write(CLINT_MTIMECMP + 4, 4, 0);
      expect(clint.mtimecmp(0)).toBe(0);
    });

    it('faults mtimecmp of a hart that does not exist', () => {
      const { clint, changed } = make(2);
      expect(clint.read(CLINT_MTIMECMP + 16, 4)).toBeNull();
      expect(clint.write(CLINT_MTIMECMP + 20, 4, 0)).toBe(false);
      expect(changed).toEqual([]);
    });
  });

  describe('mtime', () => {
    it('reads the clock as two halves', () => {
      const { clint, clock } = make();
      clock.t = 0x1234 * 2 ** 32 + 0xdead_beef;
      expect(clint.read(CLINT_MTIME, 4)).toBe(0xdead_beef);
      expect(clint.read(CLINT_MTIME + 4, 4)).toBe(0x1234);
    });

    it('writes one half and keeps the other, then asks every hart to recompute MTIP', () => {
      const { clint, clock, changed } = make(3);
      clock.t = 5 * 2 ** 32 + 7;
      expect(clint.write(CLINT_MTIME, 4, 0xffff_fff0)).toBe(true);
      expect(clock.t).toBe(5 * 2 ** 32 + 0xffff_fff0);
      expect(clint.write(CLINT_MTIME + 4, 4, 9)).toBe(true);
      expect(clock.t).toBe(9 * 2 ** 32 + 0xffff_fff0);
      expect(changed).toEqual([0, 1, 2, 0, 1, 2]);
    });
  });

  describe('access rules', () => {
    it('rejects byte and halfword accesses everywhere', () => {
      const { clint, msip } = make();
      for (const off of [0, CLINT_MTIMECMP, CLINT_MTIME]) {
        expect(clint.read(off, 1)).toBeNull();
        expect(clint.read(off, 2)).toBeNull();
        expect(clint.write(off, 1, 1)).toBe(false);
        expect(clint.write(off, 2, 1)).toBe(false);
      }
      expect(msip[0].level).toBe(false);
    });

    it('rejects misaligned words and offsets without a register', () => {
      const { clint } = make();
      expect(clint.read(2, 4)).toBeNull();
      expect(clint.write(CLINT_MTIMECMP + 2, 4, 0)).toBe(false);
      expect(clint.read(0xc000, 4)).toBeNull();
      expect(clint.write(0xfffc, 4, 0)).toBe(false);
    });
  });

  describe('state', () => {
    it('round-trips msip and mtimecmp and re-drives the lines', () => {
      const a = make(2);
      a.clint.write(4, 4, 1);
      a.clint.write(CLINT_MTIMECMP, 4, 100);
      a.clint.write(CLINT_MTIMECMP + 4, 4, 2);
      const saved = JSON.parse(JSON.stringify(a.clint.saveState()));

      const b = make(2);
      expect(b.clint.loadState(saved)).toBeNull();
      expect(b.msip[1].level).toBe(true);
      expect(b.msip[0].level).toBe(false);
      expect(b.clint.mtimecmp(0)).toBe(2 * 2 ** 32 + 100);
      expect(b.clint.mtimecmp(1)).toBe(Infinity);
      expect(b.clint.read(CLINT_MTIMECMP + 8, 4)).toBe(0xffff_ffff);
      expect(b.changed).toEqual([0, 1]);
    });

    it('rejects malformed state without changing anything', () => {
      const { clint } = make(2);
      const good = clint.saveState() as { msip: boolean[]; mtimecmp: number[][] };
      const bad: unknown[] = [
        null,
        5,
        [],
        {},
        { ...good, msip: [true] },
        { ...good, msip: [1, 0] },
        { ...good, mtimecmp: [[0, 0]] },
        { ...good, mtimecmp: [[0, 0], [0]] },
        {
          ...good,
          mtimecmp: [
            [0, 0],
            [0, -1],
          ],
        },
        {
          ...good,
          mtimecmp: [
            [0, 0],
            [0, 2 ** 32],
          ],
        },
        {
          ...good,
          mtimecmp: [
            [0, 0],
            [0, 1.5],
          ],
        },
      ];
      clint.write(0, 4, 1);
      for (const s of bad) {
        const err = clint.loadState(s as never);
        expect(typeof err).toBe('string');
      }
      expect(clint.read(0, 4)).toBe(1);
      expect(clint.mtimecmp(0)).toBe(Infinity);
    });
  });
});
