import { describe, expect, it } from 'vitest';
import { IoPortBus, type PortDevice } from './io_port_bus';

/** A device of `size` byte registers that logs every access and answers wide reads little-endian. */
class FakeDevice implements PortDevice {
  readonly log: string[] = [];
  regs: number[];
  refuse = false;
  constructor(
    public name: string,
    public size: number,
  ) {
    this.regs = new Array<number>(size).fill(0);
  }
  read(offset: number, width: 1 | 2 | 4): number {
    this.log.push(`r${width}@${offset}`);
    let v = 0;
    for (let k = 0; k < width; k++) v |= this.regs[offset + k] << (8 * k);
    return v;
  }
  write(offset: number, width: 1 | 2 | 4, value: number): void {
    this.log.push(`w${width}@${offset}=${value.toString(16)}`);
    for (let k = 0; k < width; k++) this.regs[offset + k] = (value >>> (8 * k)) & 0xff;
  }
  saveState(): unknown {
    return { regs: [...this.regs] };
  }
  loadState(s: unknown): string | null {
    if (this.refuse) return 'refused';
    const regs = (s as { regs?: unknown } | null)?.regs;
    if (!Array.isArray(regs) || regs.length !== this.size) return 'bad regs';
    this.regs = [...(regs as number[])];
    return null;
  }
}

