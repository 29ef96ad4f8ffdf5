import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IngestError, ingest } from "../../../src/data/ingest/index.js";
import { Table } from "../../../src/data/table.js";
import { mulberry32 } from "../../../src/tensor/random.js";

const VALID = Buffer.from(['id,name,score,when,flag', ...Array.from({ length: 40 }, (_, i) => `${i},"name ${i}, jr",${(i * 1.5).toFixed(2)},2020-01-${String((i % 28) + 1).padStart(2, "0")},${i % 2 === 0}`)].join("\n") + "\n");
const SPECIAL = [0x22, 0x2c, 0x0a, 0x0d, 0x00, 0xff, 0xc3, 0x3b, 0x09, 0x5c];

function mutate(src: Buffer, r: () => number): Buffer {
  let b = Buffer.from(src);
  const edits = 1 + Math.floor(r() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * b.length);
    const kind = Math.floor(r() * 5);
    if (kind === 0) b[at] = Math.floor(r() * 256); // random byte
    else if (kind === 1) b[at] = SPECIAL[Math.floor(r() * SPECIAL.length)]; // a byte CSV parsers care about
    else if (kind === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 20))]); // delete a run
    else if (kind === 3) b = Buffer.concat([b.subarray(0, at), Buffer.from([SPECIAL[Math.floor(r() * SPECIAL.length)]]), b.subarray(at)]); // insert
    else b = b.subarray(0, at); // truncate
  }
  return b;
}

test("fuzzed CSV: every mutation gives a Table or an IngestError, never a crash or a hang", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ingot-fuzz-"));
  const r = mulberry32(20240601);
  let tables = 0;
  let errors = 0;
  for (let k = 0; k < 150; k++) {
    const p = join(dir, `f${k}.csv`);
    writeFileSync(p, mutate(VALID, r));
    const t0 = performance.now();
    try {
      const res = await ingest(p, { quarantinePath: join(dir, `f${k}.q.jsonl`) });
      assert.ok(res.table instanceof Table);
      // nothing vanishes: every data line is either a row or quarantined (quoted newlines can merge lines)
      assert.ok(res.table.numRows + res.rejected.length <= 41, `case ${k}: ${res.table.numRows} rows + ${res.rejected.length} rejected`);
      tables++;
    } catch (e) {
      assert.ok(e instanceof IngestError, `case ${k}: ${String(e)}`);
      assert.ok(e.message.startsWith(p), `case ${k}: the message names the file: ${e.message}`);
      errors++;
    }
    assert.ok(performance.now() - t0 < 5000, `case ${k} took too long`);
  }
  // the mutations must exercise both outcomes, or the fuzzer is not fuzzing
  assert.ok(tables > 10 && errors > 10, `tables ${tables}, errors ${errors}`);
});
