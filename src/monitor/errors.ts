/** A monitoring input (drift reference, prediction log, option, window) was rejected; the message names it. */
export class MonitorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MonitorError";
  }
}
