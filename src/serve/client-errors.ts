// Requests too broken for Fastify to route (bad bytes in headers, headers too large, timeouts) are
// answered by Node's HTTP parser hook; this writes them in the server's own JSON error format.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";

function responseFor(err: NodeJS.ErrnoException): { status: number; code: string; message: string } {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return { status: 408, code: "request_timeout", message: "the request took too long to arrive" };
  if (err.code === "HPE_HEADER_OVERFLOW") return { status: 431, code: "headers_too_large", message: "the request headers are too large" };
  // the parser's code (e.g. HPE_INVALID_HEADER_TOKEN) says what was wrong without echoing the bytes
  return { status: 400, code: "malformed_request", message: `malformed HTTP request${err.code ? ` (${err.code})` : ""}` };
}

/** Fastify's `clientErrorHandler`: a JSON `{error: {code, message}}` answer, then the socket is closed. */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const { status, code, message } = responseFor(err);
  this.log.debug({ err }, "client error");
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
