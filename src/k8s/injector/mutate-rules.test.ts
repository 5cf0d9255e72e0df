/**
 * The JSON patch construction rules of vault-k8s (exact operations), and proof that what
 * is injected works: every generated agent config loads in Ward's agent, and the env-var
 * template renders a file a shell sources into the right environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '../../agent/config.js';
import { execute, type TemplateFunc } from '../../agent/template/eval.js';
import type { Value } from '../../agent/template/format.js';
import { builtinFuncs } from '../../agent/template/functions.js';
import { parseTemplate } from '../../agent/template/parser.js';
import { PREFIX } from './annotations.js';
import { mutate } from './mutate.js';
import { config, inject, review, testOptions, testPod } from './testing.js';

const ann = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [PREFIX + k, v]));
const BASE = ann({ 'agent-inject': 'true', role: 'web', 'agent-inject-secret-db': 'secret/data/db' });

test('arrays that are absent are created by their first element, later ones appended with /-', () => {
  const pod = testPod(BASE, { volumes: undefined, containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] });
  const r = review(pod);
  assert.ok(r.allowed);
  const vols = r.patch.filter((op) => op.path.startsWith('/spec/volumes'));
  assert.deepEqual(vols.map((op) => op.path), ['/spec/volumes', '/spec/volumes/-', '/spec/volumes/-']);
  assert.deepEqual(vols[0]?.op === 'add' && vols[0].value, [{ name: 'home-init', emptyDir: { medium: 'Memory' } }]);
  assert.deepEqual(r.patch.filter((op) => op.path.startsWith('/spec/initContainers')).map((op) => op.path), ['/spec/initContainers']);
  assert.deepEqual(r.patch.filter((op) => op.path.startsWith('/spec/containers/0/volumeMounts')).map((op) => op.path), ['/spec/containers/0/volumeMounts/-']);
  assert.ok(r.patch.some((op) => op.path === '/spec/containers/-'));
});

test('status annotation: escaped key when annotations exist (always, since agent-inject is one)', () => {
  const r = review(testPod(BASE));
  assert.ok(r.allowed);
  assert.deepEqual(r.patch.at(-1), { op: 'add', path: '/metadata/annotations/vault.hashicorp.com~1agent-inject-status', value: 'injected' });
});

test('a pod past Pending is left alone', () => {
  const pod = testPod(BASE);
  pod.status = { phase: 'Running' };
  assert.deepEqual(review(pod), { allowed: true, patch: [], warnings: [] });
});

test('DELETE and CONNECT reviews are allowed untouched (a webhook registered too broadly must not block them)', () => {
  for (const operation of ['DELETE', 'CONNECT']) {
    assert.deepEqual(mutate({ uid: 'u', namespace: 'apps', operation, object: null }, testOptions()), { allowed: true, patch: [], warnings: [] });
  }
});

test('a malformed pod is denied naming the field, never thrown', () => {
  const cases: [unknown, RegExp][] = [
    [{ metadata: { annotations: { [`${PREFIX}agent-inject`]: 5 } } }, /metadata\.annotations\["vault\.hashicorp\.com\/agent-inject"\] must be a string/],
    [{ metadata: { annotations: 'x' } }, /metadata\.annotations must be an object/],
    [{ metadata: { annotations: BASE }, spec: { containers: {} } }, /spec\.containers must be a list/],
    [{ metadata: { annotations: BASE }, spec: { containers: [{ image: 'a' }] } }, /spec\.containers\[0\]\.name must be a string/],
    [{ metadata: { annotations: BASE }, spec: { containers: [{ name: 'a', volumeMounts: 'x' }] } }, /spec\.containers\[0\]\.volumeMounts must be a list/],
    [{ metadata: { annotations: BASE }, spec: { containers: [{ name: 'a', command: 'x' }] } }, /spec\.containers\[0\]\.command must be a list/],
    [{ metadata: { annotations: BASE }, spec: { containers: [], volumes: [1] } }, /spec\.volumes\[0\] must be an object/],
  ];
  for (const [object, msg] of cases) {
    const r = mutate({ uid: 'u', namespace: 'apps', operation: 'CREATE', object }, testOptions());
    assert.equal(r.allowed, false, JSON.stringify(object));
    assert.match(!r.allowed ? r.message : '', msg);
  }
});

test('a request whose object is not a pod is denied, not thrown', () => {
  const r = review('nonsense' as never);
  assert.equal(r.allowed, false);
});

test('a Job pod without native sidecars gets a warning; with them, none', () => {
  const pod = testPod(BASE);
  if (pod.metadata) pod.metadata['ownerReferences'] = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly', uid: 'u' }];
  const r = review(pod);
  assert.ok(r.allowed && r.warnings.some((w) => w.includes('pod of a Job without native sidecars')));
  assert.deepEqual(review(pod, testOptions({ nativeSidecars: true })).warnings, []);
});

test('every generated agent configuration loads in Ward\'s agent', () => {
  const cases: Record<string, string>[] = [
    {},
    { 'agent-cache-enable': 'true', 'agent-enable-quit': 'true', 'agent-inject-token': 'true', 'agent-telemetry-disable-hostname': 'true' },
    { 'agent-inject-template-db': '{{ with secret "secret/data/db" }}{{ .Data.data.pw }}{{ end }}', 'agent-inject-perms-db': '400', 'agent-inject-command-db': 'true', 'error-on-missing-key-db': 'true' },
    { 'auth-min-backoff': '2s', 'auth-max-backoff': '10s', 'tls-skip-verify': 'true', 'ca-cert': '/vault/tls/ca.crt', 'template-static-secret-render-interval': '1m', 'agent-inject-env-api': 'secret/data/api' },
  ];
  for (const extra of cases) {
    for (const native of [false, true]) {
      const pod = testPod({ ...BASE, ...ann(extra) });
      const i = inject(pod, review(pod, testOptions({ nativeSidecars: native })));
      for (const c of [i.init, i.sidecar]) {
        if (!c) continue;
        const json = JSON.stringify(config(c));
        const parsed = parseAgentConfig(json, 'VAULT_CONFIG.json');
        assert.equal(parsed.autoAuth?.method.params.type, 'kubernetes');
        assert.equal(parsed.exitAfterAuth, c.name === 'vault-agent-init');
      }
    }
  }
});

async function renderEnv(secret: Value): Promise<string> {
  const pod = testPod({ ...BASE, ...ann({ 'agent-inject-env-api': 'secret/data/api' }) });
  const i = inject(pod, review(pod));
  const t = (config(i.init)?.['template'] as { contents: string; destination: string }[]).find((x) => x.destination.endsWith('api.env'));
  const funcs: Record<string, TemplateFunc> = { ...builtinFuncs({}), secret: () => secret };
  return execute(parseTemplate(t?.contents ?? ''), { funcs, errorOnMissingKey: false });
}

test('the env template renders KV v2 and KV v1 secrets into a file the shell sources exactly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'inj-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tricky = `it's "quoted" $HOME \`x\` \\ end`;
  for (const secret of [{ Data: { data: { API_KEY: tricky, N: 3 }, metadata: { version: 1 } } }, { Data: { API_KEY: tricky, N: 3 } }]) {
    const file = join(dir, 'api.env');
    writeFileSync(file, await renderEnv(secret as Value));
    const out = execFileSync('/bin/sh', ['-ec', `. '${file}' && exec "$0" "$@"`, 'node', '-e', 'process.stdout.write(JSON.stringify([process.env.API_KEY, process.env.N]))'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), [tricky, '3']);
  }
});
