import type { Variable } from '@nabla/autograd';
import { cast, gather, notEqual, type Tensor } from '@nabla/tensor';
import { describe, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: indices must lie in [0, inputDim). */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Default `'uniform'` (RandomUniform in [-0.05, 0.05]). */
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier;
  /**
   * Whether index 0 is padding (Keras' `mask_zero`). Recorded and reported by `computeMask`, but no
   * layer consumes masks here: padded steps are NOT skipped by recurrent layers. Default false.
   */
  maskZero?: boolean;
}

/**
 * Looks up rows of an `[inputDim, outputDim]` table (Keras' `Embedding`): integer indices of any
 * shape `[...]` give `[..., outputDim]`. int32 inputs are used as they are; float inputs are cast to
 * int32 (truncated toward zero), as Keras does. Out-of-range indices throw (on the CPU backend).
 * Gradients reach the table through `gather`'s gradient (a scatter-add of the rows that were used).
 * @example const e = new Embedding({ inputDim: 1000, outputDim: 64 }); e.apply(ids) // [b, t] -> [b, t, 64]
 */
export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly maskZero: boolean;
  private table: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`Embedding: expected an options object { inputDim, outputDim, ... }, got ${describe(args)}`);
    super(args);
    if (!Number.isInteger(args.inputDim) || args.inputDim <= 0) throw new RangeError(`Embedding '${this.name}': inputDim must be a positive integer, got ${describe(args.inputDim)}`);
    if (!Number.isInteger(args.outputDim) || args.outputDim <= 0) throw new RangeError(`Embedding '${this.name}': outputDim must be a positive integer, got ${describe(args.outputDim)}`);
    if (args.maskZero !== undefined && args.maskZero !== null && typeof args.maskZero !== 'boolean') throw new TypeError(`Embedding '${this.name}': maskZero must be a boolean, got ${describe(args.maskZero)}`);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer ?? 'uniform');
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer);
    this.maskZero = args.maskZero ?? false;
    this.autocast = false; // indices stay integers
  }

  override build(inputShape: LayerShape): void {
    void inputShape;
    this.table = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, { regularizer: this.embeddingsRegularizer });
  }

  /** The `[inputDim, outputDim]` table (after build). */
  get embeddings(): Variable {
    if (!this.table) throw new Error(`Embedding '${this.name}': the embeddings exist once the layer is built`);
    return this.table;
  }

  call(x: Tensor): Tensor {
    const idx = x.dtype === 'int32' ? x : cast(x, 'int32');
    return gather(this.embeddings, idx, 0);
  }

  /** Keras' `compute_mask`: a bool tensor `x != 0` when `maskZero`, else null (the caller owns it). Nothing here consumes it. */
  computeMask(x: Tensor): Tensor | null {
    return this.maskZero ? notEqual(x, 0) : null;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.outputDim];
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer) as unknown as JsonValue,
      embeddingsRegularizer: serializeRegularizer(this.embeddingsRegularizer) as unknown as JsonValue,
      maskZero: this.maskZero,
    };
  }
}

registerLayer(Embedding);
