/** @nabla/data: dataset formats and loaders. Node-only file loading lives in `@nabla/data/node`. */
export { parseIdx, type IdxArray } from './idx.js';
export type { Mnist, MnistSplit } from './mnist.js';
export { batches, imagesToTensors, shuffle, shuffledIndices, toOneHot, trainValidationSplit, type ImageSet } from './dataset.js';
