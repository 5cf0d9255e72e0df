/**
 * The bootstrap Job's values: the job's key is required (with a message saying what it is),
 * the Job runs `ward k8s bootstrap` with flags made from the typed values (the server pods by
 * the chart's selector, replicas, scheme, a name the chart's certificate carries), its Role
 * grants exactly what the command needs, and NOTES tells where the shares are and how to
 * decrypt one.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerIdentity } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { HelmRenderError, type K8sObject } from '../../helpers/helm.js';
import { GO, skipUnless } from '../../helpers/requirement.js';
import { BOOTSTRAP_VALUES, find, modelErrors, render, schemaErrors, values } from './chart.js';
import { policyViolations } from './policy.js';

const scratch = mkdtempSync(join(tmpdir(), 'ward-chart-bootstrap-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
/** A values file holding `v` (lists cannot be given with --set here). */
const valuesFile = (v: Record<string, unknown>): string => {
  const f = join(scratch, `values-${n++}.yaml`);
  writeFileSync(f, yaml.dump(v));
  return f;
};
const bootstrapFile = (b: Record<string, unknown>): string => valuesFile({ bootstrap: b });
/** An auto-sealed server: recovery shares instead of unseal key shares. */
const RECOVERY = { pgpKeys: [], recoveryPgpKeys: ['secret:ward-bootstrap/public.asc', 'secret:operators/alice.asc'], recoveryThreshold: 1 };
const AUTO_SEAL = ['server.seal.type=static', 'server.seal.static.keySecret.name=ward-seal-key', 'server.seal.static.keyId=k1'];
const fails = (message: RegExp) => (e: unknown) => e instanceof HelmRenderError && message.test(e.message);

// any: the rendered Job is plain JSON read field by field
type Json = any;
const container = (docs: K8sObject[]): Json => (find(docs, 'Job', 'ward-bootstrap-1') as Json).spec.template.spec.containers[0];
const rules = (docs: K8sObject[]): unknown => (find(docs, 'Role', 'ward-bootstrap') as Json).rules;

