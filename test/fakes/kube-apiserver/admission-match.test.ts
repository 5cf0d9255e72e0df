import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderedWebhooks, ruleMatches, selectorMatches, SelectorError, webhookMatches, type MatchAttributes } from './admission-match.js';
import type { Json } from './http-util.js';

const podCreate = (o: Partial<MatchAttributes> = {}): MatchAttributes => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'pods' },
  namespace: 'apps',
  object: { metadata: { labels: { app: 'web' } } },
  oldObject: null,
  ...o,
});
const rule = (o: Json = {}): Json => ({ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], ...o });

describe('admission rule matching', () => {
  const cases: [string, Json, MatchAttributes, boolean][] = [
    ['exact', rule(), podCreate(), true],
    ['other operation', rule(), podCreate({ operation: 'UPDATE' }), false],
    ['operation *', rule({ operations: ['*'] }), podCreate({ operation: 'DELETE' }), true],
    ['other group', rule({ apiGroups: ['apps'] }), podCreate(), false],
    ['group *', rule({ apiGroups: ['*'] }), podCreate({ resource: { group: 'apps', version: 'v1', resource: 'pods' } }), true],
    ['other version', rule({ apiVersions: ['v1beta1'] }), podCreate(), false],
    ['resource * (no subresources)', rule({ resources: ['*'] }), podCreate(), true],
    ['resource * does not match pods/status', rule({ resources: ['*'] }), podCreate({ subResource: 'status' }), false],
    ['*/* matches subresources', rule({ resources: ['*/*'] }), podCreate({ subResource: 'status' }), true],
    ['pods/* matches pod subresources', rule({ resources: ['pods/*'] }), podCreate({ subResource: 'exec' }), true],
    ['pods does not match pods/status', rule(), podCreate({ subResource: 'status' }), false],
    ['*/status', rule({ resources: ['*/status'] }), podCreate({ subResource: 'status' }), true],
    ['scope Namespaced', rule({ scope: 'Namespaced' }), podCreate(), true],
    ['scope Cluster excludes namespaced', rule({ scope: 'Cluster' }), podCreate(), false],
    ['scope Namespaced excludes namespaces', rule({ scope: 'Namespaced', resources: ['namespaces'] }), podCreate({ resource: { group: '', version: 'v1', resource: 'namespaces' } }), false],
    ['scope Cluster includes namespaces', rule({ scope: 'Cluster', resources: ['namespaces'] }), podCreate({ resource: { group: '', version: 'v1', resource: 'namespaces' } }), true],
  ];
  for (const [title, r, a, want] of cases) it(`${want ? 'matches' : 'skips'}: ${title}`, () => assert.equal(ruleMatches(r, a), want));
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: [string, unknown, boolean][] = [
    ['absent', undefined, true],
    ['empty', {}, true],
    ['matchLabels', { matchLabels: { app: 'web' } }, true],
    ['matchLabels mismatch', { matchLabels: { app: 'db' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    ['In missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['injector'] }] }, true],
    ['NotIn missing key matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['NotIn hit', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
  ];
  for (const [title, sel, want] of cases) it(`${title} → ${want}`, () => assert.equal(selectorMatches(sel, labels), want));
  it('rejects an unknown operator', () => {
    assert.throws(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Near' }] }, labels), SelectorError);
  });
});

describe('webhook matching', () => {
  const nsLabels = (ns: string): Record<string, string> => (ns === 'apps' ? { 'kubernetes.io/metadata.name': 'apps', inject: 'on' } : { 'kubernetes.io/metadata.name': ns });
  const hook = (o: Json = {}): Json => ({ name: 'h', rules: [rule()], ...o });
  it('applies namespaceSelector to the namespace labels, including kubernetes.io/metadata.name', () => {
    assert.equal(webhookMatches(hook({ namespaceSelector: { matchLabels: { inject: 'on' } } }), podCreate(), nsLabels), true);
    assert.equal(webhookMatches(hook({ namespaceSelector: { matchLabels: { inject: 'on' } } }), podCreate({ namespace: 'other' }), nsLabels), false);
    const notSystem = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] };
    assert.equal(webhookMatches(hook({ namespaceSelector: notSystem }), podCreate({ namespace: 'kube-system' }), nsLabels), false);
  });
  it('applies objectSelector to the new or the old object', () => {
    const notInjector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['injector'] }] };
    assert.equal(webhookMatches(hook({ objectSelector: notInjector }), podCreate(), nsLabels), true);
    assert.equal(webhookMatches(hook({ objectSelector: notInjector }), podCreate({ object: { metadata: { labels: { 'app.kubernetes.io/name': 'injector' } } } }), nsLabels), false);
    const web = { matchLabels: { app: 'web' } };
    assert.equal(webhookMatches(hook({ rules: [rule({ operations: ['UPDATE'] })], objectSelector: web }), podCreate({ operation: 'UPDATE', object: { metadata: {} }, oldObject: { metadata: { labels: { app: 'web' } } } }), nsLabels), true);
  });
  it('orders webhooks by configuration name, then as listed', () => {
    const configs: Json[] = [
      { metadata: { name: 'zeta' }, webhooks: [{ name: 'z1' }] },
      { metadata: { name: 'alpha' }, webhooks: [{ name: 'a1' }, { name: 'a0' }] },
    ];
    assert.deepEqual(orderedWebhooks(configs).map((w) => `${w.configuration}:${String(w.webhook['name'])}`), ['alpha:a1', 'alpha:a0', 'zeta:z1']);
  });
});
