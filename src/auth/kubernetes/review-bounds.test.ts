/**
 * A TokenReview answer naming a service account in text no encoder can write (an
 * unpaired surrogate, which JSON's "\ud800" escape makes) is refused like any other
 * unreadable review, instead of reaching encodeURIComponent (the namespace lookup) and
 * the token's stored metadata.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { validateReview } from './token-review.js';

const review = (username: string, uid = 'uid-1') =>
  `{"kind":"TokenReview","status":{"authenticated":true,"user":{"username":${JSON.stringify(username)},"uid":${JSON.stringify(uid)}}}}`;

it('a reviewed account whose names are not valid Unicode is denied', () => {
  assert.deepEqual(validateReview(201, review('system:serviceaccount:prod:app'), []), { namespace: 'prod', name: 'app', uid: 'uid-1' });
  for (const body of [review('system:serviceaccount:pr\ud800od:app'), review('system:serviceaccount:prod:a\udc00'), review('system:serviceaccount:prod:app', 'u\ud800')]) {
    assert.throws(
      () => validateReview(201, body, []),
      (e: unknown) => WardError.is(e) && e.status === 403 && /did not name a complete service account/.test(e.messages.join(' ')),
    );
  }
});
