import type { InterruptLine } from '../../src/engine/cpu/device';

/** An interrupt line for device tests: remembers its level and how often it was driven. */
export class RecordingLine implements InterruptLine {
  level = false;
  sets = 0;
  set(level: boolean): void {
    this.level = level;
    this.sets++;
  }
}
