import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amzDate, canonicalRequest, normaliseHeaders, parseAmzDate, parseAuthorization, signRequest, signature } from './aws-sigv4.js';

// AWS's published SigV4 example (IAM ListUsers, GET, us-east-1, 20150830T123600Z).
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

test('canonical request and signature match the AWS documentation example', () => {
  const url = new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08');
  const headers = normaliseHeaders({ 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', Host: 'iam.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' });
  const canonical = canonicalRequest('GET', url, headers, ['content-type', 'host', 'x-amz-date'], '');
  assert.equal(
    canonical,
    'GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.equal(signature(EXAMPLE_SECRET, '20150830', 'us-east-1', 'iam', '20150830T123600Z', canonical), '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
});

test('signRequest adds date, token and an Authorization header that parses back', () => {
  const now = Date.UTC(2015, 7, 30, 12, 36, 0);
  const h = signRequest({
    method: 'POST', url: new URL('https://sts.amazonaws.com/'), headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15', region: 'us-east-1', service: 'sts',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: EXAMPLE_SECRET, sessionToken: 'tok' }, now,
  });
  assert.equal(h['X-Amz-Date'], '20150830T123600Z');
  assert.equal(h['X-Amz-Security-Token'], 'tok');
  const p = parseAuthorization(h['Authorization'] ?? '');
  assert.deepEqual(p && [p.accessKeyId, p.date, p.region, p.service, p.signedHeaders], ['AKIDEXAMPLE', '20150830', 'us-east-1', 'sts', ['content-type', 'host', 'x-amz-date', 'x-amz-security-token']]);
  assert.equal(parseAuthorization('Bearer x'), null);
  assert.equal(parseAmzDate(amzDate(now)), now);
  assert.ok(Number.isNaN(parseAmzDate('2015-08-30')));
});
