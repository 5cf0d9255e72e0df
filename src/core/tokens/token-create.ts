/**
 * Token creation: the generic `create` (auth/token/create*, response wrapping, root) and
 * login issuance. Permission checks against the caller happen in path-create.ts; this
 * module applies the type rules, the TTL math and persists the entry and its indices.
 */
import { randomBase62 } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import type { AuthSpec } from '../../sdk/logical.js';
import { calculateTtl, minPositive } from '../expiration/ttl.js';
import { sanitizePolicies } from './policies.js';
import type { StoreCore } from './store-core.js';
import type { CreateTokenParams, TokenEntry } from './types.js';

export interface Created {
  entry: TokenEntry;
  warnings: string[];
}

export interface LoginContext {
  /** The identity entity of the login's alias ("" when none). */
  entityId?: string;
  path: string;
  mountPoint: string;
  mountAccessor: string;
  defaultTtl: number;
  maxTtl: number;
}

function checkBatchRules(p: CreateTokenParams): void {
  if (p.id) throw badRequest('batch tokens cannot have a custom ID');
  if ((p.numUses ?? 0) > 0) throw badRequest('batch tokens cannot have a limited number of uses');
  if ((p.period ?? 0) > 0) throw badRequest('batch tokens cannot be periodic');
  if ((p.explicitMaxTtl ?? 0) > 0) throw badRequest('batch tokens cannot have an explicit max TTL');
}

export async function createToken(core: StoreCore, p: CreateTokenParams): Promise<Created> {
  const { deps } = core;
  const type = p.type ?? 'service';
  if (type === 'batch') checkBatchRules(p);
  if ((p.numUses ?? 0) < 0) throw badRequest('number of uses cannot be negative');
  const now = deps.clock.now();
  const policies = sanitizePolicies(p.policies ?? [], !p.noDefaultPolicy);
  const parent = p.parentId ? await core.lookup(p.parentId, { allowPendingRevocation: true }) : null;
  if (p.parentId && !parent) throw badRequest('parent token lookup failed');
  if (parent?.type === 'batch' && type === 'service') throw badRequest('batch tokens cannot create non-orphan tokens');

  const mountDefault = p.mountDefaultTtl ?? deps.defaultTtl();
  const mountMax = p.mountMaxTtl ?? deps.maxTtl();
  const period = p.period ?? 0;
  const explicitMaxTtl = p.explicitMaxTtl ?? 0;
  let ttl: number;
  let warnings: string[] = [];
  if (policies.includes('root') && !p.ttl && period === 0 && explicitMaxTtl === 0) {
    // A root token without a TTL never expires; only a non-expiring parent may mint one.
    if (parent && parent.ttl > 0) throw badRequest('expiring root tokens cannot create non-expiring root tokens');
    ttl = 0;
  } else {
    ({ ttl, warnings } = calculateTtl({
      now,
      start: now,
      increment: p.ttl ?? 0,
      backendTtl: p.defaultTtl ?? 0,
      defaultTtl: mountDefault,
      period,
      backendMaxTtl: p.maxTtl ?? 0,
      explicitMaxTtl,
      maxTtl: mountMax,
    }));
  }
  if (type === 'batch' && parent && parent.expireTime > 0) {
    // A batch token cannot outlive its parent: nothing would revoke it.
    ttl = Math.min(ttl || Number.MAX_SAFE_INTEGER, Math.max(1, Math.floor((parent.expireTime - now) / 1000)));
  }

  const entry: TokenEntry = {
    id: '',
    accessor: type === 'service' ? randomBase62(24) : '',
    parent: parent ? parent.id : '',
    policies,
    path: p.path ?? 'auth/token/create',
    meta: { ...(p.meta ?? {}) },
    displayName: p.displayName ?? 'token',
    numUses: p.numUses ?? 0,
    creationTime: now,
    ttl,
    creationTtl: ttl,
    explicitMaxTtl,
    period,
    type,
    role: p.role ?? '',
    boundCidrs: [...(p.boundCidrs ?? [])],
    entityId: p.entityId ?? '',
    renewable: type === 'service' && ttl > 0 && (p.renewable ?? true),
    expireTime: ttl > 0 ? now + ttl * 1000 : 0,
    lastRenewalTime: 0,
    mountAccessor: p.mountAccessor ?? core.mountAccessor(),
    internalData: { ...(p.internalData ?? {}) },
    maxTtl: minPositive(p.maxTtl ?? 0, mountMax),
    defaultTtl: (p.defaultTtl ?? 0) > 0 ? (p.defaultTtl as number) : mountDefault,
  };

  if (type === 'batch') {
    const { id: _unused, ...rest } = entry;
    void _unused;
    return { entry: { ...rest, id: core.batch.encode(rest) }, warnings };
  }

  entry.id = p.id ?? `hvs.${randomBase62(24)}`;
  const key = core.repo.keyOf(entry.id);
  if (p.id && (await core.repo.get(key))) throw badRequest('cannot create a token with a duplicate ID');
  // Issued together, these writes land in one group commit: one fsync instead of one per
  // record, and a crash cannot leave a token without its accessor, parent link or lease.
  await Promise.all([
    core.repo.put(key, entry),
    core.repo.setAccessor(entry.accessor, key),
    parent ? core.repo.addChild(core.repo.keyOf(parent.id), key) : undefined,
    entry.expireTime > 0 ? deps.expiration.registerToken(key, entry.expireTime, entry.path, { isNew: true }) : undefined,
  ]);
  return { entry, warnings };
}

/** `<mount path without auth/ and trailing slash, '/'→'-'>[-<name>]`. */
export function loginDisplayName(mountPoint: string, name: string): string {
  const mount = mountPoint.replace(/^auth\//, '').replace(/\/+$/, '').replace(/\//g, '-');
  return name ? `${mount}-${name}` : mount;
}

export function issueLoginToken(core: StoreCore, auth: AuthSpec, ctx: LoginContext): Promise<Created> {
  const batch = auth.tokenType === 'batch' || auth.tokenType === 'default-batch';
  return createToken(core, {
    policies: auth.policies,
    noDefaultPolicy: auth.noDefaultPolicy,
    meta: auth.metadata,
    parentId: '',
    displayName: loginDisplayName(ctx.mountPoint, auth.displayName),
    ttl: auth.ttl,
    explicitMaxTtl: batch ? 0 : auth.explicitMaxTtl,
    period: batch ? 0 : auth.period,
    numUses: batch ? 0 : auth.numUses,
    type: batch ? 'batch' : 'service',
    renewable: auth.renewable,
    path: ctx.path,
    boundCidrs: auth.boundCidrs,
    internalData: auth.internalData,
    mountAccessor: ctx.mountAccessor,
    maxTtl: auth.maxTtl,
    mountDefaultTtl: ctx.defaultTtl,
    mountMaxTtl: ctx.maxTtl,
    entityId: ctx.entityId ?? '',
  });
}
