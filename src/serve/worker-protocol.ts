// The messages between the WorkerPool (main thread) and an inference worker, and how errors cross the
// thread boundary: structured cloning keeps only built-in error classes, so a ModelDirError thrown while
// a worker loads a model would reach the main thread as a plain Error without this.
import { ModelDirError, SafetensorsError } from "../io/errors.js";
import type { ModelConfig } from "../io/model-config.js";
import type { ResolvedModel } from "./model-source.js";

/** What the pool hands a worker when it starts it. */
export interface WorkerStartData {
  /** The host backend the main thread uses ("cpu" or "js"), so outputs match in-thread ones bit for bit. */
  backend: string;
  /**
   * Shared [forwards started, forwards finished] counters the worker bumps around each forward pass, so
   * the main thread can tell, without a message, whether a forward is running right now.
   */
  progress: SharedArrayBuffer;
  /** Module URLs each worker imports before serving (ones that call registerLayer for custom layers). */
  preload: string[];
}

/**
 * A loaded model version inside the workers, by `id`: `name@version#n`, where n counts loads in the
 * owning cache, so dropping an evicted copy never drops a newer copy of the same version.
 */
export interface WorkerModelRef extends ResolvedModel {
  id: string;
}

/** Main thread → worker. */
export type ToWorker =
  | { type: "load"; request: number; model: WorkerModelRef }
  | { type: "forward"; request: number; model: WorkerModelRef; data: Float32Array; rows: number; width: number }
  | { type: "drop"; id: string };

/** An error as it crosses threads. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** Worker → main thread: "ready" (with the layer types it can build) once set up, then one answer per request. */
export type FromWorker =
  | { type: "ready"; layers: string[] }
  | { type: "loaded"; request: number; config: ModelConfig }
  | { type: "output"; request: number; data: Float32Array; width: number }
  | { type: "failed"; request: number; error: WireError };

/** An error made ready for postMessage. */
export function toWire(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

/** The error a worker reported, rebuilt with the class it had there (so callers can test instanceof). */
export function fromWire(w: WireError): Error {
  let e: Error;
  if (w.name === "ModelDirError") e = new ModelDirError(w.message);
  else if (w.name === "SafetensorsError") {
    e = new SafetensorsError("", "");
    e.message = w.message;
  } else if (w.name === "TypeError") e = new TypeError(w.message);
  else if (w.name === "RangeError") e = new RangeError(w.message);
  else {
    e = new Error(w.message);
    e.name = w.name;
  }
  if (w.stack) e.stack = w.stack;
  return e;
}
