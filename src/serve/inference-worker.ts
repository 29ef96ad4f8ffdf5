// The body of one inference worker thread (started by WorkerPool): it loads model versions from their
// directories, once each, and runs forward passes on the feature matrices the main thread sends, so a
// long forward pass never stalls the server's event loop.
import { parentPort, workerData } from "node:worker_threads";
// for their side effects: the engine installs its tensor methods, and the library's layer types (nn
// and the model zoo) register themselves for moduleFromConfig, when these load. Not all of
// src/index.js: data, registry and training code are not needed here and slow every worker's start.
import "../tensor/index.js";
import "../autograd/index.js";
import "../nn/index.js";
import "../models/index.js";
import { setBackend } from "../backends/registry.js";
import { registeredLayers } from "../nn/config.js";
import { forwardRows, loadServedModelWithConfig, type ServedModel } from "./served-model.js";
import { toWire, type FromWorker, type ToWorker, type WorkerModelRef, type WorkerStartData } from "./worker-protocol.js";
import type { ModelConfig } from "../io/model-config.js";

if (!parentPort) throw new Error("inference-worker: must run as a worker thread started by WorkerPool");
const port = parentPort;
const start = workerData as WorkerStartData;
setBackend(start.backend);
// modules that register the application's own layer types
for (const url of start.preload) await import(url);
const progress = new Int32Array(start.progress);

const models = new Map<string, Promise<{ model: ServedModel; config: ModelConfig }>>();

/** The model `ref` loaded in this worker: concurrent requests share one load. */
function loaded(ref: WorkerModelRef): Promise<{ model: ServedModel; config: ModelConfig }> {
  let m = models.get(ref.id);
  if (!m) {
    m = loadServedModelWithConfig(ref);
    models.set(ref.id, m);
    // a failed load is not kept: the next request tries again
    m.catch(() => {
      if (models.get(ref.id) === m) models.delete(ref.id);
    });
  }
  return m;
}

function reply(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === "drop") {
    const m = models.get(msg.id);
    models.delete(msg.id);
    // forwards already waiting on this load run first: their continuations were queued before this one
    m?.then(({ model }) => model.module.dispose(), () => undefined);
    return;
  }
  try {
    const { model, config } = await loaded(msg.model);
    if (msg.type === "load") return reply({ type: "loaded", request: msg.request, config });
    Atomics.add(progress, 0, 1);
    let out: { data: Float32Array; width: number };
    try {
      out = forwardRows(model, { data: msg.data, rows: msg.rows, width: msg.width });
    } finally {
      Atomics.add(progress, 1, 1);
    }
    reply({ type: "output", request: msg.request, data: out.data, width: out.width }, [out.data.buffer as ArrayBuffer]);
  } catch (e) {
    reply({ type: "failed", request: msg.request, error: toWire(e) });
  }
}

port.on("message", (msg: ToWorker) => {
  if (msg === null || typeof msg !== "object" || !["load", "forward", "drop"].includes(msg.type)) {
    // a message this worker does not understand means the two sides are out of step: stop, and let the
    // pool fail what this worker held and start a fresh one
    throw new Error(`inference-worker: unknown message ${JSON.stringify(msg)?.slice(0, 80)}`);
  }
  void handle(msg);
});
reply({ type: "ready", layers: registeredLayers() });
