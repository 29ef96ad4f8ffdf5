/** A file could not be read: names the file, the 1-based line when known, and the problem. */
export class IngestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly problem: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ""}: ${problem}`);
    this.name = "IngestError";
  }
}
