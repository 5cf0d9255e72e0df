import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateReview } from './token-review.js';
import { isWardError } from '../../../test/helpers/errors.js';

const ok = (over: Record<string, unknown> = {}, user: Record<string, unknown> = {}) =>
  JSON.stringify({
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    status: { authenticated: true, audiences: ['vault'], user: { username: 'system:serviceaccount:prod:app', uid: 'u1', ...user }, ...over },
  });

/** 403 with Vault's literal first message and `re` in the detail. */
const deniedWith = (re: RegExp) => (e: unknown) => isWardError(403, 'permission denied')(e) && isWardError(403, re)(e);

describe('TokenReview response validation', () => {
  it('accepts 200-206 with an authenticated service-account user', () => {
    assert.deepEqual(validateReview(201, ok(), ['vault']), { namespace: 'prod', name: 'app', uid: 'u1' });
    assert.deepEqual(validateReview(200, ok({ audiences: [] }), []), { namespace: 'prod', name: 'app', uid: 'u1' });
  });

  it('maps 401 to the deleted-service-account text', () => {
    assert.throws(() => validateReview(401, '{"kind":"Status","status":"Failure","message":"Unauthorized","code":401}', []),
      deniedWith(/service account unauthorized; it may have been deleted/));
  });

  it('surfaces Status failures, other statuses and unreadable bodies', () => {
    assert.throws(() => validateReview(403, JSON.stringify({ kind: 'Status', status: 'Failure', message: 'tokenreviews is forbidden', code: 403 }), []), deniedWith(/tokenreviews is forbidden/));
    assert.throws(() => validateReview(500, 'oops', []), deniedWith(/status 500/));
    assert.throws(() => validateReview(207, ok(), []), deniedWith(/status 207/));
    assert.throws(() => validateReview(201, 'not json', []), deniedWith(/unreadable/));
  });

  it('rejects status.error, unauthenticated, audience mismatch and non-SA users', () => {
    assert.throws(() => validateReview(201, ok({ authenticated: false, error: '[invalid bearer token, service account token has expired]' }), []), deniedWith(/has expired/));
    assert.throws(() => validateReview(201, ok({ authenticated: false }), []), deniedWith(/jwt not valid/));
    assert.throws(() => validateReview(201, ok({ audiences: ['other'] }), ['vault']), deniedWith(/audiences do not match/));
    assert.throws(() => validateReview(201, ok({}, { username: 'system:serviceaccount:prod' }), []), deniedWith(/not a service account/));
    assert.throws(() => validateReview(201, ok({}, { username: 'system:node:prod:app' }), []), deniedWith(/not a service account/));
    assert.throws(() => validateReview(201, ok({}, { username: 'system:serviceaccount:prod:app:x' }), []), deniedWith(/not a service account/));
    assert.throws(() => validateReview(201, ok({}, { uid: '' }), []), deniedWith(/complete service account/));
  });
});
