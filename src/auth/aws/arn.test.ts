import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalArn, parseIamArn, principalBound } from './arn.js';

test('parseIamArn reads users, roles and assumed-role sessions', () => {
  const cases: [string, string, string][] = [
    ['arn:aws:iam::123456789012:user/Alice', 'arn:aws:iam::123456789012:user/Alice', 'Alice'],
    ['arn:aws:iam::123456789012:user/dev/ops/Bob', 'arn:aws:iam::123456789012:user/Bob', 'Bob'],
    ['arn:aws:iam::123456789012:role/app', 'arn:aws:iam::123456789012:role/app', 'app'],
    ['arn:aws:sts::123456789012:assumed-role/app/i-0abc', 'arn:aws:iam::123456789012:role/app', 'app'],
    ['arn:aws-cn:sts::123456789012:assumed-role/app/sess/x', 'arn:aws-cn:iam::123456789012:role/app', 'app'],
  ];
  for (const [arn, canonical, name] of cases) {
    const e = parseIamArn(arn);
    assert.deepEqual([canonicalArn(e), e.friendlyName], [canonical, name], arn);
  }
});

test('parseIamArn refuses what Vault refuses, with its text', () => {
  const cases: [string, RegExp][] = [
    ['arn:aws:iam::1:user', /contains fewer than 2 slash-separated parts/],
    ['nope:aws:iam::1:user/x', /does not begin with "arn:"/],
    ['arn:aws:ec2::1:user/x', /unrecognized service: ec2, not one of iam or sts/],
    ['arn:aws:iam::1:group/x', /unrecognized principal type: "group"/],
    ['arn:aws:iam::1', /contains 5 colon-separated parts, expected 6/],
  ];
  for (const [arn, err] of cases) assert.throws(() => parseIamArn(arn), err, arn);
});

test('principalBound matches exact and globbed ARNs against the canonical and returned ARN', () => {
  const session = 'arn:aws:sts::123456789012:assumed-role/app/i-0abc';
  const e = parseIamArn(session);
  const cases: [string[], boolean][] = [
    [['arn:aws:iam::123456789012:role/app'], true],
    [['arn:aws:iam::123456789012:role/other'], false],
    [['arn:aws:iam::123456789012:*'], true],
    [['arn:aws:iam::123456789012:role/ap*'], true],
    [['arn:aws:iam::999999999999:*'], false],
    [['arn:aws:sts::123456789012:assumed-role/app/*'], true],
    [[], false],
  ];
  for (const [bound, want] of cases) assert.equal(principalBound(bound, session, e), want, JSON.stringify(bound));
  const user = 'arn:aws:iam::123456789012:user/dev/Bob';
  assert.equal(principalBound(['arn:aws:iam::123456789012:user/dev/*'], user, parseIamArn(user)), true);
});
