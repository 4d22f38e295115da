import type { DType } from '@nabla/tensor';

/**
 * WGSL building blocks shared by every kernel: storage types per dtype, the parameter
 * block, binding declarations, and a small math library that pins down IEEE special
 * values and accuracy. Builtins like log/sin/exp are only loosely specified in WGSL
 * (SwiftShader's log(0) is -88, its sin is off by 2e-5, GLES may drop NaN), so every
 * float function the contract defines is written out here: the same code, hence the
 * same results, on every adapter.
 */

/** The 32-bit word type a dtype is stored as on the GPU (bool is one u32 per element, 0 or 1). */
export type WType = 'f32' | 'i32' | 'u32';

export function wtype(dtype: DType): WType {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** Parameter words per dispatch (one uniform slot of 256 bytes). */
export const PARAM_WORDS = 64;

/** Declarations of the parameter block and the storage bindings, in the runtime's binding order. */
export function header(inputs: readonly WType[], outputs: readonly WType[]): string {
  const lines = [
    'struct Params { m: array<vec4<u32>, 16> }',
    '@group(0) @binding(0) var<uniform> P: Params;',
    'fn pm(i: u32) -> u32 { return P.m[i >> 2u][i & 3u]; }',
  ];
  inputs.forEach((t, i) => lines.push(`@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${t}>;`));
  outputs.forEach((t, i) => lines.push(`@group(0) @binding(${inputs.length + i + 1}) var<storage, read_write> out${i}: array<${t}>;`));
  return lines.join('\n');
}

const ERF_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERF_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];

function erfcMid(): string {
  const steps: string[] = [];
  for (let i = 0; i < 7; i++) steps.push(`  num = (num + ${ERF_C[i]}) * y;\n  den = (den + ${ERF_D[i]}) * y;`);
  return steps.join('\n');
}

interface LibFn {
  deps: string[];
  code: string;
}

