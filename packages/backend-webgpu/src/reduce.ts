import type { DType, ReduceOp, TensorInfo } from '@nabla/tensor';
import { MAX_RANK } from './map.js';
import type { GBuf, Program, Runtime } from './runtime.js';
import { collapse, padTo, sizeOf } from './strided.js';
import { header, withLib, wtype, type WType } from './wgsl.js';

/**
 * Reductions over the trailing dimensions of a strided view. Short rows (≤ 64 elements):
 * one thread per output. Longer rows: a workgroup per row (or per chunk of a very long
 * row, then a second pass over the chunks), each thread folding a strided slice before a
 * tree reduction in workgroup memory, so float sums keep about log2(n) roundings.
 */

const WG = 64;
const THREAD_MODE_MAX = 64;
/** Elements one workgroup folds before a second pass (64 per thread). */
const CHUNK = WG * 64;

// params: [0] outputs O, [1] row length R, [2] outer rank, [3] inner rank, [4] offset,
// [5] chunk, [6] chunks per row C, [7] total workgroups O*C,
// [8..16) outer shape, [16..24) outer strides, [24..32) inner shape, [32..40) inner strides
const P_OUTER_SHAPE = 8;
const P_OUTER_STRIDES = 16;
const P_INNER_SHAPE = 24;
const P_INNER_STRIDES = 32;

interface Fold {
  /** Accumulator type. */
  acc: WType;
  identity: string;
  /** Folds `v` (already converted to acc) into `a`. */
  combine: string;
}

function fold(op: ReduceOp, inType: WType): Fold {
  const acc: WType = (op === 'sum' || op === 'prod') && inType === 'u32' ? 'i32' : inType;
  const isF = acc === 'f32';
  switch (op) {
    case 'sum':
      return { acc, identity: isF ? '0.0' : acc === 'i32' ? '0i' : '0u', combine: 'a + v' };
    case 'prod':
      return { acc, identity: isF ? '1.0' : acc === 'i32' ? '1i' : '1u', combine: 'a * v' };
    case 'max':
      return { acc, identity: isF ? '-inf_()' : acc === 'i32' ? 'i32(-2147483648)' : '0u', combine: isF ? 'max_(a, v)' : 'max(a, v)' };
    case 'min':
      return { acc, identity: isF ? 'inf_()' : acc === 'i32' ? '2147483647i' : '1u', combine: isF ? 'min_(a, v)' : 'min(a, v)' };
    default:
      throw new Error(`reduce: ${op} is not a fold`);
  }
}

/** WGSL computing `name` = the address offset of linear index `idx` over a shape/strides pair in params. */
function addressOf(name: string, idx: string, rankWord: number, shapeAt: number, stridesAt: number, rank1: boolean): string {
  if (rank1) return `  let ${name} = ${idx} * pm(${stridesAt}u);`;
  return [
    `  var ${name} = 0u;`,
    '  {',
    `    let rank = pm(${rankWord}u);`,
    `    var rem = ${idx};`,
    '    for (var k = 0u; k < rank; k = k + 1u) {',
    '      let d = rank - 1u - k;',
    `      let s = pm(${shapeAt}u + d);`,
    `      ${name} = ${name} + (rem % s) * pm(${stridesAt}u + d);`,
    '      rem = rem / s;',
    '    }',
    '  }',
  ].join('\n');
}

function innerAddr(idx: string, rank1: boolean): string {
  if (rank1) return `${idx} * pm(${P_INNER_STRIDES}u)`;
  return `inner_(${idx})`;
}

function innerFn(): string {
  return `fn inner_(r: u32) -> u32 {
  let rank = pm(3u);
  var rem = r;
  var a = 0u;
  for (var k = 0u; k < rank; k = k + 1u) {
    let d = rank - 1u - k;
    let s = pm(${P_INNER_SHAPE}u + d);
    a = a + (rem % s) * pm(${P_INNER_STRIDES}u + d);
    rem = rem / s;
  }
  return a;
}`;
}

