import { readFile } from 'node:fs/promises';
import { createReplayRecorder } from '../../inspect/replay-recorder.js';
import { startInspector, type InspectorHandle } from '../../inspect/server.js';
import { parseTrace } from '../../inspect/trace.js';
import { UsageError } from '../exit-codes.js';

/** Serves a recorded JSONL trace in the inspector page; resolves with the running server. */
export async function openTrace(
  file: string,
  options: { port?: number },
): Promise<{ handle: InspectorHandle; records: number; badLines: number[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --trace ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const { records, badLines } = parseTrace(text);
  if (records.length === 0) {
    throw new UsageError(
      `--trace ${file} holds no inspector records (write one with recorder.toJSONL() or the page's "download trace")`,
    );
  }
  const handle = await startInspector({
    recorder: createReplayRecorder(records),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return { handle, records: records.length, badLines };
}
