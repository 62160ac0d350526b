/**
 * `opstate/chain`: the chain format every store shares, for verifiers and tools of your own: canonical
 * JSON, the hash, verification over any iterable of rows, and the store contract's types.
 */
export { canonicalPayload } from './canonical-json.js';
export { nonCanonicalReason } from './canonical-check.js';
export { chainHash, genesisHash, HASH_VERSION } from './hash.js';
export {
  ChainVerifier,
  toVerifiable,
  type VerifiableEvent,
  verifyChain,
  verifyChainPages,
  type VerifyInput,
} from './verify.js';
export { streamChainEvents } from './stream.js';
export { type VerifyProgressListener, withVerifyProgress } from './progress.js';
export { workspaceIdProblem } from './validate.js';
export type {
  AppendedEvent,
  ChainAnchor,
  ChainDivergence,
  ChainEvent,
  ChainEventInput,
  ChainStore,
  DivergenceKind,
  FleetSummaryOptions,
  JsonObject,
  LastTransition,
  JsonValue,
  ReadOptions,
  StoreChange,
  VerifyOptions,
  VerifyResult,
  WorkspaceHead,
} from './types.js';
