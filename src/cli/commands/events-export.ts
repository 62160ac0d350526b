import type { ChainEvent, ChainStore } from '../../store/chain/types.js';
import type { RestartTracker } from '../../store/chain/restarts.js';
import { MAX_READ_LIMIT } from '../../store/chain/validate.js';
import { progressBar } from '../progress.js';

export interface ExportOptions {
  readonly after: number;
  readonly prefix: string;
  /** At most this many events; undefined: the whole chain. */
  readonly limit?: number;
  /** Draw a progress bar on stderr (only if it is a terminal). */
  readonly progress: boolean;
  /** Marks process restarts: an event that starts one carries `restart` (see ChainRestart). */
  readonly restarts?: RestartTracker;
}

/** Where the export goes: resolves once the text is handed on (backpressure), false once the reader left. */
export type Sink = (text: string) => Promise<boolean>;

/** A sink on a stream that waits for 'drain' and stops quietly on EPIPE (`opstate events --json | head`). */
export function streamSink(stream: NodeJS.WritableStream): Sink {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      if (stream.write(text)) return resolve(true);
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve(!closed);
      };
      stream.once('drain', done);
      stream.once('close', done);
    });
}

/**
 * Writes the chain as one JSON array, byte for byte what `JSON.stringify(events, null, 2)` gives, one
 * page at a time: memory stays constant whatever the chain's length. Returns how many events it wrote.
 */
export async function exportEvents(
  store: ChainStore,
  workspaceId: string,
  options: ExportOptions,
  sink: Sink,
): Promise<number> {
  const bar = progressBar(`exporting ${workspaceId}`, 'seqs', options.progress);
  const lastSeq = options.progress && process.stderr.isTTY ? await findLastSeq(store, workspaceId) : 0;
  let written = 0;
  let cursor = options.after;
  let open = true;
  try {
    while (open && (options.limit === undefined || written < options.limit)) {
      const want = Math.min(
        MAX_READ_LIMIT,
        options.limit === undefined ? MAX_READ_LIMIT : options.limit - written,
      );
      const page: ChainEvent[] = await store.read(workspaceId, {
        afterSeq: cursor,
        limit: want,
        eventTypePrefix: options.prefix,
      });
      if (page.length === 0) break;
      let text = '';
      for (const event of page) {
        const restart = options.restarts?.feed(event) ?? null;
        const shown = restart === null ? event : { ...event, restart };
        text += `${written === 0 ? '[\n' : ',\n'}${indent(JSON.stringify(shown, null, 2))}`;
        written += 1;
      }
      open = await sink(text);
      cursor = page[page.length - 1]?.seq ?? cursor;
      bar.update(cursor - options.after, Math.max(0, lastSeq - options.after));
      if (page.length < want) break;
    }
    if (open) await sink(written === 0 ? '[]\n' : '\n]\n');
  } finally {
    bar.stop();
  }
  return written;
}

function indent(json: string): string {
  return `  ${json.replaceAll('\n', '\n  ')}`;
}

/**
 * The chain's last seq through `read` alone (which has no "last" query): doubling then bisecting on
 * `afterSeq`, about 2·log2(n) one-row reads. Only for the progress bar's total.
 */
async function findLastSeq(store: ChainStore, workspaceId: string): Promise<number> {
  const exists = async (seq: number) =>
    (await store.read(workspaceId, { afterSeq: seq - 1, limit: 1 })).length > 0;
  if (!(await exists(1))) return 0;
  let low = 1;
  let high = 2;
  while (await exists(high)) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(mid)) low = mid;
    else high = mid;
  }
  return low;
}
