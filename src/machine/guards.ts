import type { MachineEvent } from './events.js';
import { triggerOf } from './events.js';

/**
 * Case-sensitive plain substring test on the event's trigger: exactly the original's rule. Written as a
 * parameterized guard so the vocabulary (the `text` param) is data in the chart definition.
 */
export function triggerContains(
  { event }: { event: MachineEvent },
  params: { readonly text: string },
): boolean {
  return triggerOf(event).includes(params.text);
}
