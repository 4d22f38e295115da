import { variableGrads, Variable } from '@nabla/autograd';
import { Adagrad, Adam, RMSprop, SGD, type Optimizer } from '@nabla/optimizers';
import { tensor } from '@nabla/tensor';
import { COLORS } from './colors.ts';
import type { Surface } from './surfaces.ts';

export interface RacerKind {
  id: string;
  label: string;
  color: string;
  make: (lr: number) => Optimizer;
}

/** The course's six: Momentum and NAG are SGD with (Nesterov) momentum 0.9, as in Keras. */
export const RACERS: readonly RacerKind[] = [
  { id: 'sgd', label: 'SGD', color: COLORS[6], make: (lr) => new SGD({ learningRate: lr }) },
  { id: 'momentum', label: 'Momentum', color: COLORS[0], make: (lr) => new SGD({ learningRate: lr, momentum: 0.9 }) },
  { id: 'nag', label: 'NAG', color: COLORS[5], make: (lr) => new SGD({ learningRate: lr, momentum: 0.9, nesterov: true }) },
  { id: 'adagrad', label: 'Adagrad', color: COLORS[2], make: (lr) => new Adagrad({ learningRate: lr }) },
  { id: 'rmsprop', label: 'RMSProp', color: COLORS[3], make: (lr) => new RMSprop({ learningRate: lr }) },
  { id: 'adam', label: 'Adam', color: COLORS[1], make: (lr) => new Adam({ learningRate: lr }) },
];

/** One optimizer walking a surface: a [2] Variable updated by variableGrads + applyGradients. */
export class Racer {
  readonly path: [number, number][] = [];
  loss = NaN;
  private readonly p: Variable;
  private readonly opt: Optimizer;
  /** Stops when the point leaves the picture far behind (a diverging learning rate). */
  escaped = false;

  constructor(readonly kind: RacerKind, readonly surface: Surface, readonly lr: number) {
    this.p = new Variable(tensor([surface.start[0], surface.start[1]]), { name: kind.id });
    this.opt = kind.make(lr);
    this.path.push([surface.start[0], surface.start[1]]);
    this.loss = surface.value(surface.start[0], surface.start[1]);
  }

  async step(): Promise<void> {
    if (this.escaped) return;
    const { value, grads } = variableGrads(() => this.surface.loss(this.p), [this.p]);
    this.opt.applyGradients([[grads.get(this.p)!, this.p]]);
    this.loss = (await value.data())[0]!;
    value.dispose();
    for (const g of grads.values()) g.dispose();
    const [x, y] = (await this.p.data()) as Float32Array;
    this.path.push([x!, y!]);
    const s = this.surface;
    const far = (v: number, [lo, hi]: readonly [number, number]) => !Number.isFinite(v) || v < lo - 3 * (hi - lo) || v > hi + 3 * (hi - lo);
    if (far(x!, s.x) || far(y!, s.y)) this.escaped = true;
  }

  dispose(): void {
    this.p.dispose();
    this.opt.dispose();
  }
}
