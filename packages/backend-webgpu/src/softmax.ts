import type { TensorInfo } from '@nabla/tensor';
import { cast } from './cast.js';
import type { GBuf, Program, Runtime } from './runtime.js';
import { isContiguous, sizeOf } from './strided.js';
import { header, withLib } from './wgsl.js';

const WG = 64;

// params: [0] rows, [1] row length R, [2] input offset
function source(log: boolean): string {
  const write = log
    ? '  let ls = log_(s);\n  for (var j = 0u; j < R; j = j + 1u) { out0[o + j] = (in0[base + j] - shift) - ls; }'
    : '  for (var j = 0u; j < R; j = j + 1u) { out0[o + j] = div_(exp_(in0[base + j] - shift), s); }';
  return withLib(`${header(['f32'], ['f32'])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * ${WG}u;
  if (r >= pm(0u)) { return; }
  let R = pm(1u);
  let base = pm(2u) + r * R;
  let o = r * R;
  // the row maximum (NaN wins), then exp(x - shift) summed in one pass
  var m = -inf_();
  for (var j = 0u; j < R; j = j + 1u) { m = max_(m, in0[base + j]); }
  var shift = 0.0;
  if (isfin_(m)) { shift = m; }
  // eight interleaved partial sums, added pairwise: rounding grows with R/8, not R
  var p: array<f32, 8>;
  for (var j = 0u; j < R; j = j + 1u) { p[j & 7u] = p[j & 7u] + exp_(in0[base + j] - shift); }
  let s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
${write}
}`);
}

/**
 * Fused (log-)softmax over the last axis: one thread per row reads the row three times
 * (max, sum of exponentials, output). Rows are short in practice (classes, attention keys);
 * a strided input is first made contiguous.
 */
export function softmax(rt: Runtime, x: TensorInfo, log: boolean): GBuf {
  const n = sizeOf(x.shape);
  const out = rt.alloc(n * 4);
  const R = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (n === 0 || R === 0) return out;
  const contiguous = isContiguous(x.shape, x.strides);
  const src = contiguous ? (x.buffer as GBuf) : cast(rt, x, 'float32');
  const rows = n / R;
  const program: Program = { key: `softmax:${log ? 'log' : 'exp'}`, nIn: 1, nOut: 1, source: () => source(log) };
  rt.run(program, [src], [out], [rows, R, contiguous ? x.offset : 0], rt.grid(Math.ceil(rows / WG)));
  if (!contiguous) rt.free(src);
  return out;
}
