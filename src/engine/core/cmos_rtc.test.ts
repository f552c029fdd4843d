import { describe, expect, it } from 'vitest';
import {
  CMOS_RTC_BASE,
  CmosRtc,
  RTC_REG,
  civilFromDays,
  daysFromCivil,
  weekdayFromDays,
  UIP_WINDOW_SECONDS,
} from './cmos_rtc';
import { IoPortBus } from './io_port_bus';

const { SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY } = RTC_REG;
const { ALARM_SECONDS, ALARM_MINUTES, ALARM_HOURS, STATUS_A, STATUS_B, STATUS_C, STATUS_D } = RTC_REG;

/** Seconds since 1970 of a UTC date (the test may use Date; the device must not). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

function make(epoch: number) {
  const clock = { now: 0 };
  const rtc = new CmosRtc(() => clock.now, epoch);
  const r = (i: number) => {
    rtc.write(0, 1, i);
    return rtc.read(1, 1);
  };
  const w = (i: number, v: number) => {
    rtc.write(0, 1, i);
    rtc.write(1, 1, v);
  };
  /** seconds, minutes, hours, day of week, day of month, month, year, century */
  const time = () => [SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY].map(r);
  return { clock, rtc, r, w, time };
}

describe('civil date arithmetic', () => {
  it('agrees with Date.UTC over five centuries, both ways', () => {
    for (let days = -200_000; days <= 200_000; days += 97) {
      const d = new Date(days * 86_400_000);
      expect(civilFromDays(days)).toEqual({
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
      });
      expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
      expect(weekdayFromDays(days)).toBe(d.getUTCDay() + 1);
    }
  });

  it('knows the leap-year rules', () => {
    expect(civilFromDays(daysFromCivil(2000, 2, 28) + 1)).toEqual({ year: 2000, month: 2, day: 29 });
    expect(civilFromDays(daysFromCivil(1900, 2, 28) + 1)).toEqual({ year: 1900, month: 3, day: 1 });
    expect(civilFromDays(daysFromCivil(2100, 2, 28) + 1)).toEqual({ year: 2100, month: 3, day: 1 });
    expect(civilFromDays(daysFromCivil(2024, 2, 28) + 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(weekdayFromDays(0)).toBe(5); // Thursday
  });

  it('lets the day carry out of its month', () => {
    expect(daysFromCivil(2001, 2, 30)).toBe(daysFromCivil(2001, 3, 2));
    expect(daysFromCivil(2000, 2, 30)).toBe(daysFromCivil(2000, 3, 1));
    expect(daysFromCivil(2000, 1, 0)).toBe(daysFromCivil(1999, 12, 31));
  });
});

describe('CmosRtc', () => {
  it('powers on at the epoch: 1970-01-01 00:00:00, a Thursday, BCD, 24-hour', () => {
    const { rtc, r, time } = make(0);
    expect(rtc.name).toBe('rtc');
    expect(rtc.size).toBe(2);
    expect(time()).toEqual([0x00, 0x00, 0x00, 5, 0x01, 0x01, 0x70, 0x19]);
    expect(r(STATUS_A)).toBe(0x26);
    expect(r(STATUS_B)).toBe(0x02);
    expect(r(STATUS_C)).toBe(0);
    expect(r(STATUS_D)).toBe(0x80);
    expect(rtc.currentTime()).toBe(0);
  });

  it('rejects an epoch that is not an integer', () => {
    expect(() => new CmosRtc(() => 0, 1.5)).toThrow(RangeError);
  });

  it('shows 2000-02-29, a Tuesday, and rolls over to March 1', () => {
    const { clock, time } = make(utc(2000, 2, 29, 23, 59, 59));
    expect(time()).toEqual([0x59, 0x59, 0x23, 3, 0x29, 0x02, 0x00, 0x20]);
    clock.now = 1;
    expect(time()).toEqual([0x00, 0x00, 0x00, 4, 0x01, 0x03, 0x00, 0x20]);
  });

  it('shows 2026-11-21 12:34:56 (a Saturday) in every register, BCD and binary', () => {
    const { r, w, time } = make(utc(2026, 11, 21, 12, 34, 56));
    expect(time()).toEqual([0x56, 0x34, 0x12, 7, 0x21, 0x11, 0x26, 0x20]);
    w(STATUS_B, 0x06); // binary, 24-hour
    expect(r(STATUS_B)).toBe(0x06);
    expect(time()).toEqual([56, 34, 12, 7, 21, 11, 26, 20]);
  });

  it('shows hours in 12-hour mode with bit 7 for PM, BCD and binary', () => {
    const cases: [number, number, number][] = [
      // hour, BCD register, binary register
      [0, 0x12, 12],
      [1, 0x01, 1],
      [11, 0x11, 11],
      [12, 0x92, 0x8c],
      [13, 0x81, 0x81],
      [23, 0x91, 0x8b],
    ];
    for (const [hour, bcd, bin] of cases) {
      const { r, w } = make(utc(2026, 11, 21, hour, 5, 6));
      w(STATUS_B, 0x00); // BCD, 12-hour
      expect(r(HOURS)).toBe(bcd);
      expect(r(MINUTES)).toBe(0x05);
      w(STATUS_B, 0x04); // binary, 12-hour
      expect(r(HOURS)).toBe(bin);
    }
  });

  it('advances with nowSeconds, whole seconds only, across a century', () => {
    const { clock, rtc, time } = make(utc(1999, 12, 31, 23, 59, 58));
    clock.now = 0.999;
    expect(time()[0]).toBe(0x58);
    clock.now = 1;
    expect(time()).toEqual([0x59, 0x59, 0x23, 6, 0x31, 0x12, 0x99, 0x19]);
    clock.now = 2.5;
    expect(time()).toEqual([0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20]);
    clock.now = 2 + 86400 * 366 + 3661; // 2001-01-01 01:01:01, a Monday
    expect(time()).toEqual([0x01, 0x01, 0x01, 2, 0x01, 0x01, 0x01, 0x20]);
    expect(rtc.currentTime()).toBe(utc(2001, 1, 1, 1, 1, 1));
  });

  describe('setting the clock', () => {
    it('moves the running clock when a time register is written, and keeps it running', () => {
      const { clock, rtc, r, w, time } = make(utc(2026, 11, 21, 12, 34, 56));
      clock.now = 10.25; // 12:35:06
      w(MINUTES, 0x00);
      expect(rtc.currentTime()).toBe(utc(2026, 11, 21, 12, 0, 6));
      w(YEAR, 0x27);
      w(MONTH, 0x01);
      w(DAY_OF_MONTH, 0x02);
      expect(time()).toEqual([0x06, 0x00, 0x12, 7, 0x02, 0x01, 0x27, 0x20]); // 2027-01-02, a Saturday
      w(DAY_OF_WEEK, 3); // derived from the date while the clock runs
      expect(r(DAY_OF_WEEK)).toBe(7);
      clock.now = 11; // the fraction of the second ran on
      expect(r(SECONDS)).toBe(0x07);
      w(CENTURY, 0x19);
      expect(rtc.currentTime()).toBe(utc(1927, 1, 2, 12, 0, 7));
    });

    it('freezes while SET is set and starts from the written time when SET clears', () => {
      const { clock, rtc, r, w, time } = make(utc(2026, 11, 21, 12, 34, 56));
      w(STATUS_B, 0x82); // SET
      clock.now = 100;
      expect(time()).toEqual([0x56, 0x34, 0x12, 7, 0x21, 0x11, 0x26, 0x20]); // no updates
      w(SECONDS, 0x00);
      w(MINUTES, 0x30);
      w(HOURS, 0x08);
      w(DAY_OF_MONTH, 0x01);
      w(MONTH, 0x03);
      w(YEAR, 0x24);
      w(DAY_OF_WEEK, 1);
      clock.now = 200;
      expect(time()).toEqual([0x00, 0x30, 0x08, 1, 0x01, 0x03, 0x24, 0x20]); // as written, no effect yet
      expect(rtc.currentTime()).toBe(utc(2024, 3, 1, 8, 30, 0));
      w(STATUS_B, 0x02); // clear SET: the clock starts from 2024-03-01 08:30:00
      expect(time()).toEqual([0x00, 0x30, 0x08, 6, 0x01, 0x03, 0x24, 0x20]); // a Friday
      clock.now = 205;
      expect(r(SECONDS)).toBe(0x05);
      expect(rtc.currentTime()).toBe(utc(2024, 3, 1, 8, 30, 5));
    });

    it('loses the seconds the clock stood still, like the chip', () => {
      const { clock, rtc, w } = make(1000);
      w(STATUS_B, 0x82);
      clock.now = 50;
      w(STATUS_B, 0x02);
      expect(rtc.currentTime()).toBe(1000);
      clock.now = 51;
      expect(rtc.currentTime()).toBe(1001);
    });

    it('reads the latched registers in the format in force when SET clears', () => {
      const { rtc, w } = make(0);
      w(STATUS_B, 0x80); // SET, BCD, 12-hour
      w(HOURS, 0x87); // 7 PM
      w(STATUS_B, 0x00);
      expect(rtc.currentTime()).toBe(19 * 3600);
      w(STATUS_B, 0x86); // SET, binary, 24-hour
      w(HOURS, 23);
      w(MINUTES, 59);
      w(DAY_OF_MONTH, 31);
      w(MONTH, 12);
      w(YEAR, 99);
      w(CENTURY, 20);
      w(STATUS_B, 0x06);
      expect(rtc.currentTime()).toBe(utc(2099, 12, 31, 23, 59, 0));
    });

    it('carries out-of-range fields arithmetically', () => {
      const { rtc, w } = make(utc(2001, 2, 1));
      w(STATUS_B, 0x82);
      w(DAY_OF_MONTH, 0x30); // February 30, 2001
      w(STATUS_B, 0x02);
      expect(rtc.currentTime()).toBe(utc(2001, 3, 2));
      w(STATUS_B, 0x82);
      w(MONTH, 0x13); // month 13
      w(DAY_OF_MONTH, 0x01);
      w(STATUS_B, 0x02);
      expect(rtc.currentTime()).toBe(utc(2002, 1, 1));
    });

    it('clears UIE when SET is set', () => {
      const { r, w } = make(0);
      w(STATUS_B, 0x12);
      expect(r(STATUS_B)).toBe(0x12);
      w(STATUS_B, 0x92);
      expect(r(STATUS_B)).toBe(0x82);
    });
  });

  describe('status registers', () => {
    // Most of these tests turn the periodic rate off (status A 0x20) so that PF stays out of the way.

    it('sets UF on each update; reading status C clears it', () => {
      const { clock, r, w } = make(0);
      w(STATUS_A, 0x20);
      clock.now = 0.9;
      expect(r(STATUS_C)).toBe(0);
      clock.now = 1;
      expect(r(STATUS_C)).toBe(0x10); // UF, no IRQF without UIE
      expect(r(STATUS_C)).toBe(0);
      clock.now = 5;
      expect(r(SECONDS)).toBe(0x05); // other reads leave the flags alone
      expect(r(STATUS_C)).toBe(0x10);
      expect(r(STATUS_C)).toBe(0);
    });

    it('sets IRQF with UF when UIE is set, and drives irqPending', () => {
      const { clock, rtc, r, w } = make(0);
      w(STATUS_A, 0x20);
      w(STATUS_B, 0x12);
      expect(rtc.irqPending()).toBe(false);
      clock.now = 1;
      expect(rtc.irqPending()).toBe(true);
      expect(r(STATUS_C)).toBe(0x90);
      expect(rtc.irqPending()).toBe(false);
    });

    it('sets no UF while SET holds the clock, nor for a clock jump', () => {
      const { clock, r, w } = make(0);
      w(STATUS_A, 0x20);
      w(STATUS_B, 0x82);
      clock.now = 10;
      expect(r(STATUS_C)).toBe(0);
      w(SECONDS, 0x30);
      w(STATUS_B, 0x02);
      expect(r(STATUS_C)).toBe(0);
      w(MINUTES, 0x10);
      expect(r(STATUS_C)).toBe(0);
    });

    it('sets AF when an update reaches the alarm time, with 0xC0..0xFF as "any"', () => {
      const { clock, r, w } = make(utc(2026, 11, 21, 12, 34, 56));
      w(STATUS_A, 0x20);
      w(STATUS_B, 0x22); // AIE
      w(ALARM_HOURS, 0x12);
      w(ALARM_MINUTES, 0x35);
      w(ALARM_SECONDS, 0x00);
      expect(r(ALARM_MINUTES)).toBe(0x35);
      clock.now = 3; // 12:34:59
      expect(r(STATUS_C)).toBe(0x10);
      clock.now = 4; // 12:35:00
      expect(r(STATUS_C)).toBe(0xb0); // IRQF | AF | UF
      clock.now = 10; // 12:35:06: no match since
      expect(r(STATUS_C)).toBe(0x10);
      w(ALARM_SECONDS, 0xff); // every second of 12:35
      clock.now = 11;
      expect(r(STATUS_C)).toBe(0xb0);
      clock.now = 70; // jumped past 12:36:00 without a look in 12:35:07..: still a match at 12:35:07
      expect(r(STATUS_C)).toBe(0xb0);
      clock.now = 100; // 12:36:36: no second of 12:35 since the last look
      expect(r(STATUS_C)).toBe(0x10);
      clock.now = 100 + 86400; // a whole day later every time of day came round
      expect(r(STATUS_C)).toBe(0xb0);
      w(ALARM_SECONDS, 0x75); // never matches
      clock.now = 100 + 2 * 86400;
      expect(r(STATUS_C)).toBe(0x10);
    });

    it('compares the alarm in the current format (12-hour, PM bit)', () => {
      const { clock, r, w } = make(utc(2026, 11, 21, 18, 59, 59));
      w(STATUS_A, 0x20);
      w(STATUS_B, 0x20); // AIE, BCD, 12-hour
      w(ALARM_HOURS, 0x87); // 7 PM
      w(ALARM_MINUTES, 0xc0);
      w(ALARM_SECONDS, 0xc0);
      clock.now = 1;
      expect(r(HOURS)).toBe(0x87);
      expect(r(STATUS_C)).toBe(0xb0);
    });

    it('sets PF at the periodic rate from status A, with IRQF only under PIE', () => {
      const { clock, r, w } = make(0);
      clock.now = 1 / 1024; // 1024 Hz at power-on
      expect(r(STATUS_C)).toBe(0x40);
      w(STATUS_B, 0x42); // PIE
      clock.now = 1.5 / 1024;
      expect(r(STATUS_C)).toBe(0);
      clock.now = 2 / 1024;
      expect(r(STATUS_C)).toBe(0xc0);
      w(STATUS_A, 0x21); // 256 Hz
      clock.now = 0.9 / 256;
      expect(r(STATUS_C)).toBe(0);
      clock.now = 1 / 256;
      expect(r(STATUS_C)).toBe(0xc0);
      w(STATUS_A, 0x2f); // 2 Hz
      clock.now = 0.4;
      expect(r(STATUS_C)).toBe(0);
      clock.now = 0.5;
      expect(r(STATUS_C)).toBe(0xc0);
      w(STATUS_A, 0x20); // off
      clock.now = 0.99;
      expect(r(STATUS_C)).toBe(0);
    });

    it('sets UIP only in the 244 µs before an update and never while SET', () => {
      const { clock, r, w } = make(0);
      clock.now = 0.5;
      expect(r(STATUS_A)).toBe(0x26);
      clock.now = 1 - UIP_WINDOW_SECONDS / 2;
      expect(r(STATUS_A)).toBe(0xa6);
      expect(r(SECONDS)).toBe(0x00); // the registers are still valid
      clock.now = 1;
      expect(r(STATUS_A)).toBe(0x26);
      clock.now = 1.9999;
      w(STATUS_B, 0x82);
      expect(r(STATUS_A)).toBe(0x26);
    });

    it('keeps UIP, status C and status D read-only', () => {
      const { r, w } = make(0);
      w(STATUS_A, 0xa3);
      expect(r(STATUS_A)).toBe(0x23);
      w(STATUS_C, 0xff);
      expect(r(STATUS_C)).toBe(0);
      w(STATUS_D, 0);
      expect(r(STATUS_D)).toBe(0x80);
    });
  });

  describe('ports and NVRAM', () => {
    it('stores the rest of the 128 bytes as NVRAM', () => {
      const { r, w } = make(0);
      for (let i = 0x0e; i < 0x80; i++) if (i !== CENTURY) w(i, (i * 7) & 0xff);
      for (let i = 0x0e; i < 0x80; i++) if (i !== CENTURY) expect(r(i)).toBe((i * 7) & 0xff);
      expect(r(CENTURY)).toBe(0x19);
    });

    it('keeps the NMI-disable bit of the index port and selects with bits 6:0', () => {
      const { rtc, w } = make(0);
      w(0x20, 0x42);
      rtc.write(0, 1, 0x80 | 0x20);
      expect(rtc.nmiDisabled()).toBe(true);
      expect(rtc.read(1, 1)).toBe(0x42);
      expect(rtc.read(0, 1)).toBe(0xff); // write-only
      rtc.write(0, 1, 0x20);
      expect(rtc.nmiDisabled()).toBe(false);
    });

    it('sits at 0x70 on the port bus and splits word accesses into index and data', () => {
      const bus = new IoPortBus();
      const rtc = new CmosRtc(() => 0, utc(2026, 11, 21, 12, 34, 56));
      expect(bus.attach(CMOS_RTC_BASE, rtc)).toBeNull();
      bus.write(0x70, 1, 0x04);
      expect(bus.read(0x71, 1)).toBe(0x12);
      bus.write(0x70, 2, 0x40 | (0x5a << 8)); // outw: index 0x40, then data 0x5a
      expect(bus.read(0x71, 1)).toBe(0x5a);
      expect(bus.read(0x70, 2)).toBe(0x5aff);
      expect(bus.read(0x71, 2)).toBe(0xff5a); // 0x72 is unclaimed
    });
  });

  describe('state', () => {
    it('round-trips through JSON, in the middle of setting the clock', () => {
      const clock = { now: 0 };
      const a = new CmosRtc(() => clock.now, utc(2026, 11, 21, 12, 34, 56));
      const wr = (rtc: CmosRtc, i: number, v: number) => {
        rtc.write(0, 1, i);
        rtc.write(1, 1, v);
      };
      const rd = (rtc: CmosRtc, i: number) => {
        rtc.write(0, 1, i);
        return rtc.read(1, 1);
      };
      wr(a, 0x50, 0x77);
      wr(a, STATUS_B, 0x12);
      clock.now = 3; // UF pending
      wr(a, MINUTES, 0x00);
      wr(a, STATUS_B, 0x82);
      wr(a, HOURS, 0x05);
      a.write(0, 1, 0x80 | 0x50);
      const saved = JSON.parse(JSON.stringify(a.saveState()));

      const b = new CmosRtc(() => clock.now, 0);
      expect(b.loadState(saved)).toBeNull();
      expect(b.saveState()).toEqual(a.saveState());
      expect(b.nmiDisabled()).toBe(true);
      expect(b.read(1, 1)).toBe(0x77);
      expect(b.currentTime()).toBe(a.currentTime());
      wr(b, STATUS_B, 0x02);
      wr(a, STATUS_B, 0x02);
      clock.now = 10;
      for (const i of [SECONDS, MINUTES, HOURS, DAY_OF_MONTH, STATUS_C]) expect(rd(b, i)).toBe(rd(a, i));
      expect(b.currentTime()).toBe(utc(2026, 11, 21, 5, 0, 59 + 7));
    });

    it('rejects bad states and keeps its own', () => {
      const { rtc, r, w } = make(0);
      w(0x40, 0x11);
      const good = rtc.saveState();
      const bytes = (patch: Record<number, number>) => good.cmos.map((v, i) => patch[i] ?? v);
      const bad: unknown[] = [
        null,
        [],
        42,
        { ...good, cmos: good.cmos.slice(1) },
        { ...good, cmos: bytes({ 3: 256 }) },
        { ...good, cmos: bytes({ [STATUS_A]: 0xa6 }) },
        { ...good, cmos: bytes({ [STATUS_B]: 0x92 }) },
        { ...good, index: 128 },
        { ...good, index: -1 },
        { ...good, nmiDisabled: 1 },
        { ...good, flags: 0x80 },
        { ...good, offset: 0.5 },
        { ...good, lastTick: '0' },
        { ...good, lastPeriodic: undefined },
      ];
      for (const s of bad) expect(rtc.loadState(s)).toEqual(expect.any(String));
      expect(r(0x40)).toBe(0x11);
      expect(rtc.saveState()).toEqual(good);
    });
  });
});
