import assert from "node:assert/strict";
import { test } from "node:test";
import { BpeTokenizer, CharTokenizer, RegexTokenizer, SequenceEncoder } from "../../../src/data/text/index.js";

const train = ["The cat sat.", "the CAT ran", "a dog"];

test("SequenceEncoder with a word tokenizer: vocabulary from train, unk for unseen words, bos/eos, pad and mask", () => {
  const enc = new SequenceEncoder({ clean: { lowercase: true }, tokenizer: new RegexTokenizer("\\p{L}+"), maxLength: 5, addBos: true, addEos: true, vocabulary: { minFreq: 2 } }).fit(train);
  // specials 0..3, then "cat" and "the" (each twice)
  assert.deepEqual(enc.vocabulary?.tokens, ["<pad>", "<unk>", "<bos>", "<eos>", "cat", "the"]);
  const { ids, mask } = enc.transform(["The dog", "the cat the cat the cat"]);
  assert.deepEqual(ids.toArray(), [[2, 5, 1, 3, 0], [2, 5, 4, 5, 3]]);
  assert.deepEqual(mask.toArray(), [[true, true, true, true, false], [true, true, true, true, true]]);
  const back = SequenceEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
  assert.deepEqual(back.transform(["The dog"]).ids.toArray(), [[2, 5, 1, 3, 0]]);
});

test("SequenceEncoder with chars and with BPE; BPE needs no fitting", () => {
  const chars = new SequenceEncoder({ tokenizer: new CharTokenizer(), maxLength: 3, truncation: "pre" }).fit(["ab"]);
  assert.deepEqual(chars.transform(["abba"]).ids.toArray(), [[5, 5, 4]]); // a=4, b=5 after the 4 specials; "pre" keeps the end "bba"
  const bpe = BpeTokenizer.train(train, { vocabSize: 270, minFrequency: 1 });
  const enc = new SequenceEncoder({ tokenizer: bpe, maxLength: 8 });
  const { ids } = enc.transform(["the cat"]);
  const want = bpe.encode("the cat");
  assert.deepEqual(Array.from(ids.dataSync()).slice(0, want.length), want);
  assert.equal(ids.dataSync()[7], bpe.specialId("<pad>"));
  assert.throws(() => new SequenceEncoder({ tokenizer: new CharTokenizer(), maxLength: 3 }).transform(["x"]), /not fitted/);
  assert.throws(() => new SequenceEncoder({ tokenizer: new CharTokenizer(), maxLength: 0 }), /maxLength must be an integer >= 1/);
});
