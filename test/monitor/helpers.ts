// Shared pieces of the monitoring tests: the penguin classifier from the serving tests saved with a
// drift reference built from part of the data, predictions made by the real served model, and the
// predict events a server would report for them.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { predictionScore } from "../../src/serve/served-model.js";
import { driftReference, saveDriftReference } from "../../src/monitor/index.js";
import type { PredictEvent } from "../../src/serve/events.js";
import { forwardRows, loadServedModel, rowsToFeatures, toPredictions, type Prediction, type ServedModel } from "../../src/serve/index.js";
import { penguinRows, savePenguinSexModel, type PenguinRow } from "../serve/helpers.js";

/** The penguin feature that the shift tests move. */
export const BODY_MASS = "Body Mass (g)";

/** The penguin model with its drift reference, and live traffic drawn from the same distribution. */
export interface MonitoredPenguins {
  dir: string;
  served: ServedModel;
  /** The training rows, which the drift reference profiles. */
  referenceRows: PenguinRow[];
  /**
   * As many rows drawn at random, with replacement, from the training rows (a seeded bootstrap):
   * in-distribution traffic. (A held-out third of 333 rows would not do: PSI over 10 bins carries
   * about 9·(1/n + 1/m) of noise, 0.12 for 111 vs 222 rows, too close to the 0.2 threshold.)
   */
  liveRows: PenguinRow[];
}

function bootstrap<T>(items: readonly T[], seed: number): T[] {
  let s = seed;
  return items.map(() => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return items[s % items.length];
  });
}

/** The real model's predictions for raw rows. */
export function predict(served: ServedModel, rows: readonly PenguinRow[]): Prediction[] {
  return toPredictions(served, forwardRows(served, rowsToFeatures(rows, served.preprocessor, served.textField)));
}

/** Trains and saves the penguin sex classifier at `<root>/<name>` with drift-reference.json beside it. */
export async function saveMonitoredPenguins(root: string, name = "penguins"): Promise<MonitoredPenguins> {
  const referenceRows = penguinRows();
  const liveRows = bootstrap(referenceRows, 5);
  const { dir } = await savePenguinSexModel(root, name, 1, 60);
  const served = await loadServedModel({ name, version: 1, dir });
  const scores = predict(served, referenceRows).map(predictionScore);
  await saveDriftReference(dir, driftReference(referenceRows, { scores }));
  return { dir, served, referenceRows, liveRows };
}

/** `rows` with `field` multiplied by `factor`. */
export function scaled(rows: readonly PenguinRow[], field: string, factor: number): PenguinRow[] {
  return rows.map((r) => ({ ...r, [field]: (r[field] as number) * factor }));
}

/** The events a server reports for `rows` sent five per request, with their real predictions. */
export function predictEvents(p: MonitoredPenguins, model: string, rows: readonly PenguinRow[], at = Date.now()): PredictEvent[] {
  const events: PredictEvent[] = [];
  for (let i = 0; i < rows.length; i += 5) {
    const chunk = rows.slice(i, i + 5);
    events.push({ model, version: 1, at, latencyMs: 2 + (i % 7), rows: chunk, inputs: null, predictions: predict(p.served, chunk), error: null });
  }
  return events;
}

/** A real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it. */
export async function webhookReceiver(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const read = async (req: IncomingMessage): Promise<string> => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    return text;
  };
  const server = createServer((req, res) => {
    void read(req).then((text) => {
      bodies.push({ method: req.method, contentType: req.headers["content-type"], body: JSON.parse(text) as unknown });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/ingot`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
