export * from './api.js';
export { KvmError, UnsupportedError, isKvmError, type KvmErrorCode } from './errors.js';
export { openKvm, chooseBackend, type BackendChoice } from './open.js';
export { isArgumentError, type ArgumentError, type ArgumentErrorCode } from './args.js';
export { getProfile, profileNames, type Profile } from './model/profile.js';
export { modelStats } from './model/stats.js';
export { supportedGuestMemfdFlags } from './capabilities.js';
export * as uapi from './uapi/index.js';
