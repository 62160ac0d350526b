/**
 * `opstate/checkpoint`: signed checkpoints of a chain's head: keys, the format, signing, verifying a
 * chain against them, and signing on a schedule.
 */
export { CheckpointError, type CheckpointErrorKind } from './errors.js';
export {
  type Checkpoint,
  type CheckpointStatement,
  formatCheckpoint,
  parseCheckpoint,
  parseCheckpointText,
  signingBytes,
} from './format.js';
export { generateCheckpointKeys, type KeyInput, keyIdOf, loadPrivateKey, loadPublicKey } from './keys.js';
export { createCheckpoint, signCheckpoint } from './sign.js';
export { authenticateCheckpoint, verifyWithCheckpoints } from './verify.js';
export { type CheckpointSchedule, type CheckpointScheduleOptions, startCheckpointing } from './schedule.js';
