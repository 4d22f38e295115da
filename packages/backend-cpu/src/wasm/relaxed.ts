import { Code, emitModule, Simd, V128 } from './emit.js';

/**
 * Relaxed SIMD (f32x4.relaxed_madd, an FMA) where the runtime has it. It is on by default from
 * V8 11.4 (Chrome 114, Node 22). Node 20's V8 11.3 has the same implementation behind
 * `--experimental-wasm-relaxed-simd`; on a CPU whose FMA is one uop where mul + add are two
 * (the Xeon in BENCHMARKS.md) it makes the GEMM ~1.5x faster. So in Node, unless
 * NABLA_RELAXED_SIMD=0, the flag is switched on at run time through `v8.setFlagsFromString`
 * before the first module that needs it is compiled. The flag only widens what validates:
 * modules compiled without relaxed instructions behave as before. Browsers are left as they are.
 */

/** A module whose one function uses f32x4.relaxed_madd: it validates only where relaxed SIMD is on. */
function probe(): Uint8Array<ArrayBuffer> {
  const body = new Code().zero().zero().zero().simd(Simd.f32x4RelaxedMadd);
  return emitModule({ memory: { module: 'env', field: 'memory', initial: 1 }, funcs: [{ name: 'madd', params: [], results: [V128], locals: [], body }] });
}

let state: boolean | undefined;

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
}

/** Whether relaxed SIMD validates here, after switching it on in Node 20 unless NABLA_RELAXED_SIMD=0. */
export function relaxedSimd(): boolean {
  if (state !== undefined) return state;
  if (typeof WebAssembly === 'undefined') return (state = false);
  state = WebAssembly.validate(probe());
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!state && proc?.getBuiltinModule && proc.env?.['NABLA_RELAXED_SIMD'] !== '0') {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString?(flags: string): void } | undefined;
    try {
      v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
    } catch {
      // a runtime without the flag: mul + add it is
    }
    state = WebAssembly.validate(probe());
  }
  return state;
}
