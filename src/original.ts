/**
 * `opstate/original`: the original listener API, ported as plain functions for code that drives its own
 * state holder: the payload, the literal a transition appends (answered by the chart's own guards), and
 * the fail-loud emit with its preflight checks.
 */
export { buildPayload, type TransitionPayload } from './domain/payload.js';
export { makeSnapshot, type OperationalStateSnapshot } from './domain/snapshot.js';
export { selectExtraLiteral } from './machine/pure.js';
export {
  type EmitOptions,
  emitStateTransition,
  makeEmitListener,
  type TransitionListener,
} from './emit/emit-state-transition.js';
export { type ChainProvider, type EmitTarget, resolveEmitTarget } from './emit/provider.js';
