/** The Train page's small model language: one layer per line, e.g. `Dense 128 relu`. Parsed on both sides of the worker. */
export type LayerSpec =
  | { kind: 'Flatten' }
  | { kind: 'ReLU' }
  | { kind: 'Softmax' }
  | { kind: 'MaxPooling2D' }
  | { kind: 'Dense'; units: number; activation?: string }
  | { kind: 'Conv2D'; filters: number; kernel: number; activation?: string }
  | { kind: 'Dropout'; rate: number };

export const PRESETS = {
  mlp: ['Flatten', 'Dense 256', 'ReLU', 'Dense 128', 'ReLU', 'Dense 10', 'Softmax'].join('\n'),
  cnn: ['Conv2D 8 3 relu', 'MaxPooling2D', 'Conv2D 16 3 relu', 'MaxPooling2D', 'Flatten', 'Dense 10 softmax'].join('\n'),
} as const;

const ACTIVATIONS = new Set(['relu', 'sigmoid', 'tanh', 'softmax', 'linear', 'elu', 'gelu', 'selu', 'softplus', 'swish', 'silu', 'leaky_relu']);

function int(word: string | undefined, what: string, line: number, max: number): number {
  const v = Number(word);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`line ${line}: ${what} must be an integer from 1 to ${max}, got '${word ?? ''}'`);
  return v;
}

function activation(word: string | undefined, line: number): string | undefined {
  if (word === undefined) return undefined;
  const a = word.toLowerCase();
  if (!ACTIVATIONS.has(a)) throw new Error(`line ${line}: unknown activation '${word}' (known: ${[...ACTIVATIONS].join(', ')})`);
  return a;
}

/** Parses the editor's text; throws an Error naming the line that is wrong. */
export function parseSpec(text: string): LayerSpec[] {
  const out: LayerSpec[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const words = raw.replace(/#.*/, '').trim().split(/[\s,()]+/).filter(Boolean);
    if (words.length === 0) return;
    const [name, ...args] = words;
    const kind = name!.toLowerCase();
    const arity = (n: number) => {
      if (args.length > n) throw new Error(`line ${line}: ${name} takes at most ${n} argument${n === 1 ? '' : 's'}, got '${args.join(' ')}'`);
    };
    if (kind === 'flatten') { arity(0); out.push({ kind: 'Flatten' }); }
    else if (kind === 'relu') { arity(0); out.push({ kind: 'ReLU' }); }
    else if (kind === 'softmax') { arity(0); out.push({ kind: 'Softmax' }); }
    else if (kind === 'maxpooling2d' || kind === 'maxpool') { arity(0); out.push({ kind: 'MaxPooling2D' }); }
    else if (kind === 'dense') { arity(2); out.push({ kind: 'Dense', units: int(args[0], 'units', line, 4096), activation: activation(args[1], line) }); }
    else if (kind === 'conv2d') {
      arity(3);
      out.push({ kind: 'Conv2D', filters: int(args[0], 'filters', line, 256), kernel: int(args[1], 'kernel size', line, 7), activation: activation(args[2], line) });
    } else if (kind === 'dropout') {
      arity(1);
      const rate = Number(args[0]);
      if (!(rate >= 0 && rate < 1)) throw new Error(`line ${line}: Dropout rate must be in [0, 1), got '${args[0] ?? ''}'`);
      out.push({ kind: 'Dropout', rate });
    } else throw new Error(`line ${line}: unknown layer '${name}' (Flatten, Dense, ReLU, Softmax, Conv2D, MaxPooling2D, Dropout)`);
  });
  if (out.length === 0) throw new Error('the model has no layers');
  return out;
}

/** Convolutions take [28, 28, 1] images; everything else [28, 28]. */
export function inputShape(specs: readonly LayerSpec[]): number[] {
  return specs.some((s) => s.kind === 'Conv2D') ? [28, 28, 1] : [28, 28];
}
