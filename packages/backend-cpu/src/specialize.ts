/**
 * Monomorphic elementwise loops. A loop that calls `f(x[i])` for whichever op it is given
 * sees many functions at one call site, so V8 cannot inline them (megamorphic): ~10× slower
 * than an inlined op. Compiling one loop per op with `new Function` gives each loop its own
 * call site and feedback, so the op is inlined. Where code generation is not allowed (a strict
 * Content-Security-Policy), the generic loops are used instead.
 *
 * Two traps make such loops megamorphic anyway, each costing ~5× (measured: 20 vs 4 ns per
 * element): V8 caches `new Function` by source text, so identical sources share one function
 * and its feedback across every op — each loop's source therefore carries a unique number;
 * and one loop fed Float32Array, Int32Array and Uint8Array sees several element kinds — so
 * loops are also specialised per (input, output) dtype pair (`kinds`).
 */
type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;
type Arr = { [i: number]: number; length: number };

export type UnaryLoop = (src: Arr, out: Arr, n: number) => void;
/** mode 0: a and b arrays; 1: b is a scalar; 2: a is a scalar. */
export type BinaryLoop = (a: Arr, b: Arr, out: Arr, n: number, sa: number, sb: number, mode: 0 | 1 | 2) => void;

const unaryCache = new Map<string, UnaryLoop>();
const binaryCache = new Map<string, BinaryLoop>();
const fnIds = new Map<unknown, number>();
let compiled = 0;

/** A cache key for op `f` on arrays of the given element kinds. */
function keyOf(f: unknown, kinds: string): string {
  let id = fnIds.get(f);
  if (id === undefined) fnIds.set(f, (id = fnIds.size));
  return `${id}:${kinds}`;
}

function compile<T>(factory: string, f: unknown, fallback: T): T {
  try {
    // the unique comment defeats V8's source-keyed cache of `new Function` (see above)
    return (new Function('f', `/* loop ${++compiled} */ ${factory}`) as (g: unknown) => T)(f);
  } catch {
    return fallback;
  }
}

/** `kinds` names the element kinds the loop will see (e.g. 'float32>bool'); one loop per kinds. */
export function unaryLoop(f: Fn1, kinds = ''): UnaryLoop {
  const key = keyOf(f, kinds);
  let loop = unaryCache.get(key);
  if (!loop) {
    loop = compile<UnaryLoop>(
      'return function unaryLoop(src, out, n) { for (let i = 0; i < n; i++) out[i] = f(src[i]); };',
      f,
      (src, out, n) => {
        for (let i = 0; i < n; i++) out[i] = f(src[i]!);
      },
    );
    unaryCache.set(key, loop);
  }
  return loop;
}

export function binaryLoop(f: Fn2, kinds = ''): BinaryLoop {
  const key = keyOf(f, kinds);
  let loop = binaryCache.get(key);
  if (!loop) {
    loop = compile<BinaryLoop>(
      `return function binaryLoop(a, b, out, n, sa, sb, mode) {
        if (mode === 0) { for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]); }
        else if (mode === 1) { for (let i = 0; i < n; i++) out[i] = f(a[i], sb); }
        else { for (let i = 0; i < n; i++) out[i] = f(sa, b[i]); }
      };`,
      f,
      (a, b, out, n, sa, sb, mode) => {
        if (mode === 0) for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
        else if (mode === 1) for (let i = 0; i < n; i++) out[i] = f(a[i]!, sb);
        else for (let i = 0; i < n; i++) out[i] = f(sa, b[i]!);
      },
    );
    binaryCache.set(key, loop);
  }
  return loop;
}
