import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIssueResponse, pkiSecretData, renewAtMs } from './pki-data.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (d: Record<string, string>, k: string) => (d[k] === undefined ? undefined : Buffer.from(d[k], 'base64').toString('utf8'));
const resp = { certificate: 'CERT', issuing_ca: 'ISSUER', ca_chain: ['INTER', 'ROOT'], private_key: 'KEY', private_key_type: 'ec', serial_number: '1a:2b', expiration: 1_900_000_000 };

test('an issue response must carry a serial number, an expiration and a certificate', () => {
  assert.deepEqual(parseIssueResponse(resp), { serialNumber: '1a:2b', expiration: 1_900_000_000, certificate: 'CERT', privateKey: 'KEY', issuingCa: 'ISSUER', caChain: ['INTER', 'ROOT'] });
  for (const [bad, msg] of [[{ ...resp, serial_number: '' }, 'serial_number'], [{ ...resp, expiration: 'soon' }, 'expiration'], [{ ...resp, certificate: undefined }, 'certificate']] as const) {
    assert.throws(() => parseIssueResponse(bad), { message: `Ward's issue response has no valid ${msg}` });
  }
});

test('kubernetes.io/tls: tls.crt is the certificate then the CA chain (else the issuing CA), tls.key the private key; ca_chain is PEM lines', () => {
  const transformed = { certificate: b64('CERT'), ca_chain: b64('["INTER","ROOT"]'), private_key: b64('KEY'), _raw: b64('{}') };
  const d = pkiSecretData(parseIssueResponse(resp), transformed, { type: 'kubernetes.io/tls', templated: false });
  assert.equal(text(d, 'tls.crt'), 'CERT\nINTER\nROOT');
  assert.equal(text(d, 'tls.key'), 'KEY');
  assert.equal(text(d, 'ca_chain'), 'INTER\nROOT');
  assert.equal(text(d, 'certificate'), 'CERT');
  const noChain = pkiSecretData(parseIssueResponse({ ...resp, ca_chain: [] }), {}, { type: 'kubernetes.io/tls', templated: false });
  assert.equal(text(noChain, 'tls.crt'), 'CERT\nISSUER');
  assert.equal(noChain['ca_chain'], undefined, 'a filtered-out ca_chain stays out');
});

test('other types, or templates present: no tls.* keys (the templates decide)', () => {
  assert.equal(pkiSecretData(parseIssueResponse(resp), {}, { type: 'Opaque', templated: false })['tls.crt'], undefined);
  const t = pkiSecretData(parseIssueResponse(resp), { bundle: b64('x') }, { type: 'kubernetes.io/tls', templated: true });
  assert.deepEqual(Object.keys(t), ['bundle']);
});

test('renewal is due at expiration minus expiryOffset; an offset as long as the lifetime falls back to half of it', () => {
  const cases: Array<[expiration: number, offsetMs: number, issuedAt: number, want: number]> = [
    [1_000, 0, 900, 1_000_000],
    [1_000, 30_000, 900, 970_000],
    [1_000, 30_000, 0, 970_000], // no lastRotation recorded
    [1_000, 100_000, 900, 950_000], // offset == lifetime: would renew at issue time, forever
    [1_000, 500_000, 900, 950_000],
  ];
  for (const [exp, off, at, want] of cases) assert.equal(renewAtMs(exp, off, at), want, JSON.stringify([exp, off, at]));
});