describe('IoPortBus', () => {
  describe('attach', () => {
    it('lists devices sorted by base with half-open ranges', () => {
      const bus = new IoPortBus();
      expect(bus.attach(0x70, new FakeDevice('rtc', 2))).toBeNull();
      expect(bus.attach(0x20, new FakeDevice('pic0', 2))).toBeNull();
      expect(bus.attach(0x72, new FakeDevice('after', 1))).toBeNull(); // 0x72 is outside [0x70, 0x72)
      expect(bus.attach(0x6f, new FakeDevice('before', 1))).toBeNull();
      expect(bus.devices()).toEqual([
        { base: 0x20, size: 2, name: 'pic0' },
        { base: 0x6f, size: 1, name: 'before' },
        { base: 0x70, size: 2, name: 'rtc' },
        { base: 0x72, size: 1, name: 'after' },
      ]);
      expect(bus.device('rtc')?.name).toBe('rtc');
      expect(bus.device('nope')).toBeUndefined();
    });

    it('rejects overlaps and names both devices', () => {
      const bus = new IoPortBus();
      expect(bus.attach(0x70, new FakeDevice('rtc', 2))).toBeNull();
      for (const [base, size] of [
        [0x71, 1],
        [0x6f, 2],
        [0x60, 0x20],
        [0x70, 2],
      ]) {
        const err = bus.attach(base, new FakeDevice('other', size));
        expect(err).toMatch(/other/);
        expect(err).toMatch(/rtc/);
      }
      expect(bus.devices()).toHaveLength(1);
    });

    it('accepts the very first and very last port and rejects ranges outside 0..0xffff', () => {
      const bus = new IoPortBus();
      expect(bus.attach(0, new FakeDevice('first', 1))).toBeNull();
      expect(bus.attach(0xfffc, new FakeDevice('last', 4))).toBeNull();
      expect(bus.attach(0xffff, new FakeDevice('x', 2))).toMatch(/outside/);
      expect(bus.attach(0x10000, new FakeDevice('y', 1))).toMatch(/outside/);
      expect(bus.attach(-1, new FakeDevice('z', 1))).toMatch(/outside/);
      expect(bus.attach(1.5, new FakeDevice('w', 1))).toMatch(/outside/);
      expect(bus.attach(0x100, new FakeDevice('empty', 0))).toMatch(/size/);
      expect(bus.devices().map((d) => d.name)).toEqual(['first', 'last']);
    });

    it('rejects a second device with the same name', () => {
      const bus = new IoPortBus();
      expect(bus.attach(0x60, new FakeDevice('kbd', 1))).toBeNull();
      expect(bus.attach(0x64, new FakeDevice('kbd', 1))).toMatch(/already attached/);
    });
  });

  describe('access', () => {
    it('routes reads and writes with the offset inside the device', () => {
      const bus = new IoPortBus();
      const dev = new FakeDevice('dev', 8);
      bus.attach(0x3f8, dev);
      bus.write(0x3fb, 1, 0x83);
      expect(dev.regs[3]).toBe(0x83);
      expect(bus.read(0x3fb, 1)).toBe(0x83);
      expect(dev.log).toEqual(['w1@3=83', 'r1@3']);
    });

    it('reads unclaimed ports as all ones of the access width and ignores writes there', () => {
      const bus = new IoPortBus();
      const dev = new FakeDevice('dev', 4);
      bus.attach(0x100, dev);
      expect(bus.read(0x80, 1)).toBe(0xff);
      expect(bus.read(0x80, 2)).toBe(0xffff);
      expect(bus.read(0x80, 4)).toBe(0xffff_ffff);
      expect(bus.read(0xffff, 1)).toBe(0xff);
      bus.write(0x80, 4, 0x1234_5678);
      bus.write(0x104, 1, 1); // just past the device
      expect(dev.log).toEqual([]);
    });

    it('passes widths 2 and 4 through to a device that holds the whole access', () => {
      const bus = new IoPortBus();
      const dev = new FakeDevice('dev', 8);
      bus.attach(0xcf8, dev);
      bus.write(0xcf8, 4, 0x8000_1234);
      bus.write(0xcfc, 2, 0xbeef);
      expect(bus.read(0xcf8, 4)).toBe(0x8000_1234); // unsigned
      expect(bus.read(0xcfc, 2)).toBe(0xbeef);
      expect(bus.read(0xcfd, 1)).toBe(0xbe);
      expect(dev.log).toEqual(['w4@0=80001234', 'w2@4=beef', 'r4@0', 'r2@4', 'r1@5']);
    });

    it('keeps only the low bytes of the value written and of the value a device returns', () => {
      const bus = new IoPortBus();
      const wide: PortDevice = {
        name: 'wide',
        size: 4,
        read: () => -1,
        write: () => {},
        saveState: () => null,
        loadState: () => null,
      };
      const dev = new FakeDevice('dev', 2);
      bus.attach(0x10, wide);
      bus.attach(0x20, dev);
      expect(bus.read(0x10, 1)).toBe(0xff);
      expect(bus.read(0x10, 2)).toBe(0xffff);
      expect(bus.read(0x10, 4)).toBe(0xffff_ffff);
      bus.write(0x20, 1, 0x1ab);
      expect(dev.log).toEqual(['w1@0=ab']);
    });

    it('splits an access that straddles a boundary into ascending byte accesses', () => {
      const bus = new IoPortBus();
      const a = new FakeDevice('a', 2);
      const b = new FakeDevice('b', 2);
      bus.attach(0x40, a);
      bus.attach(0x42, b);
      a.regs = [0x11, 0x22];
      b.regs = [0x33, 0x44];
      expect(bus.read(0x41, 2)).toBe(0x3322);
      expect(bus.read(0x40, 4)).toBe(0x4433_2211);
      // Partly unclaimed: the missing bytes float high.
      expect(bus.read(0x43, 2)).toBe(0xff44);
      expect(bus.read(0x3f, 2)).toBe(0x11ff);
      expect(a.log).toEqual(['r1@1', 'r1@0', 'r1@1', 'r1@0']);
      expect(b.log).toEqual(['r1@0', 'r1@0', 'r1@1', 'r1@1']);
      a.log.length = 0;
      b.log.length = 0;
      bus.write(0x3f, 4, 0xaabb_ccdd); // 0x3f unclaimed, 0x40..0x41 a, 0x42 b
      expect(a.regs).toEqual([0xcc, 0xbb]);
      expect(b.regs).toEqual([0xaa, 0x44]);
      expect(a.log).toEqual(['w1@0=cc', 'w1@1=bb']);
      expect(b.log).toEqual(['w1@0=aa']);
    });

    it('treats bytes past port 0xffff as unclaimed', () => {
      const bus = new IoPortBus();
      const dev = new FakeDevice('top', 1);
      bus.attach(0xffff, dev);
      dev.regs = [0x5a];
      expect(bus.read(0xffff, 2)).toBe(0xff5a);
      expect(bus.read(0xffff, 4)).toBe(0xffff_ff5a);
      bus.write(0xffff, 4, 0x1234_5678);
      expect(dev.regs).toEqual([0x78]);
    });

    it('reads ports that are not integers in 0..0xffff as floating and ignores writes to them', () => {
      const bus = new IoPortBus();
      const dev = new FakeDevice('dev', 1);
      bus.attach(0, dev);
      expect(bus.read(-1, 1)).toBe(0xff);
      expect(bus.read(0x10000, 2)).toBe(0xffff);
      expect(bus.read(0.5, 4)).toBe(0xffff_ffff);
      bus.write(-1, 2, 0);
      bus.write(0x10000, 1, 0);
      expect(dev.log).toEqual([]);
    });
  });

  describe('state', () => {
    function setup() {
      const bus = new IoPortBus();
      const a = new FakeDevice('a', 2);
      const b = new FakeDevice('b', 2);
      bus.attach(0x42, b);
      bus.attach(0x40, a);
      bus.write(0x40, 4, 0x0403_0201);
      return { bus, a, b };
    }

    it('round-trips through JSON', () => {
      const { bus, a, b } = setup();
      const saved = JSON.parse(JSON.stringify(bus.saveState()));
      expect(saved).toEqual({
        devices: [
          { name: 'a', base: 0x40, size: 2, state: { regs: [1, 2] } },
          { name: 'b', base: 0x42, size: 2, state: { regs: [3, 4] } },
        ],
      });
      bus.write(0x40, 4, 0);
      expect(bus.loadState(saved)).toBeNull();
      expect(a.regs).toEqual([1, 2]);
      expect(b.regs).toEqual([3, 4]);
      expect(bus.read(0x40, 4)).toBe(0x0403_0201);
    });

    it('rejects states that do not describe the attached devices', () => {
      const { bus, a } = setup();
      const good = bus.saveState();
      const bad: unknown[] = [
        null,
        [],
        'x',
        {},
        { devices: {} },
        { devices: [good.devices[0]] },
        { devices: [good.devices[1], good.devices[0]] },
        { devices: [{ ...good.devices[0], base: 0x41 }, good.devices[1]] },
        { devices: [{ ...good.devices[0], name: 'c' }, good.devices[1]] },
        { devices: [{ ...good.devices[0], size: 3 }, good.devices[1]] },
        { devices: [{ name: 'a', base: 0x40, size: 2 }, good.devices[1]] },
        { devices: [null, good.devices[1]] },
      ];
      bus.write(0x40, 2, 0x0909);
      for (const s of bad) expect(bus.loadState(s)).toEqual(expect.any(String));
      expect(a.regs).toEqual([9, 9]);
    });

    it('is all or nothing: a device refusing its state undoes the devices restored before it', () => {
      const { bus, a, b } = setup();
      const saved = bus.saveState();
      bus.write(0x40, 4, 0x0808_0808);
      b.refuse = true;
      expect(bus.loadState(saved)).toMatch(/b.*refused/);
      expect(a.regs).toEqual([8, 8]);
      expect(b.regs).toEqual([8, 8]);
      b.refuse = false;
      const broken = { devices: [saved.devices[0], { ...saved.devices[1], state: { regs: [1] } }] };
      expect(bus.loadState(broken)).toMatch(/bad regs/);
      expect(a.regs).toEqual([8, 8]);
    });
  });
});
