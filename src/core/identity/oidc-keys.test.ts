import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jwksCacheControl, type NamedKey } from './oidc-keys.js';

test('jwksCacheControl: until the soonest rotation, none without keys or once one is due', () => {
  const key = (nextRotation: number) => ({ nextRotation }) as NamedKey;
  const now = 1_000_000;
  const cases: [string, NamedKey[], string | undefined][] = [
    ['no keys', [], undefined],
    ['one key an hour out', [key(now + 3_600_000)], 'max-age=3600'],
    ['the soonest of two', [key(now + 86_400_000), key(now + 60_000)], 'max-age=60'],
    ['a rotation due', [key(now + 60_000), key(now)], undefined],
  ];
  for (const [name, keys, want] of cases) assert.equal(jwksCacheControl(keys, now), want, name);
});
