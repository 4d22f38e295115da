import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { binary, fastBinary } from '../src/binary.js';
import { matmul } from '../src/matmul.js';
import { fastReduce, reduce } from '../src/reduce.js';
import { fastSoftmax, softmax } from '../src/softmax.js';
import { fastUnary, unary } from '../src/unary.js';
import { windowsGrad, windowsGradReference } from '../src/windows.js';
import { kernelOf } from '../src/strided.js';

// Which kernels each kind of backend runs: 'reference' must stay the plain JS loops (the oracle
// every fast kernel is tested against), 'fast' must actually use the fast ones.
describe('kernel tables', () => {
  it("'reference' runs the JS loops and no fused kernels", () => {
    const b = createCpuBackend({ kernels: 'reference' });
    const k = b.kernels;
    expect([k.unary, k.binary, k.reduce, k.softmax, k.matmul, k.windowsGrad].map(kernelOf)).toEqual([unary, binary, reduce, softmax, matmul, windowsGradReference]);
    expect(b.fused).toBeUndefined();
    b.dispose?.();
  });

  it("'fast' runs the wasm SIMD kernels and the fused ones", () => {
    const b = createCpuBackend();
    const k = b.kernels;
    expect([k.unary, k.binary, k.reduce, k.softmax, k.windowsGrad].map(kernelOf)).toEqual([fastUnary, fastBinary, fastReduce, fastSoftmax, windowsGrad]);
    expect(kernelOf(k.matmul)).not.toBe(matmul);
    expect(Object.keys(b.fused ?? {}).sort()).toEqual(['adam', 'lstmCell', 'lstmCellGrad', 'maxPool2d', 'maxPool2dGrad', 'reluGrad']);
    b.dispose?.();
  });
});
