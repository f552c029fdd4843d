/**
 * `npm run bench:ui`: how the workbench feels, measured in Chromium against the browser host
 * (the built renderer and an engine process running the demo scenario).
 *
 * - Panning the TRACE timeline holding 1,000,000 events (floor: median frame under 16 ms).
 * - Dragging a PD in the topology graph with 300 PDs and 5,000 capability edges shown (floor:
 *   median frame under 33 ms).
 * - From the step key (F11) to the registers showing the new pc (floor: 100 ms).
 *
 * A frame is measured from the input event to the next animation frame callback, with
 * Chromium's frame-rate limit and vsync off, so it is the work the input caused and not the
 * display's refresh. The synthetic trace and topology go into the stores the engine feeds, via
 * hooks the page installs only when opened with `?bench` (src/renderer/src/bench_hooks.ts).
 * The machines are shared and noisy: read the medians, and compare runs made close together.
 */
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { startBrowserHost } from '../src/server/serve';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The page's bench hooks (src/renderer/src/bench_hooks.ts), as these page functions use them. */
interface BenchNode {
  isChildless(): boolean;
  renderedPosition(): { x: number; y: number };
}
interface BenchWindow {
  __corescopeBench?: {
    loadTrace(count: number): number;
    showTopology(pds: number, caps: number): Promise<void>;
    graph(): {
      nodes(): { length: number; filter(f: (n: BenchNode) => boolean): { forEach(f: (n: BenchNode) => void): void } };
      edges(): { length: number };
      container(): HTMLElement | null;
    } | null;
  };
}

function stats(xs: number[]): { median: number; p95: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), max: s.at(-1) ?? NaN, n: s.length };
}

function line(label: string, xs: number[], floor: number): boolean {
  const r = stats(xs);
  const ok = r.median < floor;
  console.log(
    `${label.padEnd(52)} median ${r.median.toFixed(2).padStart(7)} ms  p95 ${r.p95.toFixed(2).padStart(7)} ms  ` +
      `max ${r.max.toFixed(1).padStart(6)} ms  (${r.n} samples; floor ${floor} ms: ${ok ? 'ok' : 'ABOVE'})`,
  );
  return ok;
}

/**
 * Presses the mouse at (x, y), then moves it `steps` times by (dx, dy) per step from inside the
 * page, timing each move to the next animation frame; releases the button. The press and
 * release are real input (Playwright), so pointer capture and cytoscape's grab work as for a
 * person; the moves are dispatched in the page so that each can be timed exactly.
 */
