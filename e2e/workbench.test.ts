/**
 * End-to-end: the renderer as a person sees it, in Debian's Chromium (headless) against the
 * built app served on 127.0.0.1, and the Electron app itself where its binary is installed.
 * Screenshots land in test-results/ for a person to look at.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, _electron as electron, type Browser } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  let server: PreviewServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await preview({
      root: join(root, 'src/renderer'),
      build: { outDir: join(root, 'out/renderer') },
      preview: { host: '127.0.0.1', port: 0 },
      logLevel: 'silent',
    });
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
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the Corescope page with its CSP and no errors', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const url = server.resolvedUrls!.local[0];
    await page.goto(url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Corescope');
    expect(await page.locator('.host').textContent()).toBe('Host: browser');
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("script-src 'self'");
    await page.screenshot({ path: join(shots, 'workbench-browser.png') });
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!electronPath)('Electron app', () => {
  it('opens one window titled Corescope with the sandboxed preload', async () => {
    const app = await electron.launch({ executablePath: electronPath!, args: [join(root, 'out/main/index.js')] });
    const win = await app.firstWindow();
    await expect.poll(() => win.title()).toBe('Corescope');
    expect(await win.locator('.host').textContent()).toMatch(/^Host: Electron \d+/);
    await win.screenshot({ path: join(shots, 'workbench-electron.png') });
    await app.close();
  });
});
