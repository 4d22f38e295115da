import type { Backend, DType, Kernels, TypedArray } from '@nabla/tensor';
import { binary, where } from './binary.js';
import { cast } from './cast.js';
import { concat, gather, pad, scatterAdd } from './combine.js';
import { matmul } from './matmul.js';
import { reduce } from './reduce.js';
import { softmax } from './softmax.js';
import { Runtime, type GBuf, type RuntimeOptions } from './runtime.js';
import { unary } from './unary.js';
import { windowsGrad } from './windows.js';

/** What the backend reports about its adapter. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'core' or 'compatibility'. */
  featureLevel: string;
  /** A CPU implementation (SwiftShader, llvmpipe, lavapipe, WARP): correct, but slower than nabla's CPU backend. */
  software: boolean;
}

/**
 * nabla's Backend on a GPUDevice. Buffers are 32-bit words per element (bool as u32 0/1,
 * converted in write/read); kernels are WGSL compute shaders recorded into a command
 * encoder that is submitted on read, on sync or at the batch limit. Reads are async only.
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels: Kernels;
  readonly runtime: Runtime;
  private onDispose: (() => void)[] = [];

  constructor(readonly device: GPUDevice, opts: RuntimeOptions, readonly adapter?: AdapterSummary) {
    const rt = (this.runtime = new Runtime(device, opts));
    const g = rt.guard.bind(rt);
    this.kernels = {
      unary: (x, op, outDtype) => g(op, () => unary(rt, x, op, outDtype)),
      binary: (a, b, op, outDtype) => g(op, () => binary(rt, a, b, op, outDtype)),
      where: (cond, a, b) => g('where', () => where(rt, cond, a, b)),
      reduce: (x, op, axes, outDtype) => g(op, () => reduce(rt, x, op, axes, outDtype)),
      softmax: (x, log) => g(log ? 'logSoftmax' : 'softmax', () => softmax(rt, x, log)),
      matmul: (a, b) => g('matmul', () => matmul(rt, a, b)),
      cast: (x, dtype) => g('cast', () => cast(rt, x, dtype)),
      concat: (xs, axis) => g('concat', () => concat(rt, xs, axis)),
      pad: (x, paddings, value) => g('pad', () => pad(rt, x, paddings, value)),
      gather: (x, indices, axis) => g('gather', () => gather(rt, x, indices, axis)),
      scatterAdd: (updates, indices, axis, outShape) => g('scatterAdd', () => scatterAdd(rt, updates, indices, axis, outShape)),
      windowsGrad: (dy, inputShape, params) => g('windowsGrad', () => windowsGrad(rt, dy, inputShape, params)),
    };
  }

  write(values: TypedArray, dtype: DType): unknown {
    return this.runtime.guard('write', () => this.runtime.write(values, dtype));
  }

  read(buffer: unknown, dtype: DType, size: number): Promise<TypedArray> {
    return this.runtime.read(buffer as GBuf, dtype, size);
  }

  release(buffer: unknown): void {
    this.runtime.free(buffer as GBuf);
  }

  /** Submits queued work and resolves when the GPU has finished it (rejects with any error it raised). */
  sync(): Promise<void> {
    return this.runtime.sync();
  }

  /** Destroys every buffer (and the device, if the backend created it). */
  dispose(): void {
    if (this.runtime.isDisposed) return;
    this.runtime.dispose();
    for (const f of this.onDispose.splice(0)) f();
  }

  /** Runs `f` once when the backend is disposed (the Node entry uses it to release Dawn). */
  whenDisposed(f: () => void): void {
    this.onDispose.push(f);
  }
}
