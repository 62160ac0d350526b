import { InvalidArgumentError } from 'commander';
import { workspaceIdProblem } from '../store/chain/validate.js';

/** Commander parser for --workspace: the store's own rule, refused at the command line (exit 2). */
export function workspaceArg(raw: string): string {
  const problem = workspaceIdProblem(raw);
  if (problem !== null) throw new InvalidArgumentError(`${problem}, got ${JSON.stringify(raw)}`);
  return raw;
}
