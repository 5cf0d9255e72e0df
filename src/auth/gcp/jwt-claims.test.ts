import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkClaims, projectOf } from './jwt-claims.js';

const NOW = 1_700_000_000;
const SA = 'app@my-project.iam.gserviceaccount.com';

test('checkClaims accepts a service-account JWT for the role', () => {
  assert.deepEqual(checkClaims({ sub: SA, aud: 'vault/app', exp: NOW + 600 }, 'app', NOW), { subject: SA, email: SA, uniqueId: '', exp: NOW + 600 });
  const idToken = checkClaims({ sub: '1234567890', email: SA, aud: 'https://vault.example/vault/app', exp: NOW + 600 }, 'app', NOW);
  assert.deepEqual([idToken.email, idToken.uniqueId], [SA, '1234567890']);
  assert.ok(checkClaims({ sub: SA, aud: 'vault/app', exp: NOW - 30 }, 'app', NOW), 'a minute of skew is tolerated');
});

test("checkClaims refuses with Vault's texts", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ sub: SA, aud: 'vault/app' }, "JWT is expired or does not have proper 'exp' claim"],
    [{ sub: SA, aud: 'vault/app', exp: NOW - 120 }, "JWT is expired or does not have proper 'exp' claim"],
    [{ sub: SA, aud: 'vault/app', exp: NOW + 7200 }, 'JWT must expire in 60 minutes, expires in 2h0m0s'],
    [{ aud: 'vault/app', exp: NOW + 60 }, "expected JWT to have 'sub' claim with service account id or email"],
    [{ sub: SA, aud: 'vault/other', exp: NOW + 60 }, `at least one of the JWT claim 'aud' must end in "vault/app"`],
    [{ sub: SA, aud: ['vault/app', 'x'], exp: NOW + 60 }, `at least one of the JWT claim 'aud' must end in "vault/app"`],
  ];
  for (const [claims, text] of cases) assert.throws(() => checkClaims(claims, 'app', NOW), { message: text }, text);
});

test('projectOf reads the project of user-managed service accounts only', () => {
  assert.equal(projectOf(SA), 'my-project');
  assert.equal(projectOf('123-compute@developer.gserviceaccount.com'), '');
  assert.equal(projectOf('someone@example.com'), '');
});
