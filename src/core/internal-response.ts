import type { LogicalResponse } from '../sdk/logical.js';

/**
 * Fields only core-internal backends (sys, token) may set on a response: a pre-built
 * wrap_info (rewrap), a verbatim body (unwrap), or lease details to render at the top
 * level (lease renewal).
 */
export interface InternalResponse extends LogicalResponse {
  wrapInfo?: Record<string, unknown>;
  verbatimBody?: string;
  lease?: { leaseId: string; ttl: number; renewable: boolean };
  /** A body streamed with status 200 instead of the envelope (a storage snapshot). */
  stream?: StreamBody;
}

export interface StreamBody {
  contentType: string;
  body: AsyncIterable<Buffer>;
}
