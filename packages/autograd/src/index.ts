/**
 * @nabla/autograd: reverse-mode automatic differentiation for @nabla/tensor. A tape
 * records primitives only inside grad / valueAndGrad / variableGrads calls; one table
 * of gradient rules (rules.ts) differentiates every primitive, so composed ops get
 * gradients for free and higher-order gradients work.
 */
export { customGrad, grad, grads, valueAndGrad, valueAndGrads, variableGrads, type CustomGradResult, type DyOption, type SaveFn } from './grad.js';
export { noGrad, stopGradient } from './tape.js';
export { Variable, type VariableOptions } from './variable.js';
export { RULES, ruleCount, ruleFor, sumToShape, type GradRule, type Prim } from './rules.js';
