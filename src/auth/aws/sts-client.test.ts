import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCallerIdentity } from './sts-client.js';

test('parseCallerIdentity reads Arn, Account and UserId, and refuses anything else', () => {
  const xml = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/app/i-1</Arn><UserId>AROAAPP:i-1</UserId><Account>123456789012</Account>
  </GetCallerIdentityResult></GetCallerIdentityResponse>`;
  assert.deepEqual(parseCallerIdentity(xml), { arn: 'arn:aws:sts::123456789012:assumed-role/app/i-1', userId: 'AROAAPP:i-1', account: '123456789012' });
  assert.throws(() => parseCallerIdentity('<ErrorResponse/>'), { message: 'error parsing STS response' });
  assert.throws(() => parseCallerIdentity('<GetCallerIdentityResult><Arn>x</Arn></GetCallerIdentityResult>'), { message: 'error parsing STS response' });
});
