import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeAzureTenant } from '../../../test/fakes/azure/index.js';
import { verifyToken, VerifyError } from './oidc-verify.js';

const RESOURCE = 'https://management.azure.com/';
const rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A token naming a key id the tenant never published. */
const bogusKid = (issuer: string): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer, aud: RESOURCE, exp: now + 600 }).setProtectedHeader({ alg: 'RS256', kid: randomBytes(9).toString('base64url') }).sign(rogue.privateKey);
};

test('verifyToken: a flood of unknown kids costs at most one key fetch per interval, and no discovery fetch per login', async () => {
  const tenant = await startFakeAzureTenant();
  try {
    const nowS = Math.floor(Date.now() / 1000);
    const opts = { issuer: tenant.issuer, audience: RESOURCE, nowS, timeoutMs: 5000 };
    const good = await tenant.issue({ resource: RESOURCE, subscriptionId: 's', resourceGroup: 'rg', vmName: 'vm' });
    assert.equal((await verifyToken(good, opts)).aud, RESOURCE);
    assert.equal((await verifyToken(good, opts)).aud, RESOURCE);
    const fetches = (): { disc: number; keys: number } => ({
      disc: tenant.requests.filter((p) => p.endsWith('/.well-known/openid-configuration')).length,
      keys: tenant.requests.filter((p) => p === '/common/discovery/keys').length,
    });
    assert.deepEqual(fetches(), { disc: 1, keys: 1 }, 'two logins: one discovery, one key fetch');
    for (let i = 0; i < 20; i++) {
      await assert.rejects(verifyToken(await bogusKid(tenant.issuer), opts), (e: Error) => e instanceof VerifyError && /failed to verify signature/.test(e.message));
    }
    assert.deepEqual(fetches(), { disc: 1, keys: 2 }, 'the first unknown kid refetched (it might have been a rotation); that found nothing, so the rest did not');
    // Concurrent unknown kids share that answer too.
    await Promise.all(Array.from({ length: 10 }, async () => assert.rejects(verifyToken(await bogusKid(tenant.issuer), opts), VerifyError)));
    assert.deepEqual(fetches(), { disc: 1, keys: 2 });
    // An interval later, an unknown kid may be a rotation again: one more fetch.
    const later = { ...opts, nowS: nowS + 11 };
    await Promise.all(Array.from({ length: 5 }, async () => assert.rejects(verifyToken(await bogusKid(tenant.issuer), later), VerifyError)));
    assert.deepEqual(fetches(), { disc: 1, keys: 3 }, 'concurrent unknown kids share one refetch');
    assert.equal((await verifyToken(good, later)).aud, RESOURCE, 'the real key still verifies');
  } finally {
    await tenant.close();
  }
});

test('verifyToken: a key document without a keys list is a verification error, not a crash', async () => {
  const server = createServer((req, res) => {
    const body = req.url === '/t/.well-known/openid-configuration' ? { issuer: `${base}/t`, jwks_uri: `${base}/keys` } : {};
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const jwt = await bogusKid(`${base}/t`);
    await assert.rejects(verifyToken(jwt, { issuer: `${base}/t`, audience: RESOURCE, nowS: Math.floor(Date.now() / 1000), timeoutMs: 5000 }), (e: Error) => e instanceof VerifyError && /failed to verify signature/.test(e.message));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
