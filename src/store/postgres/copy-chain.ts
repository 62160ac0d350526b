import type pg from 'pg';
import { ChainStoreError } from '../../errors.js';
import type { VerifiableEvent } from '../chain/verify.js';
import { loadCopyStreams } from './driver.js';

/** Binary COPY starts with this signature, then a 32-bit flags field and a header-extension length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 6;

/** The statement verify streams: the columns the verifier checks, in seq order, one workspace. */
export function chainCopySql(client: pg.ClientBase, workspaceId: string): string {
  // COPY takes no parameters: the workspace id goes in as an escaped literal.
  return `COPY (SELECT seq, event_type, payload_canonical, prev_hash, hash, hash_version FROM opstate.event_log
            WHERE workspace_id = ${client.escapeLiteral(workspaceId)} ORDER BY seq) TO STDOUT (FORMAT binary)`;
}

/**
 * Decodes binary COPY rows (seq int8, event_type text, payload_canonical text, prev_hash bytea, hash
 * bytea, hash_version int2) chunk by chunk: memory stays at one chunk plus one partial row, whatever the chain's length.
 */
export class ChainCopyDecoder {
  #pending: Buffer = Buffer.alloc(0);
  #headerDone = false;
  #done = false;

  get done(): boolean {
    return this.#done;
  }

  /** Feeds one chunk; returns the rows it completed. */
  push(chunk: Buffer): VerifiableEvent[] {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    if (!this.#headerDone) {
      if (buf.length < SIGNATURE.length + 8) {
        this.#pending = buf;
        return [];
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
        throw new ChainStoreError('unavailable', 'COPY returned data that is not in binary format');
      }
      at = SIGNATURE.length + 8 + buf.readUInt32BE(SIGNATURE.length + 4);
      this.#headerDone = true;
    }
    const rows: VerifiableEvent[] = [];
    for (;;) {
      const start = at;
      if (buf.length - at < 2) break;
      const count = buf.readInt16BE(at);
      if (count === -1) {
        this.#done = true;
        at += 2;
        break;
      }
      if (count !== FIELDS)
        throw new ChainStoreError('unavailable', `COPY row has ${count} fields, expected ${FIELDS}`);
      at += 2;
      const fields: Buffer[] = [];
      let complete = true;
      for (let f = 0; f < FIELDS; f++) {
        if (buf.length - at < 4) {
          complete = false;
          break;
        }
        const len = buf.readInt32BE(at);
        at += 4;
        if (len < 0) {
          fields.push(Buffer.alloc(0));
          continue;
        }
        if (buf.length - at < len) {
          complete = false;
          break;
        }
        fields.push(buf.subarray(at, at + len));
        at += len;
      }
      if (!complete) {
        at = start;
        break;
      }
      const [seq, type, payload, prev, hash, version] = fields as [
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
        Buffer,
      ];
      rows.push({
        seq: Number(seq.readBigInt64BE(0)),
        eventType: type.toString('utf8'),
        payloadCanonical: payload.toString('utf8'),
        prevHash: prev.toString('hex'),
        hash: hash.toString('hex'),
        hashVersion: version.readInt16BE(0),
      });
    }
    // Copy the remainder out, so the chunk it came from can be collected.
    this.#pending = at >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return rows;
  }
}

/**
 * Streams one workspace's chain as pages of rows (one page per network chunk) over binary
 * `COPY … TO STDOUT`, on a client the caller has checked out. Fails with `unavailable` when the server
 * goes silent for `silenceMs` (a stalled or black-holed connection) instead of waiting forever.
 */
export async function* copyChain(
  client: pg.ClientBase,
  workspaceId: string,
  silenceMs: number,
): AsyncGenerator<readonly VerifiableEvent[]> {
  const stream = loadCopyStreams().to(chainCopySql(client, workspaceId));
  // pg's per-statement timeout would cut a long but healthy COPY; silence is what is bounded here.
  (stream as unknown as { query_timeout: number }).query_timeout = 2_147_483_647;
  const decoder = new ChainCopyDecoder();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stream.destroy(
        new ChainStoreError(
          'unavailable',
          `PostgreSQL sent nothing for ${silenceMs} ms during verify (query timeout)`,
        ),
      );
    }, silenceMs);
  };
  arm();
  try {
    client.query(stream);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      arm();
      const rows = decoder.push(chunk);
      if (rows.length > 0) yield rows;
    }
    if (!decoder.done) throw new ChainStoreError('unavailable', 'COPY ended before its trailer');
  } finally {
    clearTimeout(timer);
    if (!stream.destroyed) stream.destroy();
    // pg arms its query timer for a COPY too and clears it only through `callback`, which a copy stream
    // never calls: left armed, it would keep the process alive and later fail a finished stream.
    const callback = (stream as unknown as { callback?: unknown }).callback;
    if (typeof callback === 'function') (callback as () => void)();
  }
}
