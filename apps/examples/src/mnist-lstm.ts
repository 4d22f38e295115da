/**
 * A sibling of the main job: trains LSTM(64) reading each digit as 28 rows of 28 pixels, then
 * Dense(10), on the real MNIST (options in mnist.ts).
 * Usage: tsx src/mnist-lstm.ts [--epochs 2] [--batch-size 64] [--backend auto|cpu|webgpu] [--train-limit N]
 */
import { runMnist } from './mnist.js';

await runMnist(process.argv.slice(2), { model: 'lstm' });
