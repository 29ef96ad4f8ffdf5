// A persistent vector index on DuckDB: chunks and their FLOAT[dim] embeddings in `<dir>/index.duckdb`,
// searched exactly with DuckDB's built-in array_cosine_similarity (no extension to download; exact
// search over tens of thousands of chunks takes milliseconds).
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { DocumentChunk } from "./chunk.js";

/** The index file inside an index folder. */
export const INDEX_FILE = "index.duckdb";

/** A chunk found by search, with its cosine similarity to the query. */
export interface SearchHit extends DocumentChunk {
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

/** Options of createVectorIndex. */
export interface CreateVectorIndexOptions {
  /** Embedding length. */
  dim: number;
  /** Free-form description of the embedding model, kept to tell users which model built the index. */
  model?: string;
}

function checkVector(v: readonly number[], dim: number, what: string): void {
  if (!Array.isArray(v) || v.length !== dim) throw new RangeError(`${what}: expected ${dim} numbers, got ${Array.isArray(v) ? v.length : typeof v}`);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${what}[${i}]: ${v[i]} is not a finite number`);
    norm += v[i] * v[i];
  }
  if (norm === 0) throw new RangeError(`${what}: the zero vector has no direction to compare`);
}

const floatArray = (v: readonly number[], dim: number): string => `[${v.map((x) => (Object.is(x, -0) ? "0" : String(x))).join(",")}]::FLOAT[${dim}]`;

/** Chunks with embeddings in a DuckDB file; one open index per file per process. */
export class VectorIndex {
  private constructor(
    /** The folder holding the index file. */
    readonly dir: string,
    /** Embedding length. */
    readonly dim: number,
    /** The embedding model recorded at creation ("" when none was given). */
    readonly model: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** @internal Opens (creating when `create` is given) the index in `dir`. */
  static async open(dir: string, create?: CreateVectorIndexOptions): Promise<VectorIndex> {
    const file = join(dir, INDEX_FILE);
    if (create) {
      if (!Number.isInteger(create.dim) || create.dim < 1) throw new RangeError(`dim must be a positive integer, got ${create.dim}`);
      await mkdir(dir, { recursive: true });
    } else if (!(await stat(file).catch(() => null))?.isFile()) {
      throw new Error(`${dir}: no vector index (${INDEX_FILE}) here; build one with \`ingot llm index\``);
    }
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(file);
    const conn = await instance.connect();
    try {
      await conn.run("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)");
      const rows = (await conn.runAndReadAll("SELECT key, value FROM meta")).getRowObjectsJS();
      const meta = new Map(rows.map((r) => [String(r.key), String(r.value)]));
      const stored = meta.has("dim") ? Number(meta.get("dim")) : null;
      if (stored === null && !create) throw new Error(`${file}: not a vector index (no dim recorded)`);
      if (stored !== null && create && stored !== create.dim) throw new Error(`${file}: the index holds ${stored}-dimensional vectors, not ${create.dim}`);
      const dim = stored ?? create!.dim;
      if (stored === null) {
        await conn.run("BEGIN TRANSACTION");
        await conn.run(`INSERT INTO meta VALUES ('dim', '${dim}'), ('model', $1)`, [create?.model ?? ""]);
        await conn.run(`CREATE TABLE chunks (id INTEGER PRIMARY KEY, source VARCHAR NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, text VARCHAR NOT NULL, embedding FLOAT[${dim}] NOT NULL)`);
        await conn.run("COMMIT");
      }
      return new VectorIndex(dir, dim, meta.get("model") ?? create?.model ?? "", instance, conn);
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** Number of chunks stored. */
  async size(): Promise<number> {
    const r = await this.conn.runAndReadAll("SELECT count(*)::INTEGER AS n FROM chunks");
    return Number(r.getRowObjectsJS()[0].n);
  }

  /** Stores chunks with their embeddings (one per chunk), all or nothing. */
  async add(chunks: readonly DocumentChunk[], vectors: readonly (readonly number[])[]): Promise<void> {
    if (chunks.length !== vectors.length) throw new RangeError(`add: ${chunks.length} chunks but ${vectors.length} vectors`);
    vectors.forEach((v, i) => checkVector(v, this.dim, `vectors[${i}]`));
    if (chunks.length === 0) return;
    await this.conn.run("BEGIN TRANSACTION");
    try {
      const first = Number((await this.conn.runAndReadAll("SELECT coalesce(max(id), 0)::INTEGER AS m FROM chunks")).getRowObjectsJS()[0].m) + 1;
      // batched multi-row INSERTs: the vectors go in as literals, which DuckDB parses faster than one bind per row
      const BATCH = 256;
      for (let at = 0; at < chunks.length; at += BATCH) {
        const rows: string[] = [];
        const params: (string | number)[] = [];
        for (let i = at; i < Math.min(at + BATCH, chunks.length); i++) {
          const c = chunks[i];
          const p = params.length;
          params.push(first + i, c.source, c.startLine, c.endLine, c.text);
          rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, ${floatArray(vectors[i], this.dim)})`);
        }
        await this.conn.run(`INSERT INTO chunks VALUES ${rows.join(", ")}`, params);
      }
      await this.conn.run("COMMIT");
    } catch (e) {
      await this.conn.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
  }

  /** The `k` chunks most similar to `vector` by cosine similarity, best first (exact search). */
  async search(vector: readonly number[], k: number): Promise<SearchHit[]> {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    checkVector(vector, this.dim, "query vector");
    const r = await this.conn.runAndReadAll(
      `SELECT source, start_line, end_line, text, array_cosine_similarity(embedding, ${floatArray(vector, this.dim)})::DOUBLE AS score
       FROM chunks ORDER BY score DESC, id LIMIT ${k}`,
    );
    return r.getRowObjectsJS().map((row) => ({
      source: String(row.source), startLine: Number(row.start_line), endLine: Number(row.end_line), text: String(row.text), score: Number(row.score),
    }));
  }

  /** Closes the file (DuckDB checkpoints it so the folder holds one self-contained file). */
  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Opens the vector index in `dir`, creating the folder and its `index.duckdb` when missing. */
export function createVectorIndex(dir: string, opts: CreateVectorIndexOptions): Promise<VectorIndex> {
  return VectorIndex.open(dir, opts);
}

/** Opens an existing vector index in `dir`. */
export function openVectorIndex(dir: string): Promise<VectorIndex> {
  return VectorIndex.open(dir);
}
