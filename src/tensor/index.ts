// The engine's public face: the Tensor class with every op attached, creation, randomness and memory.
export { Tensor, type NestedArray, type GradHook } from "./tensor.js";
export type { DType, TypedArray } from "./dtype.js";
export type { Shape } from "./shape.js";
export { ShapeError } from "./shape.js";
export * from "./creation.js";
export { Generator, manualSeed, defaultGenerator, mulberry32 } from "./random.js";
export { scope, keep, liveTensors } from "./scope.js";
export { empty } from "./alloc.js";
export * from "./ops/elementwise.js";
export * from "./ops/reduce.js";
export * from "./ops/linalg.js";
export * from "./ops/shape.js";
export * from "./ops/einsum.js";
export * from "./ops/nn.js";
export * from "./ops/inplace.js";
export * from "./ops/device.js";
