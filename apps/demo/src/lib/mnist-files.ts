/** The packed MNIST subset the build writes to public/data/ (raw uint8, 28×28 row-major grey levels; labels one byte each). */
export const MNIST_SUBSET = { train: 10_000, test: 2_000 } as const;
export const PIXELS = 28 * 28;
export const MNIST_FILES = {
  trainImages: 'mnist-train-images.u8',
  trainLabels: 'mnist-train-labels.u8',
  testImages: 'mnist-test-images.u8',
  testLabels: 'mnist-test-labels.u8',
} as const;
