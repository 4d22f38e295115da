import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, buildSite, chromiumPath, openPage, openSite, type Site } from './site.ts';

let site: Site | undefined;
let setupError: unknown;

beforeAll(async () => {
  // a failed setup (no Chromium, a broken build) fails every test below; nothing is skipped
  try {
    chromiumPath();
    mkdirSync(artifacts, { recursive: true });
    await buildSite();
    site = await openSite();
  } catch (e) {
    setupError = e;
  }
});

afterAll(async () => {
  await site?.close();
});

function theSite(): Site {
  if (!site) throw setupError ?? new Error('demo e2e: the site did not open');
  return site;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

describe('demo site in headless Chromium', () => {
  it('every page loads without console errors', async () => {
    const waits: Record<string, string> = {
      'index.html': 'body[data-ready="true"]',
      'activations.html': '#depth-table tr',
      'graph.html': '#apple-grads td',
      'optimizers.html': 'canvas[data-done="true"]',
      'batch.html': 'body[data-done="true"]',
      'train.html': '#summary:not(:empty)',
    };
    for (const [path, selector] of Object.entries(waits)) {
      const { page, errors } = await openPage(theSite(), path);
      await page.waitForSelector(selector, { timeout: 60_000 });
      await shot(page, path.replace('.html', ''));
      expect(errors, path).toEqual([]);
      expect(await page.locator('h1').count(), path).toBe(1);
      // every form control has an accessible name
      const unnamed = await page.locator('input, select, textarea, button').evaluateAll((els) =>
        els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim()).map((e) => e.id || e.outerHTML));
      expect(unnamed, path).toEqual([]);
      // phone width: nothing wider than the screen
      await page.setViewportSize({ width: 360, height: 740 });
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(360);
      if (path === 'train.html') await shot(page, 'train-phone');
      await page.close();
    }
  });

  it('the graph page shows the course gradients for the apple example and (x + y)²', async () => {
    const { page, errors } = await openPage(theSite(), 'graph.html');
    await page.getByRole('button', { name: 'Show all' }).first().click();
    const grad = (svg: string, node: string) => page.locator(`#${svg}-svg text[data-grad="${node}"]`).textContent();
    expect(await grad('apple', 'apple')).toBe('2.2');
    expect(await grad('apple', 'count')).toBe('110');
    expect(await grad('apple', 'tax')).toBe('200');
    expect(await page.locator('#apple-svg text[data-forward="total"]').textContent()).toBe('220');
    // editing an input recomputes: 3 apples → ∂price/∂(apple price) = 3 × 1.1
    await page.locator('#apple-in-count').fill('3');
    await expect.poll(() => page.locator('#apple-grads td[data-node="apple"]').textContent()).toBe('3.3');
    // z = (x + y)² at x = 1, y = 2: ∂z/∂x = ∂z/∂y = 2(x + y) = 6, stepped through one step at a time
    const step = page.locator('#sq-buttons').getByRole('button', { name: 'Step ▶' });
    for (let i = 0; i < 8; i++) await step.click();
    expect(await grad('sq', 'x')).toBe('6');
    expect(await grad('sq', 'y')).toBe('6');
    expect(await page.locator('#sq-svg text[data-forward="z"]').textContent()).toBe('9');
    await shot(page, 'graph-gradients');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the optimizer page races six optimizers and draws six paths', async () => {
    const { page, errors } = await openPage(theSite(), 'optimizers.html');
    // every optimizer ends below the start's loss (ravine 5.25, saddle ≈ 3.24, Rosenbrock 7.25)
    const startLoss: Record<string, number> = { ravine: 5.25, saddle: 3.24, rosenbrock: 7.25 };
    for (const surface of ['ravine', 'saddle', 'rosenbrock']) {
      await page.selectOption('#surface', surface);
      await page.waitForSelector('canvas[data-done="true"]', { timeout: 60_000 });
      expect(await page.locator('#race').getAttribute('data-paths')).toBe('6');
      const rows = page.locator('#racers tr');
      expect(await rows.count()).toBe(6);
      for (let i = 0; i < 6; i++) {
        expect(Number(await rows.nth(i).getAttribute('data-points'))).toBe(301);
        expect(Number(await rows.nth(i).locator('[data-loss]').textContent())).toBeLessThan(startLoss[surface]!);
      }
      await shot(page, `optimizers-${surface}`);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains on MNIST with WebGPU (SwiftShader) and on the CPU, and predicts a drawn digit', async () => {
    const { page, errors } = await openPage(theSite(), 'train.html');
    const run = async (backend: string, samples: number, whileRunning?: () => Promise<void>) => {
      await page.selectOption('#backend', backend);
      await page.fill('#samples', String(samples));
      await page.fill('#batch', '64');
      await page.fill('#epochs', '1');
      await page.click('#train-btn');
      await whileRunning?.();
      await page.waitForFunction(() => (window as any).nablaDemo.done || (window as any).nablaDemo.errors.length > 0, null, { timeout: 90_000 });
      return page.evaluate(() => (window as any).nablaDemo as { backend: string; losses: number[]; samplesPerSec: number; errors: string[]; testAccuracy: number });
    };
    const gpu = await run('webgpu', 1024);
    expect(gpu.errors).toEqual([]);
    expect(gpu.backend).toMatch(/^webgpu \(.*swiftshader/i);
    expect(await page.locator('#backend-used').textContent()).toBe(gpu.backend);
    expect(gpu.losses).toHaveLength(16);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(gpu.losses.slice(-4))).toBeLessThan(mean(gpu.losses.slice(0, 4)) * 0.7);
    expect(gpu.testAccuracy).toBeGreaterThan(0.5);
    expect(await page.locator('#progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(1);
    await shot(page, 'train-webgpu');

    // draw a "1" and a "7"-ish stroke on the pad: the prediction is ten probabilities summing to 1
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.2, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.85, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => (window as any).nablaDemo.probs !== null, null, { timeout: 30_000 });
    const probs = await page.evaluate(() => (window as any).nablaDemo.probs as number[]);
    expect(probs).toHaveLength(10);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(await page.locator('#probs li').count()).toBe(10);
    await shot(page, 'train-drawn-digit');

    // the CPU run is longer (a better speed figure) and is paused midway: no batch runs while paused
    const losses = () => page.evaluate(() => (window as any).nablaDemo.losses.length as number);
    const cpu = await run('cpu', 8192, async () => {
      await page.waitForFunction(() => (window as any).nablaDemo.losses.length >= 3);
      await page.click('#pause-btn');
      expect(await page.locator('#pause-btn').getAttribute('aria-pressed')).toBe('true');
      await page.waitForTimeout(300);
      const before = await losses();
      await page.waitForTimeout(700);
      expect(await losses()).toBe(before);
      expect(await page.evaluate(() => (window as any).nablaDemo.done)).toBe(false);
      await page.click('#pause-btn');
      expect(await page.locator('#pause-btn').textContent()).toBe('Pause');
    });
    expect(cpu.losses).toHaveLength(128);
    expect(cpu.errors).toEqual([]);
    // served cross-origin isolated (vite.config.ts): the CPU backend keeps tensors in its wasm heap
    expect(cpu.backend).toBe('cpu (wasm heap)');
    expect(mean(cpu.losses.slice(-4))).toBeLessThan(mean(cpu.losses.slice(0, 4)) * 0.7);
    expect(Number((await page.locator('#speed').textContent())!.replace(/,/g, ''))).toBe(Math.round(cpu.samplesPerSec));
    console.log(`demo training speed in headless Chromium (course MLP, batch 64): ` +
      `WebGPU/SwiftShader ${Math.round(gpu.samplesPerSec)} samples/s (1,024 samples), CPU backend ${Math.round(cpu.samplesPerSec)} samples/s (8,192 samples)`);
    // the CNN preset: its summary, then a short CPU run whose loss falls
    await page.click('#preset-cnn');
    await page.waitForFunction(() => /Conv2D/.test(document.querySelector('#summary')?.textContent ?? ''), null, { timeout: 30_000 });
    const cnn = await run('cpu', 1024);
    expect(cnn.errors).toEqual([]);
    expect(cnn.losses).toHaveLength(16);
    expect(mean(cnn.losses.slice(-4))).toBeLessThan(mean(cnn.losses.slice(0, 4)));
    await shot(page, 'train-cnn');
    console.log(`demo CNN preset on the CPU backend: ${Math.round(cnn.samplesPerSec)} samples/s (1,024 samples)`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
