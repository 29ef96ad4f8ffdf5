import assert from "node:assert/strict";
import { test } from "node:test";
import { BpeTokenizer, preTokenize } from "../../../src/data/text/index.js";

const corpus = [
  "the cat sat on the mat", "the cat ate the rat", "a cat and a hat", "that is the thing", "the theme of the thesis",
];

test("preTokenize partitions the text exactly, GPT-2 style (space joins the next word)", () => {
  assert.deepEqual(preTokenize("Hello, world!  It's 42"), ["Hello", ",", " world", "!", " ", " It", "'s", " 42"]);
  for (const s of ["", " ", "a\n\nb", "x\u0000y", "😀😀 é"]) assert.equal(preTokenize(s).join(""), s);
});

test("BPE training learns the most frequent pairs first and shortens frequent words", () => {
  const bpe = BpeTokenizer.train(corpus, { vocabSize: 256 + 12 + 3, minFrequency: 1 });
  assert.equal(bpe.vocabSize, 271);
  // counted by hand over the pieces: "th" 11 times ("the" x8, "that", "thing", ...), "he" 9, "at" 9, " t" 7
  const [a, b] = bpe.merges[0];
  assert.equal(String.fromCharCode(a, b), "th");
  assert.ok(bpe.encode(" the").length === 1, "a frequent word becomes one token");
  assert.deepEqual(bpe.encode(" the cat"), bpe.encode(" the").concat(bpe.encode(" cat")));
});

test("BPE encode/decode round-trips any UTF-8 text exactly, including bytes never seen in training", () => {
  const bpe = BpeTokenizer.train(corpus, { vocabSize: 300 });
  assert.ok(bpe.merges.length < 300 - 259, "training stops when no pair is seen minFrequency (2) times");
  const samples = ["the cat", "", "Ünïcödé ✓ 😀 中文", "tabs\tand\r\nnewlines  ", "<pad>", "\u0000\u007f", "a".repeat(1000)];
  for (const s of samples) assert.equal(bpe.decode(bpe.encode(s)), s);
  // random code points across the planes (surrogates excluded: they are not text)
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 50; k++) {
    const cps = Array.from({ length: 20 }, () => { const c = Math.floor(rand() * 0x10ffff); return c >= 0xd800 && c < 0xe000 ? 0x41 : c; });
    const s = String.fromCodePoint(...cps);
    assert.equal(bpe.decode(bpe.encode(s)), s);
  }
  assert.throws(() => bpe.encode("a\ud800b"), /lone UTF-16 surrogate/);
});

test("BPE save/load JSON gives the same ids; special tokens sit after the merges", () => {
  const bpe = BpeTokenizer.train(corpus, { vocabSize: 280, specialTokens: ["<pad>", "<eos>"] });
  const back = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
  const text = "the rat sat on the hat, theme!";
  assert.deepEqual(back.encode(text), bpe.encode(text));
  assert.equal(bpe.specialId("<pad>"), 256 + bpe.merges.length);
  assert.equal(bpe.decode([bpe.specialId("<eos>")]), "<eos>");
  assert.throws(() => bpe.specialId("<bos>"), /not a special token/);
  assert.throws(() => BpeTokenizer.train(corpus, { vocabSize: 100 }), /vocabSize must be an integer >= 259/);
  assert.throws(() => BpeTokenizer.fromJSON({ kind: "bpe", merges: [[0, 999]], specialTokens: [] }), /merge 0 \[0, 999\] refers to an id not defined/);
  assert.throws(() => bpe.decode([9999]), new RegExp(`outside 0..${bpe.vocabSize - 1}`));
});
