/** A parsed IDX file (the format MNIST ships in): unsigned bytes and their dimensions. */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type code 0x08): a big-endian header
 * `0x00 0x00 0x08 ndim` followed by ndim 32-bit sizes, then the data.
 * @example const { shape, data } = parseIdx(readFileSync('train-labels-idx1-ubyte'));
 */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error('parseIdx: not an IDX file (bad magic number)');
  if (bytes[2] !== 0x08) throw new Error(`parseIdx: only unsigned-byte IDX files (type 0x08) are supported, got type 0x${bytes[2]!.toString(16)}`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new Error(`parseIdx: truncated header (${bytes.length} bytes for ${ndim} dimensions)`);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new Error(`parseIdx: expected ${header + size} bytes for shape [${shape.join(',')}], got ${bytes.length}`);
  }
  return { shape, data: bytes.subarray(header) };
}
