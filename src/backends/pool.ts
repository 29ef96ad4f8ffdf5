import { DTYPES, DTYPE_CODE, typedArrayFor, type DType, type TypedArray } from "../tensor/dtype.js";

/**
 * Size-bucketed free lists of host buffers. Training steps allocate the same sizes every step, so after
 * the first step every allocation is a pop and every dispose a push: no GC churn, flat memory.
 */
export class HostBufferPool {
  private readonly free = new Map<number, TypedArray[]>();
  private bytes = 0;

  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  take(dtype: DType, size: number, zero: boolean): TypedArray {
    const list = this.free.get(key(dtype, size));
    const buf = list?.pop();
    if (buf) {
      this.bytes -= buf.byteLength;
      if (zero) buf.fill(0);
      return buf;
    }
    return typedArrayFor(dtype, size);
  }

  give(dtype: DType, buf: TypedArray): void {
    if (buf.length === 0 || this.bytes + buf.byteLength > this.maxBytes) return;
    const k = key(dtype, buf.length);
    let list = this.free.get(k);
    if (!list) this.free.set(k, (list = []));
    list.push(buf);
    this.bytes += buf.byteLength;
  }

  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }

  get pooledBytes(): number {
    return this.bytes;
  }
}

/** A numeric key (cheaper to hash than a string): size and dtype packed together, DTYPES.length slots per size so no two pairs collide. */
function key(dtype: DType, size: number): number {
  return size * DTYPES.length + DTYPE_CODE[dtype];
}
