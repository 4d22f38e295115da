import { gather, getBackend, slice, tensor, withBackend, type Tensor } from '@nabla/tensor';

// Training data may live on another backend than the active one: the 60,000 MNIST images
// (188 MB) exceed what a WebGPU compatibility adapter can bind, so they stay on the CPU and
// fit/evaluate/predict slice batches there and upload one batch at a time.

/** Runs `fn` on the backend that holds `t` (slicing and checks happen where the data is). */
export function onOwnBackend<T>(t: Tensor, fn: () => T): T {
  const b = t.storage.backend;
  return b === getBackend() ? fn() : withBackend(b, fn);
}

/** Moves a batch to the active backend (consuming it); a no-op when it is already there. */
export function moveToActive(t: Tensor): Tensor {
  const from = t.storage.backend;
  if (from === getBackend()) return t;
  if (!from.readSync) {
    throw new Error(`data on the '${from.name}' backend cannot be read synchronously to feed the '${getBackend().name}' backend; create the data on the active backend or on the CPU`);
  }
  const out = tensor(t.dataSync(), t.shape, t.dtype);
  t.dispose();
  return out;
}

/** The batch [start, start+size) of x, in `order` when given, on the active backend. */
export function batchOf(x: Tensor, order: Int32Array | null, start: number, size: number): Tensor {
  const local = onOwnBackend(x, () => {
    if (!order) return slice(x, [start], [size]);
    const idx = tensor(order.slice(start, start + size), [size], 'int32');
    try {
      return gather(x, idx, 0);
    } finally {
      idx.dispose();
    }
  });
  return moveToActive(local);
}
