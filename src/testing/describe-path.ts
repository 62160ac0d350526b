import { NEUTRAL_TRIGGER } from './samples.js';
import { chartVocabulary } from './vocabulary.js';

interface DescribedStep {
  readonly event: { readonly type: string; readonly trigger?: string };
  readonly state: { readonly value: unknown };
}

/** (source → target) pairs the chart reaches by more than one event type: their steps name the event. */
const AMBIGUOUS_PAIRS = (() => {
  const events = new Map<string, Set<string>>();
  for (const row of chartVocabulary()) {
    const key = `${row.source}→${row.target}`;
    events.set(key, (events.get(key) ?? new Set()).add(row.eventType));
  }
  return new Set([...events].filter(([, types]) => types.size > 1).map(([key]) => key));
})();

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 39)}…` : text);

/**
 * A path as a short, readable test name: the states it passes through, each annotated with what got it
 * there when that matters: the trigger that selected a guarded branch, or the event where two lead to
 * the same state: `booting → ready (all §9.2 gates pass) → paused (PAUSE: cost 100%)`. (XState's own description
 * carries the whole context as JSON, about a kilobyte per path here.)
 */
export function describePath(steps: readonly DescribedStep[]): string {
  let previous: string | undefined;
  const parts = steps.map(({ event, state }) => {
    const value = String(state.value);
    const from = previous;
    previous = value;
    if (event.type === 'xstate.init' || from === undefined) return value;
    const trigger =
      event.trigger !== undefined && event.trigger !== NEUTRAL_TRIGGER ? clip(event.trigger) : null;
    if (AMBIGUOUS_PAIRS.has(`${from}→${value}`))
      return `${value} (${event.type}${trigger ? `: ${trigger}` : ''})`;
    return trigger === null ? value : `${value} (${trigger})`;
  });
  return parts.length === 0 ? '(empty path)' : parts.join(' → ');
}
