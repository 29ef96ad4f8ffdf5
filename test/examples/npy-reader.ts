// Reads back the .npy files the examples' --export-data writes for their PyTorch twins (bench/zoo/).
import { readFile } from "node:fs/promises";

/** A .npy array: its shape and values (float32 or int32, as the header's descr says). */
export interface NpyArray {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Parses a little-endian float32/int32 C-order .npy file (format 1.0, as examples/shapes-data.ts npyBytes writes). */
export async function readNpy(path: string): Promise<NpyArray> {
  const bytes = await readFile(path);
  if (bytes.subarray(1, 6).toString("latin1") !== "NUMPY") throw new Error(`${path}: not a .npy file`);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
  const descr = /'descr': '([^']+)'/.exec(header)?.[1];
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (/'fortran_order': True/.test(header)) throw new Error(`${path}: Fortran order is not read here`);
  // copy out of the Buffer's pool so the typed array is aligned
  const body = new Uint8Array(bytes.subarray(10 + headerLength)).buffer;
  const data = descr === "<f4" ? new Float32Array(body) : descr === "<i4" ? new Int32Array(body) : null;
  if (!data) throw new Error(`${path}: dtype ${descr} is not float32/int32`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`${path}: ${data.length} values for shape [${shape.join(", ")}]`);
  return { shape, data };
}
