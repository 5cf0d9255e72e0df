/**
 * Templated ACL paths (Vault's identity templating): `{{identity.entity.id}}`, `.name`,
 * `.metadata.<key>`, `{{identity.entity.aliases.<mount accessor>.name}}` and
 * `.metadata.<key>`, `{{identity.groups.ids.<id>.name}}`, `{{identity.groups.names.<name>.id}}`.
 * A path whose every template resolves is rewritten; one that does not resolve is left
 * as written and the rule tables ignore it, so that rule grants nothing while the rest of
 * the policy still applies. Pure: the identity is handed in.
 */
import type { PathRule, Policy } from './parse.js';

export interface TemplateIdentity {
  entity: {
    id: string;
    name: string;
    metadata: Record<string, string>;
    /** By mount accessor. */
    aliases: Record<string, { name: string; metadata: Record<string, string> }>;
  };
  /** The entity's groups (direct and inherited), by id. */
  groups: Record<string, { name: string }>;
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

export const isTemplated = (path: string): boolean => path.includes('{{');

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

/** The value one template expression names, or undefined when the identity lacks it. */
function lookup(expr: string, id: TemplateIdentity): string | undefined {
  const parts = expr.split('.');
  if (parts[0] !== 'identity') return undefined;
  const [, scope, a, b, ...rest] = parts;
  if (scope === 'entity') {
    if (a === 'id' && parts.length === 3) return id.entity.id;
    if (a === 'name' && parts.length === 3) return id.entity.name;
    if (a === 'metadata' && parts.length >= 4) return own(id.entity.metadata, parts.slice(3).join('.'));
    if (a === 'aliases' && b !== undefined) {
      const alias = own(id.entity.aliases, b);
      if (!alias) return undefined;
      if (rest.length === 1 && rest[0] === 'name') return alias.name;
      if (rest[0] === 'metadata' && rest.length >= 2) return own(alias.metadata, rest.slice(1).join('.'));
    }
    return undefined;
  }
  if (scope === 'groups' && b !== undefined && rest.length === 1) {
    if (a === 'ids' && rest[0] === 'name') return own(id.groups, b)?.name;
    if (a === 'names' && rest[0] === 'id') return Object.entries(id.groups).find(([, g]) => g.name === b)?.[0];
  }
  return undefined;
}

/**
 * The path with its templates filled in, or null when any template cannot be resolved.
 * A value that is empty or carries a glob character (`*`, `+`) does not resolve: an
 * identity value must never widen the pattern it is placed into.
 */
export function resolveTemplatedPath(path: string, id: TemplateIdentity | null): string | null {
  if (!isTemplated(path)) return path;
  if (!id) return null;
  let failed = false;
  const out = path.replace(TEMPLATE, (_m, expr: string) => {
    const v = lookup(expr, id);
    if (v === undefined || v === '' || v.includes('*') || v.includes('+') || v.includes('{{')) {
      failed = true;
      return '';
    }
    return v;
  });
  return failed || isTemplated(out) ? null : out;
}

/** The policy with templated rules resolved for `id`; unresolvable ones are kept as written (and so ignored). */
export function resolvePolicy(p: Policy, id: TemplateIdentity | null): Policy {
  if (!p.rules.some((r) => isTemplated(r.path))) return p;
  const rules: PathRule[] = p.rules.map((r) => {
    if (!isTemplated(r.path)) return r;
    const path = resolveTemplatedPath(r.path, id);
    return path === null ? r : { ...r, path };
  });
  return { ...p, rules };
}