// Private vars (not consts) hold the special bit patterns: WGSL rejects a const-expression
// whose value is infinite or NaN, and a private var is never constant-folded.
const LIB: Record<string, LibFn> = {
  specials: {
    deps: [],
    code: `var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;`,
  },
  inf_: { deps: ['specials'], code: 'fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }' },
  nan_: { deps: ['specials'], code: 'fn nan_() -> f32 { return bitcast<f32>(NAN_BITS); }' },
  isnan_: { deps: [], code: 'fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }' },
  isinf_: { deps: [], code: 'fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }' },
  isfin_: { deps: [], code: 'fn isfin_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }' },
  b2u: { deps: [], code: 'fn b2u(c: bool) -> u32 { return select(0u, 1u, c); }' },
  pow2i_: {
    deps: [],
    code: '// 2^k for k in [-126, 127], built from its bits\nfn pow2i_(k: i32) -> f32 { return bitcast<f32>(u32(k + 127) << 23u); }',
  },
  neg_: { deps: [], code: 'fn neg_(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ 0x80000000u); }' },
  abs_: { deps: [], code: 'fn abs_(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }' },
  sign_: {
    deps: ['isnan_'],
    code: `fn sign_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 0.0) { return 1.0; }
  if (x < 0.0) { return -1.0; }
  return x;
}`,
  },
  relu_: { deps: ['isnan_'], code: 'fn relu_(x: f32) -> f32 { if (x > 0.0 || isnan_(x)) { return x; } return 0.0; }' },
  div_: {
    deps: ['isnan_', 'isinf_', 'nan_'],
    code: `// IEEE division with every special case spelled out (GPUs may compute a * rcp(b))
fn div_(a: f32, b: f32) -> f32 {
  let sgn = (bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u;
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (isinf_(a)) {
    if (isinf_(b)) { return nan_(); }
    return bitcast<f32>(sgn | 0x7f800000u);
  }
  if (isinf_(b)) { return bitcast<f32>(sgn); }
  if (b == 0.0) {
    if (a == 0.0) { return nan_(); }
    return bitcast<f32>(sgn | 0x7f800000u);
  }
  if (abs(b) > 8.5e37) { return (a * 0.25) / (b * 0.25); }
  return a / b;
}`,
  },
  exp_: {
    deps: ['isnan_', 'inf_', 'pow2i_'],
    code: `// Cephes expf: k = round(x / ln2), r = x - k ln2 (two-part ln2), degree-6 polynomial, scale by 2^k
fn exp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 88.8) { return inf_(); }
  if (x < -104.0) { return 0.0; }
  let k = floor(x * 1.44269504088896341 + 0.5);
  let r = (x - k * 0.693359375) - k * -2.12194440e-4;
  let z = r * r;
  let p = ((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1;
  let y = p * z + r + 1.0;
  let ki = i32(k);
  let k1 = ki / 2;
  return y * pow2i_(k1) * pow2i_(ki - k1);
}`,
  },
  expm1_: {
    deps: ['isnan_', 'exp_'],
    code: `fn expm1_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) < 0.5) {
    // Taylor series to x^10 (truncation < 1e-9 relative on |x| < 0.5)
    let t = 1.0 + x / 9.0 * (1.0 + x / 10.0);
    return x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (1.0 + x / 6.0 * (1.0 + x / 7.0 * (1.0 + x / 8.0 * t)))))));
  }
  return exp_(x) - 1.0;
}`,
  },
  log_: {
    deps: ['isnan_', 'isinf_', 'inf_', 'nan_'],
    code: `// Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), polynomial in m - 1
fn log_(x0: f32) -> f32 {
  if (isnan_(x0) || x0 < 0.0) { return nan_(); }
  if (x0 == 0.0) { return -inf_(); }
  if (isinf_(x0)) { return x0; }
  var x = x0;
  var e: i32 = 0;
  if (x < 1.17549435e-38) { x = x * 8388608.0; e = -23; }
  let b = bitcast<u32>(x);
  e = e + i32(b >> 23u) - 127;
  var m = bitcast<f32>((b & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421356) { m = m * 0.5; e = e + 1; }
  let f = m - 1.0;
  let z = f * f;
  var y = ((((((((7.0376836292e-2 * f - 1.1514610310e-1) * f + 1.1676998740e-1) * f - 1.2420140846e-1) * f + 1.4249322787e-1) * f - 1.6668057665e-1) * f + 2.0000714765e-1) * f - 2.4999993993e-1) * f + 3.3333331174e-1) * f * z;
  let fe = f32(e);
  y = y + -2.12194440e-4 * fe;
  y = y + -0.5 * z;
  return (f + y) + 0.693359375 * fe;
}`,
  },
  log1p_: {
    deps: ['isnan_', 'isinf_', 'inf_', 'nan_', 'log_'],
    code: `// Near 0, log1p(x) = 2 atanh(s) with s = x / (2 + x): no 1 + x is formed, so nothing
// cancels. (The usual correction log(u) - ((u - 1) - x) / u is folded to log(u) by GPU
// compilers that reassociate float arithmetic; this form survives them.)
fn log1p_(x: f32) -> f32 {
  if (isnan_(x) || x < -1.0) { return nan_(); }
  if (x == -1.0) { return -inf_(); }
  if (isinf_(x)) { return x; }
  if (x < -0.2928932 || x > 0.4142135) { return log_(1.0 + x); }
  let s = x / (2.0 + x);
  let z = s * s;
  return s * (2.0 + z * (0.6666666666666666 + z * (0.4 + z * (0.2857142857142857 + z * (0.2222222222222222 + z * (0.18181818181818182 + z * 0.15384615384615385))))));
}`,
  },
  sqrt_: {
    deps: ['isnan_', 'isinf_', 'nan_'],
    code: `fn sqrt_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (isinf_(x) || x == 0.0) { return x; }
  return sqrt(x);
}`,
  },
  rsqrt_: {
    deps: ['isnan_', 'isinf_', 'nan_'],
    code: `fn rsqrt_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return bitcast<f32>((bitcast<u32>(x) & 0x80000000u) | 0x7f800000u); }
  if (isinf_(x)) { return 0.0; }
  return 1.0 / sqrt(x);
}`,
  },
  mul24_: {
    deps: [],
    code: `// the 56-bit product m * w (m < 2^24) as (low word, high word), from 16-bit halves
fn mul24_(m: u32, w: u32) -> vec2<u32> {
  let ml = m & 0xffffu;
  let mh = m >> 16u;
  let wl = w & 0xffffu;
  let wh = w >> 16u;
  let p0 = ml * wl;
  let p1 = ml * wh;
  let p2 = mh * wl;
  let mid = p1 + p2;
  let cm = select(0u, 0x10000u, mid < p1);
  let lo = p0 + (mid << 16u);
  let cl = select(0u, 1u, lo < p0);
  return vec2<u32>(lo, mh * wh + (mid >> 16u) + cm + cl);
}`,
  },
  trigred_: {
    deps: ['mul24_'],
    code: `// 2/pi in binary, 256 bits (computed with BigInt from Machin's formula)
var<private> TWO_OVER_PI: array<u32, 8> = array<u32, 8>(
  0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu, 0xdebbc561u);
fn tpw_(j: u32, sh: u32) -> u32 {
  if (sh == 0u) { return TWO_OVER_PI[j]; }
  return (TWO_OVER_PI[j] << sh) | (TWO_OVER_PI[j + 1u] >> (32u - sh));
}
struct TrigRed { q: u32, r: f32 }
// Payne-Hanek: ax * 2/pi = q + f exactly in integer arithmetic (the 24-bit significand times
// the 96 bits of 2/pi that matter), so the reduction is exact for every float and no
// compiler's float reassociation can spoil it. Returns the quadrant and r = f pi/2, |f| <= 1/2.
fn trigred_(ax: f32) -> TrigRed {
  let b = bitcast<u32>(ax);
  let s = i32(b >> 23u) - 150;
  let m = (b & 0x007fffffu) | 0x00800000u;
  let i0 = max(1, s - 1);
  let j = u32(i0 - 1) / 32u;
  let sh = u32(i0 - 1) % 32u;
  let a0 = mul24_(m, tpw_(j, sh));
  let a1 = mul24_(m, tpw_(j + 1u, sh));
  let a2 = mul24_(m, tpw_(j + 2u, sh));
  let p1 = a2.y + a1.x;
  let t2 = a1.y + a0.x;
  let p2 = t2 + select(0u, 1u, p1 < a2.y);
  let p3 = a0.y + select(0u, 1u, t2 < a1.y) + select(0u, 1u, p2 < t2);
  // the binary point of p3:p2:p1:a2.x sits at bit 94 + t; take 2 integer and 62 fraction bits
  let t = u32(i0 + 1 - s);
  var hi = p2;
  var lo = p1;
  if (t > 0u) {
    hi = (p2 >> t) | (p3 << (32u - t));
    lo = (p1 >> t) | (p2 << (32u - t));
  }
  var q = hi >> 30u;
  var fh = hi & 0x3fffffffu;
  var fl = lo;
  var sgn = 1.0;
  if ((fh & 0x20000000u) != 0u) {
    // f >= 1/2: use f - 1 and the next quadrant
    q = q + 1u;
    sgn = -1.0;
    let borrow = select(0u, 1u, fl != 0u);
    fl = 0u - fl;
    fh = (0x40000000u - fh - borrow) & 0x3fffffffu;
  }
  let f = f32(fh) * 9.313225746154785e-10 + f32(fl) * 2.168404344971009e-19;
  return TrigRed(q & 3u, sgn * f * 1.5707963267948966);
}`,
  },
  sincos_: {
    deps: ['trigred_'],
    code: `// sin(|x|) (cosine: quadrant + 1) from Cephes' minimax polynomials on [-pi/4, pi/4]
fn sincos_(ax: f32, shift: u32) -> f32 {
  var q = shift;
  var r = ax;
  if (ax > 0.785398) {
    let red = trigred_(ax);
    q = q + red.q;
    r = red.r;
  }
  let z = r * r;
  var v: f32;
  if ((q & 1u) == 0u) {
    v = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  } else {
    v = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  }
  return select(v, -v, (q & 2u) != 0u);
}`,
  },
  sin_: {
    deps: ['isfin_', 'nan_', 'sincos_'],
    code: `fn sin_(x: f32) -> f32 {
  if (!isfin_(x)) { return nan_(); }
  let v = sincos_(abs(x), 0u);
  return select(v, -v, x < 0.0);
}`,
  },
  cos_: {
    deps: ['isfin_', 'nan_', 'sincos_'],
    code: 'fn cos_(x: f32) -> f32 { if (!isfin_(x)) { return nan_(); } return sincos_(abs(x), 1u); }',
  },
  tanh_: {
    deps: ['isnan_', 'exp_'],
    code: `// Cephes tanhf: odd polynomial below 0.625, 1 - 2/(e^2x + 1) above
fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let z = abs(x);
  if (z > 44.0) { return select(1.0, -1.0, x < 0.0); }
  if (z >= 0.625) {
    let s = exp_(2.0 * z);
    let r = 1.0 - 2.0 / (s + 1.0);
    return select(r, -r, x < 0.0);
  }
  if (x == 0.0) { return x; }
  let zz = x * x;
  return ((((-5.70498872745e-3 * zz + 2.06390887954e-2) * zz - 5.37397155531e-2) * zz + 1.33314422036e-1) * zz - 3.33332819422e-1) * zz * x + x;
}`,
  },
  sigmoid_: {
    deps: ['isnan_', 'exp_'],
    code: `fn sigmoid_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + exp_(-x)); }
  let e = exp_(x);
  return e / (1.0 + e);
}`,
  },
  elu_: { deps: ['expm1_'], code: 'fn elu_(x: f32) -> f32 { if (x > 0.0) { return x; } return expm1_(x); }' },
  selu_: {
    deps: ['expm1_'],
    code: `fn selu_(x: f32) -> f32 {
  if (x > 0.0) { return 1.0507009873554805 * x; }
  return 1.0507009873554805 * (1.6732632423543772 * expm1_(x));
}`,
  },
  softplus_: {
    deps: ['isnan_', 'log1p_', 'exp_'],
    code: `fn softplus_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  return max(x, 0.0) + log1p_(exp_(-abs(x)));
}`,
  },
  erf_: {
    deps: ['isnan_', 'exp_'],
    code: `// W. J. Cody's rational approximations (netlib CALERF), the CPU backend's algorithm, in f32
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let y = abs(x);
  if (y <= 0.46875) {
    let z = y * y;
    var num = 0.185777706184603153 * z;
    var den = z;
    num = (num + 3.1611237438705656) * z;
    den = (den + 23.6012909523441209) * z;
    num = (num + 113.864154151050156) * z;
    den = (den + 244.024637934444173) * z;
    num = (num + 377.485237685302021) * z;
    den = (den + 1282.61652607737228) * z;
    return x * (num + 3209.37758913846947) / (den + 2844.23683343917062);
  }
  // erf rounds to +-1 in float32 from 3.92 on
  if (y >= 4.0) { return select(1.0, -1.0, x < 0.0); }
  var num = ${ERF_C[8]} * y;
  var den = y;
${erfcMid()}
  // exp(-y^2) as exp(-t^2) exp(-(y-t)(y+t)) with t = y rounded down to 1/16: accurate for large y
  let t = floor(y * 16.0) / 16.0;
  let erfc = exp_(-t * t) * exp_(-(y - t) * (y + t)) * ((num + ${ERF_C[7]}) / (den + ${ERF_D[7]}));
  let v = (0.5 - erfc) + 0.5;
  return select(v, -v, x < 0.0);
}`,
  },
  floor_: { deps: ['isfin_'], code: 'fn floor_(x: f32) -> f32 { if (!isfin_(x)) { return x; } return floor(x); }' },
  ceil_: { deps: ['isfin_'], code: 'fn ceil_(x: f32) -> f32 { if (!isfin_(x)) { return x; } return ceil(x); }' },
  round_: {
    deps: ['isfin_'],
    code: `// half to even, exactly: x - floor(x) is exact below 2^23, and from 2^23 on every float is an integer
fn round_(x: f32) -> f32 {
  if (!isfin_(x) || abs(x) >= 8388608.0) { return x; }
  let f = floor(x);
  let d = x - f;
  if (d > 0.5) { return f + 1.0; }
  if (d < 0.5) { return f; }
  return select(f + 1.0, f, f * 0.5 == floor(f * 0.5));
}`,
  },
  max_: {
    deps: ['isnan_'],
    code: `// Math.max: NaN wins, and max(-0, 0) is 0 (equal values: AND of the bits clears a lone sign)
fn max_(a: f32, b: f32) -> f32 {
  if (isnan_(a)) { return a; }
  if (isnan_(b)) { return b; }
  if (a > b) { return a; }
  if (b > a) { return b; }
  return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b));
}`,
  },
  min_: {
    deps: ['isnan_'],
    code: `fn min_(a: f32, b: f32) -> f32 {
  if (isnan_(a)) { return a; }
  if (isnan_(b)) { return b; }
  if (a < b) { return a; }
  if (b < a) { return b; }
  return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b));
}`,
  },
  fmod_: {
    deps: ['pow2i_'],
    code: `// exact truncated remainder of finite a by finite non-zero b (as C fmod and JS %): long
// division of the 24-bit significands, one doubling per binade between them
fn fmod_(a: f32, b: f32) -> f32 {
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ua < ub) { return a; }
  var ea = i32(ua >> 23u);
  var eb = i32(ub >> 23u);
  var ma = ua & 0x007fffffu;
  var mb = ub & 0x007fffffu;
  if (ea == 0) { ea = 1; } else { ma = ma | 0x00800000u; }
  if (eb == 0) { eb = 1; } else { mb = mb | 0x00800000u; }
  var r = ma % mb;
  for (var i = eb; i < ea; i = i + 1) { r = (r << 1u) % mb; }
  let k = eb - 150;
  let k1 = k / 2;
  let v = f32(r) * pow2i_(k1) * pow2i_(k - k1);
  return select(v, -v, (bitcast<u32>(a) & 0x80000000u) != 0u);
}`,
  },
  mod_: {
    deps: ['isnan_', 'isinf_', 'nan_', 'fmod_'],
    code: `// floor modulo (the sign of b), as the CPU backend: r = fmod(a, b), plus b when the signs differ
fn mod_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b) || isinf_(a) || b == 0.0) { return nan_(); }
  var r = a;
  if (!isinf_(b)) { r = fmod_(a, b); }
  if (r == 0.0) { return bitcast<f32>(bitcast<u32>(b) & 0x80000000u); }
  if ((r < 0.0) != (b < 0.0)) { return r + b; }
  return r;
}`,
  },
  isodd_: {
    deps: [],
    code: 'fn isodd_(y: f32) -> bool { return abs(y) < 16777216.0 && floor(y) == y && y - 2.0 * floor(y * 0.5) == 1.0; }',
  },
  pow_: {
    deps: ['isnan_', 'isinf_', 'inf_', 'nan_', 'div_', 'exp_', 'log_', 'isodd_'],
    code: `// C/IEEE pow, as the CPU backend: pow(1, y) = pow(x, 0) = 1 even for NaN, pow(-1, +-inf) = 1;
// small integer exponents by repeated squaring, others as exp(b log|a|)
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (isinf_(b)) {
    let aa = abs(a);
    if (aa == 1.0) { return 1.0; }
    if ((aa > 1.0) == (b > 0.0)) { return inf_(); }
    return 0.0;
  }
  if (floor(b) == b && abs(b) <= 64.0) {
    var n = u32(abs(b));
    var base = a;
    var r = 1.0;
    loop {
      if ((n & 1u) == 1u) { r = r * base; }
      n = n >> 1u;
      if (n == 0u) { break; }
      base = base * base;
    }
    if (b < 0.0) { return div_(1.0, r); }
    return r;
  }
  let odd = isodd_(b);
  if (isinf_(a) || a == 0.0) {
    let big = isinf_(a) == (b > 0.0);
    let neg = (bitcast<u32>(a) & 0x80000000u) != 0u && odd;
    var r = 0.0;
    if (big) { r = inf_(); }
    return select(r, -r, neg);
  }
  if (a < 0.0 && floor(b) != b) { return nan_(); }
  let r = exp_(b * log_(abs(a)));
  return select(r, -r, a < 0.0 && odd);
}`,
  },
  eq_: { deps: ['isnan_'], code: 'fn eq_(a: f32, b: f32) -> bool { return !isnan_(a) && !isnan_(b) && a == b; }' },
  lt_: { deps: ['isnan_'], code: 'fn lt_(a: f32, b: f32) -> bool { return !isnan_(a) && !isnan_(b) && a < b; }' },
  le_: { deps: ['isnan_'], code: 'fn le_(a: f32, b: f32) -> bool { return !isnan_(a) && !isnan_(b) && a <= b; }' },
  ipow_: {
    deps: [],
    code: `// int32 power with wrapping multiplication; negative exponents truncate (1, +-1 or 0)
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var n = u32(b);
  var base = a;
  var r = 1;
  loop {
    if ((n & 1u) == 1u) { r = r * base; }
    n = n >> 1u;
    if (n == 0u) { break; }
    base = base * base;
  }
  return r;
}`,
  },
  imod_: {
    deps: [],
    code: `// floor modulo; x mod 0 is 0 (the CPU stores NaN into an Int32Array as 0)
fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { r = r + b; }
  return r;
}`,
  },
  f2i_: {
    deps: [],
    code: `// float32 -> int32 as JavaScript's ToInt32 of Math.trunc(x): truncate, wrap modulo 2^32, NaN/inf -> 0
fn f2i_(x: f32) -> i32 {
  let b = bitcast<u32>(x);
  let e = i32((b >> 23u) & 0xffu) - 127;
  if (e < 0 || e == 128) { return 0; }
  let m = (b & 0x007fffffu) | 0x00800000u;
  var mag = 0u;
  if (e <= 23) { mag = m >> u32(23 - e); } else if (e < 55) { mag = m << u32(e - 23); }
  let r = bitcast<i32>(mag);
  if ((b & 0x80000000u) != 0u) { return 0 - r; }
  return r;
}`,
  },
  i2f_: {
    deps: [],
    code: `// int32 -> float32 rounded to nearest even: both halves convert exactly, one IEEE add rounds
fn i2f_(x: i32) -> f32 { return f32(x & -65536) + f32(x & 65535); }`,
  },
};

/** Prepends the library functions `src` (transitively) calls. */
export function withLib(src: string): string {
  const need = new Set<string>();
  const visit = (name: string): void => {
    if (need.has(name)) return;
    for (const d of LIB[name]!.deps) visit(d);
    need.add(name);
  };
  const scan = (text: string): void => {
    for (const m of text.matchAll(/\b([a-z0-9]+_|b2u)\(/g)) if (LIB[m[1]!]) visit(m[1]!);
  };
  scan(src);
  return [...[...need].map((n) => LIB[n]!.code), src].join('\n');
}

/** Conversion expressions between storage types, written in terms of `v`. */
export const CONVERT: Record<DType, Record<DType, string>> = {
  float32: { float32: 'v', int32: 'f2i_(v)', bool: 'b2u((bitcast<u32>(v) & 0x7fffffffu) != 0u)' },
  int32: { float32: 'i2f_(v)', int32: 'v', bool: 'b2u(v != 0)' },
  bool: { float32: 'f32(v)', int32: 'i32(v)', bool: 'b2u(v != 0u)' },
};

/** A float's bit pattern as a u32 parameter word. */
export function floatBits(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0]!;
}
