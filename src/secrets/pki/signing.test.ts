import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { lifetimeFor, rfc3339Nano } from './signing.js';
import type { Issuer } from './store.js';

const NOW = Date.UTC(2026, 0, 1);
const ca = (behavior?: Issuer['leafNotAfterBehavior']): Issuer => ({
  id: 'i',
  name: '',
  keyId: 'k',
  certificate: '',
  parents: [],
  serial: '01',
  notAfter: NOW + 3600_000,
  ...(behavior ? { leafNotAfterBehavior: behavior } : {}),
});

describe('pki signing lifetimes', () => {
  it('rfc3339Nano prints as Go does', () => {
    const cases: [number, string][] = [
      [Date.UTC(2026, 0, 1, 10, 0, 0), '2026-01-01T10:00:00Z'],
      [Date.UTC(2026, 0, 1, 10, 0, 0, 500), '2026-01-01T10:00:00.5Z'],
      [Date.UTC(2026, 0, 1, 10, 0, 0, 120), '2026-01-01T10:00:00.12Z'],
    ];
    for (const [ms, want] of cases) assert.equal(rfc3339Nano(ms), want);
  });

  it('leaf_not_after_behavior: truncate (Ward\'s default) caps, permit lets it outlive, err refuses', async () => {
    const input = { now: NOW, requestedTtl: 7200, defaultTtl: 60, maxTtl: 0 };
    for (const b of [undefined, 'truncate'] as const) {
      const r = lifetimeFor(ca(b), input);
      assert.equal(r.notAfter, NOW + 3600_000);
      assert.equal(r.warnings.length, 1);
    }
    assert.equal(lifetimeFor(ca('permit'), input).notAfter, NOW + 7200_000);
    await rejectsWard(
      () => lifetimeFor(ca('err'), input),
      400,
      'cannot satisfy request, as TTL would result in notAfter of 2026-01-01T02:00:00Z that is beyond the expiration of the CA certificate at 2026-01-01T01:00:00Z',
    );
    assert.equal(lifetimeFor(ca('err'), { ...input, requestedTtl: 1800 }).notAfter, NOW + 1800_000, 'within the CA lifetime every behaviour agrees');
  });
});
