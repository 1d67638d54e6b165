/**
 * What the HTTP server answers to a request it cannot even parse (Node's `clientError`): a header section over
 * the size limit gets 431, anything else 400, each with our JSON error body. Node's own handler destroys the
 * socket at once, so a client still sending its large headers sees a connection reset instead of the answer;
 * here the socket is half-closed after the answer and drained for a moment, so the client reads the 431.
 */
import type { Socket } from 'node:net';
import { HttpErrorCode } from './error-codes.js';

/** How long a refused client may go on sending before its connection is dropped. */
const DRAIN_MS = 2000;

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    status,
    code: tooLarge ? HttpErrorCode.HEADERS_TOO_LARGE : HttpErrorCode.BAD_REQUEST,
    message: tooLarge
      ? 'The request headers are larger than the server accepts (16 KiB in all).'
      : `The request cannot be parsed as HTTP (${err.code ?? err.message}).`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.on('data', () => {});
  socket.on('error', () => {});
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}
