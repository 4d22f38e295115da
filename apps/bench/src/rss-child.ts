/**
 * Peak RSS of one system+backend, measured in a process of its own (RSS is per process,
 * so in-process figures would mix the systems). Loads only that system, trains the MLP
 * (batch 128) for a few steps, then prints one line:
 *   RSS_RESULT {"baseRss":…, "loadedRss":…, "maxRss":…}   (bytes)
 * Usage (spawned by main.ts): tsx src/rss-child.ts <nabla|tfjs> <cpu|wasm|webgpu> <steps>
 */
import { readFileSync } from 'node:fs';
import { configureAdapterEnv } from './gpu.js';
import type { BackendName, LoadedSystem } from './systems/types.js';

/**
 * Peak RSS of this process image: VmHWM from /proc (Linux). Not resourceUsage().maxRSS:
 * it survives exec, so a spawned child reports its parent's peak.
 */
function peakRss(sampled: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return sampled;
}

const [system, backend, stepsArg] = process.argv.slice(2) as [string, BackendName, string];
const baseRss = process.memoryUsage().rss;
configureAdapterEnv();
const wanted = new Set<BackendName>([backend]);
const loaded: LoadedSystem = system === 'nabla'
  ? await (await import('./systems/nabla.js')).loadNabla(wanted)
  : await (await import('./systems/tfjs.js')).loadTfjs(wanted);
const c = loaded.contestants[0];
if (!c || c.unavailable) {
  console.log(`RSS_RESULT ${JSON.stringify({ error: c?.unavailable ?? 'not loaded' })}`);
  process.exit(0);
}
const loadedRss = process.memoryUsage().rss;
try {
  await c.activate();
  const train = await c.setup('mlp-train', { batch: 128 });
  let sampled = loadedRss;
  for (let i = 0; i < Number(stepsArg || 5); i++) {
    await train.run();
    sampled = Math.max(sampled, process.memoryUsage().rss);
  }
  await train.teardown();
  const maxRss = peakRss(sampled);
  console.log(`RSS_RESULT ${JSON.stringify({ baseRss, loadedRss, maxRss })}`);
} catch (e) {
  console.log(`RSS_RESULT ${JSON.stringify({ error: (e as Error).message.split('\n')[0] })}`);
}
process.exit(0);
