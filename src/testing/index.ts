/**
 * `opstate/testing`: model-based tests generated from the chart with `xstate/graph`. A new state,
 * transition or trigger literal in the chart produces new paths without anyone writing them.
 */
export { chartVocabulary, describeGuard, type ChartGuard, type VocabularyRow } from './vocabulary.js';
export { NEUTRAL_TRIGGER, triggerSamples, type TriggerSamples } from './samples.js';
export { oracleStep, type OracleStep } from './oracle.js';
export {
  generateTestPaths,
  type GenerateTestPathsOptions,
  type TestPath,
  type TestPathStep,
} from './paths.js';
export { createOperationalStateTestModel, operationalStateTestMachine } from './model.js';
export { runTestPath, TestPathError, type TestRuntime } from './replay.js';
export { toDot, toMachineJSON, toMermaid } from './chart-export.js';
