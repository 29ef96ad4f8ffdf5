import assert from "node:assert/strict";
import { liveTensors, manualSeed, matmul, noGrad, randn, transpose, zeros, type Tensor } from "../../src/index.js";
import { LearnedPositionalEmbedding, moduleFromConfig, RotaryEmbedding, SinusoidalPositionalEncoding, type AnyModule, type LayerConfig } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";
import { gradcheckModuleWith } from "./seq-helpers.js";

/** RoPE by hand: rotate the pair (x_i, x_{i+D/2}) by pos·base^(−2i/D), in float64. */
function ropeReference(x: Float32Array, shape: number[], offset: number, base: number): number[] {
  const d = shape[shape.length - 1];
  const t = shape[shape.length - 2];
  const out = Array.from(x);
  for (let row = 0; row < x.length / d; row++) {
    const pos = (row % t) + offset;
    for (let i = 0; i < d / 2; i++) {
      const a = pos * base ** (-(2 * i) / d);
      const [u, v] = [x[row * d + i], x[row * d + i + d / 2]];
      out[row * d + i] = u * Math.cos(a) - v * Math.sin(a);
      out[row * d + i + d / 2] = u * Math.sin(a) + v * Math.cos(a);
    }
  }
  return out;
}

backendTest("SinusoidalPositionalEncoding adds sin/cos of pos/10000^(2i/d) (hand-computed), with offsets and both layouts", () => {
  const pe = new SinusoidalPositionalEncoding(5, 20);
  const want = (pos: number, j: number): number => {
    const a = pos / 10000 ** ((j - (j % 2)) / 5);
    return j % 2 === 0 ? Math.sin(a) : Math.cos(a);
  };
  noGrad(() => {
    const y = pe.forward(zeros([2, 3, 5]), 4);
    const expected = [0, 1].flatMap(() => [4, 5, 6].flatMap((p) => [0, 1, 2, 3, 4].map((j) => want(p, j))));
    assertClose(y, expected, 1e-5, 1e-6, "batch-first, offset 4");
    const x = randn([3, 2, 5]);
    const seqFirst = new SinusoidalPositionalEncoding(5, 20, { batchFirst: false }).forward(x);
    const xs = x.dataSync();
    assertClose(seqFirst, Array.from(xs, (v, k) => v + want(Math.floor(k / 10), k % 5)), 1e-5, 1e-6, "seq-first");
  });
  assert.deepEqual(Object.keys(pe.stateDict()), [], "the fixed table is not saved");
  assert.throws(() => pe.forward(zeros([2, 3, 5]), 18), { message: "SinusoidalPositionalEncoding(dModel=5, maxLen=20): positions 18..20 (offset 18, input [2,3,5]) exceed maxLen 20" });
  assert.throws(() => pe.forward(zeros([2, 3, 4])), /SinusoidalPositionalEncoding\(dModel=5, maxLen=20\): input must be \[batch, seq, 5\] or \[seq, 5\], got \[2,3,4\]/);
});

backendTest("LearnedPositionalEmbedding adds rows offset.. of its table; gradients reach only those rows", () => {
  manualSeed(51);
  const lpe = new LearnedPositionalEmbedding(6, 3);
  const x = randn([2, 2, 3]);
  const y = lpe.forward(x, 3);
  const w = lpe.weight.dataSync();
  const xs = x.dataSync();
  assertClose(y, Array.from(xs, (v, k) => v + w[(3 + (Math.floor(k / 3) % 2)) * 3 + (k % 3)]), 1e-6, 1e-7);
  y.sum().backward();
  const g = lpe.weight.grad!.dataSync();
  assertClose(g, [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0], 0, 0, "rows 3 and 4, once per batch element");
  gradcheckModuleWith(new LearnedPositionalEmbedding(4, 2, { batchFirst: false }), [randn([3, 2, 2])], (xs): [Tensor, number] => [xs[0], 1], (o) => o);
  assert.throws(() => lpe.forward(randn([7, 3])), /LearnedPositionalEmbedding\(maxLen=6, dModel=3\): positions 0..6 \(offset 0, input \[7,3\]\) exceed maxLen 6/);
});

