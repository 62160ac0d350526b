import type { InspectorRecord } from './records.js';

export interface ParsedTrace {
  readonly records: InspectorRecord[];
  /** 1-based line numbers that were not a record (kept out, reported). */
  readonly badLines: number[];
}

/** A recorded trace: one record per line, as `recorder.toJSONL()` and `/trace.jsonl` write it. */
export function parseTrace(text: string): ParsedTrace {
  const records: InspectorRecord[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as unknown;
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { type?: unknown }).type === 'string'
      ) {
        records.push(value as InspectorRecord);
      } else badLines.push(i + 1);
    } catch {
      badLines.push(i + 1);
    }
  });
  return { records, badLines };
}
