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
}
