// Run as a child process by spec.test.ts: a fresh process with nothing fitted in memory loads a model
// directory, rebuilds the preprocessing from config.json alone and writes the tensors it produces.
// Usage: spec-reload.ts <modelDir> <texts.json> <outDir>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { specFromJSON } from "../../src/data/spec.js";
import { loadModelDir } from "../../src/io/index.js";

const [dir, textsFile, outDir] = process.argv.slice(2);
const { config } = await loadModelDir(dir);
const p = specFromJSON(config.preprocessing);
const texts = JSON.parse(readFileSync(textsFile, "utf8")) as string[];
if (!p.vectorizer || !p.sequence || !p.label) throw new Error("spec-reload: the spec lacks a vectorizer, sequence encoder or label encoder");
const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
writeFileSync(join(outDir, "tfidf.bin"), bytes(p.vectorizer.transform(texts).toDense().dataSync()));
const { ids, mask } = p.sequence.transform(texts);
writeFileSync(join(outDir, "ids.bin"), bytes(ids.dataSync()));
writeFileSync(join(outDir, "mask.bin"), bytes(mask.dataSync()));
writeFileSync(join(outDir, "classes.json"), JSON.stringify(p.label.classes));
