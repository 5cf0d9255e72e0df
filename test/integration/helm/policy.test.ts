/** The hardening policy itself: each weakening of a hardened pod or config is caught, unless allowed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { K8sObject } from '../../helpers/helm.js';
import { policyViolations, type Allowed } from './policy.js';

type Mutate = (pod: Record<string, any>, cfg: Record<string, any>) => void; // any: free-form test mutations of plain JSON

function render(mutate: Mutate): K8sObject[] {
  const container = {
    name: 'ward',
    args: ['server', '-config=/ward/config/ward.json'],
    resources: { requests: { cpu: '100m', memory: '64Mi' } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] } },
    readinessProbe: { httpGet: { path: '/v1/sys/health', port: 8200, scheme: 'HTTPS' } },
    livenessProbe: { httpGet: { path: '/v1/sys/health', port: 8200, scheme: 'HTTPS' } },
  };
  const pod = { securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container] };
  const cfg = { listener: [{ tcp: { address: '[::]:8200', tls_cert_file: '/t/c', tls_key_file: '/t/k', tls_min_version: 'tls12' } }], storage: { sqlite: { path: '/d' } } };
  mutate(pod, cfg);
  return [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ward' }, spec: { template: { spec: pod } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ward-config' }, data: { 'ward.json': JSON.stringify(cfg) } },
  ];
}

const cases: { name: string; mutate: Mutate; violation: RegExp; allowedBy?: Allowed }[] = [
  { name: 'runAsUser 0', mutate: (p) => (p['securityContext'].runAsUser = 0), violation: /may run as root/, allowedBy: { runAsRoot: true } },
  { name: 'no runAsUser', mutate: (p) => delete p['securityContext'].runAsUser, violation: /may run as root/, allowedBy: { runAsRoot: true } },
  { name: 'container runAsUser 0 overrides the pod', mutate: (p) => (p['containers'][0].securityContext.runAsUser = 0), violation: /may run as root/, allowedBy: { runAsRoot: true } },
  { name: 'runAsNonRoot false', mutate: (p) => (p['containers'][0].securityContext.runAsNonRoot = false), violation: /may run as root/, allowedBy: { runAsRoot: true } },
  { name: 'writable root FS', mutate: (p) => (p['containers'][0].securityContext.readOnlyRootFilesystem = false), violation: /not read-only/, allowedBy: { writableRootFilesystem: true } },
  { name: 'no requests', mutate: (p) => delete p['containers'][0].resources, violation: /lacks cpu and memory requests/ },
  { name: 'memory request only', mutate: (p) => delete p['containers'][0].resources.requests.cpu, violation: /lacks cpu and memory requests/ },
  { name: 'NET_ADMIN added', mutate: (p) => p['containers'][0].securityContext.capabilities.add.push('NET_ADMIN'), violation: /adds capability NET_ADMIN/ },
  { name: 'drop ALL missing', mutate: (p) => (p['containers'][0].securityContext.capabilities.drop = []), violation: /do not drop ALL/ },
  { name: 'privilege escalation', mutate: (p) => delete p['containers'][0].securityContext.allowPrivilegeEscalation, violation: /allowPrivilegeEscalation/ },
  { name: 'no seccomp', mutate: (p) => delete p['securityContext'].seccompProfile, violation: /seccomp/ },
  { name: 'init container as root', mutate: (p) => (p['initContainers'] = [{ name: 'init', securityContext: { runAsUser: 0 } }]), violation: /container init: may run as root/ },
  { name: 'tls_disable', mutate: (_p, c) => (c['listener'][0].tcp = { address: ':8200', tls_disable: true }), violation: /tls_disable/, allowedBy: { disableTls: true } },
  { name: 'tls11', mutate: (_p, c) => (c['listener'][0].tcp.tls_min_version = 'tls11'), violation: /tls_min_version is tls11/ },
  { name: 'server without probes', mutate: (p) => delete p['containers'][0].livenessProbe, violation: /livenessProbe is not over HTTPS/, allowedBy: { disableTls: true } },
  { name: 'HTTP probe', mutate: (p) => (p['containers'][0].readinessProbe.httpGet.scheme = 'HTTP'), violation: /readinessProbe is not over HTTPS/, allowedBy: { disableTls: true } },
];

describe('chart hardening policy', () => {
  it('passes a hardened pod and config', () => {
    assert.deepEqual(policyViolations(render(() => {})), []);
  });
  it('passes a hardened sidecar without probes beside the server (the bootstrap sidecar)', () => {
    const docs = render((p) => p['containers'].push({ ...p['containers'][0], name: 'bootstrap', args: ['k8s', 'bootstrap'], readinessProbe: undefined, livenessProbe: undefined }));
    assert.deepEqual(policyViolations(docs), []);
  });
  for (const c of cases) {
    it(`catches ${c.name}${c.allowedBy ? ' unless explicitly allowed' : ''}`, () => {
      const docs = render(c.mutate);
      const found = policyViolations(docs);
      assert.ok(found.some((v) => c.violation.test(v)), `expected ${c.violation} in ${JSON.stringify(found)}`);
      if (c.allowedBy) assert.deepEqual(policyViolations(docs, c.allowedBy), []);
    });
  }
});
