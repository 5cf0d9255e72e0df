import yaml from 'js-yaml';
import { InvalidArgument } from './errors.js';

export type Encoding = 'utf-8' | 'hex' | 'base64';

/**
 * How an object becomes files. `file` (vault-csi-provider's only form): one file, the key's
 * value or the whole response JSON. Ward's additions, opt-in so existing classes keep their
 * meaning: `keys` writes every key of the secret as `<objectName>/<key>`; `secrets` lists
 * `secretPath` (a folder) and writes every secret under it as `<objectName>/<secret>/<key>`.
 */
export type Expand = 'file' | 'keys' | 'secrets';

/** One entry of the SecretProviderClass `objects` parameter. */
export type CsiObject = {
  objectName: string;
  /** API path without `/v1/` and without the query. */
  secretPath: string;
  /** Query parameters from a `?a=b` suffix of secretPath. */
  query: Record<string, string>;
  secretKey: string;
  method: 'GET' | 'PUT' | 'POST';
  secretArgs: Record<string, unknown> | undefined;
  encoding: Encoding;
  /** File mode; undefined means the request's permission. */
  filePermission: number | undefined;
  expand: Expand;
};

const ENCODINGS: Record<string, Encoding> = { '': 'utf-8', 'utf-8': 'utf-8', utf8: 'utf-8', hex: 'hex', base64: 'base64' };
const METHODS = new Set(['GET', 'PUT', 'POST']);
const EXPANDS = new Set(['file', 'keys', 'secrets']);

/**
 * A path the driver will write under the volume: relative, no `.`/`..`/empty segment (the
 * driver refuses `..` and absolute paths; empty segments would alias other objects).
 */
export function checkRelativePath(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.startsWith('/')) return 'is an absolute path';
  if (p.includes('\0') || p.includes('\\')) return 'contains a NUL or backslash';
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." path element';
  return undefined;
}

/**
 * A file mode as Go's YAML decoder reads vault-csi-provider's `filePermission`: `0600` and
 * `0o600` are octal, `384` decimal. The raw text comes from a failsafe (all-strings) load
 * because js-yaml's core schema reads `0600` as decimal 600.
 */
export function parseFileMode(raw: string): number | undefined {
  const t = raw.trim();
  let n: number;
  if (/^0o[0-7]+$/i.test(t)) n = parseInt(t.slice(2), 8);
  else if (/^0[0-7]+$/.test(t)) n = parseInt(t, 8);
  else if (/^(0|[1-9][0-9]*)$/.test(t)) n = parseInt(t, 10);
  else return undefined;
  return n <= 0o777 ? n : undefined;
}

function loadList(text: string, schema: yaml.Schema): unknown[] {
  let v: unknown;
  try {
    v = yaml.load(text, { schema });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new InvalidArgument(`failed to parse parameter "objects" as YAML: ${first}`);
  }
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidArgument('parameter "objects" must be a YAML list of objects');
  return v;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new InvalidArgument(`${where}: field "${key}" must be a string`);
}

function splitPath(secretPath: string): { path: string; query: Record<string, string> } {
  const q = secretPath.indexOf('?');
  const raw = q < 0 ? secretPath : secretPath.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(secretPath.slice(q + 1))) query[k] = v;
  return { path: raw.replace(/^\/+/, '').replace(/^v1\//, ''), query };
}

/** Parses and validates the `objects` parameter: every error names the object and the field. */
export function parseObjects(text: string): CsiObject[] {
  const typed = loadList(text, yaml.DEFAULT_SCHEMA);
  const raw = loadList(text, yaml.FAILSAFE_SCHEMA);
  const out: CsiObject[] = [];
  const seen = new Set<string>();
  typed.forEach((entry, i) => {
    if (!isMap(entry)) throw new InvalidArgument(`parameter "objects": entry ${i} is not a mapping`);
    const name = str(entry, 'objectName', `objects[${i}]`);
    if (name === '') throw new InvalidArgument(`parameter "objects": entry ${i} has no objectName`);
    const where = `object "${name}"`;
    const bad = checkRelativePath(name);
    if (bad) throw new InvalidArgument(`${where}: objectName ${bad}`);
    if (seen.has(name)) throw new InvalidArgument(`${where}: duplicate objectName`);
    seen.add(name);
    const secretPath = str(entry, 'secretPath', where);
    if (secretPath.trim() === '') throw new InvalidArgument(`${where}: missing secretPath`);
    const { path, query } = splitPath(secretPath.trim());
    // The URL would be normalised outside /v1/ (or onto another path than the one named).
    if (path.split('/').some((seg) => seg === '.' || seg === '..')) throw new InvalidArgument(`${where}: secretPath has a "." or ".." element`);
    const encodingRaw = str(entry, 'encoding', where);
    const encoding = ENCODINGS[encodingRaw.toLowerCase()];
    if (!encoding) throw new InvalidArgument(`${where}: unknown encoding "${encodingRaw}" (want utf-8, hex or base64)`);
    const method = (str(entry, 'method', where) || 'GET').toUpperCase();
    if (!METHODS.has(method)) throw new InvalidArgument(`${where}: unsupported method "${method}" (want GET, PUT or POST)`);
    const args = entry['secretArgs'];
    if (args !== undefined && args !== null && !isMap(args)) throw new InvalidArgument(`${where}: secretArgs must be a mapping`);
    const expand = str(entry, 'expand', where) || 'file';
    if (!EXPANDS.has(expand)) throw new InvalidArgument(`${where}: unknown expand "${expand}" (want file, keys or secrets)`);
    const secretKey = str(entry, 'secretKey', where);
    if (expand !== 'file' && secretKey !== '') throw new InvalidArgument(`${where}: secretKey cannot be combined with expand "${expand}"`);
    if (expand === 'secrets' && method !== 'GET') throw new InvalidArgument(`${where}: expand "secrets" lists a folder and needs method GET`);
    const rawEntry = raw[i];
    const permText = isMap(rawEntry) && typeof rawEntry['filePermission'] === 'string' ? rawEntry['filePermission'] : undefined;
    let filePermission: number | undefined;
    if (permText !== undefined && permText !== '') {
      filePermission = parseFileMode(permText);
      if (filePermission === undefined) throw new InvalidArgument(`${where}: bad filePermission "${permText}" (want an octal mode such as 0600, at most 0777)`);
    } else if (isMap(rawEntry) && rawEntry['filePermission'] !== undefined && rawEntry['filePermission'] !== null && rawEntry['filePermission'] !== '') {
      throw new InvalidArgument(`${where}: bad filePermission (want an octal mode such as 0600)`);
    }
    out.push({ objectName: name, secretPath: path, query, secretKey, method: method as CsiObject['method'], secretArgs: isMap(args) ? args : undefined, encoding, filePermission, expand: expand as Expand });
  });
  for (const o of out) {
    // "a" and "a/b" cannot both exist: one is a file, the other needs it as a directory.
    const clash = out.find((p) => p !== o && o.objectName.startsWith(`${p.objectName}/`));
    if (clash && clash.expand === 'file') throw new InvalidArgument(`object "${o.objectName}": objectName is inside the file of object "${clash.objectName}"`);
  }
  return out;
}
