import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeIamRequest, parseHeaders, regionFromAuthorization, serverIdProblem, type LoginFields } from './iam-request.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const AUTHZ = 'AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-vault-aws-iam-server-id, Signature=abc';
const good: LoginFields = {
  iam_http_request_method: 'POST',
  iam_request_url: b64('https://sts.amazonaws.com/'),
  iam_request_body: b64('Action=GetCallerIdentity&Version=2011-06-15'),
  iam_request_headers: b64(JSON.stringify({ Authorization: [AUTHZ], 'X-Vault-AWS-IAM-Server-ID': ['ward.example'] })),
};

test('decodeIamRequest accepts what the vault CLI sends', () => {
  const r = decodeIamRequest(good);
  assert.equal(r.url.href, 'https://sts.amazonaws.com/');
  assert.equal(r.body, 'Action=GetCallerIdentity&Version=2011-06-15');
  assert.deepEqual(r.headers['X-Vault-AWS-IAM-Server-ID'], ['ward.example']);
});

test("decodeIamRequest refuses bad fields with Vault's text", () => {
  const cases: [Partial<LoginFields>, string][] = [
    [{ iam_http_request_method: '' }, 'missing iam_http_request_method'],
    [{ iam_http_request_method: 'GET' }, "invalid iam_http_request_method; currently only 'POST' is supported"],
    [{ iam_request_url: '' }, 'missing iam_request_url'],
    [{ iam_request_url: '%%%' }, 'failed to base64 decode iam_request_url'],
    [{ iam_request_url: b64('not a url') }, 'error parsing iam_request_url'],
    [{ iam_request_url: b64('https://sts.amazonaws.com/?Action=GetCallerIdentity') }, 'error validating iam_request_url: query parameters are not allowed in a POST request'],
    [{ iam_request_body: '' }, 'missing iam_request_body'],
    [{ iam_request_body: b64('Action=AssumeRole&Version=2011-06-15') }, 'iam request body is invalid'],
    [{ iam_request_body: b64('Action=GetCallerIdentity&RoleArn=x') }, 'iam request body is invalid'],
    [{ iam_request_body: b64('Action=GetCallerIdentity&Action=GetCallerIdentity') }, 'iam request body is invalid'],
    [{ iam_request_headers: '' }, 'missing iam_request_headers'],
    [{ iam_request_headers: '!!' }, 'failed to base64 decode iam_request_headers'],
    [{ iam_request_headers: b64('[1]') }, 'iam_request_headers must be a map of header names to values'],
    [{ iam_request_headers: { A: 1 } }, 'iam_request_headers: header "A" must be a string or a list of strings'],
  ];
  for (const [patch, text] of cases) assert.throws(() => decodeIamRequest({ ...good, ...patch }), { message: text }, text);
});

test('parseHeaders takes JSON text, base64 JSON and objects', () => {
  assert.deepEqual(parseHeaders('{"A":"1"}'), { A: ['1'] });
  assert.deepEqual(parseHeaders(b64('{"A":["1","2"]}')), { A: ['1', '2'] });
  assert.deepEqual(parseHeaders({ A: '1' }), { A: ['1'] });
});

test('serverIdProblem: present, equal and signed', () => {
  const h = (extra: Record<string, string[]>) => ({ Authorization: [AUTHZ], ...extra });
  const cases: [Record<string, string[]>, string | null][] = [
    [h({ 'x-vault-aws-iam-server-id': ['ward.example'] }), null],
    [h({}), 'missing header "X-Vault-AWS-IAM-Server-ID"'],
    [h({ 'X-Vault-AWS-IAM-Server-ID': ['other'] }), 'expected "ward.example" but got "other"'],
    [{ 'X-Vault-AWS-IAM-Server-ID': ['ward.example'] }, 'missing Authorization header'],
    [{ 'X-Vault-AWS-IAM-Server-ID': ['ward.example'], Authorization: [AUTHZ.replace(';x-vault-aws-iam-server-id', '')] }, "vault header wasn't signed"],
  ];
  for (const [headers, want] of cases) assert.equal(serverIdProblem(headers, 'ward.example'), want);
  assert.equal(regionFromAuthorization({ authorization: [AUTHZ] }), 'eu-west-1');
  assert.equal(regionFromAuthorization({}), null);
});
