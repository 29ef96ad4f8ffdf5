// Builds the CUDA addon (build/Release/ingot_cuda.node) with nvcc. Where nvcc is missing it prints one
// line and exits 0: the cuda backend is optional, and CPU-only machines (CI) skip it. A failed build
// also exits 0 with the reason, unless INGOT_REQUIRE_CUDA=1.
//
// Environment: CUDA_HOME / CUDA_PATH (toolkit root), INGOT_CUDA_ARCH (e.g. "90" or "80,90"; default
// 80 and 90 plus PTX for newer GPUs), NODE_API_HEADERS (a folder with node_api.h), INGOT_CUDA_FORCE=1
// (rebuild even when the addon is newer than its sources).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "native", "cuda");
const outDir = join(root, "build", "Release");
const target = join(outDir, "ingot_cuda.node");
const require = process.env.INGOT_REQUIRE_CUDA === "1";

function finish(message, failed) {
  console.log(`ingot: ${message}`);
  process.exit(failed && require ? 1 : 0);
}

function findNvcc() {
  const homes = [process.env.CUDA_HOME, process.env.CUDA_PATH, "/usr/local/cuda"].filter(Boolean);
  for (const h of homes) {
    const p = join(h, "bin", "nvcc");
    if (existsSync(p)) return p;
  }
  const which = spawnSync("sh", ["-c", "command -v nvcc"], { encoding: "utf8" });
  const p = which.stdout.trim();
  return which.status === 0 && p ? p : null;
}

function findNodeHeaders() {
  const candidates = [
    process.env.NODE_API_HEADERS,
    join(root, "node_modules", "node-api-headers", "include"),
    join(root, ".device", "napi"),
    resolve(process.execPath, "..", "..", "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, "node_api.h"))) ?? null;
}

const nvcc = findNvcc();
if (!nvcc) finish("nvcc not found; skipping the cuda addon (the cuda backend will be unavailable)", false);
const headers = findNodeHeaders();
if (!headers) finish("node_api.h not found (set NODE_API_HEADERS); skipping the cuda addon", true);

const sources = readdirSync(srcDir).filter((f) => f.endsWith(".cu"));
const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (process.env.INGOT_CUDA_FORCE !== "1" && existsSync(target) && statSync(target).mtimeMs > newest) {
  finish(`cuda addon is up to date (${target})`, false);
}

const archs = (process.env.INGOT_CUDA_ARCH ?? "80,90").split(",").map((s) => s.trim()).filter(Boolean);
const gencode = archs.flatMap((a) => ["-gencode", `arch=compute_${a},code=sm_${a}`]);
const last = archs[archs.length - 1];
gencode.push("-gencode", `arch=compute_${last},code=compute_${last}`);
const objDir = join(root, "build", "cuda-obj", `sm_${archs.join("-")}`);
const common = ["-O3", "-std=c++17", "-Xcompiler", "-fPIC", "-Xcompiler", "-fvisibility=hidden", ...gencode, "-I", headers, "-I", srcDir];

mkdirSync(outDir, { recursive: true });
mkdirSync(objDir, { recursive: true });

function run(args) {
  return new Promise((res) => {
    const p = spawn(nvcc, args, { stdio: ["ignore", "inherit", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => res({ code, err }));
  });
}

const started = Date.now();
const objs = sources.map((s) => join(objDir, s.replace(/\.cu$/, ".o")));
// objects newer than their source and every header (and this script) are kept
const headersNewest = Math.max(...readdirSync(srcDir).filter((f) => f.endsWith(".h")).map((f) => statSync(join(srcDir, f)).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
const stale = (i) => process.env.INGOT_CUDA_FORCE === "1" || !existsSync(objs[i]) || statSync(objs[i]).mtimeMs < Math.max(statSync(join(srcDir, sources[i])).mtimeMs, headersNewest);
const results = await Promise.all(sources.map((s, i) => (stale(i) ? run([...common, "-c", join(srcDir, s), "-o", objs[i]]) : Promise.resolve({ code: 0, err: "" }))));
const failed = results.find((r) => r.code !== 0);
if (failed) {
  process.stderr.write(failed.err);
  finish("cuda addon build failed (see above); the cuda backend will be unavailable", true);
}
const link = await run([...gencode, "-shared", "-o", target, ...objs, "-ldl"]);
if (link.code !== 0) {
  process.stderr.write(link.err);
  finish("cuda addon link failed (see above)", true);
}
finish(`built ${target} with ${nvcc} for sm_${archs.join(",sm_")} in ${((Date.now() - started) / 1000).toFixed(0)} s`, false);
