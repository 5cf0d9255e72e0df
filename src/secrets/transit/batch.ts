/**
 * `batch_input` handling shared by encrypt, decrypt, rewrap, hmac, sign and verify.
 * Each item is parsed with the same field coercion as a top-level request; an item's
 * user error lands in its result (with its `reference` echoed) instead of failing the
 * batch, and the response is a 400 carrying every result when any item failed.
 */
import { LoopSlice } from '../../lib/loop-slice.js';
import { badRequest, WardError } from '../../sdk/errors.js';
import { FieldData } from '../../sdk/framework/field-data.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { LogicalResponse } from '../../sdk/logical.js';

/** The batch items, or null when the request is not a batch. */
export function batchItems(raw: unknown): Record<string, unknown>[] | null {
  if (raw === undefined || raw === null) return null;
  let list: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return null;
    try {
      list = JSON.parse(raw) as unknown;
    } catch {
      throw badRequest('failed to parse batch input: invalid JSON');
    }
  }
  if (!Array.isArray(list)) throw badRequest('failed to parse batch input: expected a list of objects');
  if (list.length === 0) throw badRequest('missing batch input to process');
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badRequest(`failed to parse batch input: item ${i} is not an object`);
    return item as Record<string, unknown>;
  });
}

/**
 * Vault's range for partial_failure_response_code is 1..599, but a code below 200 is
 * not a final HTTP status: the client sees an interim response and keeps waiting. So
 * only 200..599 replace the default; anything else keeps it, with Vault's warning.
 */
const MIN_FINAL_STATUS = 200;
const MAX_STATUS = 599;

/**
 * Runs `fn` per item and assembles `batch_results`. `partialCode`, when the client sent
 * one, replaces the 400 (or 500) used when some, but not all, items failed.
 */
export async function runBatch<F extends Fields>(
  items: Record<string, unknown>[],
  fields: F,
  fn: (d: FieldData<F>) => Promise<Record<string, unknown>>,
  partialCode?: number,
): Promise<LogicalResponse> {
  const results: Record<string, unknown>[] = [];
  let userErrors = 0;
  let internalErrors = 0;
  // RSA private-key operations take milliseconds each and run on the event loop; a
  // long batch of them lets other requests in between time slices.
  const slice = new LoopSlice();
  for (const item of items) {
    await slice.pause();
    const reference = typeof item.reference === 'string' ? item.reference : item.reference === undefined ? '' : String(item.reference);
    try {
      const out = await fn(new FieldData(fields, item));
      results.push({ ...out, reference });
    } catch (e) {
      const user = WardError.is(e) && e.status < 500;
      if (user) userErrors++;
      else internalErrors++;
      results.push({ error: user ? e.messages.join('; ') : 'internal error', reference });
    }
  }
  const response: LogicalResponse = { data: { batch_results: results } };
  const failed = userErrors + internalErrors;
  if (failed === 0) return response;
  let status = userErrors > 0 ? 400 : 500;
  if (failed < items.length && partialCode !== undefined) {
    if (Number.isInteger(partialCode) && partialCode >= MIN_FINAL_STATUS && partialCode <= MAX_STATUS) status = partialCode;
    else response.warnings = [`invalid HTTP response code override from partial_failure_response_code, reverting to ${status}`];
  }
  return { ...response, status };
}
