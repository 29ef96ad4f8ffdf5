// Builds safetensors bytes by hand for tests: any header (object or raw text), any data, any declared length.
import { mulberry32 } from "../../src/tensor/random.js";

/** Safetensors bytes with `header` (JSON-encoded unless already a string) followed by `data`. */
export function craft(header: unknown, data: Uint8Array | number[] = [], declaredLength?: bigint): Uint8Array {
  const text = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const body = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

/** Little-endian bytes of numbers written with a DataView setter, e.g. le(2, (v, i, x) => v.setUint16(i, x, true), [...]). */
export function le(size: number, set: (v: DataView, at: number, x: number) => void, values: number[]): Uint8Array {
  const out = new Uint8Array(size * values.length);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => set(v, i * size, x));
  return out;
}

/** The JSON header of safetensors bytes, parsed. */
export function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
}

/** A seeded PRNG (mulberry32) so fuzz failures reproduce. */
export const prng = mulberry32;
