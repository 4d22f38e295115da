import type { GBuf, Program, Runtime } from './runtime.js';
import { collapse, isContiguous, padTo, sizeOf } from './strided.js';
import { header, withLib, type WType } from './wgsl.js';

/**
 * The elementwise engine behind unary, binary, where, cast and concat: one thread per
 * element of an iteration shape; every operand (inputs and the output) is addressed by
 * its own offset and strides, so broadcast (stride 0), transposed and sliced views are
 * read in place and outputs may be written into a region of a larger buffer.
 */

/** Dimensions a strided operand may have after collapsing. */
export const MAX_RANK = 8;

export interface Operand {
  readonly buf: GBuf;
  readonly type: WType;
  readonly strides: readonly number[];
  readonly offset: number;
}

const WG = 64;
// params: [0] n, [1] rank, [2..10) shape, then per operand k at 10 + 9k: offset, strides[8]
const SHAPE = 2;
const operandBase = (k: number): number => 10 + 9 * k;

function source(fn: string, inTypes: readonly WType[], outType: WType, contig: readonly boolean[]): string {
  const n = inTypes.length;
  const addr = (k: number): string => `a${k}`;
  const strided = contig.map((c, k) => (c ? -1 : k)).filter((k) => k >= 0);
  const lines: string[] = [];
  lines.push(header(inTypes, [outType]));
  lines.push(fn);
  lines.push(`@compute @workgroup_size(${WG})`);
  lines.push('fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  lines.push(`  let i = gid.x + gid.y * nwg.x * ${WG}u;`);
  lines.push('  if (i >= pm(0u)) { return; }');
  contig.forEach((c, k) => lines.push(`  var ${addr(k)} = pm(${operandBase(k)}u)${c ? ' + i' : ''};`));
  if (strided.length > 0) {
    lines.push('  let rank = pm(1u);');
    lines.push('  var rem = i;');
    lines.push('  for (var k = 0u; k < rank; k = k + 1u) {');
    lines.push('    let d = rank - 1u - k;');
    lines.push(`    let s = pm(${SHAPE}u + d);`);
    lines.push('    let c = rem % s;');
    lines.push('    rem = rem / s;');
    for (const k of strided) lines.push(`    ${addr(k)} = ${addr(k)} + c * pm(${operandBase(k) + 1}u + d);`);
    lines.push('  }');
  }
  const args = inTypes.map((_, k) => `in${k}[${addr(k)}]`).join(', ');
  lines.push(`  out0[${addr(n)}] = f(${args});`);
  lines.push('}');
  return withLib(lines.join('\n'));
}

/**
 * out[view] = f(in0[view], in1[view], ...) over `shape`. `fn` is the WGSL of
 * `fn f(v0: T0, ...) -> TO`; `name` must identify it (it keys the pipeline cache).
 */
export function runMap(rt: Runtime, name: string, fn: string, inputs: readonly Operand[], out: Operand, shape: readonly number[]): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const ops = [...inputs, out];
  const c = collapse(shape, ops.map((o) => o.strides));
  if (c.shape.length > MAX_RANK) {
    throw new Error(`${rt.op}: a view of rank ${c.shape.length} (after merging dimensions) exceeds the WebGPU backend's limit of ${MAX_RANK}; make it contiguous first`);
  }
  const contig = c.strides.map((s) => isContiguous(c.shape, s));
  const key = `map:${name}:${inputs.map((o) => o.type).join(',')}>${out.type}:${contig.map((x) => (x ? 'c' : 's')).join('')}`;
  const program: Program = { key, nIn: inputs.length, nOut: 1, source: () => source(fn, inputs.map((o) => o.type), out.type, contig) };
  const params = [n, c.shape.length, ...padTo(c.shape, MAX_RANK)];
  ops.forEach((o, k) => params.push(o.offset, ...padTo(c.strides[k]!, MAX_RANK)));
  rt.run(program, inputs.map((o) => o.buf), [out.buf], params, rt.grid(Math.ceil(n / WG)));
}
