// Server-sent events for streamed completions, OpenAI's way: `data: {json}\n\n` per chunk, then
// `data: [DONE]\n\n`. The reply is hijacked from Fastify, so the headers it collected (CORS, rate
// limits) are copied onto the raw response here.
import type { FastifyReply } from "fastify";

/** An open event stream on a reply; `closed` turns true when the client goes away. */
export class SseStream {
  private ended = false;
  closed = false;

  constructor(private readonly reply: FastifyReply, onClientGone: () => void) {
    reply.hijack();
    const raw = reply.raw;
    const collected: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) collected[k] = v;
    raw.writeHead(200, {
      ...collected,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // proxies such as nginx must not hold chunks back
      "x-accel-buffering": "no",
    });
    raw.on("close", () => {
      this.closed = true;
      if (!this.ended) onClientGone();
    });
  }

  /** Sends one JSON event (dropped once the client is gone). */
  send(event: unknown): void {
    if (this.closed || this.ended) return;
    this.reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** Sends `[DONE]` and ends the response. */
  end(): void {
    if (this.ended) return;
    if (!this.closed) this.reply.raw.write("data: [DONE]\n\n");
    this.ended = true;
    this.reply.raw.end();
  }
}
