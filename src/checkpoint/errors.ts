/** What is wrong with a checkpoint or its key, as opposed to the chain it vouches for. */
export type CheckpointErrorKind =
  /** Not a checkpoint: unreadable, not JSON, a missing or ill-typed field, an unknown field. */
  | 'malformed'
  /** Not a usable Ed25519 key in PEM (PKCS#8 private, SPKI public). */
  | 'bad_key'
  /** The signature does not verify under the key its keyId names: the checkpoint was forged or edited. */
  | 'bad_signature'
  /** No public key given has the checkpoint's keyId. */
  | 'unknown_key'
  /** The checkpoint is about another workspace than the one verified. */
  | 'wrong_workspace'
  /** Refused to sign: the chain does not verify (a checkpoint vouches only for a verified head). */
  | 'chain_invalid'
  /** A schedule's options are not usable (no interval, or one that is not a positive integer). */
  | 'invalid_options';

/** A checkpoint could not be made, read or trusted. `source` names the file or value concerned. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly kind: CheckpointErrorKind;
  readonly source: string | undefined;

  constructor(kind: CheckpointErrorKind, message: string, options?: { source?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.source = options?.source;
  }
}
