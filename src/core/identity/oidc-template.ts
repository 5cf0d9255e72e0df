/**
 * Identity token claim templates (identity/oidc/role `template`): JSON text whose
 * `{{identity.…}}` expressions are replaced by JSON values of the token's entity. Values
 * the entity lacks render as "" (a claim is never made up). Pure.
 */
import type { TemplateIdentity } from '../policy/template.js';

const EXPR = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** Claims Ward sets itself; a template may not replace them. */
export const RESERVED_CLAIMS = ['iat', 'aud', 'exp', 'iss', 'sub', 'namespace', 'nonce', 'auth_time', 'at_hash', 'c_hash'];

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

function value(expr: string, id: TemplateIdentity): unknown {
  const p = expr.split('.');
  if (p[0] !== 'identity') return undefined;
  if (p[1] === 'entity') {
    if (p[2] === 'id' && p.length === 3) return id.entity.id;
    if (p[2] === 'name' && p.length === 3) return id.entity.name;
    if (p[2] === 'metadata') return p.length === 3 ? { ...id.entity.metadata } : own(id.entity.metadata, p.slice(3).join('.'));
    if (p[2] === 'groups' && p.length === 4) {
      if (p[3] === 'ids') return Object.keys(id.groups).sort();
      if (p[3] === 'names') return Object.values(id.groups).map((g) => g.name).sort();
    }
    if (p[2] === 'aliases' && p[3] !== undefined) {
      const a = own(id.entity.aliases, p[3]);
      if (!a) return undefined;
      if (p[4] === 'name' && p.length === 5) return a.name;
      if (p[4] === 'metadata') return p.length === 5 ? { ...a.metadata } : own(a.metadata, p.slice(5).join('.'));
    }
  }
  return undefined;
}

/** Throws with Vault's texts when the template is not a JSON object or sets a reserved claim. */
export function checkTemplate(template: string): void {
  if (template.trim() === '') return;
  const claims = parse(template.replace(EXPR, 'null'));
  for (const k of Object.keys(claims)) if (RESERVED_CLAIMS.includes(k)) throw new Error(`top level key "${k}" not allowed. Restricted keys: ${RESERVED_CLAIMS.join(', ')}`);
}

/** The claims `template` yields for `id`. */
export function renderClaims(template: string, id: TemplateIdentity): Record<string, unknown> {
  if (template.trim() === '') return {};
  return parse(template.replace(EXPR, (_m, expr: string) => JSON.stringify(value(expr, id) ?? '')));
}

function parse(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('error parsing template JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('error parsing template JSON: not an object');
  return v as Record<string, unknown>;
}
