/**
 * The chart's values: the schema rejects unknown keys and wrong types; weakenings need an
 * explicit insecure.* value, are caught by the policy otherwise, and are echoed in NOTES;
 * missing required values fail the render with a message naming them; TLS comes from a
 * Secret, cert-manager or a generated CA.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { HelmRenderError, type K8sObject } from '../../helpers/helm.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { MODES, find, modelErrors, render, schemaErrors, values } from './chart.js';
import { policyViolations, wardConfigOf } from './policy.js';

const WEAKENED = join(REPO_ROOT, 'test', 'integration', 'helm', 'fixtures', 'weakened-values.yaml');
const fails = (message: RegExp) => (e: unknown) => e instanceof HelmRenderError && message.test(e.message);

describe('Helm chart values', { skip: skipUnless(GO) }, () => {
  it('accepts the defaults and each mode file', () => {
    assert.deepEqual(schemaErrors(render(undefined).values), []);
    for (const mode of MODES) assert.deepEqual(schemaErrors(render(mode).values), [], mode);
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown top-level key', ['colour=blue'], /must NOT have additional properties \(colour\)/],
    ['an unknown nested key', ['server.replica=3'], /\/server must NOT have additional properties \(replica\)/],
    ['a misspelt weakening', ['insecure.disableTLS=true'], /\/insecure must NOT have additional properties \(disableTLS\)/],
    ['a string for a number', ['server.replicas=three'], /\/server\/replicas must be integer/],
    ['a number for a bool', ['injector.enabled=1'], /\/injector\/enabled must be boolean/],
    ['an unknown mode', ['server.mode=raft'], /\/server\/mode must be equal to one of the allowed values/],
    ['uid 0 (root needs insecure.runAsRoot)', ['server.uid=0'], /\/server\/uid must be >= 1/],
    ['TLS 1.1', ['tls.minVersion=tls11'], /\/tls\/minVersion must be equal to one of the allowed values/],
  ];
  for (const [what, set, message] of bad) {
    it(`rejects ${what}`, () => {
      const errors = schemaErrors(values(undefined, { set }));
      assert.ok(errors.some((e) => message.test(e)), `expected ${message} in ${JSON.stringify(errors)}`);
    });
  }

  it('fails the policy on a weakened values file unless the weakenings are explicit, and warns in NOTES', () => {
    const r = render('standalone', { values: [WEAKENED] });
    const found = policyViolations(r.docs);
    for (const v of [/may run as root/, /root filesystem is not read-only/, /lacks cpu and memory requests/, /tls_disable/, /readinessProbe is not over HTTPS/]) {
      assert.ok(found.some((x) => v.test(x)), `expected ${v} in ${JSON.stringify(found)}`);
    }
    // With the explicit values taken into account only the missing requests remain: they have no insecure.* value.
    const allowed = policyViolations(r.docs, { disableTls: true, runAsRoot: true, writableRootFilesystem: true });
    assert.ok(allowed.length > 0 && allowed.every((x) => /lacks cpu and memory requests/.test(x)), JSON.stringify(allowed));
    for (const w of ['insecure.disableTls', 'insecure.runAsRoot', 'insecure.writableRootFilesystem', 'insecure.disableMlock']) {
      assert.match(r.notes, new RegExp(`WARNING: ${w.replace('.', '\\.')} is set`));
    }
    const cfg = r.docs.map(wardConfigOf).find((c) => c !== undefined) as Record<string, unknown>;
    assert.equal(cfg['disable_mlock'], true);
    assert.equal(cfg['allow_root'], true);
    const sts = JSON.stringify(find(r.docs, 'StatefulSet', 'ward'));
    assert.doesNotMatch(sts, /IPC_LOCK/, 'no IPC_LOCK once mlock is off');
  });

  it('still renders valid objects with every weakening, in every mode', () => {
    for (const mode of MODES) {
      const r = render(mode, { values: [WEAKENED], set: ['server.resources.requests.cpu=1', 'server.resources.requests.memory=1Gi'] });
      assert.deepEqual(modelErrors(r.docs), [], mode);
      assert.deepEqual(policyViolations(r.docs, { disableTls: true, runAsRoot: true, writableRootFilesystem: true }), [], mode);
      assert.match(JSON.stringify(find(r.docs, 'StatefulSet', 'ward')), /"scheme":"HTTP"/, mode);
    }
  });

  it('prints no weakening warning by default', () => {
    assert.doesNotMatch(render('ha-etcd', { set: ['tls.source=secret', 'tls.secretName=x'] }).notes, /WARNING/);
  });

  it('names the missing value when a mode or TLS source lacks it', () => {
    assert.throws(() => render(undefined, { set: ['server.mode=ha-postgresql'] }), fails(/server\.postgresql\.connectionUrlSecret\.name is required/));
    assert.throws(() => render(undefined, { set: ['server.mode=ha-etcd'] }), fails(/server\.etcd\.address is required/));
    assert.throws(() => render(undefined, { set: ['tls.source=secret'] }), fails(/tls\.secretName is required/));
    assert.throws(() => render(undefined, { set: ['tls.source=cert-manager'], apiVersions: ['cert-manager.io/v1'] }), fails(/tls\.certManager\.issuerRef\.name is required/));
    assert.throws(() => render(undefined, { set: ['ingress.enabled=true'] }), fails(/ingress\.host is required/));
  });

  it('flags an object Kubernetes would reject (the model check can fail)', () => {
    const sts = structuredClone(find(render(undefined).docs, 'StatefulSet', 'ward')) as K8sObject & { spec: { replicas: unknown } };
    sts.spec.replicas = 'three';
    assert.match(modelErrors([sts]).join('\n'), /replicas must be integer/);
  });

  it('generates a CA and a certificate for the services, pods and loopback', () => {
    const r = render('ha-postgresql');
    const secret = find(r.docs, 'Secret', 'ward-tls') as K8sObject & { data: Record<string, string> };
    const ca = new X509Certificate(Buffer.from(secret.data['ca.crt'] ?? '', 'base64'));
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));
    assert.ok(cert.verify(ca.publicKey), 'signed by the generated CA');
    for (const n of ['ward-active.ward.svc', '*.ward-internal.ward.svc', 'localhost']) assert.ok(cert.checkHost(n), n);
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(Buffer.from(secret.data['tls.key'] ?? '', 'base64').toString().includes('PRIVATE KEY'));
  });

  it('asks cert-manager for the same names when tls.source is cert-manager', () => {
    const r = render('ha-etcd', { set: ['tls.source=cert-manager', 'tls.certManager.issuerRef.name=ca-issuer'], apiVersions: ['cert-manager.io/v1'] });
    const c = find(r.docs, 'Certificate', 'ward') as K8sObject & { spec: Record<string, unknown> };
    assert.equal(c.spec['secretName'], 'ward-tls');
    assert.deepEqual(c.spec['issuerRef'], { name: 'ca-issuer', kind: 'Issuer', group: 'cert-manager.io' });
    assert.ok((c.spec['dnsNames'] as string[]).includes('*.ward-internal.ward.svc'));
    assert.equal(find(r.docs, 'Secret', 'ward-tls'), undefined);
  });

  it('puts the ingress host in the certificate, since the ingress passes TLS through', () => {
    const r = render('standalone', { set: ['ingress.enabled=true', 'ingress.host=ward.example.com'] });
    const secret = find(r.docs, 'Secret', 'ward-tls') as K8sObject & { data: Record<string, string> };
    assert.ok(new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64')).checkHost('ward.example.com'));
  });

  it("fails clearly when the cluster lacks cert-manager's API", () => {
    assert.throws(() => render(undefined, { set: ['tls.source=cert-manager', 'tls.certManager.issuerRef.name=ca'] }), fails(/tls\.source "cert-manager" needs cert-manager \(cert-manager\.io\/v1\)/));
  });

  it('mounts an existing Secret when tls.source is secret', () => {
    const r = render('standalone', { set: ['tls.source=secret', 'tls.secretName=my-ward-tls'] });
    assert.match(JSON.stringify(find(r.docs, 'StatefulSet', 'ward')), /"secretName":"my-ward-tls"/);
    assert.equal(r.docs.filter((d) => d.kind === 'Secret' || d.kind === 'Certificate').length, 0);
  });
});
