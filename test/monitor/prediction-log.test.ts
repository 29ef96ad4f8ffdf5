import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { buildReport, DEFAULT_THRESHOLDS, openMonitorStore, PredictionLog } from "../../src/monitor/index.js";
import type { PredictEvent } from "../../src/serve/events.js";

// a whole minute in the recent past: older data would be pruned by the 30-day retention
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

function event(i: number, over: Partial<PredictEvent> = {}): PredictEvent {
  return {
    model: "m", version: 1, at: T0 + i * 100, latencyMs: (i % 1000) + 1,
    rows: [{ x: i, y: i * 2 }], inputs: null, predictions: [{ value: i * 3 }], error: null, ...over,
  };
}

const root = () => mkdtemp(join(tmpdir(), "ingot-monitor-log-"));
const settings = { thresholds: DEFAULT_THRESHOLDS, objectives: {} };

test("counts every request exactly while logging a seeded sample of the rows", async () => {
  const logged: number[] = [];
  for (const dir of [await root(), await root()]) {
    const log = new PredictionLog({ root: dir, sampleRate: 0.25, seed: 42 });
    for (let i = 0; i < 2000; i++) log.record(event(i));
    for (let i = 0; i < 30; i++) log.record(event(i, { error: { status: 400, code: "invalid_field" }, predictions: null }));
    log.close();
    const store = openMonitorStore(join(dir, "monitor.db"), { readonly: true });
    const r = buildReport(store, "m", { now: T0 + 200_000, windowMs: 300_000 }, null, settings);
    store.close();
    assert.equal(r.requests, 2030);
    assert.equal(r.errors, 30);
    assert.equal(r.errorRate, 30 / 2030);
    assert.ok(r.logged > 440 && r.logged < 580, `logged ${r.logged} of 2030 at rate 0.25`);
    logged.push(r.logged);
  }
  assert.equal(logged[0], logged[1], "the same seed logs the same rows");
});

test("latency percentiles come from every request, within the histogram's 1%, and the mean is exact", async () => {
  const dir = await root();
  const log = new PredictionLog({ root: dir, sampleRate: 0 });
  for (let i = 0; i < 1000; i++) log.record(event(i));
  log.close();
  const store = openMonitorStore(join(dir, "monitor.db"), { readonly: true });
  const r = buildReport(store, "m", { now: T0 + 100_000, windowMs: 120_000 }, null, settings);
  store.close();
  assert.equal(r.logged, 0);
  assert.equal(r.requests, 1000);
  assert.equal(r.latencyMs.mean, 500.5);
  for (const [q, want] of [["p50", 500], ["p90", 900], ["p99", 990]] as const) {
    assert.ok(Math.abs(r.latencyMs[q] - want) <= want * 0.01, `${q} ${r.latencyMs[q]} vs ${want}`);
  }
  // the series buckets hold the same requests: 1000 requests over 100 s in whole minutes
  assert.equal(r.throughput.rps.reduce((s, x) => s + x * 60, 0), 1000);
});

test("keeps at most maxRows logged rows per model, the newest ones", async () => {
  const dir = await root();
  const log = new PredictionLog({ root: dir, maxRows: 100, flushRows: 50 });
  for (let i = 0; i < 1000; i++) log.record(event(i));
  for (let i = 0; i < 10; i++) log.record(event(i, { model: "other" }));
  log.close();
  const store = openMonitorStore(join(dir, "monitor.db"), { readonly: true });
  assert.equal(store.loggedCount("m"), 100);
  assert.equal(store.loggedCount("other"), 10);
  const rows = store.predictions("m", null, 0, T0 + 1e6, 1000);
  assert.deepEqual(rows.map((r) => (JSON.parse(r.input!) as { x: number }).x).sort((a, b) => a - b), Array.from({ length: 100 }, (_, k) => 900 + k));
  assert.deepEqual(JSON.parse(rows[0].prediction!), { value: 999 * 3 });
  assert.equal(buildReport(store, "m", { now: T0 + 200_000, windowMs: 300_000 }, null, settings).requests, 1000);
  store.close();
});

test("writes are buffered off the request path and flushed by a timer; another connection reads them meanwhile", async () => {
  const dir = await root();
  const log = new PredictionLog({ root: dir, flushEveryMs: 50 });
  const reader = openMonitorStore(join(dir, "monitor.db"), { readonly: true });
  log.record(event(1));
  assert.equal(reader.loggedCount("m"), 0, "nothing is written while the request is handled");
  await sleep(300);
  assert.equal(reader.loggedCount("m"), 1);
  log.record(event(2));
  log.close();
  assert.equal(reader.loggedCount("m"), 2, "close flushes");
  log.record(event(3)); // ignored after close, no throw
  reader.close();
  assert.throws(() => new PredictionLog({ root: dir, sampleRate: 2 }), /sampleRate must be between 0 and 1, got 2/);
  assert.throws(() => openMonitorStore(join(dir, "nope.db"), { readonly: true }), /no monitoring data at .*nope\.db/);
});
