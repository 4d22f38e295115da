import type { Shape, TensorInfo } from '@nabla/tensor';
import { MAX_RANK, runMap } from './map.js';
import type { GBuf, Program, Runtime } from './runtime.js';
import { collapse, contiguous, padTo, sizeOf } from './strided.js';
import { floatBits, header, withLib, wtype, type WType } from './wgsl.js';

const WG = 64;

/** Joins inputs along `axis`: one strided copy per input into its slab of the output. */
export function concat(rt: Runtime, xs: readonly TensorInfo[], axis: number): GBuf {
  const first = xs[0]!;
  const shape = [...first.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const out = rt.alloc(sizeOf(shape) * 4);
  const outStrides = contiguous(shape);
  const t = wtype(first.dtype);
  let at = 0;
  for (const x of xs) {
    runMap(rt, 'copy', `fn f(v: ${t}) -> ${t} { return v; }`, [{ buf: x.buffer as GBuf, type: t, strides: x.strides, offset: x.offset }],
      { buf: out, type: t, strides: outStrides, offset: at * outStrides[axis]! }, x.shape);
    at += x.shape[axis]!;
  }
  return out;
}

// pad params: [0] n, [1] rank, [2] input offset, [3] value bits,
// [4..12) out shape, [12..20) before, [20..28) input shape, [28..36) input strides
function padSource(t: WType): string {
  return withLib(`${header([t], [t])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= pm(0u)) { return; }
  let rank = pm(1u);
  var rem = i;
  var a = pm(2u);
  var inside = true;
  for (var k = 0u; k < rank; k = k + 1u) {
    let d = rank - 1u - k;
    let s = pm(4u + d);
    let c = i32(rem % s) - i32(pm(12u + d));
    rem = rem / s;
    if (c < 0 || c >= i32(pm(20u + d))) { inside = false; } else { a = a + u32(c) * pm(28u + d); }
  }
  if (inside) { out0[i] = in0[a]; } else { out0[i] = bitcast<${t}>(pm(3u)); }
}`);
}

/** Pads with a constant: every output element either reads x or takes `value`. */
export function pad(rt: Runtime, x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): GBuf {
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const n = sizeOf(shape);
  const out = rt.alloc(n * 4);
  if (n === 0) return out;
  if (shape.length > MAX_RANK) throw new Error(`${rt.op}: rank ${shape.length} exceeds the WebGPU backend's limit of ${MAX_RANK}`);
  const t = wtype(x.dtype);
  const bits = x.dtype === 'float32' ? floatBits(value) : x.dtype === 'int32' ? (value | 0) >>> 0 : value !== 0 ? 1 : 0;
  const program: Program = { key: `pad:${t}`, nIn: 1, nOut: 1, source: () => padSource(t) };
  const params = [
    n, shape.length, x.offset, bits, ...padTo(shape, MAX_RANK), ...padTo(paddings.map((p) => p[0]), MAX_RANK),
    ...padTo(x.shape, MAX_RANK), ...padTo(x.strides, MAX_RANK),
  ];
  rt.run(program, [x.buffer as GBuf], [out], params, rt.grid(Math.ceil(n / WG)));
  return out;
}

/** Dimensions gather and scatterAdd can address after merging (3 words each). */
const MAX_DIMS = 16;

// gather params: [0] n, [1] rank, [2] x offset, [3] idx offset, [4] axis stride of x, [5] axis size,
// then per dimension d at 8 + 3d: size, x stride, index stride
function gatherSource(t: WType): string {
  return withLib(`${header(['i32', t], [t])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= pm(0u)) { return; }
  let rank = pm(1u);
  var rem = i;
  var xa = pm(2u);
  var ia = pm(3u);
  for (var k = 0u; k < rank; k = k + 1u) {
    let d = rank - 1u - k;
    let s = pm(8u + 3u * d);
    let c = rem % s;
    rem = rem / s;
    xa = xa + c * pm(9u + 3u * d);
    ia = ia + c * pm(10u + 3u * d);
  }
  // indices are promised in range (the CPU backend throws on others); one out of range
  // reads as zero, as TensorFlow's GPU kernels do, rather than another tensor's memory
  let j = in0[ia];
  if (j < 0 || j >= i32(pm(5u))) { out0[i] = ${t === 'f32' ? '0.0' : t === 'i32' ? '0i' : '0u'}; return; }
  out0[i] = in1[xa + u32(j) * pm(4u)];
}`);
}

/** out = x.shape[:axis] + indices.shape + x.shape[axis+1:], picking slices of x at the indices. */
export function gather(rt: Runtime, x: TensorInfo, indices: TensorInfo, axis: number): GBuf {
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const n = sizeOf(outShape);
  const out = rt.alloc(n * 4);
  if (n === 0) return out;
  const zerosI = indices.shape.map(() => 0);
  const xStrides = [...x.strides.slice(0, axis), ...zerosI, ...x.strides.slice(axis + 1)];
  const iStrides = [...x.shape.slice(0, axis).map(() => 0), ...indices.strides, ...x.shape.slice(axis + 1).map(() => 0)];
  const c = collapse(outShape, [xStrides, iStrides, contiguous(outShape)]);
  if (c.shape.length > MAX_DIMS) throw new Error(`${rt.op}: x and indices have too many dimensions (${c.shape.length} after merging; at most ${MAX_DIMS})`);
  const t = wtype(x.dtype);
  const program: Program = { key: `gather:${t}`, nIn: 2, nOut: 1, source: () => gatherSource(t) };
  const params = [n, c.shape.length, x.offset, indices.offset, x.strides[axis]!, x.shape[axis]!, 0, 0];
  c.shape.forEach((s, d) => params.push(s, c.strides[0]![d]!, c.strides[1]![d]!));
  rt.run(program, [indices.buffer as GBuf, x.buffer as GBuf], [out], params, rt.grid(Math.ceil(n / WG)));
  return out;
}

const MAX_SCATTER_RANK = 7;
// scatterAdd params: [0] n, [1] out rank, [2] axis, [3] idx rank, [4] P (indices), [5] updates offset, [6] idx offset,
// [8..15) out shape, [15..22) updates strides on the out dims (axis ignored),
// [22..30) idx shape, [30..38) idx strides, [38..46) updates strides of the index dims
function scatterSource(t: WType): string {
  const add = t === 'u32' ? 'acc | v' : 'acc + v';
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0i' : '0u';
  return withLib(`${header(['i32', t], [t])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= pm(0u)) { return; }
  let rank = pm(1u);
  let axis = pm(2u);
  var rem = i;
  var base = pm(5u);
  var j = 0u;
  for (var k = 0u; k < rank; k = k + 1u) {
    let d = rank - 1u - k;
    let s = pm(8u + d);
    let c = rem % s;
    rem = rem / s;
    if (d == axis) { j = c; } else { base = base + c * pm(15u + d); }
  }
  let ir = pm(3u);
  let P = pm(4u);
  var acc = ${zero};
  // one thread per output element, visiting the indices in order: deterministic sums, no atomics
  for (var p = 0u; p < P; p = p + 1u) {
    var r2 = p;
    var ia = pm(6u);
    var ua = base;
    for (var k = 0u; k < ir; k = k + 1u) {
      let d = ir - 1u - k;
      let s = pm(22u + d);
      let c = r2 % s;
      r2 = r2 / s;
      ia = ia + c * pm(30u + d);
      ua = ua + c * pm(38u + d);
    }
    if (in0[ia] == i32(j)) {
      let v = in1[ua];
      acc = ${add};
    }
  }
  out0[i] = acc;
}`);
}

/** The adjoint of gather: zeros of outShape plus each updates slice added at its index. */
export function scatterAdd(rt: Runtime, updates: TensorInfo, indices: TensorInfo, axis: number, outShape: Shape): GBuf {
  const n = sizeOf(outShape);
  const out = rt.alloc(n * 4);
  if (n === 0) return out;
  const ir = indices.shape.length;
  if (outShape.length > MAX_SCATTER_RANK || ir > 8) {
    throw new Error(`${rt.op}: rank ${outShape.length} output with rank ${ir} indices exceeds the WebGPU backend's limits (${MAX_SCATTER_RANK} and 8)`);
  }
  const uOut = [...updates.strides.slice(0, axis), 0, ...updates.strides.slice(axis + ir)];
  const uIdx = updates.strides.slice(axis, axis + ir);
  const t = wtype(updates.dtype);
  const program: Program = { key: `scatterAdd:${t}`, nIn: 2, nOut: 1, source: () => scatterSource(t) };
  const params = [
    n, outShape.length, axis, ir, sizeOf(indices.shape), updates.offset, indices.offset, 0,
    ...padTo(outShape, 7), ...padTo(uOut, 7), ...padTo(indices.shape, 8), ...padTo(indices.strides, 8), ...padTo(uIdx, 8),
  ];
  rt.run(program, [indices.buffer as GBuf, updates.buffer as GBuf], [out], params, rt.grid(Math.ceil(n / WG)));
  return out;
}
