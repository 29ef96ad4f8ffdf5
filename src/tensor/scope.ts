import type { Tensor } from "./tensor.js";

/**
 * Deterministic memory: `scope(fn)` disposes every tensor created inside `fn` that is not returned
 * (anywhere inside the returned value) or explicitly kept. Scopes nest; returned tensors move to the
 * enclosing scope. Outside any scope tensors live until `dispose()` (or, unaccounted, garbage collection).
 */
const stack: Set<Tensor>[] = [];
let live = 0;

// No FinalizationRegistry per tensor: registering costs more than a small op itself. Host buffers are
// reclaimed by the garbage collector anyway; device backends guard their own memory with finalizers
// on their storage handles. So the live count below is "created and not disposed": a leak detector.
export function track(t: Tensor): void {
  live++;
  const top = stack[stack.length - 1];
  if (top) top.add(t);
}

export function untrackDisposed(t: Tensor): void {
  live--;
  const top = stack[stack.length - 1];
  top?.delete(t);
}

/** Number of tensors created and not yet disposed. */
export function liveTensors(): number {
  return live;
}

/** Removes a tensor from every enclosing scope, so it survives them (like tf.keep). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of stack) s.delete(t);
  return t;
}

type Disposable = { dispose(): void; readonly isDisposed: boolean };

function collect(value: unknown, out: Set<unknown>, seen: Set<unknown>): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Partial<Disposable>).dispose === "function" && "shape" in value) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, seen);
}

export function scope<T>(fn: () => T): T {
  const mine = new Set<Tensor>();
  stack.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    disposeAll(mine);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    disposeAll(mine);
    throw new Error("scope: fn returned a Promise; use an async-free function (tensors created after an await would escape the scope)");
  }
  const returned = new Set<unknown>();
  collect(result, returned, new Set());
  const parent = stack[stack.length - 1];
  for (const t of [...mine]) {
    if (!returned.has(t)) t.dispose();
    else parent?.add(t);
  }
  return result;
}

function disposeAll(ts: Set<Tensor>): void {
  for (const t of [...ts]) t.dispose();
}
