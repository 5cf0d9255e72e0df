import { aclDenied } from '../../sdk/errors.js';
import type { Operation } from '../../sdk/logical.js';

export interface AclDecision {
  allowed: boolean;
  sudo: boolean;
  root: boolean;
  capabilities: string[];
  grantingPolicies: string[];
}

export interface AclLike {
  allowOperation(q: { path: string; operation: Operation; data?: Record<string, unknown> | null; wrapTtl?: number }): AclDecision;
  capabilities(path: string): string[];
  hasMountAccess?(prefix: string): boolean;
}

/**
 * The ACL check: deny by default, `sudo` additionally required on root-protected paths.
 * Returns the granting policies for the audit log. A refusal is Vault's one-item
 * multierror ("1 error occurred: * permission denied"), as its CheckToken words it.
 */
export function authorize(
  acl: AclLike,
  q: { path: string; operation: Operation; data: Record<string, unknown> | null; wrapTtl: number; rootPath: boolean },
): AclDecision {
  const d = acl.allowOperation(q);
  if (!d.allowed) throw aclDenied();
  if (q.rootPath && !d.sudo && !d.root) throw aclDenied();
  return d;
}
