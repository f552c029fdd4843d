import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CommandSchema } from '../../../engine/protocol';
import {
  byId,
  CATCH_EVENT_NAMES,
  CATCHPOINT_EVENTS,
  catchpointSpec,
  conditionOf,
  hex,
  isInvalid,
  parseAddress,
  parseLocation,
  parseNumber,
  parseWatchLength,
  WATCH_ACCESS,
  WATCH_NAMES,
} from './model';

/** Whether the engine would accept the command (the protocol's own schema). */
const accepted = (cmd: unknown) => v.safeParse(CommandSchema, cmd).success;

describe('numbers and locations', () => {
  it('reads numbers in C notation within 32 bits', () => {
    expect(parseNumber('0x1000')).toBe(0x1000);
    expect(parseNumber(' 42 ')).toBe(42);
    expect(parseNumber('0xffffffff')).toBe(0xffffffff);
    expect(parseNumber('0x100000000')).toBeNull();
    expect(parseNumber('-1')).toBeNull();
    expect(parseNumber('1e3')).toBeNull();
    expect(parseNumber('')).toBeNull();
  });

  it('parses locations as GDB break takes them, into breakpointSet fields', () => {
    expect(parseLocation('*0x12db0')).toEqual({ address: 0x12db0 });
    expect(parseLocation('0x12db0')).toEqual({ address: 0x12db0 });
    expect(parseLocation('main')).toEqual({ symbol: 'main' });
    expect(parseLocation(' timer_msleep ')).toEqual({ symbol: 'timer_msleep' });
    expect(parseLocation('counter.c:14')).toEqual({ file: 'counter.c', line: 14 });
    expect(parseLocation('../sdk/src/crt0.S:15')).toEqual({ file: '../sdk/src/crt0.S', line: 15 });
    for (const loc of ['*0x12db0', 'main', 'counter.c:14']) {
      expect(accepted({ kind: 'breakpointSet', pd: 1, ...parseLocation(loc) })).toBe(true);
    }
  });

  it('rejects what is not a location, with a message', () => {
    for (const bad of ['', '*', '*main', '0xZZ', 'counter.c:0', 'two words', '0x1ffffffff']) {
      const r = parseLocation(bad);
      expect(isInvalid(r), bad).toBe(true);
    }
  });

  it('parses watched addresses (a number or a symbol) and lengths', () => {
    expect(parseAddress('0x10000')).toEqual({ address: 0x10000 });
    expect(parseAddress('*0x10')).toEqual({ address: 0x10 });
    expect(parseAddress('counter_value')).toEqual({ symbol: 'counter_value' });
    expect(isInvalid(parseAddress(''))).toBe(true);
    expect(isInvalid(parseAddress('0x1g'))).toBe(true);
    expect(isInvalid(parseAddress('a b'))).toBe(true);
    expect(parseWatchLength('4', 0x1000)).toBe(4);
    expect(parseWatchLength('0x10', null)).toBe(16);
    expect(isInvalid(parseWatchLength('0', 0))).toBe(true);
    expect(isInvalid(parseWatchLength('4097', 0))).toBe(true);
    expect(isInvalid(parseWatchLength('8', 0xfffffffc))).toBe(true);
    expect(parseWatchLength('4', 0xfffffffc)).toBe(4);
    expect(accepted({ kind: 'watchpointSet', pd: 1, address: 0xfffffffc, length: 4, access: 'write' })).toBe(true);
  });
});

describe('catchpoints', () => {
  it('builds catchpointSet fields the protocol accepts, for every event', () => {
    for (const event of CATCHPOINT_EVENTS) {
      const spec = catchpointSpec(event, '');
      expect(spec).toEqual({ event });
      expect(accepted({ kind: 'catchpointSet', ...spec })).toBe(true);
    }
    const narrowed = [catchpointSpec('irq', '10'), catchpointSpec('rpc', 'Timer'), catchpointSpec('log', 'fault')];
    expect(narrowed).toEqual([
      { event: 'irq', irq: 10 },
      { event: 'rpc', service: 'Timer' },
      { event: 'log', pattern: 'fault' },
    ]);
    for (const s of narrowed) expect(accepted({ kind: 'catchpointSet', ...s })).toBe(true);
  });

  it('ignores a parameter an event does not take, and rejects a bad IRQ', () => {
    expect(catchpointSpec('pageFault', 'x')).toEqual({ event: 'pageFault' });
    expect(isInvalid(catchpointSpec('irq', '1024'))).toBe(true);
    expect(isInvalid(catchpointSpec('irq', 'uart'))).toBe(true);
  });

  it('has a word for every event and watch access', () => {
    for (const e of CATCHPOINT_EVENTS) expect(CATCH_EVENT_NAMES[e]).toBeTruthy();
    for (const a of WATCH_ACCESS) expect(WATCH_NAMES[a]).toMatch(/watch$/);
  });
});

describe('rows', () => {
  it('treats an empty condition as none', () => {
    expect(conditionOf('  a0 == 3 ')).toBe('a0 == 3');
    expect(conditionOf('   ')).toBeNull();
  });

  it('orders rows by id and writes addresses in hex', () => {
    expect(byId([{ id: 3 }, { id: 1 }, { id: 2 }]).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(hex(0x12db0)).toBe('0x00012db0');
  });
});
