/**
 * Reading TensorFlow.js layers models (`model.json` with `format: 'layers-model'`, as written by
 * `tfjsModel.save(...)` or the tfjs converter from Keras): the Keras topology becomes a nabla
 * topology (the layers package reads Keras' snake_case layer configs), and tfjs weight names
 * map to nabla's `<layer>/<weight>` names. Weight layouts match (Dense [in, out], Conv2D
 * [kh, kw, in, out], LSTM gates i, f, c, o). Only what inference and fine-tuning need is read:
 * tfjs training configs are ignored.
 *
 * One activation differs by name: TensorFlow.js (like Keras 2) defines `hard_sigmoid` as
 * `clip(0.2x + 0.5, 0, 1)`, nabla (like Keras 3) as `relu6(x + 3) / 6`; tfjs configs that say
 * `hard_sigmoid` (the tfjs LSTM/GRU default recurrent activation) get `tfjs_hard_sigmoid`.
 */
import { registerActivation } from '@nabla/layers';
import { add, clip, mul, tidy, type Tensor } from '@nabla/tensor';

/** TensorFlow.js / Keras 2 hard sigmoid: clip(0.2x + 0.5, 0, 1). */
export function tfjsHardSigmoid(x: Tensor): Tensor {
  return tidy(() => clip(add(mul(x, 0.2), 0.5), 0, 1));
}
registerActivation('tfjs_hard_sigmoid', tfjsHardSigmoid);

const ACTIVATION_KEYS = ['activation', 'recurrent_activation', 'recurrentActivation'];

/** A copy of a tfjs layer config with tfjs-specific activation names replaced. */
function convertLayer(layer: unknown): unknown {
  if (!isObject(layer) || !isObject(layer['config'])) return layer;
  const config: Record<string, unknown> = { ...layer['config'] };
  for (const k of ACTIVATION_KEYS) if (config[k] === 'hard_sigmoid' || config[k] === 'hardSigmoid') config[k] = 'tfjs_hard_sigmoid';
  // wrappers (Bidirectional, TimeDistributed) nest their layer
  if (isObject(config['layer'])) config['layer'] = convertLayer(config['layer']);
  return { ...layer, config };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export interface TfjsConversion {
  topology: { className: string; config: Record<string, unknown> };
  /** A tfjs manifest weight name as the nabla weight name ('dense_Dense1/kernel' stays; 'seq/dense/kernel:0' -> 'dense/kernel'). */
  weightName(name: string): string;
}

/** Converts a tfjs `model.json` object; throws plain Errors naming what is unsupported. */
export function tfjsToNabla(json: Record<string, unknown>): TfjsConversion {
  let topo = json['modelTopology'];
  if (isObject(topo) && isObject(topo['model_config'])) topo = topo['model_config'];
  if (!isObject(topo)) throw new Error('a TensorFlow.js model.json needs a "modelTopology" object');
  const className = topo['class_name'] ?? topo['className'];
  if (className !== 'Sequential') {
    throw new Error(`TensorFlow.js models of class ${JSON.stringify(className)} are not supported; only Sequential models can be read`);
  }
  const cfg = topo['config'];
  const layers = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg['layers'] : undefined;
  if (!Array.isArray(layers)) throw new Error('the TensorFlow.js Sequential config has no "layers" array');
  const name = isObject(cfg) && typeof cfg['name'] === 'string' ? cfg['name'] : 'sequential';
  const layerNames = new Set<string>();
  for (const l of layers) {
    const n = isObject(l) && isObject(l['config']) ? l['config']['name'] : undefined;
    if (typeof n === 'string') layerNames.add(n);
  }
  return {
    topology: { className: 'Sequential', config: { name, layers: layers.map(convertLayer) } },
    weightName(raw: string): string {
      const parts = raw.replace(/:\d+$/, '').split('/');
      if (parts.length < 2) return raw;
      const last = parts[parts.length - 1]!;
      if (layerNames.has(parts[0]!)) return `${parts[0]}/${last}`;
      const layer = parts.slice(0, -1).find((p) => layerNames.has(p));
      return layer ? `${layer}/${last}` : raw;
    },
  };
}
