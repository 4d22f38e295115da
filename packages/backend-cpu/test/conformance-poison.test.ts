import { runConformance } from '@nabla/conformance';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { allocFull } from '../src/recycle.js';

// Every output that a kernel promises to write in full (allocFull) starts as NaN here: on the wasm
// heap a block is reused with its last tenant's values, so an element a kernel forgets to write
// would be wrong only sometimes; poisoned, it is wrong every time. Set before anything allocates.
process.env['NABLA_HEAP_POISON'] = '1';

describe('poisoned outputs', () => {
  it('allocFull hands out NaN (float32) and 0x5a bytes (int32, bool) on the heap', () => {
    expect(Array.from(allocFull('float32', 100)).every(Number.isNaN)).toBe(true);
    expect(Array.from(allocFull('int32', 100)).every((v) => v === 0x5a)).toBe(true);
    expect(Array.from(allocFull('bool', 100)).every((v) => v === 0x5a)).toBe(true);
  });
});

runConformance({ name: 'cpu-poisoned', create: () => Promise.resolve(createCpuBackend()) });
