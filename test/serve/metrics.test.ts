import assert from "node:assert/strict";
import { test } from "node:test";
import { rm } from "node:fs/promises";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { Counter, Histogram } from "../../src/serve/metrics.js";
import { saveLinearModel, tempRoot } from "./helpers.js";

test("Counter and Histogram render the Prometheus text format (hand-worked)", () => {
  const c = new Counter("jobs_total", "Jobs.");
  c.inc({ b: "2", a: 'say "hi"' });
  c.inc({ a: 'say "hi"', b: "2" }, 2); // same series, labels in another order
  assert.deepEqual(c.render(), ["# HELP jobs_total Jobs.", "# TYPE jobs_total counter", 'jobs_total{b="2",a="say \\"hi\\""} 3']);
  const h = new Histogram("lat", "Latency.", [1, 5]);
  h.observe({}, 0.5);
  h.observe({}, 2);
  h.observe({}, 7);
  assert.deepEqual(h.render().slice(2), ['lat_bucket{le="1"} 1', 'lat_bucket{le="5"} 2', 'lat_bucket{le="+Inf"} 3', "lat_sum 9.5", "lat_count 3"]);
  assert.throws(() => new Histogram("x", "x", [2, 1]), /strictly increasing/);
});

/** Parses exposition text into samples; throws on any line that is not a comment or a sample. */
function parseExposition(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[k] = v;
    const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

test("/metrics counts requests by route, status, model and version, with latency histograms and errors", async () => {
  const root = await tempRoot();
  const source = new InMemoryModelSource().addVersion("linear", 1, await saveLinearModel(root)).setAlias("linear", "production", 1);
  const app = createServer({ models: source });
  try {
    for (let i = 0; i < 3; i++) await app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: [[1, 2], [3, 4]] } });
    await app.inject({ method: "POST", url: "/v1/models/linear/predict", payload: { inputs: [[1]] } });
    await app.inject({ method: "POST", url: "/v1/models/ghost/predict", payload: { inputs: [[1]] } });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(res.body);
    const find = (name: string, labels: Record<string, string>) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    const route = "/v1/models/:name/predict";
    assert.equal(find("ingot_http_requests_total", { route, status: "200", model: "linear", version: "1" })[0]?.value, 3);
    assert.equal(find("ingot_http_requests_total", { route, status: "400", model: "linear", version: "1" })[0]?.value, 1);
    assert.equal(find("ingot_http_requests_total", { route, status: "404" })[0]?.value, 1);
    assert.equal(find("ingot_http_errors_total", { route, kind: "client", code: "model_not_found" })[0]?.value, 1);
    assert.equal(find("ingot_predictions_total", { model: "linear", version: "1" })[0]?.value, 6);
    // cumulative buckets never decrease and end at the count
    const buckets = find("ingot_http_request_duration_seconds_bucket", { route, model: "linear", version: "1" });
    assert.ok(buckets.length > 2);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value);
    assert.equal(buckets.at(-1)!.labels.le, "+Inf");
    assert.equal(buckets.at(-1)!.value, find("ingot_http_request_duration_seconds_count", { route, model: "linear", version: "1" })[0].value);
    assert.equal(buckets.at(-1)!.value, 4);
  } finally {
    await app.close();
    await rm(root, { recursive: true, force: true });
  }
});
