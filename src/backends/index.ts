export type { Backend, UnaryOp, BinaryOp, ReduceOp, MatmulParams, ConvGeometry, PoolGeometry, Window2d, AdamParams, UnaryParams } from "./backend.js";
export { HostStorage, type Storage, type Device } from "./storage.js";
export { setBackend, getBackend, availableBackends, withBackend, registerBackend, backendFor } from "./registry.js";
export { JsBackend } from "./js/index.js";
