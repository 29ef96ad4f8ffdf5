// The platform process: `ingot serve` and `ingot up` as library calls.
export { startPlatform, openPlatformRegistry, type PlatformOptions, type RunningPlatform } from "./start-platform.js";
export { ensureModel, builtinSpecPath, type EnsureResult } from "./quickstart.js";
export { closeOnSignal } from "./shutdown.js";
