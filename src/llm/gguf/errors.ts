/**
 * A GGUF file could not be written or was rejected. The message starts with the file (and the byte
 * offset where reading failed) and names the problem.
 */
export class GgufError extends Error {
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
    this.name = "GgufError";
  }
}
