// binary16 bit conversions live with the engine's dtypes (src/tensor/half.ts)
export { float32ToFloat16Bits, float16BitsToFloat32 } from "../../tensor/half.js";
