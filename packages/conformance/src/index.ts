/**
 * @nabla/conformance: the one test suite every backend must pass. A backend package
 * runs it with a few lines:
 *
 * ```ts
 * import { runConformance } from '@nabla/conformance';
 * import { createCpuBackend } from '../src/index.js';
 * runConformance({ name: 'cpu', create: createCpuBackend });
 * ```
 */
import { describe } from 'vitest';
import type { ConformanceTarget } from './harness.js';
import { suites } from './suites.js';

export type { ConformanceTarget, Tolerance } from './harness.js';
export { DEFAULT_TOLERANCE, expectClose, expectTensor, noLeak, randomValues, useBackend } from './harness.js';
export { FD_STEP, GRADIENT_TOLERANCES } from './gradients.js';
/** The float64 reference implementations the suites compare against (for other packages' conformance-style tests). */
export * as reference from './reference.js';
export { refConv2dTranspose, refDepthwiseConv2d } from './conv-extra.js';

/** Registers every conformance suite for `target` (call at the top level of a test file). */
export function runConformance(target: ConformanceTarget): void {
  describe(`conformance [${target.name}]`, () => {
    for (const suite of suites) suite(target);
  });
}
