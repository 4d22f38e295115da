/**
 * Test helpers: builds the site, serves dist/ with `vite preview` on a free port and opens Debian's
 * headless Chromium through playwright-core, with WebGPU on SwiftShader (TOOLCHAIN.md §6).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

export const root = resolve(import.meta.dirname, '..');
export const artifacts = join(root, 'test-artifacts');

export const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-gpu',
];

/** Chromium's path; throws (never skips) when it is missing, so CI fails loudly. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`demo e2e: Chromium not found at ${path}${process.env.CI === 'true' ? ' (CI=true: install the Debian package chromium, as tooling/run.sh does)' : ''}; set CHROMIUM_PATH to another build`);
  }
  return path;
}

/** The MNIST subset (skipped when present) and a fresh production build in dist/. */
export async function buildSite(): Promise<void> {
  execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'mnist-subset.ts')], { cwd: root, stdio: 'inherit' });
  await build({ root, logLevel: 'warn', configFile: join(root, 'vite.config.ts') });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export interface Site {
  url: string;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function openSite(): Promise<Site> {
  const executablePath = chromiumPath();
  const port = await freePort();
  const server: PreviewServer = await preview({ root, logLevel: 'warn', configFile: join(root, 'vite.config.ts'), preview: { port, strictPort: true, host: '127.0.0.1', open: false } });
  const profile = mkdtempSync(join(tmpdir(), 'nabla-demo-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1100, height: 900 } });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    context,
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that records console errors and uncaught exceptions (the page's and its workers'). */
export async function openPage(site: Site, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await site.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker console: ${m.text()}`); }));
  await page.goto(`${site.url}/${path}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, errors };
}
