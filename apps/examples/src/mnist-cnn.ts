/**
 * A sibling of the main job: trains the course's CNN (Conv 32, pool, Conv 64, pool, Dense 10) on
 * the real MNIST (options in mnist.ts).
 * Usage: tsx src/mnist-cnn.ts [--epochs 2] [--batch-size 32] [--backend auto|cpu|webgpu] [--train-limit N]
 */
import { runMnist } from './mnist.js';

await runMnist(process.argv.slice(2), { model: 'cnn' });
