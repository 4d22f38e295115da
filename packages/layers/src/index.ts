/**
 * @nabla/layers: Keras 3 layers, activations, initializers and regularizers for nabla.
 * Layers build lazily from their first input, keep their weights as @nabla/autograd Variables
 * in Keras layouts, and serialize to `{ className, config }`.
 */
export type { JsonObject, JsonValue, LayerShape, Serialized } from './common.js';
export { toSnakeCase } from './common.js';
export * as activations from './activations.js';
export {
  activationName, activationNames, elu, exponential, gelu, getActivation, hardSigmoid, hardSilu, hardSwish, leakyRelu, linear, logSoftmax,
  mish, registerActivation, relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, swish, tanh,
  type ActivationFn, type ReluOptions,
} from './activations.js';
export * as initializers from './initializers.js';
export {
  computeFans, Constant, getInitializer, GlorotNormal, GlorotUniform, HeNormal, HeUniform, householderQR, Identity, InitializerBase, LecunNormal,
  LecunUniform, Ones, Orthogonal, RandomInitializer, RandomNormal, RandomUniform, registerInitializer, serializeInitializer, TruncatedNormal,
  TRUNCATED_NORMAL_STDDEV, VarianceScaling, Zeros,
  type FanMode, type Initializer, type InitializerIdentifier, type VarianceDistribution, type VarianceScalingOptions,
} from './initializers.js';
export * as regularizers from './regularizers.js';
export {
  getRegularizer, L1, l1, L1L2, l1l2, L2, l2, RegularizerBase, serializeRegularizer, type Regularizer, type RegularizerIdentifier,
} from './regularizers.js';
export {
  deserializeLayer, Layer, layerFromConfig, registeredLayers, registerLayer, resetLayerNames, serializeLayer, uniqueLayerName,
  type AddWeightOptions, type CallOptions, type InputSpec, type LayerArgs, type LayerClass, type SerializedLayer,
  isShapeList, type ShapeArg, type SymbolicInput,
} from './layer.js';
export { isSymbolic, Node, SymbolicTensor, type NodeCall } from './symbolic.js';
export {
  Add, Average, Concatenate, Dot, Maximum, Merge, Minimum, Multiply, Subtract, type ConcatenateArgs, type DotArgs,
} from './layers/merge.js';
export {
  Activation, Dense, Flatten, Input, InputLayer, Reshape,
  type ActivationArgs, type DenseArgs, type FlattenArgs, type InputArgs, type ReshapeArgs,
} from './layers/core.js';
export {
  ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, type ELUArgs, type LeakyReLUArgs, type ReLUArgs, type SoftmaxArgs,
} from './layers/activation_layers.js';
export { Dropout, type DropoutArgs } from './layers/dropout.js';
export {
  BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs,
} from './layers/normalization.js';
export {
  BaseConv, Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D,
  type Conv2DTransposeArgs, type ConvArgs, type DataFormat, type DepthwiseConv2DArgs, type SeparableConv2DArgs,
} from './layers/convolutional.js';
export {
  AveragePooling1D, AveragePooling2D, BaseGlobalPooling, BasePooling, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
  GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, type GlobalPoolingArgs, type PoolingArgs,
} from './layers/pooling.js';
export {
  Cropping2D, UpSampling2D, ZeroPadding2D, type Cropping2DArgs, type UpSampling2DArgs, type ZeroPadding2DArgs,
} from './layers/reshaping.js';
export {
  BaseRNN, GRU, LSTM, SimpleRNN, type GRUArgs, type LSTMArgs, type RNNArgs, type RNNCallOptions, type RNNResult, type RNNSymbolicCallOptions, type SimpleRNNArgs,
} from './layers/recurrent.js';
export { Embedding, type EmbeddingArgs } from './layers/embedding.js';
export {
  Permute, RepeatVector, SpatialDropout1D, type PermuteArgs, type RepeatVectorArgs, type SpatialDropout1DArgs,
} from './layers/sequence.js';
export {
  Bidirectional, TimeDistributed, Wrapper, type BidirectionalArgs, type LayerOrConfig, type MergeMode, type TimeDistributedArgs,
} from './layers/wrappers.js';
