/**
 * Monomorphic elementwise loops. A loop that calls `f(x[i])` for whichever op it is given
 * sees many functions at one call site, so V8 cannot inline them (megamorphic): ~10× slower
 * than an inlined op. Compiling one loop per op with `new Function` gives each loop its own
 * call site and feedback, so the op is inlined. Where code generation is not allowed (a strict
 * Content-Security-Policy), the generic loops are used instead.
 */
type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;
type Arr = { [i: number]: number; length: number };

export type UnaryLoop = (src: Arr, out: Arr, n: number) => void;
/** mode 0: a and b arrays; 1: b is a scalar; 2: a is a scalar. */
export type BinaryLoop = (a: Arr, b: Arr, out: Arr, n: number, sa: number, sb: number, mode: 0 | 1 | 2) => void;

const unaryCache = new Map<Fn1, UnaryLoop>();
const binaryCache = new Map<Fn2, BinaryLoop>();

function compile<T>(factory: string, f: unknown, fallback: T): T {
  try {
    return (new Function('f', factory) as (g: unknown) => T)(f);
  } catch {
    return fallback;
  }
}

export function unaryLoop(f: Fn1): UnaryLoop {
  let loop = unaryCache.get(f);
  if (!loop) {
    loop = compile<UnaryLoop>(
      'return function unaryLoop(src, out, n) { for (let i = 0; i < n; i++) out[i] = f(src[i]); };',
      f,
      (src, out, n) => {
        for (let i = 0; i < n; i++) out[i] = f(src[i]!);
      },
    );
    unaryCache.set(f, loop);
  }
  return loop;
}

export function binaryLoop(f: Fn2): BinaryLoop {
  let loop = binaryCache.get(f);
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
    binaryCache.set(f, loop);
  }
  return loop;
}
