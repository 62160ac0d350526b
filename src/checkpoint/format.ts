import canonicalize from 'canonicalize';
import { workspaceIdProblem } from '../store/chain/validate.js';
import { parseStrictJson } from '../util/strict-json.js';
import { onDemand } from '../util/zod-on-demand.js';
import { CheckpointError } from './errors.js';

/**
 * A signed statement that a workspace's chain had `headHash` at `seq`, kept outside the store (a file,
 * a WORM bucket, a SIEM). The format is public and fixed; docs/checkpoints.md shows how to check one with openssl.
 */
export interface Checkpoint {
  readonly workspaceId: string;
  /** The seq of the last event vouched for (≥ 1). */
  readonly seq: number;
  /** Lowercase hex SHA-256 chain hash of the event at `seq`. */
  readonly headHash: string;
  /** When it was signed, ISO 8601 UTC. */
  readonly at: string;
  /** Lowercase hex SHA-256 of the signing public key's SPKI DER bytes. */
  readonly keyId: string;
  /** Base64 Ed25519 signature over the RFC 8785 text of this object without `signature`. */
  readonly signature: string;
}

/** The checkpoint without its signature: what gets signed. */
export type CheckpointStatement = Omit<Checkpoint, 'signature'>;

const HEX64 = /^[0-9a-f]{64}$/;

const checkpointSchema = onDemand((z) =>
  z
    .object({
      workspaceId: z
        .string()
        .refine((s) => workspaceIdProblem(s) === null, { error: 'not a valid workspace id' }),
      seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
      headHash: z.string().regex(HEX64, { error: 'must be 64 lowercase hex digits' }),
      at: z.iso.datetime({ error: 'must be an ISO 8601 UTC time' }),
      keyId: z.string().regex(HEX64, { error: 'must be 64 lowercase hex digits' }),
      signature: z
        .string()
        .regex(/^[A-Za-z0-9+/]{86}==$/, { error: 'must be the base64 of a 64-byte Ed25519 signature' }),
    })
    .strict(),
);

/** The exact bytes an Ed25519 signature covers: RFC 8785 JSON of the statement, UTF-8. */
export function signingBytes(statement: CheckpointStatement): Buffer {
  const { workspaceId, seq, headHash, at, keyId } = statement;
  const text = canonicalize({ workspaceId, seq, headHash, at, keyId });
  if (text === undefined) throw new CheckpointError('malformed', 'checkpoint statement cannot be serialized');
  return Buffer.from(text, 'utf8');
}

/** Validates a parsed JSON value as a checkpoint; `source` names where it came from in the error. */
export function parseCheckpoint(value: unknown, source = 'checkpoint'): Checkpoint {
  const parsed = checkpointSchema().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `field ${issue.path.join('.')}` : 'value';
    throw new CheckpointError(
      'malformed',
      `${source} is not a checkpoint: ${where} ${issue?.message ?? ''}`.trim(),
      {
        source,
      },
    );
  }
  return parsed.data;
}

/**
 * Parses checkpoint JSON text (a file's content). A key named twice is malformed: the signature covers
 * one reading of the file, and a reader that keeps the other value must not be shown a verified one.
 */
export function parseCheckpointText(text: string, source = 'checkpoint'): Checkpoint {
  let value: unknown;
  try {
    value = parseStrictJson(text);
  } catch (err) {
    const problem = (err as Error).message;
    const what = problem.startsWith('not JSON') ? problem : `malformed: ${problem}`;
    throw new CheckpointError('malformed', `${source} is ${what}`, {
      source,
      cause: err,
    });
  }
  return parseCheckpoint(value, source);
}

/** The checkpoint as a file holds it: pretty JSON, newline-terminated (any JSON form verifies the same). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  return `${JSON.stringify(checkpoint, null, 2)}\n`;
}
