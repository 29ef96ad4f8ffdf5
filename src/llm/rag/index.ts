// The retrieval assistant: ingest documents, chunk, embed, store in a DuckDB vector index, answer with citations.
export { chunkLines, type ChunkOptions, type DocumentChunk } from "./chunk.js";
export { documentFormat, documentLines, type DocumentFormat } from "./formats.js";
export { ingestDocuments, type DocumentIngestResult } from "./ingest.js";
export { createVectorIndex, openVectorIndex, VectorIndex, INDEX_FILE, type CreateVectorIndexOptions, type SearchHit } from "./vector-index.js";
export { RetrievalAssistant, DEFAULT_ASSISTANT_SYSTEM, TEMPLATE_TOKENS, citedNumbers, formatContext, type AskOptions, type AssistantAnswer, type Citation, type RetrievalAssistantOptions } from "./assistant.js";
export { buildIndex, type BuildIndexOptions, type BuildIndexResult } from "./build.js";
export { ragPlugin, assistantAskRequest, type RagPluginOptions } from "./plugin.js";
