// The zoo's GPT2 exported to GGUF gives the same next-token logits in llama.cpp as in Ingot's engine.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { BpeTokenizer } from "../../src/data/text/bpe.js";
import { GPT2 } from "../../src/models/gpt2.js";
import { normal_ } from "../../src/nn/init.js";
import { noGrad, tensor } from "../../src/index.js";
import { Generator } from "../../src/tensor/random.js";
import { exportGpt2ToGguf, gpt2TensorName, loadLlm, readGgufHeader } from "../../src/llm/index.js";

const dir = mkdtempSync(join(tmpdir(), "ingot-gpt2-gguf-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const corpus = [
  "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.",
  "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.",
];

test("gpt2TensorName follows llama.cpp's gpt2 layout", () => {
  assert.equal(gpt2TensorName("h.1.attn.cAttn.weight"), "blk.1.attn_qkv.weight");
  assert.equal(gpt2TensorName("h.0.cProj.bias"), "blk.0.ffn_down.bias");
  assert.equal(gpt2TensorName("wpe.weight"), "position_embd.weight");
  assert.throws(() => gpt2TensorName("h.0.mystery.weight"), /h\.0\.mystery\.weight has no llama\.cpp gpt2 tensor/);
});

test("an exported random GPT2 gives llama.cpp the same next-token logits as Ingot", async () => {
  const tok = BpeTokenizer.train(corpus, { vocabSize: 300, minFrequency: 1, specialTokens: ["<|endoftext|>"] });
  const gen = new Generator(11);
  const model = new GPT2({ vocabSize: tok.vocabSize, nPositions: 64, nEmbd: 64, nLayer: 2, nHead: 4 }, { generator: gen });
  // larger random weights than GPT-2's init (and non-trivial norms and biases) so logits spread widely
  for (const [name, p] of model.namedParameters()) {
    if (name.includes("ln") && name.endsWith(".weight")) normal_(p, 1, 0.2, gen);
    else normal_(p, 0, name.endsWith(".bias") || name.startsWith("wpe") ? 0.1 : 0.15, gen);
  }
  model.eval();
  const path = join(dir, "gpt2.gguf");
  await exportGpt2ToGguf(model, path, { tokenizer: tok });
  const h = readGgufHeader(path);
  assert.equal(h.metadata["general.architecture"]?.value, "gpt2");
  assert.equal(h.tensors.length, 4 + 12 * 2 + 1);

  const prompts = ["It was the best of", "Call me Ishmael. Some years", "x"];
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const lm = await llama.loadModel({ modelPath: path });
  const ctx = await lm.createContext({ contextSize: 64, threads: 1 });
  const seq = ctx.getSequence();
  let worst = 0;
  try {
    for (const prompt of prompts) {
      const ids = tok.encode(prompt);
      assert.deepEqual(lm.tokenize(prompt), ids, "llama.cpp tokenizes like Ingot");
      const ours = noGrad(() => model.forward(tensor([ids], { dtype: "int32" })));
      const all = ours.dataSync();
      const v = tok.vocabSize;
      const last = Array.from(all.slice((ids.length - 1) * v, ids.length * v) as ArrayLike<number>);
      await seq.clearHistory();
      const input = ids.map((t, i) => (i === ids.length - 1 ? ([t as Token, { generateNext: { logits: true } }] as const) : (t as Token)));
      const res = await seq.controlledEvaluate(input as Parameters<typeof seq.controlledEvaluate>[0]);
      const theirs = res[ids.length - 1]?.next.logits;
      assert.ok(theirs && theirs.size === v, "llama.cpp returned every logit");
      const spread = Math.max(...last) - Math.min(...last);
      assert.ok(spread > 2, `logits spread widely (${spread.toFixed(2)})`);
      let maxDiff = 0;
      for (let i = 0; i < v; i++) maxDiff = Math.max(maxDiff, Math.abs((theirs.get(i as Token) ?? NaN) - last[i]));
      worst = Math.max(worst, maxDiff);
      const ourTop = last.indexOf(Math.max(...last));
      assert.equal(theirs.entries().next().value?.[0], ourTop, `${prompt}: the same most likely next token`);
    }
  } finally {
    await ctx.dispose();
    await lm.dispose();
  }
  console.log(`# worst |logit difference| Ingot vs llama.cpp: ${worst.toExponential(2)}`);
  // llama.cpp's CPU GELU reads a float16 lookup table, so agreement is ~1e-3, not float32 exact
  assert.ok(worst < 2e-2, `logits agree within 2e-2 (worst ${worst})`);
});

test("the exported GPT2 loads in the runtime and generates", async () => {
  const tok = BpeTokenizer.train(corpus, { vocabSize: 280, minFrequency: 1, specialTokens: ["<|endoftext|>"] });
  const model = new GPT2({ vocabSize: tok.vocabSize, nPositions: 32, nEmbd: 32, nLayer: 1, nHead: 2 }, { generator: new Generator(2) });
  const path = join(dir, "small.gguf");
  await exportGpt2ToGguf(model, path, { tokenizer: tok, type: "F16" });
  const e = await loadLlm(path, { gpu: false, sequences: 1, threads: 1 });
  try {
    assert.equal(e.info.architecture, "gpt2");
    assert.equal(e.info.quantization, "F16");
    assert.equal(e.info.contextLength, 32);
    const r = await e.complete("It was", { maxTokens: 5 });
    assert.ok(r.completionTokens > 0 && r.completionTokens <= 5);
  } finally {
    await e.close();
  }
  await assert.rejects(exportGpt2ToGguf(new GPT2({ vocabSize: 999, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }), join(dir, "bad.gguf"), { tokenizer: tok }), /the tokenizer has 280 tokens but the model's vocabSize is 999/);
});
