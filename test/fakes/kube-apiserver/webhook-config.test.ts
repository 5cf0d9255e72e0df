import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from './http-util.js';
import { defaultAndValidate, invalidConfiguration } from './webhook-config.js';

const hook = (o: Json = {}): Json => ({
  name: 'vault.hashicorp.com',
  clientConfig: { service: { name: 'injector', namespace: 'vault', path: '/mutate' }, caBundle: 'Cg==' },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1', 'v1beta1'],
  ...o,
});
const errors = (...hooks: Json[]) => defaultAndValidate({ metadata: { name: 'c' }, webhooks: hooks }).map((e) => `${e.field}: ${e.message}`);

describe('MutatingWebhookConfiguration defaults and validation', () => {
  it('fills the v1 defaults', () => {
    const c: Json = { webhooks: [hook()] };
    assert.deepEqual(defaultAndValidate(c), []);
    const h = (c['webhooks'] as Json[])[0] ?? {};
    assert.deepEqual([h['failurePolicy'], h['matchPolicy'], h['namespaceSelector'], h['objectSelector'], h['timeoutSeconds'], h['reinvocationPolicy']], ['Fail', 'Equivalent', {}, {}, 10, 'Never']);
    assert.equal((h['rules'] as Json[])[0]?.['scope'], '*');
    assert.equal(((h['clientConfig'] as Json)['service'] as Json)['port'], 443);
  });

  const cases: [string, Json[], string[]][] = [
    ['a name that is not a three-part domain', [hook({ name: 'vault' })], ['webhooks[0].name: Invalid value: "vault": should be a domain with at least three segments separated by dots']],
    ['duplicate names', [hook(), hook()], ['webhooks[1].name: Duplicate value: "vault.hashicorp.com"']],
    ['missing sideEffects', [hook({ sideEffects: undefined })], ['webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun']],
    ['sideEffects Some', [hook({ sideEffects: 'Some' })], ['webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"']],
    ['missing admissionReviewVersions', [hook({ admissionReviewVersions: [] })], ['webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1']],
    ['unknown admissionReviewVersions', [hook({ admissionReviewVersions: ['v2'] })], ['webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1']],
    ['timeout over 30', [hook({ timeoutSeconds: 31 })], ['webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds']],
    ['failurePolicy', [hook({ failurePolicy: 'Retry' })], ['webhooks[0].failurePolicy: Unsupported value: "Retry": supported values: "Fail", "Ignore"']],
    ['both url and service', [hook({ clientConfig: { url: 'https://x/y', service: { name: 'a', namespace: 'b' } } })], ['webhooks[0].clientConfig: Required value: exactly one of url or service is required']],
    ['http url', [hook({ clientConfig: { url: 'http://127.0.0.1:8080/mutate' } })], ['webhooks[0].clientConfig.url: Invalid value: "http://127.0.0.1:8080/mutate": \'https\' is the only allowed URL scheme']],
    ['service path without slash', [hook({ clientConfig: { service: { name: 'a', namespace: 'b', path: 'mutate' } } })], ['webhooks[0].clientConfig.service.path: Invalid value: "mutate": must start with a \'/\'']],
    ['rule operation', [hook({ rules: [{ operations: ['GET'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })],
      ['webhooks[0].rules[0].operations[0]: Unsupported value: "GET": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"']],
    ['selector operator', [hook({ objectSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } })], ['webhooks[0].objectSelector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']],
  ];
  for (const [title, hooks, want] of cases) it(`refuses ${title}`, () => assert.deepEqual(errors(...hooks), want));

  it('words the 422 as the API server does, listing several causes in brackets', () => {
    const errs = defaultAndValidate({ webhooks: [hook({ name: 'x', timeoutSeconds: 0 })] });
    const s = invalidConfiguration('vault-agent-injector-cfg', errs);
    assert.equal(s['code'], 422);
    assert.equal(s['message'], 'MutatingWebhookConfiguration.admissionregistration.k8s.io "vault-agent-injector-cfg" is invalid: [webhooks[0].name: Invalid value: "x": should be a domain with at least three segments separated by dots, webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds]');
  });
});
