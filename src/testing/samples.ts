import type { VocabularyRow } from './vocabulary.js';

export interface TriggerSamples {
  /** Triggers that satisfy the row's guard verbatim. */
  readonly positive: readonly string[];
  /** Triggers that satisfy it embedded in longer wording (matching is a plain substring test). */
  readonly lenient: readonly string[];
  /** Triggers that look close but must not satisfy it: other case, `cost 99%`, a missing `§`, … */
  readonly nearMisses: readonly string[];
  /** A trigger that satisfies no literal guard at all. */
  readonly neutral: string;
}

/** Matches no literal guard of the chart: no `§9.2`, no `invariant`, no `cost 100%`. */
export const NEUTRAL_TRIGGER = 'neutral trigger: routine operation';

/**
 * Trigger samples for one vocabulary row, generated from its guard's params. Rows without a
 * `triggerContains` guard (the fallbacks) only get the neutral trigger.
 */
export function triggerSamples(row: VocabularyRow): TriggerSamples {
  const text = row.guard?.type === 'triggerContains' ? row.guard.params.text : undefined;
  if (typeof text !== 'string' || text.length === 0) {
    return { positive: [], lenient: [], nearMisses: [], neutral: NEUTRAL_TRIGGER };
  }
  const lenient = [`${text} — observed by the watcher`, `operator note: ${text}`, `[L2] ${text} (auto)`];
  const candidates = [
    swapCase(text),
    text.toUpperCase(),
    text.replace('100%', '99%'),
    text.replace('100%', '100 %'),
    text.replace('§', ''),
    text.replace(' ', '  '),
    text.slice(0, -1),
  ];
  // A "near miss" that still contains the text would be a positive sample: drop it.
  const nearMisses = [...new Set(candidates)].filter((c) => c !== text && !c.includes(text));
  return { positive: [text], lenient, nearMisses, neutral: NEUTRAL_TRIGGER };
}

function swapCase(s: string): string {
  const first = s.charAt(0);
  const swapped = first === first.toUpperCase() ? first.toLowerCase() : first.toUpperCase();
  return swapped + s.slice(1);
}
