import { combineSuite } from './combine.js';
import { convSuite } from './conv.js';
import { convExtraSuite } from './conv-extra.js';
import { creationSuite } from './creation.js';
import { elementwiseSuite } from './elementwise.js';
import { errorsSuite } from './errors.js';
import { fusedSuite } from './fused.js';
import { gradientsSuite } from './gradients.js';
import type { ConformanceTarget } from './harness.js';
import { matmulSuite } from './matmul.js';
import { reduceSuite } from './reduce.js';
import { viewsSuite } from './views.js';

/** Every suite: a function that registers describe/it blocks for one target. */
export const suites: ((target: ConformanceTarget) => void)[] = [
  creationSuite, viewsSuite, elementwiseSuite, reduceSuite, matmulSuite, combineSuite, convSuite, convExtraSuite, fusedSuite, errorsSuite, gradientsSuite,
];