backendTest("RotaryEmbedding rotates feature pairs (i, i + D/2) by pos·base^(-2i/D), as a hand-computed reference", () => {
  manualSeed(52);
  for (const [base, offset] of [[10000, 0], [500, 7]]) {
    const rope = new RotaryEmbedding(8, { base });
    const q = randn([2, 3, 5, 8]);
    const y = noGrad(() => rope.rotate(q, offset));
    assertClose(y, ropeReference(q.dataSync() as Float32Array, [...q.shape], offset, base), 1e-5, 1e-5, `base ${base} offset ${offset}`);
    // positions past the first table grow it
    const far = noGrad(() => rope.forward(q, 100));
    assertClose(far, ropeReference(q.dataSync() as Float32Array, [...q.shape], 100, base), 1e-4, 1e-5, "offset 100");
  }
});

backendTest("after RoPE, q·k depends only on the relative position; norms are kept", () => {
  manualSeed(53);
  const rope = new RotaryEmbedding(16);
  const q = randn([1, 2, 4, 16]);
  const k = randn([1, 2, 4, 16]);
  noGrad(() => {
    const scores = (shift: number): Tensor => matmul(rope.rotate(q, shift), transpose(rope.rotate(k, shift), -2, -1));
    const s0 = scores(0);
    assertClose(scores(5), s0, 1e-4, 1e-5, "shifting both by 5");
    assertClose(scores(37), s0, 1e-4, 1e-4, "shifting both by 37");
    // the scores are not position-free: rotating only q changes them
    const qOnly = matmul(rope.rotate(q, 3), transpose(rope.rotate(k, 0), -2, -1));
    const diff = Math.max(...[...qOnly.dataSync()].map((v, i) => Math.abs(v - s0.dataSync()[i])));
    assert.ok(diff > 1e-2, "a relative shift changes the scores");
    const r = rope.rotate(q).dataSync();
    const qs = q.dataSync();
    for (let row = 0; row < 8; row++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < 16; j++) {
        a += r[row * 16 + j] ** 2;
        b += qs[row * 16 + j] ** 2;
      }
      assert.ok(Math.abs(a - b) <= 1e-4 * b, "rotation keeps the norm");
    }
  });
  gradcheck((x) => new RotaryEmbedding(4).rotate(x, 2), [randn([2, 3, 4])]);
});

backendTest("RotaryEmbedding keeps only its returned tensor under noGrad (tables are buffers) and checks its input", () => {
  const rope = new RotaryEmbedding(4);
  const x = randn([2, 3, 4]);
  noGrad(() => rope.rotate(x)).dispose();
  const before = liveTensors();
  const y = noGrad(() => rope.rotate(x, 1));
  assert.equal(liveTensors(), before + 1);
  y.dispose();
  assert.deepEqual(Object.keys(rope.stateDict()), []);
  assert.throws(() => rope.rotate(randn([3, 6])), { message: "RotaryEmbedding(headDim=4): input must be [..., seq, 4], got [3,6]" });
  assert.throws(() => rope.rotate(x, -1), /offset must be an integer >= 0, got -1/);
  assert.throws(() => new RotaryEmbedding(5), /RotaryEmbedding: headDim must be even \(features rotate in pairs\), got 5/);
});

backendTest("positional layers survive config → JSON → rebuild → loadStateDict", () => {
  manualSeed(54);
  const x = randn([2, 4, 6]);
  const cases: AnyModule[] = [
    new SinusoidalPositionalEncoding(6, 10, { batchFirst: false }) as unknown as AnyModule,
    new LearnedPositionalEmbedding(8, 6) as unknown as AnyModule,
    new RotaryEmbedding(6, { base: 1000 }) as unknown as AnyModule,
  ];
  for (const orig of cases) {
    const config = orig.getConfig();
    const copy = moduleFromConfig(JSON.parse(JSON.stringify(config)) as LayerConfig);
    assert.equal(copy.constructor, orig.constructor);
    assert.deepEqual(copy.getConfig(), config);
    copy.loadStateDict(orig.stateDict());
    const run = (m: AnyModule): Tensor => (m as unknown as SinusoidalPositionalEncoding).forward(x, 1);
    noGrad(() => assertClose(run(copy), run(orig), 0, 0, config.type));
  }
});
