// One parser for traces, shared with the `opstate inspect --trace` command.
export { parseTrace, type ParsedTrace } from '../../src/inspect/trace.js';
