/**
 * Write versions of backend arrays. Every CPU buffer is written when it is made and never again,
 * except (1) by the fused Adam step on donated storage and (2) when `alloc` hands a released array
 * out for a new output. Both bump the array's version here, so a cache of something derived from
 * an array's contents (the GEMM's staged weights) is valid exactly while the version it saw stands.
 * (Arrays passed to `Backend.write` are fresh: the tensor package copies what the user gives it.)
 */
const versions = new WeakMap<object, number>();

/** The array's write version (0 until something rewrites it). */
export function versionOf(array: object): number {
  return versions.get(array) ?? 0;
}

/** Notes that the array's contents are about to change in place. */
export function bumpVersion(array: object): void {
  versions.set(array, versionOf(array) + 1);
}
