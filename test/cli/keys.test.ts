import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { createServer, InMemoryModelSource } from "../../src/serve/index.js";
import { openApiKeys } from "../../src/serve/auth/index.js";

const root = resolve(import.meta.dirname, "../..");

function ingot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", env: { ...process.env, INGOT_QUIET: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("ingot keys create prints a token once; list never shows it; revoke stops it working in a running server", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "ingot-cli-keys-")), "reg");
  let r = ingot("keys", "create", "--name", "checkout", "--scope", "predict", "--rate-limit", "100", "--root", dir, "--json");
  assert.equal(r.status, 0, r.stderr);
  const made = JSON.parse(r.stdout) as { id: string; token: string; rateLimit: number; scopes: string[] };
  assert.match(made.token, new RegExp(`^ingot_${made.id}_[A-Za-z0-9_-]{43}$`));
  assert.deepEqual([made.rateLimit, made.scopes], [100, ["predict"]]);
  r = ingot("keys", "create", "--name", "ops", "--scope", "admin", "--root", dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^created key [0-9a-f]{16} \("ops", scope admin\)\ntoken \(shown only now; store it safely\): ingot_[0-9a-f]{16}_\S{43}\n$/);
  assert.ok(!readFileSync(join(dir, "api-keys.json"), "utf8").includes(made.token.split("_").slice(2).join("_")), "the file has no secret");

  // a server started on the same folder accepts the token...
  const app = createServer({ models: new InMemoryModelSource(), apiKeys: await openApiKeys(join(dir, "api-keys.json")) });
  try {
    const call = () => app.inject({ method: "GET", url: "/v1/models", headers: { authorization: `Bearer ${made.token}` } });
    assert.equal((await call()).statusCode, 200);
    const list = ingot("keys", "list", "--root", dir, "--json");
    assert.equal(list.status, 0, list.stderr);
    const keys = JSON.parse(list.stdout) as { id: string; name: string; revokedAt?: string }[];
    assert.deepEqual(keys.map((k) => k.name), ["checkout", "ops"]);
    assert.ok(!list.stdout.includes("ingot_") && !list.stdout.includes("secret"), list.stdout);
    const text = ingot("keys", "list", "--root", dir);
    assert.match(text.stdout.split("\n")[0], /^id\s+name\s+scopes\s+rate limit\s+created \(UTC\)\s+status$/);
    assert.match(text.stdout, new RegExp(`${made.id}\\s+checkout\\s+predict\\s+100/min\\s+\\S+ \\S+\\s+active`));
    // ...until `ingot keys revoke` in another process
    r = ingot("keys", "revoke", made.id, "--root", dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `revoked key ${made.id} ("checkout")\n`);
    assert.equal((await call()).statusCode, 401);
    assert.ok((await (await openApiKeys(join(dir, "api-keys.json"))).list()).find((k) => k.id === made.id)?.revokedAt);
  } finally {
    await app.close();
  }
});

/** Like ingot(), without blocking, so independent runs overlap. */
function ingotAsync(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const code = `const { run } = await import(${JSON.stringify(resolve(root, "src/cli/main.ts"))}); process.exitCode = await run(["node", "ingot", ...${JSON.stringify(args)}]);`;
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root, env: { ...process.env, INGOT_QUIET: "1" } });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (status) => done({ status, stderr }));
  });
}

test("ingot keys: bad input is one clear line, no stack trace", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-cli-keys-"));
  const cases: [string[], RegExp][] = [
    [["keys", "create", "--name", "x", "--scope", "root", "--root", dir], /^ingot: --scope must be predict or admin, got "root"\n$/],
    [["keys", "create", "--name", "x", "--scope", "predict", "--rate-limit", "1.5", "--root", dir], /^ingot: --rate-limit must be a positive whole number of requests per minute, got "1.5"\n$/],
    [["keys", "revoke", "0123456789abcdef", "--root", dir], /^ingot: no API key with id "0123456789abcdef" in .*api-keys.json \(see: ingot keys list\)\n$/],
  ];
  const broken = mkdtempSync(join(tmpdir(), "ingot-cli-keys-"));
  writeFileSync(join(broken, "api-keys.json"), "{ broken");
  cases.push([["keys", "list", "--root", broken], /^ingot: API key file .*api-keys.json is not valid JSON[^\n]*\n$/]);
  const results = await Promise.all(cases.map(([args]) => ingotAsync(...args)));
  results.forEach((r, i) => {
    assert.equal(r.status, 1, cases[i][0].join(" "));
    assert.match(r.stderr, cases[i][1]);
  });
});
