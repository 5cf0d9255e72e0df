import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MANAGED_LABELS, matchesSelector, parseRules, parseSelector, planObjects } from './objects.js';

const base = { namespace: 'apps', name: 'v-token-r-abc', clusterRoleBinding: false, extraLabels: { team: 'a' }, extraAnnotations: { note: 'x' } };

describe('planObjects', () => {
  it('service_account_name creates nothing', () => {
    assert.deepEqual(planObjects({ ...base, mode: { kind: 'existing-sa', serviceAccount: 'app' } }), []);
  });

  it('kubernetes_role_name: a RoleBinding to the named Role, then the ServiceAccount', () => {
    const plan = planObjects({ ...base, mode: { kind: 'existing-role', roleName: 'reader', roleType: 'Role' } });
    assert.deepEqual(plan.map((p) => [p.ref.kind, p.ref.namespace, p.ref.name]), [
      ['RoleBinding', 'apps', 'v-token-r-abc'],
      ['ServiceAccount', 'apps', 'v-token-r-abc'],
    ]);
    const rb = plan[0]!.manifest as { roleRef: unknown; subjects: unknown; metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    assert.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: 'v-token-r-abc', namespace: 'apps' }]);
    assert.deepEqual(rb.metadata.labels, { team: 'a', ...MANAGED_LABELS });
    assert.deepEqual(rb.metadata.annotations, { note: 'x' });
    assert.equal(plan[0]!.ref.path, '/apis/rbac.authorization.k8s.io/v1/namespaces/apps/rolebindings');
    assert.equal(plan[1]!.ref.path, '/api/v1/namespaces/apps/serviceaccounts');
  });

  it('cluster_role_binding binds a ClusterRole cluster-wide', () => {
    const plan = planObjects({ ...base, clusterRoleBinding: true, mode: { kind: 'existing-role', roleName: 'view', roleType: 'ClusterRole' } });
    assert.equal(plan[0]!.ref.kind, 'ClusterRoleBinding');
    assert.equal(plan[0]!.ref.namespace, undefined);
    assert.equal(plan[0]!.ref.path, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings');
  });

  it('generated_role_rules: Role, binding, ServiceAccount', () => {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }];
    const plan = planObjects({ ...base, mode: { kind: 'generated', rules, roleType: 'ClusterRole' } });
    assert.deepEqual(plan.map((p) => p.ref.kind), ['ClusterRole', 'RoleBinding', 'ServiceAccount']);
    assert.deepEqual((plan[0]!.manifest as { rules: unknown }).rules, rules);
    assert.deepEqual((plan[1]!.manifest as { roleRef: unknown }).roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'v-token-r-abc' });
  });
});

describe('parseRules', () => {
  it('reads JSON and YAML Policy objects', () => {
    const want = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
    assert.deepEqual(parseRules('{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}'), want);
    assert.deepEqual(parseRules("rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get, list]\n"), want);
  });
  it('refuses what is not a Policy object', () => {
    for (const bad of ['', 'rules: 3', '[1,2]', 'rules:\n- verbs: nope', '{']) assert.equal(parseRules(bad), null, bad);
  });
});

describe('namespace selectors', () => {
  it('matchLabels and matchExpressions, JSON or YAML', () => {
    const s = parseSelector('{"matchLabels":{"env":"prod"},"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]}]}');
    assert.ok(s);
    assert.equal(matchesSelector(s, { env: 'prod', tier: 'web' }), true);
    assert.equal(matchesSelector(s, { env: 'prod', tier: 'db' }), false);
    assert.equal(matchesSelector(s, { tier: 'web' }), false);
    const y = parseSelector('matchExpressions:\n- key: locked\n  operator: DoesNotExist\n');
    assert.ok(y);
    assert.equal(matchesSelector(y, {}), true);
    assert.equal(matchesSelector(y, { locked: 'yes' }), false);
  });
  it('refuses malformed selectors', () => {
    for (const bad of ['{', '[]', '{"matchExpressions":[{"key":"a","operator":"Near"}]}', '{"matchLabels":{"a":1}}']) assert.equal(parseSelector(bad), null, bad);
  });
});
