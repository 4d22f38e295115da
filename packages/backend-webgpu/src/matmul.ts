import type { TensorInfo } from '@nabla/tensor';
import type { GBuf, Program, Runtime } from './runtime.js';
import { collapse, contiguous, padTo, sizeOf } from './strided.js';
import { header } from './wgsl.js';

/**
 * Batched matmul, tiled in workgroup memory: a 64-thread workgroup computes a 32x32 block
 * of C, each thread a 4x4 register block, stepping through K in slices of 16 that the
 * workgroup stages in shared memory. A and B are read through their strides (transposes,
 * slices, broadcast batches and conv2d's im2col all arrive as views), and the staging
 * loads follow whichever of each operand's strides is 1, so they stay coalesced.
 * Each C element sums its K products in order, as the CPU's reference loop does.
 */

const BM = 32;
const BN = 32;
const BK = 16;
const MAX_BATCH_RANK = 6;

// params: [0] M, [1] N, [2] K, [3] batch rank, [4] A offset, [5] B offset,
// [6] A row stride, [7] A k stride, [8] B k stride, [9] B column stride,
// [10..16) batch shape, [16..22) A batch strides, [22..28) B batch strides,
// [28] first tile column, [29] first tile row, [30] first batch

function source(aKFast: boolean, bNFast: boolean): string {
  const lines: string[] = [header(['f32', 'f32'], ['f32'])];
  lines.push(`var<workgroup> As: array<f32, ${BM * BK}>;`);
  lines.push(`var<workgroup> Bs: array<f32, ${BK * BN}>;`);
  lines.push('@compute @workgroup_size(8, 8, 1)');
  lines.push('fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {');
  lines.push('  let M = pm(0u); let N = pm(1u); let K = pm(2u);');
  lines.push('  let tx = lid.x; let ty = lid.y; let tid = ty * 8u + tx;');
  lines.push(`  let col0 = (wid.x + pm(28u)) * ${BN}u;`);
  lines.push(`  let row0 = (wid.y + pm(29u)) * ${BM}u;`);
  lines.push('  let bz = wid.z + pm(30u);');
  lines.push('  var aB = pm(4u); var bB = pm(5u);');
  lines.push('  { let br = pm(3u); var rem = bz;');
  lines.push('    for (var k = 0u; k < br; k = k + 1u) { let d = br - 1u - k; let s = pm(10u + d); let c = rem % s; rem = rem / s; aB = aB + c * pm(16u + d); bB = bB + c * pm(22u + d); } }');
  lines.push('  let sAm = pm(6u); let sAk = pm(7u); let sBk = pm(8u); let sBn = pm(9u);');
  for (let i = 0; i < 16; i++) lines.push(`  var c${i} = 0.0;`);
  lines.push(`  for (var k0 = 0u; k0 < K; k0 = k0 + ${BK}u) {`);
  lines.push(`    for (var l = 0u; l < ${(BM * BK) / 64}u; l = l + 1u) {`);
  lines.push('      let e = tid + l * 64u;');
  // A tile stored k-major: As[kk * BM + r]
  if (aKFast) lines.push(`      let ak = e % ${BK}u; let ar = e / ${BK}u;`);
  else lines.push(`      let ar = e % ${BM}u; let ak = e / ${BM}u;`);
  lines.push('      let gr = row0 + ar; let gk = k0 + ak;');
  lines.push('      var av = 0.0;');
  lines.push('      if (gr < M && gk < K) { av = in0[aB + gr * sAm + gk * sAk]; }');
  lines.push(`      As[ak * ${BM}u + ar] = av;`);
  // B tile stored k-major: Bs[kk * BN + c]
  if (bNFast) lines.push(`      let bc = e % ${BN}u; let bk = e / ${BN}u;`);
  else lines.push(`      let bk = e % ${BK}u; let bc = e / ${BK}u;`);
  lines.push('      let gc = col0 + bc; let gk2 = k0 + bk;');
  lines.push('      var bv = 0.0;');
  lines.push('      if (gc < N && gk2 < K) { bv = in1[bB + gk2 * sBk + gc * sBn]; }');
  lines.push(`      Bs[bk * ${BN}u + bc] = bv;`);
  lines.push('    }');
  lines.push('    workgroupBarrier();');
  lines.push(`    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {`);
  for (let i = 0; i < 4; i++) lines.push(`      let a${i} = As[kk * ${BM}u + ty + ${8 * i}u];`);
  for (let j = 0; j < 4; j++) lines.push(`      let b${j} = Bs[kk * ${BN}u + tx + ${8 * j}u];`);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) lines.push(`      c${i * 4 + j} = c${i * 4 + j} + a${i} * b${j};`);
  lines.push('    }');
  lines.push('    workgroupBarrier();');
  lines.push('  }');
  lines.push('  let ob = bz * M * N;');
  for (let i = 0; i < 4; i++) {
    lines.push(`  { let r = row0 + ty + ${8 * i}u;`);
    lines.push('    if (r < M) {');
    for (let j = 0; j < 4; j++) lines.push(`      { let c = col0 + tx + ${8 * j}u; if (c < N) { out0[ob + r * N + c] = c${i * 4 + j}; } }`);
    lines.push('    }');
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** a [...batch, M, K] x b [...batch, K, N] -> contiguous [...batch, M, N]. */
export function matmul(rt: Runtime, a: TensorInfo, b: TensorInfo): GBuf {
  const r = a.shape.length;
  const [M, K] = [a.shape[r - 2]!, a.shape[r - 1]!];
  const N = b.shape[r - 1]!;
  const batchShape = a.shape.slice(0, r - 2);
  const batch = sizeOf(batchShape);
  const out = rt.alloc(batch * M * N * 4);
  if (batch * M * N === 0) return out;
  const outStrides = contiguous([...batchShape, M, N]).slice(0, r - 2);
  const c = collapse(batchShape, [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2), outStrides]);
  if (c.shape.length > MAX_BATCH_RANK) throw new Error(`${rt.op}: more than ${MAX_BATCH_RANK} batch dimensions after merging`);
  const [sAm, sAk] = [a.strides[r - 2]!, a.strides[r - 1]!];
  const [sBk, sBn] = [b.strides[r - 2]!, b.strides[r - 1]!];
  const aKFast = sAk === 1 || sAm !== 1;
  const bNFast = sBn === 1 || sBk !== 1;
  const program: Program = { key: `matmul:${aKFast ? 'k' : 'm'}${bNFast ? 'n' : 'k'}`, nIn: 2, nOut: 1, source: () => source(aKFast, bNFast) };
  const base = [
    M, N, K, c.shape.length, a.offset, b.offset, sAm, sAk, sBk, sBn,
    ...padTo(c.shape, MAX_BATCH_RANK), ...padTo(c.strides[0]!, MAX_BATCH_RANK), ...padTo(c.strides[1]!, MAX_BATCH_RANK),
  ];
  const gx = Math.ceil(N / BN);
  const gy = Math.ceil(M / BM);
  const max = rt.limits.maxWorkgroups;
  // grids beyond maxComputeWorkgroupsPerDimension run as several dispatches
  for (let z = 0; z < batch; z += max) {
    for (let y = 0; y < gy; y += max) {
      for (let x = 0; x < gx; x += max) {
        rt.run(program, [a.buffer as GBuf, b.buffer as GBuf], [out], [...base, x, y, z],
          [Math.min(max, gx - x), Math.min(max, gy - y), Math.min(max, batch - z)]);
      }
    }
  }
  return out;
}
