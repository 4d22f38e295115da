import { broadcastShapes, fmtShape, shapesEqual } from '../shape.js';
import { tensorFromBuffer, type Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { broadcastTo, transpose } from './views.js';

function swapLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transpose(x, perm);
}

/**
 * Matrix product of the last two dimensions, broadcasting leading (batch) dimensions.
 * Transposes are free views. @example matmul(x, w) // [B, K] x [K, N] -> [B, N]
 */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  checkAlive('matmul', [a, b]);
  if (a.rank < 2 || b.rank < 2) throw new RangeError(`matmul: inputs must have rank >= 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new TypeError(`matmul: expected float32 inputs, got ${a.dtype} and ${b.dtype}`);
  const owned: Tensor[] = [];
  const own = (t: Tensor): Tensor => (owned.push(t), t);
  try {
    const ta = transposeA ? own(swapLast(a)) : a;
    const tb = transposeB ? own(swapLast(b)) : b;
    const [m, k] = ta.shape.slice(-2) as [number, number];
    const [k2, n] = tb.shape.slice(-2) as [number, number];
    if (k !== k2) {
      throw new RangeError(`matmul: inner sizes differ: ${fmtShape(a.shape)}${transposeA ? 'ᵀ' : ''} x ${fmtShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${k2})`);
    }
    const batch = broadcastShapes(ta.shape.slice(0, -2), tb.shape.slice(0, -2));
    if (!batch) throw new RangeError(`matmul: batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
    const sa = [...batch, m, k];
    const sb = [...batch, k, n];
    const ba = shapesEqual(ta.shape, sa) ? ta : own(broadcastTo(ta, sa));
    const bb = shapesEqual(tb.shape, sb) ? tb : own(broadcastTo(tb, sb));
    const outShape = [...batch, m, n];
    return apply('matmul', 'matmul', [ba, bb], {}, (be) => tensorFromBuffer(be, be.kernels.matmul(ba.info(), bb.info()), outShape, 'float32'));
  } finally {
    for (const t of owned) t.dispose();
  }
}
