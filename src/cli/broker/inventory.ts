/**
 * The orchestrator's device inventory: `{"devices":[{"id","trusted",posture{…}}]}`, read from
 * a file or an HTTP(S) GET and validated before any decision is taken on it.
 */
import { readFile } from 'node:fs/promises';
import { fetchFailure } from './delivery.js';

/** Posture facts the orchestrator reports; unknown fields are kept but not judged. */
export type Posture = {
  disk_encrypted?: boolean;
  /** A date (`2024-06-01`), a dotted version (`14.5.1`) or a number. */
  patch_level?: string | number;
  [other: string]: unknown;
};

/** One device as the inventory lists it. */
export type Device = { id: string; trusted: boolean; posture: Posture };

/** The inventory is unusable: bad JSON, wrong shape, unsafe or duplicate ids, fetch failure. */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';
}

/**
 * Device ids become file names (`<dir>/<id>.token`) and URL segments, so they are limited to
 * letters, digits, `.`, `_` and `-`, must start with a letter or digit, and stay short.
 */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates inventory text. Any malformed entry rejects the whole inventory. */
export function parseInventory(text: string): Device[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InventoryError(`inventory is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || !Array.isArray(doc['devices'])) throw new InventoryError('inventory must be an object with a "devices" array');
  const seen = new Set<string>();
  return doc['devices'].map((d: unknown, i: number): Device => {
    const where = `devices[${i}]`;
    if (!isObject(d)) throw new InventoryError(`${where} is not an object`);
    const id = d['id'];
    if (typeof id !== 'string' || !DEVICE_ID.test(id)) throw new InventoryError(`${where}.id must match ${DEVICE_ID.source}`);
    if (seen.has(id)) throw new InventoryError(`${where}.id "${id}" appears twice`);
    seen.add(id);
    const posture = d['posture'] ?? {};
    if (!isObject(posture)) throw new InventoryError(`${where}.posture must be an object`);
    // Only a literal `true` vouches for a device; "yes", 1 or a missing flag do not.
    return { id, trusted: d['trusted'] === true, posture: posture as Posture }; // shape checked above; fields are judged in trust.ts
  });
}

/** Where the inventory lives: `http://` / `https://` URLs are fetched, anything else is a file path. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Reads the inventory from a file or with an HTTP GET (2xx required). */
export async function loadInventory(source: string, fetchFn: typeof fetch = fetch): Promise<Device[]> {
  let text: string;
  if (isUrl(source)) {
    let res: Response;
    try {
      res = await fetchFn(source, { headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new InventoryError(`cannot fetch inventory from ${source}: ${fetchFailure(e)}`);
    }
    text = await res.text();
    if (!res.ok) throw new InventoryError(`inventory endpoint ${source} answered HTTP ${res.status}`);
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (e) {
      throw new InventoryError(`cannot read inventory file ${source}: ${(e as Error).message}`);
    }
  }
  return parseInventory(text);
}
