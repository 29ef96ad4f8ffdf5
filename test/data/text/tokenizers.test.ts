import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CharTokenizer, RegexTokenizer, Vocabulary, ngrams, padSequences, stringTokenizerFromJSON, whitespaceTokenizer,
} from "../../../src/data/text/index.js";

test("char tokenizer splits code points (emoji stay whole); regex tokenizer follows scikit-learn's default", () => {
  assert.deepEqual(new CharTokenizer().tokenize("hé😀"), ["h", "é", "😀"]);
  assert.deepEqual(new RegexTokenizer().tokenize("A cat's naïve_dog, x 42!"), ["cat", "naïve_dog", "42"]);
  assert.deepEqual(whitespaceTokenizer().tokenize(" a  b,c "), ["a", "b,c"]);
  const back = stringTokenizerFromJSON(JSON.parse(JSON.stringify(new RegexTokenizer("[a-z]+", "i").toJSON())));
  assert.deepEqual(back.tokenize("Ab1cD"), ["Ab", "cD"]);
  assert.throws(() => new RegexTokenizer("a*"), /matches the empty string/);
  assert.throws(() => new RegexTokenizer("("), /invalid pattern/);
});

test("ngrams: by n, then position, joined by a space", () => {
  assert.deepEqual(ngrams(["a", "b", "c"], 1, 2), ["a", "b", "c", "a b", "b c"]);
  assert.deepEqual(ngrams(["a", "b"], 3, 3), []);
  assert.throws(() => ngrams(["a"], 2, 1), /1 <= minN <= maxN/);
});

test("Vocabulary: specials first, then by frequency (ties alphabetical), minFreq, unk for the rest", () => {
  const v = Vocabulary.build([["b", "a", "c", "a"], ["b", "a", "d"]], { minFreq: 2 });
  assert.deepEqual(v.tokens, ["<pad>", "<unk>", "<bos>", "<eos>", "a", "b"]);
  assert.deepEqual(v.encode(["a", "c", "b"]), [4, 1, 5]);
  assert.deepEqual(v.decode([5, 0]), ["b", "<pad>"]);
  assert.equal(v.specialId("pad"), 0);
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(back.encode(["a", "zzz"]), [4, 1]);
  const noUnk = Vocabulary.build([["x"]], { specials: { unk: null, bos: null, eos: null } });
  assert.deepEqual(noUnk.tokens, ["<pad>", "x"]);
  assert.throws(() => noUnk.encode(["y"]), /no unk token/);
  assert.throws(() => noUnk.specialId("bos"), /no bos token/);
  assert.deepEqual(Vocabulary.build([["c", "b", "a", "a"]], { maxSize: 6 }).tokens.slice(4), ["a", "b"]);
});

test("padSequences: post/pre padding and truncation with a mask of real tokens", () => {
  const { ids, mask } = padSequences([[5, 6, 7], [8]], { maxLength: 2, padId: 0 });
  assert.deepEqual(ids.shape, [2, 2]);
  assert.equal(ids.dtype, "int32");
  assert.deepEqual(ids.toArray(), [[5, 6], [8, 0]]);
  assert.deepEqual(mask.toArray(), [[true, true], [true, false]]);
  const pre = padSequences([[5, 6, 7], [8]], { maxLength: 2, padding: "pre", truncation: "pre", padId: 9 });
  assert.deepEqual(pre.ids.toArray(), [[6, 7], [9, 8]]);
  assert.deepEqual(pre.mask.toArray(), [[true, true], [false, true]]);
  assert.deepEqual(padSequences([[1], [2, 3]]).ids.shape, [2, 2]);
  assert.throws(() => padSequences([[1.5]]), /sequences\[0\]\[0\] is 1.5/);
});
