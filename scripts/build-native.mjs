// Builds the native cpu backend (build/Release/ingot_cpu.node) with node-gyp. Never fails the install:
// on any problem it prints one line and exits 0, and Ingot uses the js backend instead.
// Set INGOT_BUILD_VERBOSE=1 to see the compiler output; INGOT_SKIP_NATIVE=1 to skip the build.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const verbose = process.env.INGOT_BUILD_VERBOSE === "1";

function giveUp(reason) {
  console.log(`ingot: native cpu backend not built (${reason}); the js backend will be used`);
  process.exit(0);
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** node-gyp's JS entry point: npm's env var during lifecycle scripts, else the copy bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const npm = which("npm");
  if (npm) {
    const npmRoot = resolve(dirname(realpathSync(npm)), "..");
    candidates.push(join(npmRoot, "node_modules", "node-gyp", "bin", "node-gyp.js"));
  }
  const prefix = resolve(dirname(process.execPath), "..");
  candidates.push(join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  candidates.push(join(root, "node_modules", "node-gyp", "bin", "node-gyp.js"));
  for (const c of candidates) if (existsSync(c)) return { cmd: process.execPath, args: [c] };
  const onPath = which("node-gyp");
  return onPath ? { cmd: onPath, args: [] } : null;
}

if (process.env.INGOT_SKIP_NATIVE === "1") giveUp("INGOT_SKIP_NATIVE=1");
if (process.platform === "win32") giveUp("Windows builds are not supported yet");
const gyp = findNodeGyp();
if (!gyp) giveUp("node-gyp not found");

const args = [...gyp.args, "rebuild", "--release", `--jobs=${process.env.INGOT_BUILD_JOBS ?? "max"}`];
// Outside npm, ~/.npmrc's nodedir is not seen: point node-gyp at local headers so it needs no download.
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), "..");
  if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
}
const r = spawnSync(gyp.cmd, args, { cwd: root, stdio: verbose ? "inherit" : "pipe", encoding: "utf8" });
if (r.error) giveUp(`node-gyp could not start: ${r.error.message}`);
if (r.status !== 0) {
  const out = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.split("\n").map((l) => l.trim());
  const err = out.find((l) => /error/i.test(l) && !/^gyp (ERR!|info)/.test(l)) ?? out.find((l) => /gyp ERR!/.test(l)) ?? `exit code ${r.status}`;
  giveUp(err.slice(0, 200));
}
if (!existsSync(join(root, "build", "Release", "ingot_cpu.node"))) giveUp("node-gyp produced no build/Release/ingot_cpu.node");
if (verbose) console.log("ingot: native cpu backend built");
