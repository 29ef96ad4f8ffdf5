// Shared pieces of the training-loop tests: an async per-backend test, a small seeded problem, a model.
import { test } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Generator, getBackend, Linear, ReLU, Sequential, Sigmoid, setBackend, tensor, type Module } from "../../src/index.js";
import type { Dataset } from "../../src/train/index.js";
import { hostBackends } from "../helpers/backends.js";

/**
 * backendTest for async bodies: withBackend restores the backend as soon as fn returns its Promise, so
 * here the backend is set for the whole awaited body (tests in a file run one after another).
 */
export function asyncBackendTest(name: string, fn: (backend: string) => Promise<void>): void {
  for (const b of hostBackends()) {
    test(`${name} [${b}]`, async () => {
      const prev = getBackend().name;
      setBackend(b);
      try {
        await fn(b);
      } finally {
        setBackend(prev);
      }
    });
  }
}

/** n samples of 3 normal features; y = 1 when x0 + x1 > 0, as [n, 1] float32 (flipped when `invert`). */
export function toyData(n: number, seed: number, invert = false): Dataset {
  const g = new Generator(seed);
  const x = g.normal(n * 3);
  const y = Float32Array.from({ length: n }, (_, i) => Number(x[i * 3] + x[i * 3 + 1] > 0) ^ Number(invert));
  return { x: tensor(x, { shape: [n, 3] }), y: tensor(y, { shape: [n, 1] }) };
}

/** 3 → 8 → 1 sigmoid, initialised from its own generator so two calls with one seed are identical. */
export function toyModel(seed: number, extra: Module[] = []): Sequential {
  const g = new Generator(seed);
  return new Sequential(new Linear(3, 8, { generator: g }), new ReLU(), ...extra, new Linear(8, 1, { generator: g }), new Sigmoid());
}

/** Every parameter's values, copied to plain arrays. */
export function weightsOf(model: Module): number[][] {
  return model.parameters().map((p) => Array.from(p.dataSync()));
}

/** A fresh temp folder, removed after `fn`. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ingot-train-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
