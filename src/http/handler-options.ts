/**
 * A listener's HTTP handler settings: the body, duration and JSON limits and the
 * unauthenticated-metrics switch, read from its configuration.
 */
import type { Logger } from '../sdk/logical.js';
import type { JsonLimits } from './input.js';
import type { ListenerConfig } from './listener.js';

export interface HandlerOptions {
  /** Body limit in bytes; default 32 MiB; 0 = default; negative = unlimited (as Vault). */
  maxRequestSize?: number;
  /** `max_request_duration` in ms; default 90 s; 0 = default. */
  maxRequestDurationMs?: number;
  /** The listener's `max_json_*` limits; Vault's defaults for any not given. */
  jsonLimits?: Partial<JsonLimits>;
  logger: Logger;
  /**
   * The cluster listener's handler: requests come from a standby, which put the client's
   * address in the forwarded-for headers. Such requests are never forwarded again.
   */
  forwardedFromStandby?: boolean;
  /** `telemetry { unauthenticated_metrics_access = true }`: GET sys/metrics is answered here without a token. */
  unauthenticatedMetrics?: boolean;
}

/** The handler options a listener's configuration asks for. */
export function handlerOptionsFor(l: ListenerConfig, logger: Logger): HandlerOptions {
  const o: HandlerOptions = { logger };
  if (l.maxRequestSize !== undefined) o.maxRequestSize = l.maxRequestSize;
  if (l.maxRequestDurationMs !== undefined) o.maxRequestDurationMs = l.maxRequestDurationMs;
  const json: Partial<JsonLimits> = {};
  if (l.maxJsonDepth) json.maxDepth = l.maxJsonDepth;
  if (l.maxJsonStringValueLength) json.maxStringLength = l.maxJsonStringValueLength;
  if (l.maxJsonObjectEntryCount) json.maxObjectEntries = l.maxJsonObjectEntryCount;
  if (l.maxJsonArrayElementCount) json.maxArrayElements = l.maxJsonArrayElementCount;
  o.jsonLimits = json;
  if (l.unauthenticatedMetricsAccess) o.unauthenticatedMetrics = true;
  return o;
}
