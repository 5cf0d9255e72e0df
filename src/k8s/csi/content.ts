import { InvalidArgument } from './errors.js';
import { checkRelativePath, type CsiObject, type Encoding } from './objects.js';
import type { CsiFile } from './proto.js';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The secret's key/value map: KV v2's `data.data` when present (as vault-csi-provider), else `data`. */
export function pickData(body: Json | null): Json {
  const data = body?.['data'];
  if (!isMap(data)) return {};
  return isMap(data['data']) ? data['data'] : data;
}

function decode(o: CsiObject, key: string, value: string, encoding: Encoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from(value, 'utf8');
  const where = `object "${o.objectName}": value of "${key}"`;
  if (encoding === 'hex') {
    if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw new InvalidArgument(`${where} is not valid hex`);
    return Buffer.from(value, 'hex');
  }
  const clean = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new InvalidArgument(`${where} is not valid base64`);
  return Buffer.from(clean, 'base64');
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The response as the file holds it when no key is picked: everything but `request_id`, which
 * differs on every read and would make the version (and the driver's rewrite) change on every
 * rotation poll although the secret did not.
 */
function wholeResponse(body: Json | null): Json | null {
  if (!body) return body;
  const { request_id: _perRequest, ...rest } = body;
  return rest;
}

/** The files one object becomes, given the API response it was read from. */
export function objectFiles(o: CsiObject, body: Json | null, defaultMode: number, prefix = o.objectName): CsiFile[] {
  const mode = o.filePermission ?? defaultMode;
  if (o.expand !== 'file') {
    const data = pickData(body);
    return Object.keys(data)
      .sort()
      .map((key) => {
        const bad = checkRelativePath(key) ?? (key.includes('/') ? 'contains "/"' : undefined);
        if (bad) throw new InvalidArgument(`object "${o.objectName}": key "${key}" at ${o.secretPath} cannot be a file name (it ${bad})`);
        return { path: `${prefix}/${key}`, mode, contents: decode(o, key, asText(data[key]), o.encoding) };
      });
  }
  if (o.secretKey === '') return [{ path: prefix, mode, contents: Buffer.from(JSON.stringify(wholeResponse(body)), 'utf8') }];
  const data = pickData(body);
  if (!(o.secretKey in data)) throw new InvalidArgument(`object "${o.objectName}": key "${o.secretKey}" does not exist at ${o.secretPath}`);
  return [{ path: prefix, mode, contents: decode(o, o.secretKey, asText(data[o.secretKey]), o.encoding) }];
}
