/**
 * Kubernetes' own name rules, checked before any API call so a name the API server would
 * refuse (its 422 "Invalid") is the client's 400 naming the field, not an upstream 502
 * after half the objects were created and rolled back.
 */
import { badRequest } from '../../sdk/errors.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces are DNS-1123 labels. */
export function isNamespaceName(s: string): boolean {
  return s.length <= 63 && LABEL.test(s);
}

/** ServiceAccounts (and the objects Ward names after them) are DNS-1123 subdomains. */
export function isObjectName(s: string): boolean {
  return s.length <= 253 && SUBDOMAIN.test(s);
}

/** RBAC roles only need to be a path segment (so `system:aggregate-to-view` is valid). */
export function isRoleName(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s !== '.' && s !== '..' && !/[/%]/.test(s);
}

export function checkNamespace(field: string, s: string): void {
  if (!isNamespaceName(s)) throw badRequest(`${field} ${JSON.stringify(s)} is not a valid Kubernetes namespace name (lower-case letters, digits and '-', at most 63 characters)`);
}

export function checkObjectName(field: string, s: string): void {
  if (!isObjectName(s)) throw badRequest(`${field} ${JSON.stringify(s)} is not a valid Kubernetes name (lower-case letters, digits, '-' and '.', at most 253 characters)`);
}

export function checkRoleName(field: string, s: string): void {
  if (!isRoleName(s)) throw badRequest(`${field} ${JSON.stringify(s)} is not a valid Kubernetes name (at most 253 characters, no '/' or '%')`);
}
