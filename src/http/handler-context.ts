/**
 * What every request served by one handler shares: the core, the listener's limits, the
 * deadline timer and whether requests arrive forwarded from a standby.
 */
import type { CoreApi } from '../core/api-types.js';
import type { Logger } from '../sdk/logical.js';
import type { JsonGuard } from './input.js';
import type { RequestDeadlines } from './deadline.js';
import type { HttpInFlight } from '../core/inflight/http-requests.js';

export interface Context {
  core: CoreApi;
  limit: number;
  json: JsonGuard;
  logger: Logger;
  deadlines: RequestDeadlines;
  forwarded: boolean;
  /** Whether sys/events/subscribe is served (as websockets) by this handler. */
  events: boolean;
  unauthenticatedMetrics: boolean;
  /** The core's sys/in-flight-req tracker, when it keeps one. */
  inFlight: HttpInFlight | null;
}
