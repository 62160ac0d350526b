import { WebSocket } from 'ws';
import { OperationalStateInputError } from '../errors.js';
import { type InspectorRecord, STATELY_RECORD_TYPES, type StatelyRecord } from './records.js';
import type { InspectionRecorder } from './recorder.js';

export interface StatelyForwardOptions {
  /** A Stately inspector server, e.g. `createInspectorServer()` of `@statelyai/inspect/server`. */
  readonly url?: string;
  /** Delay before reconnecting after the socket fails or closes (default 5000 ms, Stately's own). */
  readonly reconnectDelayMs?: number;
}

export interface StatelyForward {
  /** Stops forwarding: closes the socket and cancels any reconnect. Nothing of it keeps the process alive. */
  close(): void;
}

const isStately = (r: InspectorRecord): r is StatelyRecord => STATELY_RECORD_TYPES.includes(r.type);

/**
 * Sends the same stream to a Stately inspector over its WebSocket protocol (the records already are
 * Stately's wire format): on every connection, the records kept so far, actors first (the recorder pins
 * them), then every new one. Nothing is sent or buffered while disconnected, so a late or reconnecting
 * viewer always gets the `@xstate.actor` records before the events that refer to them.
 */
export async function forwardToStately(
  source: InspectionRecorder | { readonly recorder: InspectionRecorder },
  options: StatelyForwardOptions = {},
): Promise<StatelyForward> {
  const recorder = 'recorder' in source ? source.recorder : source;
  const url = options.url ?? 'ws://localhost:8080';
  const delay = options.reconnectDelayMs ?? 5000;
  if (!Number.isInteger(delay) || delay < 0) {
    throw new OperationalStateInputError('reconnectDelayMs', delay, 'expected a non-negative integer');
  }
  let closed = false;
  let socket: WebSocket | null = null;
  let detach: (() => void) | null = null;
  let retry: NodeJS.Timeout | null = null;

  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.on('open', () => {
      // Replay and live records go through one sink, subscribed at once: none is missed or doubled.
      detach = recorder.subscribe(
        (record) => {
          if (isStately(record) && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(record));
        },
        { replay: true },
      );
    });
    // An error is always followed by close; reconnecting there covers both.
    ws.on('error', () => {});
    ws.on('close', () => {
      detach?.();
      detach = null;
      socket = null;
      if (closed) return;
      retry = setTimeout(connect, delay);
      // Waiting to reconnect is no reason for a process to live; close() cancels it in any case.
      retry.unref();
    });
  };
  connect();

  return {
    close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      detach?.();
      detach = null;
      const ws: WebSocket | null = socket;
      socket = null;
      if (ws !== null) ws.terminate();
    },
  };
}
