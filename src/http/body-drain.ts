/**
 * What happens to the rest of an oversized body after its 413: read and dropped for a
 * while so the client sees the answer, then the connection closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** After a 413 the rest of the body is discarded for at most this long, then the socket is closed. */
const DRAIN_MS = 2000;

/** Drops the unread rest of an oversized body without buffering it, then closes the socket. */
export function discardThenClose(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_MS);
  timer.unref();
  res.on('finish', () => {
    if (req.complete) {
      clearTimeout(timer);
      req.socket.destroySoon();
    }
  });
  req.on('end', () => {
    clearTimeout(timer);
    if (res.writableFinished) req.socket.destroySoon();
  });
}
