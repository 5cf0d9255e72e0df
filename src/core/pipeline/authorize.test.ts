import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { admit, authenticate } from './authenticate.js';
import { authorize, type AclDecision, type AclLike } from './authorize.js';
import type { TokenEntry } from '../tokens/types.js';

const ACL_DENIED = '1 error occurred:\n\t* permission denied\n\n';
const INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';

/** An ACL whose every verdict is `d`. */
const aclOf = (d: Partial<AclDecision>): AclLike => ({
  allowOperation: () => ({ allowed: false, sudo: false, root: false, capabilities: [], grantingPolicies: [], ...d }),
  capabilities: () => [],
});

const entry = (boundCidrs: string[] = []): TokenEntry => ({
  id: 'hvs.x', accessor: 'acc', parent: '', policies: ['p'], path: 'auth/token/create', meta: {}, displayName: 'token',
  numUses: 0, creationTime: 0, ttl: 3600, creationTtl: 3600, explicitMaxTtl: 0, period: 0, type: 'service', role: '',
  boundCidrs, entityId: '', renewable: true, expireTime: 0, lastRenewalTime: 0, mountAccessor: 'tok', internalData: {}, maxTtl: 0,
});

describe('authorize: the ACL verdict and its 403 text', () => {
  const q = { path: 'secret/data/x', operation: 'read' as const, data: null, wrapTtl: 0 };
  const cases: Array<[string, Partial<AclDecision>, boolean, boolean]> = [
    // name, decision, rootPath, allowed
    ['granted', { allowed: true }, false, true],
    ['not granted', { allowed: false }, false, false],
    ['root path, granted without sudo', { allowed: true }, true, false],
    ['root path, granted with sudo', { allowed: true, sudo: true }, true, true],
    ['root path, root token', { allowed: true, root: true }, true, true],
  ];
  for (const [name, d, rootPath, allowed] of cases) {
    it(name, async () => {
      const run = () => authorize(aclOf(d), { ...q, rootPath });
      if (allowed) assert.equal(run().allowed, true);
      else await rejectsWard(run, 403, ACL_DENIED);
    });
  }
});

describe('authenticate: token refusals keep Vault’s texts', () => {
  it('no token: the bare sentinel', async () => {
    await rejectsWard(authenticate({ lookupToken: async () => entry() }, '', '127.0.0.1'), 403, 'permission denied');
  });
  it('an unknown token: the two-item form', async () => {
    await rejectsWard(authenticate({ lookupToken: async () => null }, 'hvs.gone', '127.0.0.1'), 403, INVALID_TOKEN);
  });
  it('outside its bound CIDRs: the bare sentinel; inside: admitted', async () => {
    await rejectsWard(() => admit(entry(['10.0.0.0/8']), '127.0.0.1'), 403, 'permission denied');
    assert.equal(admit(entry(['127.0.0.0/8']), '127.0.0.1').id, 'hvs.x');
  });
});
