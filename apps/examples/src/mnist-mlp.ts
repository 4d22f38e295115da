/**
 * The main job: trains exactly the course's network on the 60,000 real MNIST training
 * images with the fastest available backend, evaluates it on the 10,000 test images and saves it.
 * Its siblings (`--model cnn`, `--model lstm`) train the course's CNN and a row-LSTM the same way.
 *
 * Usage: tsx src/mnist-mlp.ts [--epochs 3] [--batch-size 128] [--backend auto|cpu|webgpu] [--out models/mnist-mlp] [--seed 42]
 */
import { runMnist } from './mnist.js';

await runMnist(process.argv.slice(2), { model: 'mlp' });
