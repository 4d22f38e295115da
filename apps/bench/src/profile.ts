/**
 * Steps one nabla workload on the CPU backend in a loop, for a CPU profile (not a benchmark:
 * `pnpm bench` measures; this finds where the time goes).
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx src/profile.ts <mlp|cnn|lstm|predict> [batch] [steps]
 *   node scripts/profile-summary.mjs /tmp/prof/<the largest>.cpuprofile [--files] [rows]
 *
 * Prints ms per step. Uses the bench's models and Adam settings (systems/nabla-models.ts).
 */
import * as t from '@nabla/tensor';
import '@nabla/backend-cpu';
import { cnn, loadTraining, lstm, mlp } from './systems/nabla-models.js';

const [which = 'mlp', batchArg, stepsArg] = process.argv.slice(2);
if (!['mlp', 'cnn', 'lstm', 'predict'].includes(which)) throw new Error(`profile: unknown workload '${which}' (mlp, cnn, lstm, predict)`);
const batch = Number(batchArg ?? (which === 'predict' ? 1 : which === 'mlp' ? 128 : 64));
const steps = Number(stepsArg ?? (which === 'predict' ? 3000 : which === 'mlp' ? 300 : 20));
await t.setBackend('cpu');
const n = await loadTraining();
if (typeof n === 'string') throw new Error(n);
const model = which === 'cnn' ? cnn(n) : which === 'lstm' ? lstm(n) : mlp(t, n);
const shape = which === 'cnn' ? [batch, 28, 28, 1] : which === 'lstm' ? [batch, 28, 28] : [batch, 784];
const x = t.randomUniform(shape);
const labels = new Float32Array(batch * 10);
for (let i = 0; i < batch; i++) labels[i * 10 + (i % 10)] = 1;
const y = t.tensor(labels, [batch, 10]);
const step = which === 'predict'
  ? async () => {
    const out = model.predict(x, { batchSize: batch }) as t.Tensor;
    await out.data();
    out.dispose();
  }
  : async () => {
    await model.trainOnBatch(x, y);
  };
for (let i = 0; i < Math.min(20, steps); i++) await step(); // warm-up: tier-up, the thread pool, reused arrays
const start = performance.now();
for (let i = 0; i < steps; i++) await step();
const ms = (performance.now() - start) / steps;
console.log(`${which} batch ${batch}: ${ms.toFixed(3)} ms per step, ${Math.round((batch / ms) * 1000)} samples/s (${steps} steps)`);
process.exit(0); // the pool's workers are unref'd; exit now so the profile is written at once
