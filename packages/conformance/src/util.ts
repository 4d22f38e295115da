import type { Tensor } from '@nabla/tensor';
import { noLeak } from './harness.js';

/**
 * `noLeak(() => fn(...args))` with the arguments evaluated first, so inputs created in
 * the argument list are not counted as the op's leftovers.
 */
export function call<A extends unknown[], R extends Tensor | Tensor[]>(fn: (...args: A) => R, ...args: A): R {
  return noLeak(() => fn(...args));
}
