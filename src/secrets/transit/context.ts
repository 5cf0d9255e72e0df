/**
 * State and helpers shared by the transit path groups of one mount.
 */
import { badRequest } from '../../sdk/errors.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import type { Keyring } from './keyring.js';
import type { Policy } from './policy.js';

export interface TransitContext {
  keyring: Keyring;
}

export const ENCRYPTION_KEY_NOT_FOUND = 'encryption key not found';
export const SIGNING_KEY_NOT_FOUND = 'signing key not found';

/** The named key, ready for use (auto-rotated if due), or a 400 with `notFound`. */
export async function requireKey(ctx: TransitContext, req: LogicalRequest, name: string, notFound = ENCRYPTION_KEY_NOT_FOUND): Promise<Policy> {
  const p = await ctx.keyring.forUse(req.storage, name);
  if (!p) throw badRequest(notFound);
  return p;
}

/** The request's path as the ACL sees it (mount prefix included). */
export function aclPath(req: LogicalRequest): string {
  const mount = req.mountPoint.endsWith('/') || req.mountPoint === '' ? req.mountPoint : `${req.mountPoint}/`;
  return mount + req.path;
}

export const DERIVATION_CONTEXT_REQUIRED =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";
