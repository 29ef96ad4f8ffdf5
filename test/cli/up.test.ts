// `ingot up` end to end in a real process: trains the spam model once, registers it as production,
// serves it with keys, the dashboard and monitoring, shuts down on SIGTERM, and reuses it on restart.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "ingot-up-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface Started {
  url: string;
  stdout: string;
  predictKey: string | null;
  stop(): Promise<number | null>;
}

/** Starts `ingot up` and resolves once it prints its URL and the curl examples. */
function up(...args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", join(repo, "src/cli/entry.ts"), "up", "--quick", "--port", "0", "--root", join(work, ".ingot"), ...args], {
    cwd: repo,
    env: { ...process.env, INGOT_DATABASE_URL: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`ingot up did not start in time\n${stdout}\n${stderr}`)), 240_000);
    exited.then((code) => rej(new Error(`ingot up exited with ${code}\n${stdout}\n${stderr}`)));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const url = /serving \S+ v\d+ on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes("ingot models rollback")) {
        clearTimeout(timer);
        res({
          url,
          stdout,
          predictKey: /predict key (\S+)/.exec(stdout)?.[1] ?? null,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
  });
}

test("ingot up trains, registers and serves the spam model, then reuses it on the next start", { timeout: 600_000 }, async () => {
  const first = await up();
  try {
    assert.match(first.stdout, /trained spam v1 in [\d.]+ s \(accuracy [\d.]+, f1 [\d.]+, rocAuc [\d.]+\), alias production/);
    assert.ok(first.predictKey, first.stdout);
    const texts = ["WIN a FREE prize now!!! Click here to claim your cash", "Hi team, the meeting notes from Tuesday are attached."];
    const body = JSON.stringify({ rows: texts.map((text) => ({ text })) });
    const headers = { "content-type": "application/json", authorization: `Bearer ${first.predictKey}` };
    const ok = await fetch(`${first.url}/v1/models/spam/predict`, { method: "POST", headers, body });
    assert.equal(ok.status, 200);
    const preds = ((await ok.json()) as { version: number; predictions: { label: string; probability: number }[] });
    assert.equal(preds.version, 1);
    assert.equal(preds.predictions.length, 2);
    for (const p of preds.predictions) assert.ok(["spam", "ham"].includes(p.label) && p.probability >= 0 && p.probability <= 1);

    const noKey = await fetch(`${first.url}/v1/models/spam/predict`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(noKey.status, 401);
    const models = (await (await fetch(`${first.url}/v1/models`, { headers })).json()) as { models: { name: string; aliases: Record<string, number> }[] };
    assert.deepEqual(models.models.find((m) => m.name === "spam")?.aliases, { production: 1 });

    assert.equal((await fetch(`${first.url}/api/runs`)).status, 401); // the dashboard's data needs a key too
    const runs = (await (await fetch(`${first.url}/api/runs`, { headers })).json()) as { runs: { experiment: string; status: string }[] };
    assert.ok(runs.runs.some((r) => r.experiment === "spam" && r.status === "finished"));
    const report = (await (await fetch(`${first.url}/v1/monitor/spam`, { headers })).json()) as { requests: number; errors: number };
    assert.ok(report.requests >= 1, JSON.stringify(report));
    assert.equal(report.errors, 1); // the request without a key
  } finally {
    assert.equal(await first.stop(), 0);
  }

  const second = await up();
  try {
    assert.match(second.stdout, /reusing spam v1 \(production\)/);
    assert.doesNotMatch(second.stdout, /trained spam/);
    assert.equal(second.predictKey, null); // keys are shown once
    const res = await fetch(`${second.url}/v1/models/spam/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${first.predictKey}` },
      body: JSON.stringify({ rows: [{ text: "cheap meds online, limited offer" }] }),
    });
    assert.equal(res.status, 200);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
