import { kernelMemory } from '../heap.js';
import { buildModule, Code, emitModule, I32, Op, type FuncDef } from './emit.js';

/**
 * Strided copies of 4-byte elements (float32, int32) between arrays on the wasm heap: the three
 * innermost dims of a view per call, so materializing an im2col view ([N, OH, OW, KH, KW·C]) is
 * a few hundred calls instead of a `subarray` + `set` per run of KW·C floats (~150 ns each, 10%
 * of a CNN training step). Copies are exact (bits move, nothing is computed).
 *
 * copy(src, dst, n0, s0, n1, s1, n2, s2): for i < n0, j < n1, k < n2 (row-major), the element
 * at byte src + i·s0 + j·s1 + k·s2 goes to the next 4 bytes of dst. n0, n1, n2 ≥ 1. `runs` is
 * the same for s2 = 4 (contiguous runs, moved 16 bytes at a time); `gather` for any s2.
 */

const F32_LOAD = [0x2a, 0x02, 0x00]; // f32.load align 4, offset 0
const F32_STORE = [0x38, 0x02, 0x00];

function emitCopy(contiguous: boolean): Code {
  const [SRC, DST, N0, S0, N1, S1, N2, S2, P1, P2, J, C] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const c = new Code();
  c.op(Op.loop, Op.void); // i
  c.get(SRC).set(P1).get(N1).set(J);
  c.op(Op.loop, Op.void); // j
  c.get(P1).set(P2).get(N2).set(C);
  if (contiguous) {
    // whole vectors while four or more elements are left
    c.op(Op.block, Op.void).op(Op.loop, Op.void);
    c.get(C).i32(4).op(Op.i32LtS).op(Op.brIf, 1);
    c.get(DST).get(P2).load().store();
    c.get(DST).i32(16).op(Op.i32Add).set(DST);
    c.get(P2).i32(16).op(Op.i32Add).set(P2);
    c.get(C).i32(4).op(Op.i32Sub).set(C);
    c.op(Op.br, 0).op(Op.end).op(Op.end);
  }
  // one element at a time (the tail of a contiguous run, or every element of a strided one)
  c.op(Op.block, Op.void).op(Op.loop, Op.void);
  c.get(C).op(Op.i32Eqz).op(Op.brIf, 1);
  c.get(DST).get(P2).op(...F32_LOAD).op(...F32_STORE);
  c.get(DST).i32(4).op(Op.i32Add).set(DST);
  if (contiguous) c.get(P2).i32(4).op(Op.i32Add).set(P2);
  else c.get(P2).get(S2).op(Op.i32Add).set(P2);
  c.get(C).i32(1).op(Op.i32Sub).set(C);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.get(P1).get(S1).op(Op.i32Add).set(P1);
  c.get(J).i32(1).op(Op.i32Sub).tee(J).op(Op.brIf, 0);
  c.op(Op.end); // j
  c.get(SRC).get(S0).op(Op.i32Add).set(SRC);
  c.get(N0).i32(1).op(Op.i32Sub).tee(N0).op(Op.brIf, 0);
  c.op(Op.end); // i
  return c;
}

type CopyFn = (src: number, dst: number, n0: number, s0: number, n1: number, s1: number, n2: number, s2: number) => void;

export interface WasmCopy {
  readonly runs: CopyFn;
  readonly gather: CopyFn;
}

let shared: WasmCopy | null | undefined;

/** The copy functions on the heap's memory; null without a heap (or without WebAssembly). */
export function wasmCopy(): WasmCopy | null {
  if (shared !== undefined) return shared;
  shared = null;
  if (typeof WebAssembly === 'undefined') return shared;
  const where = kernelMemory(16);
  if (where.scratch === 0) return shared; // no heap: nothing to copy between
  const params = new Array<typeof I32>(8).fill(I32);
  const funcs: FuncDef[] = [
    { name: 'runs', params, results: [], locals: [I32, I32, I32, I32], body: emitCopy(true) },
    { name: 'gather', params, results: [], locals: [I32, I32, I32, I32], body: emitCopy(false) },
  ];
  shared = buildModule(emitModule({ memory: where.spec, funcs }), (module) => {
    const e = new WebAssembly.Instance(module, { env: { memory: where.memory } }).exports;
    return { runs: e['runs'] as CopyFn, gather: e['gather'] as CopyFn };
  });
  return shared;
}
