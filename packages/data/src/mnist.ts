/** One MNIST split: `images` are 28×28 grey levels 0–255, row-major, one byte per pixel. */
export interface MnistSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

export interface Mnist {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
}
