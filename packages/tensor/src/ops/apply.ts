import type { Backend } from '../backend.js';
import { engine } from '../engine.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * The one choke point every primitive goes through: it checks the inputs are alive
 * and on the active backend, runs the primitive, and shows the result to the hooks
 * (autograd's tape, profilers). `op` is the user-facing name used in errors.
 */
export function apply(
  op: string,
  prim: string,
  inputs: readonly Tensor[],
  attrs: Readonly<Record<string, unknown>>,
  compute: (backend: Backend) => Tensor,
): Tensor {
  const backend = engine.backend;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.isDisposed) throw new Error(`${op}: input ${i} (Tensor#${t.id}, shape ${fmtShape(t.shape)}, ${t.dtype}) was disposed`);
    if (t.storage.backend !== backend) {
      const other = t.storage.backend.name === backend.name
        ? `another '${backend.name}' backend instance than the active one (tensors made before setBackend() stay on the backend that made them)`
        : `the '${t.storage.backend.name}' backend but the active backend is '${backend.name}'`;
      throw new Error(`${op}: input ${i} lives on ${other}`);
    }
  }
  const out = compute(backend);
  for (const h of engine.hooks) h.record(prim, inputs, attrs, out);
  return out;
}

/** Throws an error naming `op` when an input was disposed (for ops that compose several primitives). */
export function checkAlive(op: string, inputs: readonly Tensor[]): void {
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.isDisposed) throw new Error(`${op}: input ${i} (Tensor#${t.id}, shape ${fmtShape(t.shape)}, ${t.dtype}) was disposed`);
  }
}
