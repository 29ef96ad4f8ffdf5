import assert from "node:assert/strict";
import { test } from "node:test";
import { rm } from "node:fs/promises";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { NUMERIC, penguinRows, savePenguinSexModel, tempRoot } from "./helpers.js";

// Promote an alias while concurrent clients keep predicting through a real listening port: no request
// may fail, requests that start after the promotion get the new version, earlier ones the old. Both with
// forward passes in this thread and in inference worker threads.
for (const workers of [0, 2]) {
  test(`promoting an alias under load switches versions with zero failed requests (workers: ${workers})`, async () => {
    const root = await tempRoot();
    const v1 = await savePenguinSexModel(root, "v1", 1, 5);
    const v2 = await savePenguinSexModel(root, "v2", 2, 5);
    const source = new InMemoryModelSource().addVersion("penguins", 1, v1.dir).addVersion("penguins", 2, v2.dir).setAlias("penguins", "production", 1);
    const app = createServer({ models: source, batching: { maxBatch: 16, maxWaitMs: 1 }, workers });
    try {
      const address = await app.listen({ port: 0, host: "127.0.0.1" });
      const r = penguinRows()[0];
      const body = JSON.stringify({ rows: [{ Species: r.Species, ...Object.fromEntries(NUMERIC.map((k) => [k, r[k]])) }] });
      let promotedAt = Infinity;
      let stop = false;
      const results: { started: number; status: number; version: number | null }[] = [];
      const client = async (): Promise<void> => {
        while (!stop) {
          const started = performance.now();
          try {
            const res = await fetch(`${address}/v1/models/penguins/predict`, { method: "POST", headers: { "content-type": "application/json" }, body });
            const json = (await res.json()) as { version?: number };
            results.push({ started, status: res.status, version: json.version ?? null });
          } catch {
            results.push({ started, status: 0, version: null });
          }
        }
      };
      // counted in requests rather than milliseconds, so a slow, shared machine only makes it take longer
      const finishedAfter = async (count: number, since: number): Promise<void> => {
        while (results.filter((x) => x.started > since).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      const clients = Array.from({ length: 8 }, client);
      await finishedAfter(20, -Infinity);
      source.setAlias("penguins", "production", 2);
      promotedAt = performance.now();
      await finishedAfter(20, promotedAt);
      stop = true;
      await Promise.all(clients);

      const failed = results.filter((x) => x.status !== 200);
      assert.equal(failed.length, 0, `${failed.length} of ${results.length} requests failed`);
      const beforeSwap = results.filter((x) => x.started < promotedAt);
      const afterSwap = results.filter((x) => x.started > promotedAt);
      assert.ok(beforeSwap.length > 10 && afterSwap.length > 10, `${beforeSwap.length} before, ${afterSwap.length} after`);
      assert.ok(beforeSwap.some((x) => x.version === 1));
      assert.ok(afterSwap.every((x) => x.version === 2), "every request started after the promotion used version 2");
    } finally {
      await app.close();
      await rm(root, { recursive: true, force: true });
    }
  });
}
