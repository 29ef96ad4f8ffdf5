// Ingestion: files and folders into Tables, SQL over them, and bounded-memory streaming.
export { IngestError } from "./errors.js";
export { readTable, ingest, formatOf, type FileFormat, type ReadOptions, type RejectedRow, type IngestResult } from "./read.js";
export { sql, type SqlOptions } from "./sql.js";
export { streamBatches, streamFloat32Batches, type StreamSource, type StreamOptions, type Float32Batch } from "./stream.js";
export { readTextFolder, loadSpamAssassin, type TextFolderOptions } from "./text-folder.js";
export { readArrow, readArrowBatches, writeArrow, type ArrowWriteOptions } from "./arrow.js";
