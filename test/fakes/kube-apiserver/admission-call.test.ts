import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceEndpoint } from './admission-call.js';
import type { Json } from './http-util.js';

const svc = (ports: Json[]): Json => ({ metadata: { name: 'injector', namespace: 'vault' }, spec: { ports } });
const eps = (subsets: Json[]): Json => ({ metadata: { name: 'injector', namespace: 'vault' }, subsets });

describe('webhook service resolution through stored Service and Endpoints', () => {
  const cases: [string, Json | undefined, Json | undefined, number, string][] = [
    ['single port', svc([{ port: 443, targetPort: 8080 }]), eps([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 41234 }] }]), 443, 'https://127.0.0.1:41234'],
    ['named ports', svc([{ name: 'metrics', port: 9090 }, { name: 'https', port: 443 }]),
      eps([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'metrics', port: 1 }, { name: 'https', port: 2 }] }]), 443, 'https://127.0.0.1:2'],
    ['IPv6 address', svc([{ port: 443 }]), eps([{ addresses: [{ ip: '::1' }], ports: [{ port: 3 }] }]), 443, 'https://[::1]:3'],
  ];
  for (const [title, s, e, port, want] of cases) it(title, () => assert.equal(serviceEndpoint(s, e, 'injector', port), want));

  const failures: [string, Json | undefined, Json | undefined, number, string][] = [
    ['no service', undefined, undefined, 443, 'service "injector" not found'],
    ['no such port', svc([{ port: 8443 }]), undefined, 443, 'unable to find service port 443'],
    ['no endpoints object', svc([{ port: 443 }]), undefined, 443, 'no endpoints available for service "injector"'],
    ['only not-ready addresses', svc([{ port: 443 }]), eps([{ notReadyAddresses: [{ ip: '127.0.0.1' }], ports: [{ port: 1 }] }]), 443, 'no endpoints available for service "injector"'],
  ];
  for (const [title, s, e, port, message] of failures) {
    it(`refuses: ${title}`, () => assert.throws(() => serviceEndpoint(s, e, 'injector', port), { message }));
  }
});
