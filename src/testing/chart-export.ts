import { operationalStateConfig, operationalStateMachine } from '../machine/machine.js';
import { chartVocabulary, describeGuard, type VocabularyRow } from './vocabulary.js';

function label(row: VocabularyRow): string {
  const guard = row.guard === null ? '' : ` [${describeGuard(row.guard)}]`;
  const literal = row.literal === null ? '' : ` / ${row.literal}`;
  return `${row.eventType}${guard}${literal}`;
}

/**
 * The chart as a Mermaid state diagram, one arrow per guarded alternative, labelled with the event,
 * the guard and its params, and the literal appended. Generated from the chart; paste it in Markdown.
 */
export function toMermaid(): string {
  const lines = [
    'stateDiagram-v2',
    `  [*] --> ${String(operationalStateMachine.root.initial.target[0]?.key)}`,
  ];
  for (const row of chartVocabulary()) {
    // Mermaid ends a label at a newline and treats ':' after the first as text; '#' and ';' need escaping.
    const text = label(row).replaceAll('#', '#35;').replaceAll(';', '#59;');
    lines.push(`  ${row.source} --> ${row.target} : ${text}`);
  }
  for (const [key, node] of Object.entries(operationalStateMachine.root.states)) {
    if (node.type === 'final') lines.push(`  ${key} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The chart as Graphviz DOT, same labels as `toMermaid()`. */
export function toDot(): string {
  const quote = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const lines = [
    'digraph operationalState {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded];',
    '  __start [shape=point];',
  ];
  lines.push(`  __start -> ${quote(String(operationalStateMachine.root.initial.target[0]?.key))};`);
  for (const [key, node] of Object.entries(operationalStateMachine.root.states)) {
    if (node.type === 'final') lines.push(`  ${quote(key)} [peripheries=2];`);
  }
  for (const row of chartVocabulary()) {
    lines.push(`  ${quote(row.source)} -> ${quote(row.target)} [label=${quote(label(row))}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * The machine config (states, transitions, guards and actions by name with params, meta) as plain JSON:
 * `createMachine(json).provide(operationalStateImplementations)` is the chart again, and Stately Studio
 * can import it. (XState's own `machine.toJSON()` is the resolved definition, which cannot be.)
 */
export function toMachineJSON(): unknown {
  return JSON.parse(JSON.stringify(operationalStateConfig));
}
