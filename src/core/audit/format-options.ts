/**
 * How one audit device formats its records: the options it was enabled with, the record
 * kinds, and the seam that picks the audited request headers.
 */

export interface FormatOptions {
  /** Log every value in the clear (option `log_raw`). */
  logRaw: boolean;
  /** Hash token accessors too (option `hmac_accessor`, default true). */
  hmacAccessor: boolean;
  /** On list responses, replace `keys`/`key_info` with their counts (`elide_list_responses`). */
  elideListResponses: boolean;
  /** `format`: records as JSON (the default) or as JSONx, Vault's XML rendering of the same record. */
  format?: 'json' | 'jsonx';
}

export const defaultFormatOptions: FormatOptions = { logRaw: false, hmacAccessor: true, elideListResponses: false, format: 'json' };

export type RecordType = 'request' | 'response';

/** The audited subset of a request's wire headers, values of hmac headers through `hash`. */
export interface HeaderSelector {
  select(wire: readonly string[], hash: (value: string) => string): Record<string, string[]> | undefined;
}
