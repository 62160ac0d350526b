import { CHAIN_EVENT_TYPES } from '../../domain/vocabulary.js';
import { toDot, toMachineJSON, toMermaid } from '../../testing/chart-export.js';
import { chartVocabulary, describeGuard } from '../../testing/vocabulary.js';
import { UsageError } from '../exit-codes.js';

export const CHART_FORMATS = ['mermaid', 'dot', 'json'] as const;

export function renderChart(format: string): string {
  switch (format) {
    case 'mermaid':
      return toMermaid();
    case 'dot':
      return toDot();
    case 'json':
      return `${JSON.stringify(toMachineJSON(), null, 2)}\n`;
    default:
      throw new UsageError(`--format ${JSON.stringify(format)} is not one of ${CHART_FORMATS.join(', ')}`);
  }
}

export interface VocabReport {
  readonly eventTypes: readonly string[];
  readonly rules: readonly { literal: string; from: string; event: string; to: string; guard: string }[];
}

/** The vocabulary as the chart states it: event types, and each literal with the guard that selects it. */
export function vocabReport(): VocabReport {
  return {
    eventTypes: CHAIN_EVENT_TYPES,
    rules: chartVocabulary()
      .filter((r) => r.literal !== null)
      .map((r) => ({
        literal: r.literal as string,
        from: r.source,
        event: r.eventType,
        to: r.target,
        guard: describeGuard(r.guard),
      })),
  };
}

export function formatVocab(report: VocabReport, seedSql: string | null): string {
  const lines = [
    'Event types:',
    ...report.eventTypes.map((t) => `  ${t}`),
    '',
    'Literal rules (read from the chart):',
  ];
  for (const r of report.rules)
    lines.push(`  ${r.literal.padEnd(24)} ${r.from} —${r.event}→ ${r.to} when ${r.guard}`);
  lines.push('', 'Every transition also appends the generic event first.');
  if (seedSql !== null) lines.push('', 'SQL that seeds the vocabulary:', seedSql.trimEnd());
  return `${lines.join('\n')}\n`;
}
