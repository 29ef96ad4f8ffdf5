/**
 * One bounded-memory batching pass over vega-datasets' flights-3m.parquet (3 million rows): DuckDB
 * streams the file chunk by chunk, each 4096-row batch of the numeric columns becomes a float32 tensor,
 * and only the batch in hand is ever in memory. Prints rows/s and the peak RSS sampled during the pass.
 *
 *   npx tsx examples/flights-stream.ts [--limit 200000] [--batch 4096]
 */
import { datasetPath } from "../src/data/catalog.js";
import { streamFloat32Batches } from "../src/data/ingest/index.js";
import { tensor } from "../src/index.js";

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

const limit = flag("--limit");
const batchSize = flag("--batch") ?? 4096;
let rows = 0;
let peakRss = process.memoryUsage().rss;
let checksum = 0;
const t0 = performance.now();
for await (const b of streamFloat32Batches(datasetPath("flights-3m"), { batchSize, select: ["date", "delay", "distance"], limit })) {
  const x = tensor(b.data, { shape: [b.rows, b.columns.length] });
  checksum += x.dataSync()[1];
  x.dispose();
  rows += b.rows;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const seconds = (performance.now() - t0) / 1000;
console.log(`flights-3m: rows=${rows} seconds=${seconds.toFixed(2)} rows/s=${Math.round(rows / seconds)} peakRssMiB=${Math.round(peakRss / 2 ** 20)} (checksum ${checksum})`);
