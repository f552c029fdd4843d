import { describe, expect, it } from 'vitest';
import { checkpointPath, consoleText } from './model';

describe('checkpoints and machine 2', () => {
  it('names checkpoint files by component, time and count, safely', () => {
    expect(checkpointPath('counter', 3_456_789, 0)).toBe('checkpoints/counter-3457ms-1.ckpt');
    expect(checkpointPath('a b/../c', 0, 4)).toBe('checkpoints/a_b_.._c-0ms-5.ckpt');
    expect(checkpointPath('', 1000, 0)).toBe('checkpoints/component-1ms-1.ckpt');
  });

  it("shows machine 2's console lines, newest last, bounded", () => {
    const lines = Array.from({ length: 300 }, (_, i) => ({
      seq: i,
      label: i % 2 ? 'init -> counter' : '',
      text: `${i}`,
      time: i,
    }));
    const text = consoleText(lines);
    expect(text).toHaveLength(200);
    expect(text.at(-1)).toBe('[init -> counter] 299');
    expect(text.at(-2)).toBe('298');
  });
});
