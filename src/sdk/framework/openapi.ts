/**
 * OpenAPI 3 from a backend's path table, the way Vault's sdk/framework derives it: each
 * pattern expands to paths (openapi-pattern.ts), named groups become path parameters,
 * read/list→GET (list on the path with a trailing slash and `list=true`), create/update
 * →POST, delete→DELETE, patch→PATCH, the other fields a JSON request body. Operation
 * ids are Vault's fallback form `<type>-<verb>-<path words>`, made unique per document.
 */
import type { SpecialPaths } from '../logical.js';
import type { FieldSpec, Fields } from './fields.js';
import { expandPattern } from './openapi-pattern.js';
import type { OasDocument, OasOperation, OasParameter, OasPathItem, OasSchema } from './openapi-types.js';
import type { PathDef, PathOperation } from './path.js';

export { newOasDocument, OAS_METHODS, type OasDocument, type OasPathItem } from './openapi-types.js';

/** What the document needs to know about the backend a table belongs to. */
export interface BackendInfo {
  /** The mount's type: the first word of every operation id (Vault's requestResponsePrefix). */
  type: string;
  kind: 'secret' | 'auth';
  specialPaths: SpecialPaths;
  /** Tag of every operation; default `auth` for auth methods, `secrets` otherwise. */
  tag?: string;
}

/** Where paths go: the document, its used operation ids, and how paths are placed in it. */
export interface OasTarget {
  doc: OasDocument;
  /** Operation id → times used, shared by every backend written into `doc`. */
  ids: Map<string, number>;
  /** Prepended to each path of the table: the mount (`secret/`, `auth/{x_mount_path}/`). */
  pathPrefix: string;
  /** Added to each path item's parameters (the `{x_mount_path}` parameter). */
  extraParameters: OasParameter[];
  /** Appended to every operation id (`_<context>`), as Vault's `context` parameter. */
  context: string;
}

export function newOasTarget(doc: OasDocument): OasTarget {
  return { doc, ids: new Map(), pathPrefix: '', extraParameters: [], context: '' };
}

const DURATION_KINDS = new Set(['duration_second', 'signed_duration_second']);

/** Vault's convertType, for Ward's field kinds. */
function typeOf(kind: string): Pick<OasSchema, 'type' | 'format' | 'items'> {
  switch (kind) {
    case 'string':
      return { type: 'string' };
    case 'lowercase_string':
      return { type: 'string', format: 'lowercase' };
    case 'int':
      return { type: 'integer' };
    case 'bool':
      return { type: 'boolean' };
    case 'duration_second':
    case 'signed_duration_second':
      return { type: 'string', format: 'duration' };
    case 'string_slice':
    case 'comma_string_slice':
      return { type: 'array', items: { type: 'string' } };
    case 'comma_int_slice':
      return { type: 'array', items: { type: 'integer' } };
    case 'map':
      return { type: 'object', format: 'map' };
    case 'kv_pairs':
      return { type: 'object', format: 'kvpairs' };
    default:
      // `raw`: whatever JSON value; a schema without a type says exactly that.
      return {};
  }
}

/** A default worth stating: not the kind's zero value (Ward's fields always carry one). */
function statedDefault(spec: FieldSpec<unknown>): unknown {
  const d = spec.default;
  if (d === undefined || d === null || d === '' || d === 0 || d === false) return undefined;
  if (Array.isArray(d) && d.length === 0) return undefined;
  if (typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0) return undefined;
  // A duration is documented as a string (Vault's "duration" format); "3600" is 3600 seconds.
  return DURATION_KINDS.has(spec.kind) && typeof d === 'number' ? String(d) : d;
}

const clean = (s: string): string => s.trim().replace(/\s+/g, ' ');

/** The schema of one field, with its description, allowed values and default. */
export function fieldSchema(spec: FieldSpec<unknown>): OasSchema {
  const s: OasSchema = { ...typeOf(spec.kind) };
  if (clean(spec.description) !== '') s.description = clean(spec.description);
  if (spec.allowed) s.enum = [...spec.allowed];
  const d = statedDefault(spec);
  if (d !== undefined) s.default = d;
  if (spec.sensitive) s['x-vault-displayAttrs'] = { sensitive: true };
  return s;
}

/** Vault's specialPathMatch: exact, `prefix*`, and `+` for one whole segment. */
export function specialPathMatch(path: string, special: readonly string[] = []): boolean {
  const parts = path.split('/');
  for (const sp of special) {
    if (sp === path) return true;
    if (sp.endsWith('*') && path.startsWith(sp.slice(0, -1))) return true;
    if (!sp.includes('+')) continue;
    const want = sp.split('/');
    if (parts.length < want.length) continue;
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const w = want[i]!;
      if (w === '+') continue;
      if (w === '*' || (w.endsWith('*') && parts[i]!.startsWith(w.slice(0, -1)))) break;
      if (w !== parts[i]) ok = false;
      else if (i === want.length - 1 && parts.length !== want.length) ok = false;
    }
    if (ok) return true;
  }
  return false;
}

const VERB: Record<PathOperation, string> = { read: 'read', list: 'list', create: 'create', update: 'write', delete: 'delete', patch: 'patch' };

const titleCase = (id: string): string =>
  id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** `<type>-<verb>-<path words>`, lower-case, unique in the target; also the schema name's base. */
