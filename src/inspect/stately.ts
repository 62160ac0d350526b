import { InspectorError } from './inspector-error.js';
import { type InspectorRecord, STATELY_RECORD_TYPES, type StatelyRecord } from './records.js';
import type { InspectionRecorder } from './recorder.js';

export interface StatelyForwardOptions {
  /** A Stately inspector server, e.g. `createInspectorServer()` of `@statelyai/inspect/server`. */
  readonly url?: string;
}

export interface StatelyForward {
  /** Stops forwarding and closes the Stately socket. */
  close(): void;
}

/** The part of @statelyai/inspect used here, declared locally so the package stays optional. */
interface StatelyModule {
  createWebSocketInspector(options: { url: string; autoStart?: boolean }): {
    adapter: { send(event: StatelyRecord): void };
    stop(): void;
  };
}

const STATELY_PACKAGE = '@statelyai/inspect';

/**
 * Sends the same stream (records kept so far, then every new one) to a Stately inspector over its
 * WebSocket protocol. `@statelyai/inspect` is an optional peer, imported only here, only when called.
 */
export async function forwardToStately(
  source: InspectionRecorder | { readonly recorder: InspectionRecorder },
  options: StatelyForwardOptions = {},
): Promise<StatelyForward> {
  const recorder = 'recorder' in source ? source.recorder : source;
  let stately: StatelyModule;
  try {
    stately = (await import(STATELY_PACKAGE)) as StatelyModule;
  } catch (err) {
    throw new InspectorError(
      'stately_missing',
      STATELY_PACKAGE,
      `forwardToStately needs the optional peer ${STATELY_PACKAGE}: npm install ${STATELY_PACKAGE}`,
      { cause: err },
    );
  }
  const inspector = stately.createWebSocketInspector({ url: options.url ?? 'ws://localhost:8080' });
  const isStately = (r: InspectorRecord): r is StatelyRecord => STATELY_RECORD_TYPES.includes(r.type);
  const detach = recorder.subscribe(
    (record) => {
      if (isStately(record)) inspector.adapter.send(record);
    },
    { replay: true },
  );
  return {
    close() {
      detach();
      inspector.stop();
    },
  };
}