async function dragFrames(
  page: Page,
  x: number,
  y: number,
  dx: number,
  dy: number,
  steps: number,
  target: 'pointer' | 'mouse',
): Promise<number[]> {
  await page.mouse.move(x, y);
  await page.mouse.down();
  // A first real move, so that drags past a threshold count as drags.
  await page.mouse.move(x + 4 * Math.sign(dx || 1), y + 4 * Math.sign(dy || 1), { steps: 2 });
  const frames = await page.evaluate(
    async ({ x, y, dx, dy, steps, target }) => {
      const frame = () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
      await frame();
      const out: number[] = [];
      for (let i = 1; i <= steps; i++) {
        // Back and forth, so the view stays in range however many steps there are.
        const k = i % 80 < 40 ? i % 40 : 40 - (i % 40);
        const cx = x + 4 + dx * k;
        const cy = y + 4 + dy * k;
        const el = document.elementFromPoint(cx, cy) ?? document.body;
        const t0 = performance.now();
        const init = { clientX: cx, clientY: cy, bubbles: true, cancelable: true, buttons: 1, view: window };
        if (target === 'pointer')
          el.dispatchEvent(
            new PointerEvent('pointermove', { ...init, pointerId: 1, pointerType: 'mouse', isPrimary: true }),
          );
        el.dispatchEvent(new MouseEvent('mousemove', init));
        out.push((await frame()) - t0);
      }
      return out;
    },
    { x, y, dx, dy, steps, target },
  );
  await page.mouse.up();
  return frames;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  const host = await startBrowserHost({ port: 0, log: () => {} });
  if (typeof host === 'string') throw new Error(host);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu-vsync', '--disable-frame-rate-limit', '--no-first-run'],
  });
  let ok = true;
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // tsx compiles this file keeping function names (an `__name` helper the page lacks).
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(`${host.url}?bench`);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]')?.textContent === 'running',
      null,
      {
        timeout: 30_000,
      },
    );
    await page.waitForFunction(() => (window as unknown as BenchWindow).__corescopeBench !== undefined);
    console.log(`bench:ui  Chromium ${browser.version()}, viewport 1440x900, the demo scenario\n`);

    // 1. Step key to registers, on counter's thread (stopped, selected as a person would).
    await page.getByTestId('pause').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="status"]')?.textContent?.startsWith('stopped'),
    );
    await page
      .locator('[data-testid="components"] li', { hasText: 'init -> counter' })
      .locator('.thread')
      .first()
      .click();
    await page.waitForSelector('[data-reg="pc"] .hex');
    const steps: number[] = [];
    for (let i = 0; i < 60; i++) {
      const ms = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const pc = document.querySelector('[data-reg="pc"] .hex')!;
            const before = pc.textContent;
            const t0 = performance.now();
            // A step that leaves pc where it was (a system call restarted) is not a sample.
            const timer = setTimeout(() => resolve(-1), 3000);
            const obs = new MutationObserver(() => {
              const now = document.querySelector('[data-reg="pc"] .hex')?.textContent;
              if (now === before) return;
              obs.disconnect();
              clearTimeout(timer);
              resolve(performance.now() - t0);
            });
            obs.observe(document.querySelector('[data-testid="registers"]')!, {
              subtree: true,
              characterData: true,
              childList: true,
            });
            window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F11', bubbles: true, cancelable: true }));
          }),
      );
      // The first steps finish counter's timer call (a wait in virtual time, not UI work).
      if (i >= 5 && ms >= 0) steps.push(ms);
    }
    ok = line('step key (F11) to updated registers', steps, 100) && ok;

    // 2. The TRACE timeline with a million events, panned by dragging.
    await page.getByTestId('tab-trace').click();
    const stored = await page.evaluate(() => (window as unknown as BenchWindow).__corescopeBench!.loadTrace(1_000_000));
    const canvas = page.locator('[data-testid="trace-timeline"] canvas').first();
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    // Zoomed out (all million events in view) and zoomed in (the wheel, as a person would).
    const pan = await dragFrames(page, box.x + box.width / 2, box.y + 60, 6, 0, 240, 'pointer');
    ok = line(`timeline pan, ${stored.toLocaleString('en')} events, all in view`, pan, 16) && ok;
    await page.mouse.move(box.x + box.width / 2, box.y + 60);
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -240);
    const panZoomed = await dragFrames(page, box.x + box.width / 2, box.y + 60, 6, 0, 240, 'pointer');
    ok = line('timeline pan, zoomed in', panZoomed, 16) && ok;

    // 3. The topology graph with 300 PDs and 5,000 capabilities, a PD dragged.
    await page.getByTestId('tab-topology').click();
    // Capabilities on first (it loads the demo's from the engine), then the synthetic system.
    const capsToggle = page.getByTestId('graph-show-caps');
    if (!(await capsToggle.isChecked())) await capsToggle.check();
    await page.waitForTimeout(500);
    await page.evaluate(() => (window as unknown as BenchWindow).__corescopeBench!.showTopology(300, 5000));
    await page.waitForFunction(
      () => ((window as unknown as BenchWindow).__corescopeBench!.graph()?.edges().length ?? 0) >= 5000,
      null,
      {
        timeout: 30_000,
      },
    );
    const counts = await page.evaluate(() => {
      const cy = (window as unknown as BenchWindow).__corescopeBench!.graph()!;
      return { nodes: cy.nodes().length, edges: cy.edges().length };
    });
    // Grab a thread node of a PD near the middle of the view (threads are leaves: they drag).
    const at = await page.evaluate(() => {
      const cy = (window as unknown as BenchWindow).__corescopeBench!.graph()!;
      const rect = cy.container()!.getBoundingClientRect();
      const mid = { x: rect.width / 2, y: rect.height / 2 };
      let best: { x: number; y: number; d: number } | null = null;
      cy.nodes()
        .filter((n) => n.isChildless())
        .forEach((n) => {
          const p = n.renderedPosition();
          const d = Math.hypot(p.x - mid.x, p.y - mid.y);
          if (p.x > 20 && p.y > 20 && p.x < rect.width - 20 && p.y < rect.height - 20 && (!best || d < best.d))
            best = { x: rect.left + p.x, y: rect.top + p.y, d };
        });
      return best as { x: number; y: number } | null;
    });
    if (!at) throw new Error('no node of the graph is in view');
    const drag = await dragFrames(page, at.x, at.y, 3, 2, 240, 'mouse');
    ok = line(`graph drag, ${counts.nodes} nodes and ${counts.edges} edges`, drag, 33) && ok;

    if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
  } finally {
    await browser.close();
    await host.close();
  }
  console.log(ok ? '\nall figures within their floors' : '\nSOME FIGURES ARE ABOVE THEIR FLOORS');
}

await main();
