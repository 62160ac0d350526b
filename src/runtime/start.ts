import type { ChainProvider } from '../emit/provider.js';
import type { Logger } from '../logger.js';
import type { RestorePoint } from './start-snapshot.js';
import type { ResumedFrom } from './types.js';

/** Where and how a runtime starts, when not as a new agent in `booting` (internal: resume.ts sets it). */
export interface RuntimeStart {
  /** The state, posture and transition count to start in. */
  readonly posture?: RestorePoint;
  /** The chain position the runtime resumed from. */
  readonly resumedFrom?: ResumedFrom;
  /** Replaces the target's provider (a fenced view of the store). */
  readonly provider?: ChainProvider;
  /** Replaces `options.logger` (wrapped so a fence is logged once). */
  readonly logger?: Logger;
  /** Throws to refuse a request before it reaches the chart (a fenced runtime). */
  readonly beforeRequest?: () => void;
  /** Whether the runtime's epoch was superseded. */
  readonly fenced?: () => boolean;
}
