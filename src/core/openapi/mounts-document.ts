/**
 * The server's OpenAPI document: every given mount's path table written under its
 * mount path, as Vault's sys/internal/specs/openapi merges its backends' documents.
 * With `genericMountPaths` a mount's path becomes the parameter `{<mount>_mount_path}`
 * (default: the mount), except the singleton mounts (sys, identity, cubbyhole,
 * auth/token), so client generators get one operation per backend type.
 */
import { pathTableOf } from '../../sdk/framework/backend.js';
import { documentPaths, newOasDocument, newOasTarget, type OasDocument, type OasTarget } from '../../sdk/framework/openapi.js';
import type { Backend } from '../../sdk/logical.js';

export interface DocumentedMount {
  /** Routed prefix with its trailing slash: `secret/`, `auth/approle/`, `sys/`. */
  prefix: string;
  /** The mount's type: the first word of its operation ids (`kv`, `approle`, `system`). */
  type: string;
  backend: Backend;
  /** The mount's `listing_visibility`: "unauth" puts it in the document for every caller, token or not. */
  listingVisibility?: string;
}

export interface DocumentOptions {
  version: string;
  genericMountPaths: boolean;
  /** Appended to every operation id as `_<context>` when not empty. */
  context: string;
}

const SINGLETONS = new Set(['sys/', 'identity/', 'cubbyhole/', 'auth/token/']);

/** Vault tags the built-in singletons by what they are; everything else by its kind. */
const TAGS: Record<string, string> = { 'sys/': 'system', 'identity/': 'identity', 'auth/token/': 'auth', 'cubbyhole/': 'secrets' };

/** `{x_mount_path}` for a mount path; anything not a word character becomes `_` (`team/kv` → `team_kv`). */
export function mountParameterName(prefix: string): string {
  return `${mountName(prefix).replace(/\W+/g, '_')}_mount_path`;
}

const mountName = (prefix: string): string => prefix.replace(/^auth\//, '').replace(/\/$/, '');

function placement(m: DocumentedMount, generic: boolean): Pick<OasTarget, 'pathPrefix' | 'extraParameters'> {
  if (!generic || SINGLETONS.has(m.prefix)) return { pathPrefix: m.prefix, extraParameters: [] };
  const name = mountParameterName(m.prefix);
  return {
    pathPrefix: `${m.prefix.startsWith('auth/') ? 'auth/' : ''}{${name}}/`,
    extraParameters: [{ name, description: 'Path that the backend was mounted at', in: 'path', schema: { type: 'string', default: mountName(m.prefix) }, required: true }],
  };
}

/** The document of `mounts`, paths sorted; mounts without a path table are left out. */
export function mountsDocument(mounts: readonly DocumentedMount[], o: DocumentOptions): OasDocument {
  const doc = newOasDocument(o.version);
  const base = newOasTarget(doc);
  for (const m of [...mounts].sort((a, b) => (a.prefix < b.prefix ? -1 : 1))) {
    const table = pathTableOf(m.backend);
    if (!table) continue;
    const tag = TAGS[m.prefix];
    documentPaths(
      table,
      { type: m.type, kind: m.backend.kind, specialPaths: m.backend.specialPaths, ...(tag ? { tag } : {}) },
      { ...base, ...placement(m, o.genericMountPaths), context: o.context },
    );
  }
  const sorted: OasDocument['paths'] = {};
  for (const k of Object.keys(doc.paths).sort()) sorted[k] = doc.paths[k]!;
  doc.paths = sorted;
  return doc;
}
