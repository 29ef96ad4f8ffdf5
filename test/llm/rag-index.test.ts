// The DuckDB vector index: exact cosine top-k equal to a brute-force computation over the same (float32)
// vectors, persistence across reopening, and clear errors for bad vectors.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createVectorIndex, openVectorIndex, type DocumentChunk } from "../../src/llm/rag/index.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-rag-index-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

const DIM = 24;
const rand = rng(11);
const vectors = Array.from({ length: 300 }, () => Array.from({ length: DIM }, rand));
const chunks: DocumentChunk[] = vectors.map((_, i) => ({ source: `doc-${i % 7}.txt`, startLine: i + 1, endLine: i + 3, text: `chunk ${i} it's "quoted"` }));

function bruteForce(q: readonly number[], k: number): { i: number; score: number }[] {
  const f32 = (v: readonly number[]): number[] => v.map(Math.fround); // the index stores FLOAT
  return vectors.map((v, i) => ({ i, score: cosine(f32(v), f32(q)) })).sort((a, b) => b.score - a.score).slice(0, k);
}

test("search returns the exact cosine top-k, and the index survives reopening", async () => {
  const indexDir = join(dir, "idx");
  const index = await createVectorIndex(indexDir, { dim: DIM, model: "random" });
  await index.add(chunks.slice(0, 200), vectors.slice(0, 200));
  await index.add(chunks.slice(200), vectors.slice(200));
  assert.equal(await index.size(), 300);
  const queries = Array.from({ length: 5 }, () => Array.from({ length: DIM }, rand));
  for (const q of queries) {
    const got = await index.search(q, 10);
    const want = bruteForce(q, 10);
    assert.deepEqual(got.map((h) => h.text), want.map((w) => chunks[w.i].text));
    for (const [j, h] of got.entries()) {
      assert.ok(Math.abs(h.score - want[j].score) < 1e-5, `score ${h.score} vs ${want[j].score}`);
      const c = chunks[want[j].i];
      assert.deepEqual({ source: h.source, startLine: h.startLine, endLine: h.endLine }, { source: c.source, startLine: c.startLine, endLine: c.endLine });
    }
  }
  // a stored vector is its own nearest neighbour
  assert.equal((await index.search(vectors[123], 1))[0].text, chunks[123].text);
  index.close();
  assert.ok(existsSync(join(indexDir, "index.duckdb")));

  const reopened = await openVectorIndex(indexDir);
  assert.equal(reopened.dim, DIM);
  assert.equal(reopened.model, "random");
  assert.equal(await reopened.size(), 300);
  const q = queries[0];
  assert.deepEqual((await reopened.search(q, 3)).map((h) => h.text), bruteForce(q, 3).map((w) => chunks[w.i].text));
  assert.equal((await reopened.search(q, 1000)).length, 300);
  reopened.close();
  await assert.rejects(createVectorIndex(indexDir, { dim: 8 }), /holds 24-dimensional vectors, not 8/);
});

test("bad vectors and missing indexes are clear errors, and a failed add stores nothing", async () => {
  const index = await createVectorIndex(join(dir, "bad"), { dim: 3 });
  try {
    await assert.rejects(index.add(chunks.slice(0, 2), [[1, 2, 3]]), /2 chunks but 1 vectors/);
    await assert.rejects(index.add(chunks.slice(0, 2), [[1, 2, 3], [1, 2]]), /vectors\[1\]: expected 3 numbers, got 2/);
    await assert.rejects(index.add(chunks.slice(0, 1), [[1, NaN, 3]]), /vectors\[0\]\[1\]: NaN is not a finite number/);
    await assert.rejects(index.search([0, 0, 0], 2), /query vector: the zero vector/);
    await assert.rejects(index.search([1, 0, 0], 0), /k must be a positive integer/);
    // a duplicate text is fine; a failure inside the transaction rolls the whole batch back
    const huge = { source: "x", startLine: 1, endLine: 2 ** 40, text: "y" }; // end_line overflows INTEGER
    await assert.rejects(index.add([chunks[0], huge], [[1, 0, 0], [0, 1, 0]]));
    assert.equal(await index.size(), 0);
    await index.add([chunks[0]], [[1, 0, 0]]);
    assert.equal(await index.size(), 1);
  } finally {
    index.close();
  }
  await assert.rejects(openVectorIndex(join(dir, "nowhere")), /nowhere: no vector index \(index\.duckdb\) here/);
});
