import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InmemStorage, putJSON } from '../../sdk/storage.js';
import { rejectsWard, wardErrorOfSync } from '../../../test/helpers/errors.js';
import { checkNewName, noteNewIssuer, parseUsage, readIssuersConfig, resolveIssuer, resolveKey, usageOf, writeIssuersConfig } from './registry.js';
import { issuerPath, keyPath, type Issuer, type StoredKey } from './store.js';

const issuer = (id: string, name: string, keyId = 'k'): Issuer => ({ id, name, keyId, certificate: '', parents: [], serial: '01', notAfter: 0 });
const key = (id: string, name: string): StoredKey => ({ id, name, type: 'ec', bits: 256, privateKeyPem: '' });

async function seeded() {
  const s = new InmemStorage();
  await putJSON(s, issuerPath('i1'), issuer('i1', 'root'));
  await putJSON(s, keyPath('k1'), key('k1', 'main'));
  return s;
}

describe('pki registry', () => {
  it('checkNewName: Vault\'s rules and texts for issuer and key names', async () => {
    const s = await seeded();
    type Case = [kind: 'issuer' | 'key', name: string, selfId: string, outcome: { ok: string } | { error: string }];
    const cases: Case[] = [
      ['issuer', '  fresh  ', '', { ok: 'fresh' }],
      ['issuer', '', '', { ok: '' }],
      ['issuer', 'DEFAULT', '', { error: "reserved keyword 'default' can not be used as issuer name" }],
      ['key', 'default', '', { error: "reserved keyword 'default' can not be used as key name" }],
      ['issuer', 'bad name', '', { error: 'issuer name contained invalid characters' }],
      ['issuer', '-lead', '', { error: 'issuer name contained invalid characters' }],
      ['issuer', 'root', '', { error: 'issuer name already in use' }],
      ['issuer', 'root', 'i1', { ok: 'root' }],
      ['key', 'main', '', { error: 'key name already in use' }],
      ['key', 'root', '', { ok: 'root' }],
      ['issuer', 'a.b-c_d', '', { ok: 'a.b-c_d' }],
    ];
    for (const [kind, name, selfId, outcome] of cases) {
      if ('ok' in outcome) assert.equal(await checkNewName(s, kind, name, selfId), outcome.ok, `${kind} ${name}`);
      else await rejectsWard(checkNewName(s, kind, name, selfId), 400, outcome.error);
    }
  });

  it('parseUsage and usageOf: read-only always present, sorted as Vault prints them', () => {
    assert.deepEqual(parseUsage(['issuing-certificates']), ['issuing-certificates', 'read-only']);
    assert.deepEqual(parseUsage([]), ['read-only']);
    const e = wardErrorOfSync(() => parseUsage(['read-only', 'nope']));
    assert.equal(e.messages[0], 'Unable to parse specified usages: [read-only nope] - valid values are crl-signing,issuing-certificates,ocsp-signing,read-only');
    assert.deepEqual(usageOf(issuer('x', '')), ['crl-signing', 'issuing-certificates', 'ocsp-signing', 'read-only']);
    assert.deepEqual(usageOf({ ...issuer('x', ''), usage: ['crl-signing'] }), ['crl-signing', 'read-only']);
  });

  it('resolveIssuer and resolveKey: default, id, name, else Vault\'s 400', async () => {
    const s = await seeded();
    await rejectsWard(resolveIssuer(s, 'default'), 400, 'no default issuer currently configured');
    await writeIssuersConfig(s, { default: 'i1', default_follows_latest_issuer: false });
    assert.equal((await resolveIssuer(s, 'Default')).id, 'i1');
    assert.equal((await resolveIssuer(s, 'root')).id, 'i1');
    await rejectsWard(resolveIssuer(s, 'nope'), 400, 'unable to find PKI issuer for reference: nope');
    assert.equal((await resolveKey(s, 'main')).id, 'k1');
    assert.equal((await resolveKey(s, 'k1')).name, 'main');
    await rejectsWard(resolveKey(s, 'default'), 400, 'no default key currently configured');
    await rejectsWard(resolveKey(s, 'nope'), 400, 'unable to find PKI key for reference: nope');
  });

  it('noteNewIssuer: the first issuer becomes the default; later ones only when following the latest with a key', async () => {
    const s = new InmemStorage();
    await noteNewIssuer(s, issuer('keyless', '', ''));
    assert.equal((await readIssuersConfig(s)).default, '', 'a keyless issuer cannot sign, so it is not made the default');
    await putJSON(s, issuerPath('a'), issuer('a', ''));
    await noteNewIssuer(s, issuer('a', ''));
    assert.equal((await readIssuersConfig(s)).default, 'a');
    await noteNewIssuer(s, issuer('b', ''));
    assert.equal((await readIssuersConfig(s)).default, 'a');
    await writeIssuersConfig(s, { default: 'a', default_follows_latest_issuer: true });
    await noteNewIssuer(s, issuer('c', '', ''));
    assert.equal((await readIssuersConfig(s)).default, 'a', 'a keyless issuer never takes over');
    await noteNewIssuer(s, issuer('d', ''));
    assert.equal((await readIssuersConfig(s)).default, 'd');
  });
});