function operationId(t: OasTarget, type: string, op: PathOperation, path: string): { id: string; base: string } {
  const words = [type, VERB[op], ...path.split(/\W+/)].filter((w) => w !== '');
  let base = words.join('-').toLowerCase();
  const n = (t.ids.get(base) ?? 0) + 1;
  t.ids.set(base, n);
  if (n > 1) base = `${base}_${n}`;
  return { id: t.context === '' ? base : `${base}_${t.context}`, base };
}

const byName = (a: OasParameter, b: OasParameter): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function parameter(name: string, spec: FieldSpec<unknown> | undefined, where: 'path' | 'query'): OasParameter {
  const s = spec ? fieldSchema(spec) : { type: 'string' };
  const { description, ...schema } = s;
  return { name, ...(description ? { description } : {}), in: where, schema, ...(where === 'path' ? { required: true } : {}) };
}

const LIST_PARAM: OasParameter = { name: 'list', description: 'Must be set to `true`', in: 'query', schema: { type: 'string', enum: ['true'] }, required: true };
const LIST_SCHEMA: OasSchema = { type: 'object', properties: { keys: { type: 'array', items: { type: 'string' } } } };

function operation(t: OasTarget, def: PathDef<Fields>, info: BackendInfo, op: PathOperation, path: string, captures: Set<string>): OasOperation {
  const { id, base } = operationId(t, info.type, op, path);
  const o: OasOperation = { ...(def.synopsis ? { summary: clean(def.synopsis) } : {}), operationId: id, tags: [info.tag ?? (info.kind === 'auth' ? 'auth' : 'secrets')] } as OasOperation;
  const free = Object.keys(def.fields)
    .filter((n) => !captures.has(n))
    .sort();
  if (op === 'create' || op === 'update' || op === 'patch') {
    const properties: Record<string, OasSchema> = {};
    for (const n of free) properties[n] = fieldSchema(def.fields[n]!);
    const required = free.filter((n) => def.fields[n]!.required);
    if (free.length > 0) {
      const name = `${titleCase(base)}Request`;
      t.doc.components.schemas[name] = { type: 'object', properties, ...(def.takesArbitraryData ? { additionalProperties: true } : {}), ...(required.length ? { required } : {}) };
      o.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    } else if (def.takesArbitraryData) {
      o.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } };
    }
  } else {
    const params = free.filter((n) => def.fields[n]!.query).map((n) => parameter(n, def.fields[n], 'query'));
    if (op === 'list') params.push(LIST_PARAM);
    if (params.length > 0) o.parameters = params.sort(byName);
  }
  // Written last so the JSON reads as Vault's does: parameters, body, then responses.
  if (op === 'delete') o.responses = { '204': { description: 'empty body' } };
  else if (op === 'list') {
    o.responses = { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/StandardListResponse' } } } } };
    t.doc.components.schemas['StandardListResponse'] = LIST_SCHEMA;
  } else o.responses = { '200': { description: 'OK' } };
  return o;
}

function marks(item: OasPathItem, path: string, info: BackendInfo): void {
  if (specialPathMatch(path, info.specialPaths.root)) item['x-vault-sudo'] = true;
  if (specialPathMatch(path, info.specialPaths.unauthenticated)) item['x-vault-unauthenticated'] = true;
}

/** Writes the paths of one table row into the target. */
export function documentPath(def: PathDef<Fields>, info: BackendInfo, t: OasTarget): void {
  const ops = def.operations;
  const expanded = expandPattern(def.documentedPattern ?? def.pattern);
  const synopsis = def.synopsis ? clean(def.synopsis) : '';
  if (expanded === null) {
    // No OpenAPI form: listed so a reader sees the endpoint exists, without operations.
    const key = `/${t.pathPrefix}${def.pattern}`;
    t.doc.paths[key] ??= synopsis ? { description: synopsis } : {};
    return;
  }
  for (const path of expanded.paths) {
    const item: OasPathItem = synopsis ? { description: synopsis } : {};
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const params = [...inPath.map((n) => parameter(n, def.fields[n], 'path')).sort(byName), ...t.extraParameters];
    if (params.length > 0) item.parameters = params;
    marks(item, path, info);
    if (ops.create || def.existenceCheck) item['x-vault-createSupported'] = true;
    if (ops.read) item.get = operation(t, def, info, 'read', path, expanded.captures);
    const write: PathOperation | null = ops.update ? 'update' : ops.create ? 'create' : null;
    if (write) item.post = operation(t, def, info, write, path, expanded.captures);
    if (ops.delete) item.delete = operation(t, def, info, 'delete', path, expanded.captures);
    if (ops.patch) item.patch = operation(t, def, info, 'patch', path, expanded.captures);
    const hasOther = item.get || item.post || item.delete || item.patch;
    // Routing takes the first row whose pattern matches, so the first row to write a path keeps it.
    const key = `/${t.pathPrefix}${path}`;
    if ((hasOther || !ops.list) && t.doc.paths[key] === undefined) t.doc.paths[key] = item;
    if (ops.list) {
      const listPath = path.endsWith('/') ? path : `${path}/`;
      const listItem: OasPathItem = synopsis ? { description: synopsis } : {};
      if (params.length > 0) listItem.parameters = params;
      marks(listItem, listPath, info);
      listItem.get = operation(t, def, info, 'list', path, expanded.captures);
      const listKey = `/${t.pathPrefix}${listPath}`;
      if (t.doc.paths[listKey] === undefined) t.doc.paths[listKey] = listItem;
    }
  }
}

/** Writes every row of a backend's path table into the target. */
export function documentPaths(defs: readonly PathDef<Fields>[], info: BackendInfo, t: OasTarget): void {
  for (const def of defs) documentPath(def, info, t);
}
