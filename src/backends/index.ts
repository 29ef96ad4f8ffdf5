export type {
  Backend, UnaryOp, BinaryOp, ReduceOp, MatmulParams, ConvGeometry, Conv2dParams, PoolGeometry, Window2d, AdamParams, UnaryParams, MatmulPrecision, StridedMatmulParams,
  AttentionLayout, FlashAttentionParams,
} from "./backend.js";
export { HostStorage, type Storage, type Device } from "./storage.js";
export { setBackend, getBackend, availableBackends, withBackend, registerBackend, backendFor, setFloat32MatmulPrecision, getFloat32MatmulPrecision } from "./registry.js";
export { JsBackend } from "./js/index.js";
