/**
 * The Electron main process's logic that does not need Electron: the sender check of every IPC
 * message, recent files, and the menu (its items, accelerators and actions).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../src/main/menu';
import { readRecent, withRecent, writeRecent, RECENT_LIMIT } from '../../src/main/recent';
import { isAppUrl, refuseSender } from '../../src/main/security';
import type { MenuAction } from '../../src/preload/api';

describe('IPC sender check', () => {
  const app = 'file:///opt/corescope/out/renderer/index.html';
  const ok = { fromAppWindow: true, topFrame: true, frameUrl: `${app}#x` };

  it('accepts the app page and refuses other windows, frames and pages', () => {
    expect(refuseSender(ok, app)).toBeNull();
    expect(refuseSender({ ...ok, fromAppWindow: false }, app)).toMatch(/app window/);
    expect(refuseSender({ ...ok, topFrame: false }, app)).toMatch(/top frame/);
    expect(refuseSender({ ...ok, frameUrl: null }, app)).toMatch(/gone/);
    expect(refuseSender({ ...ok, frameUrl: 'file:///tmp/evil.html' }, app)).toMatch(
      /foreign page \(file:\/\/\/tmp\/evil.html\)/,
    );
    expect(refuseSender({ ...ok, frameUrl: 'https://example.com/' }, app)).toMatch(/foreign/);
  });

  it('matches a dev server by origin', () => {
    expect(isAppUrl('http://localhost:5173/some/page', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('not a url', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('data:text/html,x', 'file:///a/index.html')).toBe(false);
  });
});

describe('recent scenarios', () => {
  it('keeps the newest first, without duplicates, bounded', () => {
    let list: string[] = [];
    for (let i = 0; i < 15; i++) list = withRecent(list, `/s/${i}.xml`);
    expect(list).toHaveLength(RECENT_LIMIT);
    expect(list[0]).toBe('/s/14.xml');
    list = withRecent(list, '/s/10.xml');
    expect(list[0]).toBe('/s/10.xml');
    expect(list.filter((p) => p === '/s/10.xml')).toHaveLength(1);
  });

  it('survives a missing or damaged file and writes atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recent-'));
    const file = join(dir, 'sub', 'recent.json');
    expect(readRecent(file)).toEqual([]);
    writeRecent(file, ['/a.xml', '/b.xml']);
    expect(readRecent(file)).toEqual(['/a.xml', '/b.xml']);
    writeFileSync(file, '{not json');
    expect(readRecent(file)).toEqual([]);
    writeFileSync(file, JSON.stringify(['/ok.xml', 3, '', null]));
    expect(readRecent(file)).toEqual(['/ok.xml']);
    writeRecent(file, ['/c.xml']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(['/c.xml']);
  });
});

describe('menu', () => {
  function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
    return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
  }

  it('has the debugger keys (handled by the page) and sends their actions', () => {
    const sent: MenuAction[] = [];
    const opened: string[] = [];
    const items = flatten(
      menuTemplate(['/x/demo.xml'], { send: (a) => sent.push(a), open: (p) => opened.push(p), clearRecent: () => {} }),
    );
    const byLabel = (l: string) => items.find((i) => i.label === l)!;
    for (const [label, key, action] of [
      ['Continue', 'F5', 'run'],
      ['Pause', 'F6', 'pause'],
      ['Step Over', 'F10', 'stepOver'],
      ['Step Into', 'F11', 'stepInstruction'],
      ['Step Out', 'Shift+F11', 'stepOut'],
      ['Toggle Breakpoint', 'F9', 'toggleBreakpoint'],
      ['Step Back', 'CmdOrCtrl+F11', 'reverseStep'],
      ['Reverse Continue', 'CmdOrCtrl+F5', 'reverseContinue'],
    ] as const) {
      const i = byLabel(label);
      expect(i.accelerator).toBe(key);
      expect(i.registerAccelerator).toBe(false);
      (i.click as () => void)();
      expect(sent.at(-1)).toBe(action);
    }
    expect(byLabel('Open Scenario…').accelerator).toBe('CmdOrCtrl+O');
    expect(byLabel('Open Scenario…').registerAccelerator).toBeUndefined();
    (byLabel('Save Snapshot…').click as () => void)();
    expect(sent.at(-1)).toBe('saveSnapshot');
    (byLabel('Load Snapshot…').click as () => void)();
    expect(sent.at(-1)).toBe('loadSnapshot');
    (items.find((i) => i.label === 'demo.xml')!.click as () => void)();
    expect(opened).toEqual(['/x/demo.xml']);
  });

  it('says when there are no recent scenarios', () => {
    const items = flatten(menuTemplate([], { send: () => {}, open: () => {}, clearRecent: () => {} }));
    expect(items.find((i) => i.label === 'No recent scenarios')?.enabled).toBe(false);
  });
});
