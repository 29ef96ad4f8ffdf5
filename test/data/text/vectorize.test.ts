import assert from "node:assert/strict";
import { test } from "node:test";
import { CountVectorizer, CsrMatrix, TfidfVectorizer, type TfidfOptions } from "../../../src/data/text/index.js";
import { assertNear, fixture } from "../transforms/fixture.js";

const tf = fixture.tfidf;
const OPTIONS: Record<string, TfidfOptions> = {
  default: {},
  sublinear_l1_nosmooth_bigrams: { sublinearTf: true, smoothIdf: false, norm: "l1", ngramRange: [1, 2] },
  min_df_2_no_norm: { minDf: 2, norm: null },
};

function dense(m: CsrMatrix): number[][] {
  return Array.from({ length: m.numRows }, (_, i) => Array.from({ length: m.numCols }, (_, j) => m.get(i, j)));
}

for (const [name, opts] of Object.entries(OPTIONS)) {
  test(`TfidfVectorizer ${name}: vocabulary, idf and train/test rows match scikit-learn`, () => {
    const ref = tf.cases[name];
    const v = new TfidfVectorizer(opts).fit(tf.train);
    assert.deepEqual(v.vocabulary, ref.vocabulary);
    assertNear(Array.from(v.idf as Float64Array), ref.idf, 1e-12, "idf");
    dense(v.transform(tf.test)).forEach((row, i) => assertNear(row, ref.test[i], 1e-12, `test row ${i}`));
    dense(v.fitTransform(tf.train)).forEach((row, i) => assertNear(row, ref.train[i], 1e-12, `train row ${i}`));
  });
}

test("TfidfVectorizer: idf comes from training documents only; JSON round trip gives identical dense bytes", () => {
  const v = new TfidfVectorizer({ ngramRange: [1, 2] }).fit(tf.train);
  const leaky = new TfidfVectorizer({ ngramRange: [1, 2] }).fit([...tf.train, ...tf.test]);
  assert.notDeepEqual(dense(v.transform(tf.test)), dense(leaky.transform(tf.test)));
  const back = TfidfVectorizer.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  const a = v.transform(tf.test).toDense();
  const b = back.transform(tf.test).toDense();
  assert.deepEqual(a.shape, [3, v.vocabulary.length]);
  assert.deepEqual(Buffer.from(b.dataSync().buffer), Buffer.from(a.dataSync().buffer));
  // a document with no known term is an all-zero row, not NaN
  assert.equal(v.transform(["zzz qqq"]).nnz, 0);
});

test("CountVectorizer: bigram counts with minDf match scikit-learn; the output is sparse", () => {
  const ref = tf.counts_bigrams_min_df_2;
  const v = new CountVectorizer({ ngramRange: [1, 2], minDf: 2 }).fit(tf.train);
  assert.deepEqual(v.vocabulary, ref.vocabulary);
  const m = v.transform(tf.test);
  assert.deepEqual(dense(m), ref.test);
  assert.equal(m.nnz, ref.test.flat().filter((x) => x !== 0).length);
  const back = CountVectorizer.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(dense(back.transform(tf.test)), ref.test);
  assert.deepEqual(dense(new CountVectorizer({ binary: true }).fit(["a dog dog"]).transform(["dog dog dog"])), [[1]]);
});

test("vectorizers name bad input", () => {
  assert.throws(() => new TfidfVectorizer().fit([]), /non-empty array/);
  assert.throws(() => new TfidfVectorizer().fit(["ok", 3 as unknown as string]), /docs\[1\] is number/);
  assert.throws(() => new TfidfVectorizer().fit(["a b c"]), /no terms remain/);
  assert.throws(() => new TfidfVectorizer().transform(["x"]), /not fitted/);
  assert.throws(() => new TfidfVectorizer({ maxDf: 2 }), /maxDf must be a fraction/);
  assert.throws(() => new TfidfVectorizer({ norm: "l3" as "l2" }), /norm must be/);
});
