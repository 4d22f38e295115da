import type { Shape, TensorInfo, WindowParams } from '@nabla/tensor';
import type { GBuf, Program, Runtime } from './runtime.js';
import { sizeOf } from './strided.js';
import { header, withLib, wtype, type WType } from './wgsl.js';

const WG = 64;

// params: [0] n, [1] H, [2] W, [3] C, [4] OH, [5] OW, [6] KH, [7] KW, [8] sh, [9] sw, [10] dh, [11] dw,
// [12] dy offset, [13..19) dy strides (N, OH, OW, KH, KW, C)
function source(t: WType): string {
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0i' : '0u';
  const add = t === 'u32' ? 'acc | in0[a]' : 'acc + in0[a]';
  return withLib(`${header([t], [t])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= pm(0u)) { return; }
  let C = pm(3u); let W = pm(2u); let H = pm(1u);
  let c = i % C;
  let w = (i / C) % W;
  let h = (i / (C * W)) % H;
  let b = i / (C * W * H);
  let OH = pm(4u); let OW = pm(5u); let KH = pm(6u); let KW = pm(7u);
  let sh = pm(8u); let sw = pm(9u); let dh = pm(10u); let dw = pm(11u);
  let base = pm(12u) + b * pm(13u) + c * pm(18u);
  var acc = ${zero};
  // gather form of the scatter: visit the windows that see (h, w) in the order the CPU's
  // loop over dy does (oh, ow ascending), so sums round the same way
  for (var q = 0u; q < KH; q = q + 1u) {
    let kh = KH - 1u - q;
    if (h < kh * dh) { continue; }
    let th = h - kh * dh;
    if (th % sh != 0u || th / sh >= OH) { continue; }
    let oh = th / sh;
    for (var r = 0u; r < KW; r = r + 1u) {
      let kw = KW - 1u - r;
      if (w < kw * dw) { continue; }
      let tw = w - kw * dw;
      if (tw % sw != 0u || tw / sw >= OW) { continue; }
      let ow = tw / sw;
      let a = base + oh * pm(14u) + ow * pm(15u) + kh * pm(16u) + kw * pm(17u);
      acc = ${add};
    }
  }
  out0[i] = acc;
}`);
}

/** The adjoint of the window view: each input element sums every window element that views it. */
export function windowsGrad(rt: Runtime, dy: TensorInfo, inputShape: Shape, params: WindowParams): GBuf {
  const n = sizeOf(inputShape);
  const out = rt.alloc(n * 4);
  if (n === 0) return out;
  const [, H, W, C] = inputShape as [number, number, number, number];
  const [, OH, OW, KH, KW] = dy.shape as [number, number, number, number, number, number];
  const t = wtype(dy.dtype);
  const program: Program = { key: `windowsGrad:${t}`, nIn: 1, nOut: 1, source: () => source(t) };
  const p = [
    n, H, W, C, OH, OW, KH, KW, params.strides[0], params.strides[1], params.dilations[0], params.dilations[1],
    dy.offset, ...dy.strides,
  ];
  rt.run(program, [dy.buffer as GBuf], [out], p, rt.grid(Math.ceil(n / WG)));
  return out;
}
