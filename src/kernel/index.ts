/**
 * The kernel check's public API (check-kernel and the build pipeline call these).
 */
export { readKernelConfig, type KernelSource, type SourceKind } from './read.js';
export { parseKernelConfig, type KernelConfig, type OptionState } from './config.js';
export {
  checkKernelConfig,
  type CheckOptions,
  type CheckResult,
  type GroupResult,
} from './check.js';
export { formatCheckResult, checkFailedError, summaryLine, type ConfigOrigin } from './format.js';
export { loadRequirements, requirableFeatures, type Requirements } from './requirements.js';