describe('the bootstrap Job values', { skip: skipUnless(GO) }, () => {
  it('requires the job key, saying what it is', () => {
    assert.throws(() => render(undefined, { set: ['bootstrap.enabled=true'] }), fails(/bootstrap\.jobKey\.secretName is required when bootstrap\.enabled: the Secret holding the job's OpenPGP private key/));
  });

  it('requires the public keys the shares are encrypted to', () => {
    assert.throws(() => render(undefined, { set: ['bootstrap.enabled=true', 'bootstrap.jobKey.secretName=ward-bootstrap'] }), fails(/bootstrap\.pgpKeys \(or bootstrap\.recoveryPgpKeys with an auto seal\) is required/));
  });

  it('names the Job after the release revision, so an upgrade runs a new Job instead of changing an immutable one', () => {
    const jobs = render(undefined, { values: [BOOTSTRAP_VALUES] }).docs.filter((d) => d.kind === 'Job').map((d) => d.metadata.name);
    assert.deepEqual(jobs, ['ward-bootstrap-1']);
  });

  it('turns the values into the flags of `ward k8s bootstrap`, finding every server pod by the chart selector', () => {
    const r = render('ha-postgresql', { values: [BOOTSTRAP_VALUES], set: ['server.replicas=2'] });
    assert.deepEqual(schemaErrors(r.values), []);
    assert.deepEqual(modelErrors(r.docs), []);
    assert.deepEqual(policyViolations(r.docs), []);
    const c = container(r.docs);
    assert.deepEqual(c.command, ['/usr/local/bin/node', '/app/bin/ward']);
    assert.deepEqual(c.args, [
      'k8s', 'bootstrap',
      '-pod-selector=app.kubernetes.io/component=server,app.kubernetes.io/instance=ward,app.kubernetes.io/name=ward',
      '-expected-pods=2', '-pod-port=8200', '-pod-scheme=https',
      '-ca-cert=/ward/tls/ca.crt', '-tls-server-name=ward-0.ward-internal.ward.svc',
      '-bootstrap-pgp-key=secret:ward-bootstrap/private.asc',
      '-pgp-keys=secret:ward-bootstrap/public.asc,secret:ward-bootstrap/public.asc,configmap:ward-operator-keys/alice.asc',
      '-key-shares=3', '-key-threshold=2',
      '-keys-secret=ward-init', '-provisioner-token-secret=ward-provisioner-token', '-progress-secret=ward-bootstrap-progress',
      '-admin-policy=admin', '-provisioner-policy=provisioner', '-kv-mount=secret',
      '-audit-type=file', '-provisioner-token-ttl=768h', '-revoke-root=true', '-wait-timeout=10m',
    ]);
    // The selector is the StatefulSet's own.
    const sel = (find(r.docs, 'StatefulSet', 'ward') as Json).spec.selector.matchLabels as Record<string, string>;
    assert.equal(Object.entries(sel).map(([k, v]) => `${k}=${v}`).sort().join(','), c.args[2].slice('-pod-selector='.length));
    assert.deepEqual(c.env, [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
  });

  it('passes every optional value, and extra args last', () => {
    const r = render(undefined, { values: [BOOTSTRAP_VALUES], set: [
      'bootstrap.jobKey.passphrase=passphrase', 'bootstrap.keysSecret=keys', 'bootstrap.provisionerTokenSecret=ci', 'bootstrap.progressSecret=steps',
      'bootstrap.policies.admin=ops', 'bootstrap.policies.provisioner=ci', 'bootstrap.policies.adminRef=configmap:policies/ops.hcl', 'bootstrap.policies.provisionerRef=secret:policies/ci.hcl',
      'bootstrap.policies.kvMount=kv', 'bootstrap.audit.type=file', 'bootstrap.audit.path=audit', 'bootstrap.audit.options.file_path=/ward/audit/audit.log',
      'bootstrap.revokeRoot=false', 'bootstrap.provisionerTokenTtl=24h', 'bootstrap.waitTimeout=5m', 'bootstrap.tlsServerName=ward.example.com', 'bootstrap.recoveryThreshold=2',
    ] });
    assert.deepEqual(schemaErrors(r.values), []);
    const args: string[] = container(r.docs).args;
    for (const a of ['-expected-pods=1', '-tls-server-name=ward.example.com', '-bootstrap-pgp-passphrase=secret:ward-bootstrap/passphrase', '-keys-secret=keys',
      '-provisioner-token-secret=ci', '-progress-secret=steps', '-admin-policy=ops', '-provisioner-policy=ci', '-admin-policy-file=configmap:policies/ops.hcl',
      '-provisioner-policy-file=secret:policies/ci.hcl', '-kv-mount=kv', '-audit-path=audit', '-audit-options=file_path=/ward/audit/audit.log',
      '-revoke-root=false', '-provisioner-token-ttl=24h', '-wait-timeout=5m']) assert.ok(args.includes(a), `${a} in ${JSON.stringify(args)}`);
    // A threshold without recovery keys means nothing: not passed.
    assert.ok(!args.some((a) => a.startsWith('-recovery')), JSON.stringify(args));
    const extra = render(undefined, { values: [BOOTSTRAP_VALUES, bootstrapFile({ args: ['-audit-type=none'] })] });
    assert.equal(container(extra.docs).args.at(-1), '-audit-type=none');
  });

  it('encrypts recovery shares with an auto seal', () => {
    const auto = render(undefined, { values: [BOOTSTRAP_VALUES, bootstrapFile(RECOVERY)], set: AUTO_SEAL });
    assert.deepEqual(schemaErrors(auto.values), []);
    const args: string[] = container(auto.docs).args;
    assert.ok(args.includes('-recovery-pgp-keys=secret:ward-bootstrap/public.asc,secret:operators/alice.asc'), JSON.stringify(args));
    assert.ok(args.includes('-recovery-shares=2') && args.includes('-recovery-threshold=1'), JSON.stringify(args));
    assert.ok(!args.some((a) => a.startsWith('-pgp-keys') || a.startsWith('-key-')), JSON.stringify(args));
  });

  it('grants exactly what the command needs: the Secrets it writes and reads, configmaps only when a key is in one, pods to list', () => {
    assert.deepEqual(rules(render(undefined, { values: [BOOTSTRAP_VALUES] }).docs), [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['ward-init', 'ward-provisioner-token', 'ward-bootstrap-progress'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['ward-bootstrap'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['ward-operator-keys'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    const secretsOnly = rules(render(undefined, { values: [BOOTSTRAP_VALUES], set: ['bootstrap.policies.provisionerRef=secret:policies/ci.hcl'] }).docs) as Json[];
    assert.deepEqual(secretsOnly[2].resourceNames, ['ward-bootstrap', 'policies']);
    const noConfigMap = rules(render(undefined, { values: [BOOTSTRAP_VALUES, bootstrapFile(RECOVERY)], set: AUTO_SEAL }).docs);
    assert.ok(!JSON.stringify(noConfigMap).includes('configmaps'), JSON.stringify(noConfigMap));
    assert.deepEqual((noConfigMap as Json[])[2].resourceNames, ['ward-bootstrap', 'operators']);
  });

  it("checks the pods' certificate against a name the chart's certificate carries", () => {
    const r = render('ha-etcd', { values: [BOOTSTRAP_VALUES], set: ['tls.source=cert-manager', 'tls.certManager.issuerRef.name=ca'], apiVersions: ['cert-manager.io/v1'] });
    const names: string[] = (find(r.docs, 'Certificate', 'ward') as Json).spec.dnsNames;
    const name = (container(r.docs).args as string[]).find((a) => a.startsWith('-tls-server-name='))!.slice('-tls-server-name='.length);
    const cert = { subject: { CN: 'ward' }, subjectaltname: names.map((n) => `DNS:${n}`).join(', ') } as unknown as PeerCertificate;
    assert.equal(checkServerIdentity(name, cert), undefined);
    // The check can fail: a name outside the certificate.
    assert.ok(checkServerIdentity('ward-0.other.ward.svc', cert) instanceof Error);
  });

  it('lets the job reach the API port when the NetworkPolicy limits who may', () => {
    const apiFrom = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } }];
    const r = render(undefined, { values: [BOOTSTRAP_VALUES, valuesFile({ networkPolicy: { apiFrom } })] });
    assert.deepEqual(modelErrors(r.docs), []);
    const from = (find(r.docs, 'NetworkPolicy', 'ward') as Json).spec.ingress[0].from;
    const jobLabels = (find(r.docs, 'Job', 'ward-bootstrap-1') as Json).spec.template.metadata.labels as Record<string, string>;
    assert.deepEqual(from[0], apiFrom[0]);
    assert.equal(from.length, 2);
    assert.ok(Object.entries(from[1].podSelector.matchLabels as Record<string, string>).every(([k, v]) => jobLabels[k] === v), JSON.stringify(from[1]));
    assert.equal(from[1].podSelector.matchLabels['app.kubernetes.io/component'], 'bootstrap');
    // Open to everyone when apiFrom is empty; nothing added without the job.
    assert.equal((find(render(undefined, { values: [BOOTSTRAP_VALUES] }).docs, 'NetworkPolicy', 'ward') as Json).spec.ingress[0].from, undefined);
    assert.equal((find(render(undefined, { values: [valuesFile({ networkPolicy: { apiFrom } })] }).docs, 'NetworkPolicy', 'ward') as Json).spec.ingress[0].from.length, 1);
  });

  it('speaks plain HTTP to the pods only when TLS is explicitly disabled', () => {
    const r = render(undefined, { values: [BOOTSTRAP_VALUES], set: ['insecure.disableTls=true'] });
    const args: string[] = container(r.docs).args;
    assert.ok(args.includes('-pod-scheme=http'));
    assert.ok(!args.some((a) => a.startsWith('-ca-cert') || a.startsWith('-tls-server-name')), JSON.stringify(args));
  });

  const bad: [string, string[], RegExp][] = [
    ['a file path as a key (nothing mounts it)', ['bootstrap.adminPolicyFile=x'], /\/bootstrap must NOT have additional properties \(adminPolicyFile\)/],
    ['a policy ref that is not secret: or configmap:', ['bootstrap.policies.adminRef=/etc/admin.hcl'], /\/bootstrap\/policies\/adminRef must match pattern/],
    ['a key share count', ['bootstrap.keyThreshold=0'], /\/bootstrap\/keyThreshold must be >= 1/],
    ['a Secret name Kubernetes refuses', ['bootstrap.jobKey.secretName=Job_Key'], /\/bootstrap\/jobKey\/secretName must match pattern/],
    ['a bad duration', ['bootstrap.waitTimeout=ten minutes'], /\/bootstrap\/waitTimeout must match pattern/],
    ['an audit option with a comma', ['bootstrap.audit.options.x=a,b'], /\/bootstrap\/audit\/options\/x must match pattern/],
  ];
  for (const [what, set, message] of bad) {
    it(`rejects ${what}`, () => {
      const errors = schemaErrors(values(undefined, { values: [BOOTSTRAP_VALUES], set }));
      assert.ok(errors.some((e) => message.test(e)), `expected ${message} in ${JSON.stringify(errors)}`);
    });
  }

  it('rejects a public key given as a file path', () => {
    const errors = schemaErrors(values(undefined, { values: [BOOTSTRAP_VALUES, bootstrapFile({ pgpKeys: ['/keys/alice.asc'] })] }));
    assert.ok(errors.some((e) => /\/bootstrap\/pgpKeys\/0 must match pattern/.test(e)), JSON.stringify(errors));
  });

  it('tells in NOTES where the encrypted shares are and how to decrypt one with gpg', () => {
    const r = render(undefined, { values: [BOOTSTRAP_VALUES] });
    assert.match(r.notes, /Secret ward-init/);
    assert.match(r.notes, /kubectl -n ward logs -f job\/ward-bootstrap-1/);
    assert.match(r.notes, /kubectl -n ward get secret ward-init -o jsonpath='\{\.data\.unseal-key-1\}' \| base64 -d \| gpg --decrypt/);
    assert.match(r.notes, /Secret ward-provisioner-token/);
    assert.doesNotMatch(render(undefined).notes, /ward-init/);
  });
});
