/**
 * A drawing as an MNIST digit: MNIST centres each digit's 20×20 bounding box by its centre of mass
 * in a 28×28 field, so a drawing is cropped, scaled to fit 20×20 and shifted the same way.
 * `ink` is one value in [0, 1] per pixel of a `size`×`size` drawing (row-major).
 */
export function toMnist(ink: Float32Array, size: number): Float32Array {
  let x0 = size, y0 = size, x1 = -1, y1 = -1;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    if (ink[y * size + x]! > 0.05) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const box = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = 20 / box;
  // area-average the bounding box into a 20×20 (or smaller) grid, centred in the box's longer side
  const w = Math.max(1, Math.round((x1 - x0 + 1) * scale));
  const h = Math.max(1, Math.round((y1 - y0 + 1) * scale));
  const small = new Float32Array(w * h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
    const sx0 = x0 + (i / w) * (x1 - x0 + 1), sx1 = x0 + ((i + 1) / w) * (x1 - x0 + 1);
    const sy0 = y0 + (j / h) * (y1 - y0 + 1), sy1 = y0 + ((j + 1) / h) * (y1 - y0 + 1);
    let sum = 0, n = 0;
    for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) { sum += ink[y * size + x]!; n++; }
    small[j * w + i] = n ? sum / n : 0;
  }
  let mass = 0, cx = 0, cy = 0;
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) { const v = small[j * w + i]!; mass += v; cx += v * i; cy += v * j; }
  const ox = Math.round(14 - (mass ? cx / mass : w / 2)), oy = Math.round(14 - (mass ? cy / mass : h / 2));
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
    const X = i + ox, Y = j + oy;
    if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = Math.min(1, small[j * w + i]!);
  }
  return out;
}
