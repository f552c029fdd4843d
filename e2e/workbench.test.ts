/**
 * End-to-end: the renderer as a person sees it, in Debian's Chromium (headless) against the
 * built app served on 127.0.0.1, and the Electron app itself where its binary is installed.
 * Screenshots land in test-results/ for a person to look at.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, _electron as electron, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../src/server/serve';
import { connectWebSocketFromNode } from '../src/engine/host/transport_websocket';

const root = join(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const shots = join(root, 'test-results');

function electronBinary(): string | null {
  try {
    return createRequire(import.meta.url)('electron') as string;
  } catch {
    return null;
  }
}
const electronPath = electronBinary();

if (!hasChromium) console.log(`e2e: browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
if (!electronPath)
  console.log(
    'e2e: Electron launch test skipped: the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD)',
  );

beforeAll(() => {
  const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  mkdirSync(shots, { recursive: true });
}, 120_000);

describe.skipIf(!hasChromium)('workbench in Chromium (browser host)', () => {
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

  beforeAll(async () => {
    const h = await startBrowserHost({ port: 0, log: () => {} });
    if (typeof h === 'string') throw new Error(h);
    host = h;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(host.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('opens the demo running, with its components, LOG lines in the console and a strict CSP', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("script-src 'self'");
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('running');
    const components = page.getByTestId('component');
    await expect.poll(() => components.count(), { timeout: 20_000 }).toBeGreaterThan(4);
    const labels = await components.allTextContents();
    expect(labels.map((l) => l.trim())).toEqual(expect.arrayContaining(['init', 'init -> counter']));
    // The topology graph has a node per component.
    await expect.poll(() => page.getByTestId('graph-pd').count()).toBe(labels.length);
    await page.getByTestId('component').filter({ hasText: 'init -> counter' }).click();
    await expect.poll(() => page.getByTestId('cap-table').textContent()).toContain('Timer');
    await expect
      .poll(() => page.getByTestId('console-line').filter({ hasText: '[init -> counter]' }).count(), {
        timeout: 20_000,
      })
      .toBeGreaterThan(1);
    await shot('workbench-browser');
    expect(errors).toEqual([]);
  });

  it('pauses; a register edited shows its effect after a step', async () => {
    await page.getByTestId('pause').click();
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/^stopped/);
    const row = page.locator('[data-testid="components"] li', { hasText: 'init -> counter' }).locator('.thread');
    await row.first().click();
    // Counter's thread waits for its timer; one step completes that system call.
    await page.keyboard.press('F11');
    await expect
      .poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 })
      .toMatch(/^stopped: ep stepped/);
    // Write pc: the address of an instruction further down (not a jump), then step it.
    const lines = page.getByTestId('disasm-line');
    const texts = await lines.allTextContents();
    const cur = await page.locator('[data-testid="disasm-line"].current').getAttribute('data-address');
    const addrs = await lines.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-address'))));
    const at = addrs.indexOf(Number(cur));
    let k = at + 2;
    while (
      k < texts.length - 1 &&
      /\t?(j|jal|jalr|ret|beq|bne|blt|bge|bltu|bgeu|beqz|bnez|ecall|ebreak)\t/.test(texts[k])
    )
      k++;
    const target = addrs[k];
    await page.locator('[data-reg="pc"] .hex').click();
    await page.getByTestId('register-input').fill(`0x${target.toString(16)}`);
    await page.getByTestId('register-input').press('Enter');
    await expect
      .poll(() => page.locator('[data-reg="pc"] .hex').textContent())
      .toBe(`0x${target.toString(16).padStart(8, '0')}`);
    await page.keyboard.press('F11');
    await expect
      .poll(() => page.locator('[data-reg="pc"] .hex').textContent())
      .toBe(`0x${addrs[k + 1].toString(16).padStart(8, '0')}`);
    expect(await page.locator('tr.changed[data-reg="pc"]').count()).toBe(1);
    await shot('registers-after-step');
  });

  it('sets a breakpoint in the disassembly gutter and hits it', async () => {
    await page.getByTestId('tab-code').click();
    await page.getByRole('textbox', { name: 'go to address or symbol' }).fill('timer_msleep');
    await page.getByRole('button', { name: 'Go' }).click();
    const entry = page.getByTestId('disasm-line').filter({ hasText: '<timer_msleep>' });
    await expect.poll(() => entry.count()).toBe(1);
    const address = Number(await entry.getAttribute('data-address'));
    await entry.getByTestId('gutter').click();
    await expect.poll(() => page.getByTestId('bp-row').count()).toBe(1);
    await page.keyboard.press('F5');
    await expect
      .poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 })
      .toMatch(/^stopped: .*hit breakpoint/);
    expect(await page.locator('[data-reg="pc"] .hex').textContent()).toBe(`0x${address.toString(16).padStart(8, '0')}`);
    await expect.poll(() => page.getByTestId('call-stack').textContent()).toContain('timer_msleep');
    await shot('breakpoint-hit');
  });

  it('shows page-fault markers on the TRACE timeline and exports it for Perfetto', async () => {
    await page.getByTestId('tab-trace').click();
    const timeline = page.getByTestId('trace-timeline');
    await timeline.waitFor();
    await page.getByTestId('trace-fit').click();
    const faults = async () => {
      const m = JSON.parse((await timeline.getAttribute('data-markers')) ?? '{}') as Record<string, number>;
      return (m.pageFault ?? 0) + (m.pageFaultUnresolved ?? 0);
    };
    await expect.poll(faults, { timeout: 20_000 }).toBeGreaterThan(0);
    await shot('trace-timeline');
    const download = page.waitForEvent('download', { timeout: 30_000 });
    await page.getByTestId('trace-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^corescope-trace-\d+\.json$/);
    const text = await (await file.createReadStream()).toArray();
    const doc = JSON.parse(Buffer.concat(text).toString('utf8')) as { traceEvents: { ph: string }[] };
    expect(doc.traceEvents.some((e) => e.ph === 'X')).toBe(true);
    await page.getByTestId('tab-code').click();
  });

  it('runs console commands in GDB habits', async () => {
    const input = page.getByTestId('console-input');
    await input.fill('x/4xw 0x10000 counter');
    await input.press('Enter');
    await expect
      .poll(() => page.getByTestId('console-line').last().textContent())
      .toMatch(/^0x00010000: {2}0x[0-9a-f]{8}/);
    await input.fill('info caps counter');
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('console').textContent()).toContain('PD session');
    await input.fill('frobnicate');
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('console-line').last().textContent()).toContain('unknown command');
    await shot('console');
    expect(errors).toEqual([]);
  });

  it("opens a PD's memory map, finds its stack region and reads it in the hex view", async () => {
    await page.getByTestId('component').filter({ hasText: 'init -> counter' }).click();
    await page.getByTestId('tab-memory').click();
    const stack = page.getByTestId('region').filter({ hasText: 'stack' });
    await expect.poll(() => stack.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await stack.first().click();
    // The hex view went to the region (most of a stack area is not mapped: "??").
    await expect.poll(() => page.getByTestId('hex-row').count()).toBeGreaterThan(0);
    // A function of the program, by name: its code reads as bytes.
    await page.getByTestId('hex-goto').fill('component_construct');
    await page.getByTestId('hex-goto').press('Enter');
    await expect.poll(() => page.getByTestId('hex-error').count()).toBe(0);
    await expect.poll(() => page.getByTestId('hex-row').first().textContent()).toMatch(/^[0-9a-f]{8}[0-9a-f]{32}/); // address, then 16 bytes read (none "??")
    await shot('memory-map');
    await page.getByTestId('tab-physical').click();
    await expect.poll(() => page.getByTestId('phys-owner').count()).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('phys-device').count()).toBeGreaterThan(0);
    await shot('physical-memory');
  });

  it('shows MIPS and per-thread load over time', async () => {
    await page.getByTestId('run').click();
    await page.getByTestId('tab-stats').click();
    const plot = page.getByTestId('stats-plot');
    await expect
      .poll(async () => Number(await plot.getAttribute('data-samples')), { timeout: 20_000 })
      .toBeGreaterThan(3);
    // At least one thread's load has a series of its own.
    await expect.poll(async () => (await plot.getAttribute('data-series')) ?? '').not.toBe('');
    await shot('stats');
  });

  it('shows a broken config at its line in the scenario editor, and applies a good one live', async () => {
    await page.getByTestId('tab-editor').click();
    const editor = page.getByTestId('scenario-editor');
    await expect.poll(() => editor.locator('.cm-content').textContent()).toContain('<config');
    // Break the line after <config>: an element that is never closed (typed as a person would).
    const configLine = editor
      .locator('.cm-line')
      .filter({ hasText: /^<config/ })
      .first();
    await configLine.click();
    await page.keyboard.press('End');
    await page.keyboard.insertText('\n  <start name="broken">');
    await expect.poll(() => editor.getAttribute('data-dirty')).toBe('true');
    await page.getByTestId('editor-apply').click();
    const err = page.getByTestId('editor-error').first();
    await expect.poll(() => err.textContent(), { timeout: 10_000 }).toMatch(/^line \d+: /);
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    await shot('scenario-editor-error');
    // Undo the edit (in the editor): Apply succeeds and the errors go.
    await editor.locator('.cm-content').focus();
    await page.keyboard.press('Control+z');
    await expect.poll(() => editor.getAttribute('data-dirty')).toBe('false');
    await page.getByTestId('editor-apply').click();
    await expect.poll(() => page.getByTestId('editor-error').count()).toBe(0);
  });

  it('opens another bundled scenario from the Open menu', async () => {
    await page.getByTestId('open').click();
    await page.getByTestId('open-menu').getByRole('menuitem', { name: 'rpc', exact: true }).click();
    await expect.poll(() => page.getByTestId('scenario').textContent(), { timeout: 20_000 }).toBe('rpc');
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('running');
    const labels = await page.getByTestId('component').allTextContents();
    expect(labels.some((l) => l.includes('hello_client'))).toBe(true);
    expect(labels.some((l) => l.includes('counter'))).toBe(false);
    expect(errors).toEqual([]);
  });

  it('draws a deadlock cycle and names it', async () => {
    await page.getByTestId('open').click();
    await page.getByTestId('open-menu').getByRole('menuitem', { name: 'deadlock', exact: true }).click();
    await expect.poll(() => page.getByTestId('scenario').textContent(), { timeout: 20_000 }).toBe('deadlock');
    await page.getByTestId('tab-topology').click();
    await expect
      .poll(() => page.getByTestId('deadlock').first().textContent(), { timeout: 30_000 })
      .toMatch(/Deadlock: .*->/);
    await page.waitForTimeout(500);
    await shot('deadlock');
    expect(errors).toEqual([]);
  });

  it('goes back in time: reverse continue, step back, the scrubber, and snapshots saved and loaded', async () => {
    await page.getByTestId('open').click();
    await page.getByTestId('open-menu').getByRole('menuitem', { name: 'counter', exact: true }).click();
    await expect.poll(() => page.getByTestId('scenario').textContent(), { timeout: 20_000 }).toBe('counter');
    await page.getByTestId('tab-code').click();
    await page.getByRole('textbox', { name: 'go to address or symbol' }).fill('timer_msleep');
    await page.getByRole('button', { name: 'Go' }).click();
    const entry = page.getByTestId('disasm-line').filter({ hasText: '<timer_msleep>' });
    await expect.poll(() => entry.count(), { timeout: 20_000 }).toBe(1);
    await entry.getByTestId('gutter').click();
    await expect.poll(() => page.getByTestId('bp-row').count()).toBe(1);
    const status = () => page.getByTestId('status').textContent();
    const nowText = () => page.getByTestId('scrub-now').textContent();
    await page.getByTestId('tab-trace').click();
    const times: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('F5');
      await expect.poll(status, { timeout: 20_000 }).toMatch(/^stopped: .*hit breakpoint/);
      await expect.poll(nowText, { timeout: 10_000 }).not.toBe(times.at(-1) ?? '');
      times.push((await nowText())!);
    }
    // Reverse continue (Ctrl+F5): the previous hit, one second of virtual time earlier.
    await page.keyboard.press('Control+F5');
    await expect.poll(nowText, { timeout: 20_000 }).toBe(times[1]);
    expect(await status()).toMatch(/^stopped: .*hit breakpoint/);
    // Step back one instruction of the stopped thread.
    await page.getByTestId('reverse-step').click();
    await expect.poll(status, { timeout: 20_000 }).toMatch(/stepped back one instruction of init -> counter\/ep/);
    // The scrubber: back a tenth of the history with the keys, then Enter.
    const bar = page.getByTestId('scrub-bar');
    const before = Number(await bar.getAttribute('aria-valuenow'));
    await bar.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 })
      .toBeLessThan(before);
    await expect.poll(status).toMatch(/^stopped/);
    await shot('time-travel');

    // A snapshot of this moment, saved; the system runs on; the snapshot loads back.
    const file = join(shots, 'counter-e2e.snap');
    page.once('dialog', (d) => void d.accept(file));
    await page.getByTestId('snapshot-menu').click();
    await page.getByTestId('snapshot-save').click();
    await expect.poll(() => existsSync(file), { timeout: 20_000 }).toBe(true);
    const savedAt = await nowText();
    await page.keyboard.press('F5');
    await expect.poll(status, { timeout: 20_000 }).toMatch(/^stopped: .*hit breakpoint/);
    expect(await nowText()).not.toBe(savedAt);
    page.once('dialog', (d) => void d.accept(file));
    await page.getByTestId('snapshot-menu').click();
    await page.getByTestId('snapshot-load').click();
    await expect.poll(nowText, { timeout: 20_000 }).toBe(savedAt);
    await expect.poll(() => page.getByTestId('bp-row').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('checkpoints a component, rolls it back, and migrates it to machine 2 where it counts on', async () => {
    await page.getByTestId('open').click();
    await page.getByTestId('open-menu').getByRole('menuitem', { name: 'checkpoint', exact: true }).click();
    await expect.poll(() => page.getByTestId('scenario').textContent(), { timeout: 20_000 }).toBe('checkpoint');
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 20_000 }).toBe('running');
    // Wait for a few seconds of virtual time (the counter logs once a second).
    await expect
      .poll(async () => Number((await page.getByTestId('stats').textContent())?.match(/([\d.]+) s/)?.[1] ?? 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(2);
    const row = page.getByTestId('component').filter({ hasText: 'init -> counter' });
    await row.locator('xpath=..').getByTestId('checkpoint').click();
    await expect.poll(() => page.getByTestId('checkpoint-row').count(), { timeout: 20_000 }).toBe(1);

    await page.getByTestId('tab-machine2').click();
    await page.getByTestId('m2-scenario').selectOption({ label: 'ecu2' });
    await page.getByTestId('m2-load').click();
    await expect.poll(() => page.getByTestId('m2-status').textContent(), { timeout: 20_000 }).toMatch(/ecu2 · running/);
    await expect
      .poll(() => page.getByTestId('m2-log').textContent(), { timeout: 20_000 })
      .toContain('[init -> other] 1');
    await page.getByTestId('m2-migrate').click();
    // The migrated counter logs on in machine 2, from after the number it had logged.
    await expect
      .poll(() => page.getByTestId('m2-log').textContent(), { timeout: 30_000 })
      .toMatch(/migrated here[\s\S]*\[init -> counter\] \d+/);
    await expect
      .poll(() => page.getByTestId('m2-component').allTextContents())
      .toContainEqual(expect.stringContaining('init -> counter'));
    await shot('machine2-migrated');
    // Back in machine 1: roll the counter back.
    await page.getByTestId('tab-topology').click();
    await page.getByTestId('checkpoint-restore').click();
    await expect.poll(() => page.getByTestId('error').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe("the Electron build's engine entry (out/main/engine.js)", () => {
  it('runs as a process of its own and serves the protocol', async () => {
    // The utility process runs this bundle; here it runs under Node in its WebSocket role.
    const child = spawn(
      process.execPath,
      [join(root, 'out/main/engine.js'), '--load', join(root, 'resources/scenarios/counter.xml')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`engine.js exited with ${code}`)));
      });
      const ready = JSON.parse(line) as { url: string };
      const t = await connectWebSocketFromNode(ready.url);
      const replies: unknown[] = [];
      t.onMessage((m) => replies.push(m));
      t.send({ type: 'hello', version: 1 });
      t.send({ type: 'cmd', id: 1, cmd: { kind: 'scenario' } });
      await expect
        .poll(() => replies.find((m) => (m as { id?: number }).id === 1))
        .toMatchObject({ ok: true, result: { name: 'counter' } });
      t.close();
    } finally {
      child.kill();
    }
  });
});

describe.skipIf(!electronPath)('Electron app', () => {
  it('opens one window with the demo running on the engine in a utility process', async () => {
    const app = await electron.launch({ executablePath: electronPath!, args: [join(root, 'out/main/index.js')] });
    const win = await app.firstWindow();
    await win.getByTestId('workbench').waitFor();
    // The renderer is sandboxed: no Node, only the preload's small API.
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof window.corescope?.connectEngine)).toBe('function');
    await expect.poll(() => win.getByTestId('status').textContent(), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => win.getByTestId('scenario').textContent()).toBe('demo');
    await expect.poll(() => win.getByTestId('component').count()).toBeGreaterThan(5);
    await expect.poll(() => win.title()).toMatch(/^Corescope/);
    await win.screenshot({ path: join(shots, 'workbench-electron.png') });
    await app.close();
  });
});
