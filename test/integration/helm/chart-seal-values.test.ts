/**
 * server.seal: Shamir by default; "transit" (another Ward or Vault's transit engine) or
 * "static" (a 32-byte key in a Secret) auto-unseal the pods. The rendered config carries the
 * seal stanza with paths of the pod's mounts only (the transit token comes from a Secret as
 * VAULT_TOKEN, the static key from a mounted Secret file, neither in the ConfigMap), and Ward's
 * own config loader accepts it. chart-seal.test.ts runs the server with it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/server/config.js';
import { HelmRenderError, type K8sObject } from '../../helpers/helm.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { BOOTSTRAP_VALUES, MODES, find, modelErrors, render, schemaErrors, values } from './chart.js';
import { policyViolations, wardConfigOf } from './policy.js';

// any: the rendered objects are plain JSON read field by field
type Json = any;
const TRANSIT = ['server.seal.type=transit', 'server.seal.transit.address=https://unsealer.vault:8200', 'server.seal.transit.keyName=ward-unseal', 'server.seal.transit.tokenSecret.name=ward-unseal-token', 'server.seal.transit.caSecret=unsealer-ca'];
const STATIC = ['server.seal.type=static', 'server.seal.static.keySecret.name=ward-seal-key', 'server.seal.static.keyId=2026-12'];
const config = (docs: K8sObject[]): Json => docs.map(wardConfigOf).find((c) => c !== undefined);
const server = (docs: K8sObject[]): Json => (find(docs, 'StatefulSet', 'ward') as Json).spec.template.spec;
const fails = (message: RegExp) => (e: unknown) => e instanceof HelmRenderError && message.test(e.message);
const scratch = mkdtempSync(join(tmpdir(), 'ward-chart-seal-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the chart seal values', { skip: skipUnless(GO) }, () => {
  it('is Shamir by default: no seal stanza', () => {
    assert.equal((values(undefined)['server'] as Json).seal.type, 'shamir');
    assert.equal(config(render(undefined).docs)['seal'], undefined);
  });

  for (const mode of MODES) {
    it(`renders a transit and a static seal in mode ${mode}: valid and hardened`, () => {
      for (const seal of [TRANSIT, STATIC]) {
        const r = render(mode, { set: [...seal, 'tls.source=secret', 'tls.secretName=ward-tls'] });
        assert.deepEqual(schemaErrors(r.values), []);
        assert.deepEqual(modelErrors(r.docs), []);
        assert.deepEqual(policyViolations(r.docs), []);
      }
    });
  }

  it('transit: the stanza with the TLS of the transit server, the token from its Secret as VAULT_TOKEN', () => {
    const r = render(undefined, { set: [...TRANSIT, 'server.seal.transit.tlsServerName=unsealer'] });
    assert.deepEqual(config(r.docs).seal, { transit: {
      address: 'https://unsealer.vault:8200', key_name: 'ward-unseal', mount_path: 'transit/',
      tls_ca_cert: '/ward/seal-tls/ca.crt', tls_server_name: 'unsealer', tls_skip_verify: false,
    } });
    const c = server(r.docs).containers[0];
    assert.deepEqual(c.env.find((e: Json) => e.name === 'VAULT_TOKEN'), { name: 'VAULT_TOKEN', valueFrom: { secretKeyRef: { name: 'ward-unseal-token', key: 'token' } } });
    assert.deepEqual(c.volumeMounts.find((m: Json) => m.name === 'seal-tls'), { name: 'seal-tls', mountPath: '/ward/seal-tls', readOnly: true });
    assert.deepEqual(server(r.docs).volumes.find((v: Json) => v.name === 'seal-tls').secret, { secretName: 'unsealer-ca', defaultMode: 288, items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    // Without a CA Secret: the system CAs, never the chart's own CA (VAULT_CACERT) by accident.
    const sys = config(render(undefined, { set: TRANSIT.filter((s) => !s.includes('caSecret')) }).docs).seal.transit;
    assert.equal(sys.tls_ca_cert, undefined);
    assert.equal(sys.tls_skip_verify, false);
  });

  it('static: the key file from its Secret, mounted; no key in the ConfigMap', () => {
    const r = render(undefined, { set: STATIC });
    assert.deepEqual(config(r.docs).seal, { static: { current_key_id: '2026-12', current_key: 'file:///ward/seal/key' } });
    const c = server(r.docs).containers[0];
    assert.deepEqual(c.volumeMounts.find((m: Json) => m.name === 'seal'), { name: 'seal', mountPath: '/ward/seal', readOnly: true });
    assert.deepEqual(server(r.docs).volumes.find((v: Json) => v.name === 'seal').secret, { secretName: 'ward-seal-key', defaultMode: 288, items: [{ key: 'key', path: 'key' }] });
  });

  it("parses with Ward's config loader (transit and static)", () => {
    const dir = join(scratch, 'seal');
    mkdirSync(dir);
    writeFileSync(join(dir, 'key'), randomBytes(32).toString('hex'));
    const env = { VAULT_K8S_NAMESPACE: 'ward', VAULT_K8S_POD_NAME: 'ward-0', VAULT_TOKEN: 'hvs.test-only' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const text = (docs: K8sObject[]): string => JSON.stringify(config(docs)).replaceAll('/ward/seal/', `${dir}/`);
      const t = parseConfig(text(render(undefined, { set: TRANSIT }).docs), 'ward.json').seal;
      assert.deepEqual({ ...t, token: t.type === 'transit' ? t.token.length : 0 }, {
        type: 'transit', address: 'https://unsealer.vault:8200', keyName: 'ward-unseal', mountPath: 'transit', token: 'hvs.test-only'.length,
        tlsCaCert: '/ward/seal-tls/ca.crt', disableRenewal: false, tlsSkipVerify: false,
      });
      const s = parseConfig(text(render(undefined, { set: STATIC }).docs), 'ward.json').seal;
      assert.equal(s.type, 'static');
      assert.equal(s.type === 'static' ? s.currentKey.length : 0, 32);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('fails the render naming what an auto seal lacks', () => {
    assert.throws(() => render(undefined, { set: ['server.seal.type=transit', 'server.seal.transit.keyName=k', 'server.seal.transit.tokenSecret.name=t'] }), fails(/server\.seal\.transit\.address is required/));
    assert.throws(() => render(undefined, { set: ['server.seal.type=transit', 'server.seal.transit.address=https://u:8200', 'server.seal.transit.tokenSecret.name=t'] }), fails(/server\.seal\.transit\.keyName is required/));
    assert.throws(() => render(undefined, { set: ['server.seal.type=transit', 'server.seal.transit.address=https://u:8200', 'server.seal.transit.keyName=k'] }), fails(/server\.seal\.transit\.tokenSecret\.name is required/));
    assert.throws(() => render(undefined, { set: ['server.seal.type=static', 'server.seal.static.keyId=a'] }), fails(/server\.seal\.static\.keySecret\.name is required/));
    assert.throws(() => render(undefined, { set: ['server.seal.type=static', 'server.seal.static.keySecret.name=k'] }), fails(/server\.seal\.static\.keyId is required/));
  });

  it('rejects an unknown seal type, unknown keys and a plain-HTTP transit address', () => {
    const errors = schemaErrors(values(undefined, { set: ['server.seal.type=awskms', 'server.seal.transit.token=hvs.x', 'server.seal.transit.address=http://u:8200'] }));
    for (const re of [/\/server\/seal\/type must be equal to one of the allowed values/, /\/server\/seal\/transit must NOT have additional properties \(token\)/, /\/server\/seal\/transit\/address must match pattern/]) {
      assert.ok(errors.some((e) => re.test(e)), `${re} in ${JSON.stringify(errors)}`);
    }
  });
});

describe('the bootstrap keys match the seal', { skip: skipUnless(GO) }, () => {
  const f = join(scratch, 'recovery.yaml');
  writeFileSync(f, 'bootstrap:\n  pgpKeys: []\n  recoveryPgpKeys: [secret:ward-bootstrap/public.asc]\n');
  it('an auto seal needs recoveryPgpKeys; Shamir needs pgpKeys', () => {
    assert.throws(() => render(undefined, { values: [BOOTSTRAP_VALUES], set: STATIC }), fails(/server\.seal\.type is static: the bootstrap needs bootstrap\.recoveryPgpKeys \(the recovery shares\), not bootstrap\.pgpKeys/));
    assert.throws(() => render(undefined, { values: [BOOTSTRAP_VALUES, f] }), fails(/server\.seal\.type is shamir: the bootstrap needs bootstrap\.pgpKeys \(the unseal key shares\)/));
    const args = ((render(undefined, { values: [BOOTSTRAP_VALUES, f], set: STATIC }).docs.find((d) => d.kind === 'Job') as Json).spec.template.spec.containers[0].args as string[]);
    assert.ok(args.includes('-recovery-pgp-keys=secret:ward-bootstrap/public.asc'), JSON.stringify(args));
  });
});
