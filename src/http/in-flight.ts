/**
 * The handler's side of sys/in-flight-req: a request is listed when it arrives and
 * removed once its response is done.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpInFlight, InFlightHttpRequest } from '../core/inflight/http-requests.js';
import { forwardedConnection } from './client-connection.js';

/**
 * Removes a request from sys/in-flight-req once answered. A streamed answer (a monitor,
 * a snapshot) is still being written: it stays listed until its response closes, as a
 * Vault handler stays in flight while it streams.
 */
export function untrackWhenAnswered(tracker: HttpInFlight, tracked: InFlightHttpRequest, res: ServerResponse): void {
  if (res.writableEnded || res.destroyed) tracker.end(tracked);
  else res.once('close', () => tracker.end(tracked));
}

/** Registers `req` with sys/in-flight-req's tracker (the client a standby forwarded for, on the cluster port). */
export function trackIn(tracker: HttpInFlight, forwarded: boolean, req: IncomingMessage): InFlightHttpRequest {
  const c = forwarded ? forwardedConnection(req) : { remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort ?? 0 };
  return tracker.begin(req.method ?? '', req.url ?? '', c.remoteAddress, c.remotePort);
}