/** Is `v` at index `i` a better argmax/argmin than `a` at `j` (NaN wins, then the first index)? */
function betterFn(op: 'argmax' | 'argmin', t: WType): string {
  const cmp = op === 'argmax' ? '>' : '<';
  if (t !== 'f32') {
    return `fn better_(v: ${t}, i: u32, a: ${t}, j: u32) -> bool { if (j == 0xffffffffu) { return true; } if (i == 0xffffffffu) { return false; } return v ${cmp} a || (v == a && i < j); }`;
  }
  return `fn better_(v: f32, i: u32, a: f32, j: u32) -> bool {
  if (j == 0xffffffffu) { return true; }
  if (i == 0xffffffffu) { return false; }
  let nv = isnan_(v);
  let na = isnan_(a);
  if (nv || na) { return nv && (!na || i < j); }
  return v ${cmp} a || (v == a && i < j);
}`;
}

function source(op: ReduceOp, inType: WType, outType: WType, mode: 'thread' | 'row', outerRank1: boolean, innerRank1: boolean): string {
  const arg = op === 'argmax' || op === 'argmin';
  const f = arg ? null : fold(op, inType);
  const acc = arg ? inType : f!.acc;
  const conv = acc === inType ? 'in0[p]' : `${acc}(in0[p])`;
  const lines: string[] = [header([inType], [outType])];
  if (!innerRank1) lines.push(innerFn());
  if (arg) lines.push(betterFn(op, inType));
  else lines.push(`fn comb_(a: ${acc}, v: ${acc}) -> ${acc} { return ${f!.combine}; }`);
  const result = arg ? 'i32(bi)' : outType === acc ? 'ba' : `${outType}(ba)`;
  if (mode === 'thread') {
    lines.push(`@compute @workgroup_size(${WG})`);
    lines.push('fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
    lines.push(`  let o = gid.x + gid.y * nwg.x * ${WG}u;`);
    lines.push('  if (o >= pm(0u)) { return; }');
    lines.push(addressOf('ob', 'o', 2, P_OUTER_SHAPE, P_OUTER_STRIDES, outerRank1));
    lines.push('  let base = pm(4u) + ob;');
    lines.push('  let R = pm(1u);');
    if (arg) {
      lines.push(`  var ba: ${acc} = in0[base];`);
      lines.push('  var bi = 0u;');
      lines.push('  for (var r = 1u; r < R; r = r + 1u) {');
      lines.push(`    let p = base + ${innerAddr('r', innerRank1)};`);
      lines.push('    let v = in0[p];');
      lines.push('    if (better_(v, r, ba, bi)) { ba = v; bi = r; }');
      lines.push('  }');
    } else {
      lines.push(`  var ba: ${acc} = ${f!.identity};`);
      lines.push('  for (var r = 0u; r < R; r = r + 1u) {');
      lines.push(`    let p = base + ${innerAddr('r', innerRank1)};`);
      lines.push(`    ba = comb_(ba, ${conv});`);
      lines.push('  }');
    }
    lines.push(`  out0[o] = ${result};`);
    lines.push('}');
    return withLib(lines.join('\n'));
  }
  lines.push(`var<workgroup> sv: array<${acc}, ${WG}>;`);
  if (arg) lines.push(`var<workgroup> si: array<u32, ${WG}>;`);
  lines.push(`@compute @workgroup_size(${WG})`);
  lines.push('fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  lines.push('  let w = wid.x + wid.y * nwg.x;');
  lines.push('  if (w >= pm(7u)) { return; }');
  lines.push('  let C = pm(6u);');
  lines.push('  let o = w / C;');
  lines.push('  let r0 = (w % C) * pm(5u);');
  lines.push('  let r1 = min(pm(1u), r0 + pm(5u));');
  lines.push(addressOf('ob', 'o', 2, P_OUTER_SHAPE, P_OUTER_STRIDES, outerRank1));
  lines.push('  let base = pm(4u) + ob;');
  if (arg) {
    lines.push(`  var ba: ${acc} = in0[base];`);
    lines.push('  var bi = 0xffffffffu;');
    lines.push(`  for (var r = r0 + lid.x; r < r1; r = r + ${WG}u) {`);
    lines.push(`    let p = base + ${innerAddr('r', innerRank1)};`);
    lines.push('    let v = in0[p];');
    lines.push('    if (better_(v, r, ba, bi)) { ba = v; bi = r; }');
    lines.push('  }');
    lines.push('  sv[lid.x] = ba;');
    lines.push('  si[lid.x] = bi;');
  } else {
    lines.push(`  var ba: ${acc} = ${f!.identity};`);
    lines.push(`  for (var r = r0 + lid.x; r < r1; r = r + ${WG}u) {`);
    lines.push(`    let p = base + ${innerAddr('r', innerRank1)};`);
    lines.push(`    ba = comb_(ba, ${conv});`);
    lines.push('  }');
    lines.push('  sv[lid.x] = ba;');
  }
  lines.push('  workgroupBarrier();');
  lines.push(`  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`);
  lines.push('    if (lid.x < s) {');
  if (arg) {
    lines.push('      if (better_(sv[lid.x + s], si[lid.x + s], sv[lid.x], si[lid.x])) { sv[lid.x] = sv[lid.x + s]; si[lid.x] = si[lid.x + s]; }');
  } else {
    lines.push('      sv[lid.x] = comb_(sv[lid.x], sv[lid.x + s]);');
  }
  lines.push('    }');
  lines.push('    workgroupBarrier();');
  lines.push('  }');
  lines.push('  if (lid.x == 0u) {');
  lines.push('    let ba = sv[0];');
  if (arg) lines.push('    let bi = si[0];');
  lines.push(`    out0[w] = ${result};`);
  lines.push('  }');
  lines.push('}');
  return withLib(lines.join('\n'));
}

/** Collapses one operand's dimensions (its own strides only). */
function squeeze(shape: readonly number[], strides: readonly number[]): { shape: number[]; strides: number[] } {
  const c = collapse(shape, [strides]);
  return { shape: c.shape, strides: c.strides[0]! };
}

/** Reduces the last `axes` dimensions of x into a new contiguous buffer of outDtype. */
export function reduce(rt: Runtime, x: TensorInfo, op: ReduceOp, axes: number, outDtype: DType): GBuf {
  const rank = x.shape.length;
  const outer = squeeze(x.shape.slice(0, rank - axes), x.strides.slice(0, rank - axes));
  const inner = squeeze(x.shape.slice(rank - axes), x.strides.slice(rank - axes));
  const O = sizeOf(outer.shape);
  const R = sizeOf(inner.shape);
  const out = rt.alloc(O * 4);
  if (O === 0) return out;
  if (outer.shape.length > MAX_RANK || inner.shape.length > MAX_RANK) {
    throw new Error(`${rt.op}: the view has too many dimensions after merging (${outer.shape.length} kept, ${inner.shape.length} reduced; at most ${MAX_RANK} each)`);
  }
  const arg = op === 'argmax' || op === 'argmin';
  const inType = wtype(x.dtype);
  const outType = wtype(outDtype);
  const mode = R <= THREAD_MODE_MAX ? 'thread' : 'row';
  // a very long row is folded in chunks, then the chunks' partial results are reduced
  const chunks = mode === 'row' && !arg ? Math.ceil(R / CHUNK) : 1;
  const chunk = chunks > 1 ? CHUNK : Math.max(R, 1);
  const target = chunks > 1 ? rt.alloc(O * chunks * 4) : out;
  const partialDtype: DType = chunks > 1 ? (fold(op, inType).acc === 'f32' ? 'float32' : fold(op, inType).acc === 'i32' ? 'int32' : 'bool') : outDtype;
  const partialType = wtype(partialDtype);
  const outerRank1 = outer.shape.length <= 1;
  const innerRank1 = inner.shape.length <= 1;
  const key = `reduce:${op}:${inType}>${partialType}:${mode}:${outerRank1 ? 1 : 'n'}${innerRank1 ? 1 : 'n'}`;
  const program: Program = { key, nIn: 1, nOut: 1, source: () => source(op, inType, partialType, mode, outerRank1, innerRank1) };
  const params = [
    O, R, outer.shape.length, inner.shape.length, x.offset, chunk, chunks, O * chunks,
    ...padTo(outer.shape, 8), ...padTo(outer.strides, 8), ...padTo(inner.shape, 8), ...padTo(inner.strides, 8),
  ];
  // rank-1 layouts index with stride 0 for an empty (rank-0) side
  if (outerRank1 && outer.shape.length === 0) params[P_OUTER_STRIDES] = 0;
  if (innerRank1 && inner.shape.length === 0) params[P_INNER_STRIDES] = 0;
  const groups = mode === 'thread' ? rt.grid(Math.ceil(O / WG)) : rt.grid(O * chunks);
  rt.run(program, [x.buffer as GBuf], [target], params, groups);
  if (chunks === 1) return out;
  rt.free(out);
  const second = reduce(rt, { buffer: target, dtype: partialDtype, shape: [O, chunks], strides: [chunks, 1], offset: 0 }, op, 1, outDtype);
  rt.free(target);
  return second;
}
