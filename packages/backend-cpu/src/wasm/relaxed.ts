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
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: [] -> [v128]
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)], // v128.const 0
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0x105)
  0x0b,
]);

let state: boolean | undefined;

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
}

/** Whether relaxed SIMD validates here, after switching it on in Node 20 unless NABLA_RELAXED_SIMD=0. */
export function relaxedSimd(): boolean {
  if (state !== undefined) return state;
  if (typeof WebAssembly === 'undefined') return (state = false);
  state = WebAssembly.validate(PROBE);
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!state && proc?.getBuiltinModule && proc.env?.['NABLA_RELAXED_SIMD'] !== '0') {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString?(flags: string): void } | undefined;
    try {
      v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
    } catch {
      // a runtime without the flag: mul + add it is
    }
    state = WebAssembly.validate(PROBE);
  }
  return state;
}
