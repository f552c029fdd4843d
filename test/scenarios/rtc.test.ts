import { beforeAll, describe, expect, it } from 'vitest';
import { Core, type LogLine } from '../../src/engine/core/core';
import type { System } from '../../src/engine/core/system';
import { IoPortSessionComponent } from '../../src/engine/core/io_port_session_component';
import { bootScenario, linesOf, runUntil } from './harness';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** What the RTC shows at virtual time `us`, formatted as the driver logs it. */
function expectedClock(us: number): string {
  const secs = Core.RTC_EPOCH + Math.floor(us / 1e6);
  const d = new Date(secs * 1000);
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (UTC: the RTC has no time zone)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} (${WEEKDAYS[d.getUTCDay()]}) = ${secs} s since 1970`;
}

const CLOCK_LINE = /^rtc: (binary mode: )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\w+\) = (\d+) s since 1970)$/;

describe('scenario rtc (CMOS RTC driver over IO_PORT)', () => {
  let sys: System;
  let done: boolean;
  let lines: string[];
  let logLines: LogLine[];
  beforeAll(() => {
    sys = bootScenario('rtc');
    done = runUntil(sys, () => sys.init.children.get('rtc')?.exitCode !== null);
    lines = linesOf(sys, 'init -> rtc');
    logLines = sys.log.filter((l) => l.label === 'init -> rtc');
  });

  it('runs to the end and exits 0', () => {
    expect(done).toBe(true);
    expect(sys.init.children.get('rtc')!.exitCode).toBe(0);
    expect(lines[0]).toBe('rtc: IO_PORT session for ports 0x70..0x71 (index, data)');
    expect(lines).toContain('rtc: status B 0x02: BCD, 24-hour');
    expect(lines.at(-1)).toBe('rtc: done');
    expect(sys.core.faults).toEqual([]);
  });

  it('reads the date and time core derives from RTC_EPOCH and virtual time, twice, 2 s apart', () => {
    const clock = logLines.filter((l) => CLOCK_LINE.test(l.text));
    expect(clock).toHaveLength(3); // BCD, BCD 2 s later, binary mode
    for (const l of clock) expect(CLOCK_LINE.exec(l.text)![2]).toBe(expectedClock(l.time));
    const secs = clock.map((l) => Number(CLOCK_LINE.exec(l.text)![3]));
    expect(secs[0]).toBe(Core.RTC_EPOCH); // read within the first second of virtual time
    expect(secs[1] - secs[0]).toBe(2);
    expect(secs[2]).toBe(secs[1]); // the binary-format read shows the same time
    expect(clock[1].time - clock[0].time).toBeGreaterThanOrEqual(2_000_000);
    expect(clock[1].time - clock[0].time).toBeLessThan(2_100_000);
    expect(lines).toContain('rtc: the Timer says 2000 ms passed, the RTC advanced 2 s');
    // The clock itself was never set (only read), and reads the same as core's formula now.
    const rtc = sys.core.rtc.saveState();
    expect(rtc.offset).toBe(0);
    expect(sys.core.rtc.currentTime()).toBe(Core.RTC_EPOCH + Math.floor(sys.kernel.nowUs() / 1e6));
    expect(rtc.cmos[0x0b]).toBe(0x02); // status B restored after the binary-mode read
  });

  it('round-trips an NVRAM byte', () => {
    expect(lines).toContain('rtc: NVRAM[0x40]: was 0x00, wrote 0x5a, read back 0x5a (ok)');
    expect(sys.core.rtc.saveState().cmos[0x40]).toBe(0x5a);
  });

  it('is DENIED ports outside its session and a second session over its ports', () => {
    expect(lines).toContain('rtc: inb 0x80 through the 0x70..0x71 session: DENIED');
    expect(lines).toContain('rtc: outb 0x72 through the 0x70..0x71 session: DENIED');
    expect(lines).toContain('rtc: second IO_PORT session for port 0x71: DENIED');
    expect(linesOf(sys, 'init')).toContain(
      'Error: rtc: IO_PORT session "init -> rtc" denied: ports already owned by "init -> rtc"',
    );
    // A free port is granted; nothing decodes it, so it floats to all ones.
    expect(lines).toContain('rtc: IO_PORT session for port 0x80: OK, inb 0x80 -> 0xff (OK, no device)');
    // Left behind: only the driver's session over 0x70..0x71 (the 0x80 one was closed).
    const io = [...sys.core.sessions].filter((s) => s instanceof IoPortSessionComponent) as IoPortSessionComponent[];
    expect(io.map((s) => [s.label, s.base, s.size])).toEqual([['init -> rtc', 0x70, 2]]);
    const child = sys.init.children.get('rtc')!;
    expect([...child.sessions.values()].map((s) => s.service)).toEqual(['IO_PORT']);
  });
});
