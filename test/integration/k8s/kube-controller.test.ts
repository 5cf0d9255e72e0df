/**
 * The library end to end, the way the secrets operator will use it: informers on a custom
 * resource and on Secrets feed one controller; reconcile reads only the caches (level-based)
 * and converges the Secret to the custom resource's spec, whatever happened in between: bursts
 * of edits, the Secret deleted or edited by hand. A bad spec is a TerminalError: reported,
 * not retried.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiextensionsV1Api, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { KubeClient, MERGE_PATCH } from '../../../src/k8s/kube/client.js';
import { Controller, TerminalError } from '../../../src/k8s/kube/controller.js';
import { isConflict } from '../../../src/k8s/kube/errors.js';
import { Informer } from '../../../src/k8s/kube/informer.js';
import { splitKey } from '../../../src/k8s/kube/keys.js';
import { listWatches } from '../../../src/k8s/kube/list-watch.js';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { waitFor } from '../../helpers/wait.js';

type Greeting = KubernetesObject & { spec?: { message?: string } };
const GREETINGS = { group: 'test.ward.io', version: 'v1', plural: 'greetings' };
const OWNER = 'test.ward.io/greeting';
const NS = 'apps';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();

test('a level-based controller converges Secrets to custom resources through bursts, hand edits and deletions; bad specs are terminal', async (t) => {
  const k = await startFakeKubeApiServer({ namespaces: { [NS]: {} } });
  t.after(() => k.close());
  const kc = kubeConfigFor(k);
  const c = new KubeClient(kc);
  await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
    body: {
      metadata: { name: 'greetings.test.ward.io' },
      spec: {
        group: 'test.ward.io',
        scope: 'Namespaced',
        names: { plural: 'greetings', singular: 'greeting', kind: 'Greeting', listKind: 'GreetingList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
      },
    },
  });

  const greetings = new Informer<Greeting>(listWatches.customObjects<Greeting>(c, GREETINGS, NS), { resyncMs: 60_000 });
  const secrets = new Informer<V1Secret>(listWatches.secrets(c, NS, { labelSelector: OWNER }));
  const runs = new Map<string, number>();
  const terminal: string[] = [];
  let conflicts = 0;
  const ctl = new Controller({
    name: 'greetings',
    workers: 2,
    backoff: { baseMs: 10, maxMs: 200 },
    onTerminal: (key, err) => terminal.push(`${key}: ${err.message}`),
    reconcile: async (key) => {
      runs.set(key, (runs.get(key) ?? 0) + 1);
      const g = greetings.get(key);
      if (!g) return; // deleted: its Secret goes with it (owner reference)
      const message = g.spec?.message;
      if (typeof message !== 'string' || message === '') throw new TerminalError('spec.message: required');
      const { namespace = NS, name } = splitKey(key);
      const want = { message: b64(message) };
      const have = secrets.get(`${namespace}/${name}-greeting`);
      if (!have) {
        await c.core.createNamespacedSecret({
          namespace,
          body: {
            metadata: { name: `${name}-greeting`, labels: { [OWNER]: name }, ownerReferences: [{ apiVersion: 'test.ward.io/v1', kind: 'Greeting', name, uid: g.metadata?.uid ?? '', controller: true }] },
            data: want,
          },
        });
      } else if (have.data?.['message'] !== want.message) {
        // With the cached resourceVersion: if the cache is behind, 409, and the retry sees the newer state.
        await c.core.replaceNamespacedSecret({ namespace, name: `${name}-greeting`, body: { ...have, data: want } }).catch((e: unknown) => {
          conflicts += isConflict(e) ? 1 : 0;
          throw e;
        });
      }
    },
  });
  ctl.watch(greetings);
  ctl.watch(secrets, (s) => [`${s.metadata?.namespace}/${s.metadata?.labels?.[OWNER] ?? ''}`]);
  await Promise.all([greetings.start(), secrets.start()]);
  ctl.start();
  t.after(async () => {
    await ctl.stop();
    await greetings.stop();
    await secrets.stop();
  });

  const secretMessage = (name: string): string | undefined => {
    const s = k.object('v1', 'Secret', NS, `${name}-greeting`) as { data?: Record<string, string> } | undefined;
    return s ? unb64(s.data?.['message']) : undefined;
  };
  const create = (name: string, spec: Record<string, unknown>) => c.custom.createNamespacedCustomObject({ ...GREETINGS, namespace: NS, body: { apiVersion: 'test.ward.io/v1', kind: 'Greeting', metadata: { name }, spec } });
  const setMessage = (name: string, message: string) => c.custom.patchNamespacedCustomObject({ ...GREETINGS, namespace: NS, name, body: { spec: { message } } }, MERGE_PATCH);

  await create('hello', { message: 'hi' });
  await waitFor('the Secret', () => secretMessage('hello') === 'hi');

  // A burst of edits: whatever interleaving, the Secret ends at the last value.
  for (let i = 1; i <= 5; i++) await setMessage('hello', `hi ${i}`);
  await waitFor('the last value', () => secretMessage('hello') === 'hi 5', { context: () => String(secretMessage('hello')) });

  // Deleted by hand: recreated. Edited by hand: reverted.
  await c.core.deleteNamespacedSecret({ namespace: NS, name: 'hello-greeting' });
  await waitFor('recreated', () => secretMessage('hello') === 'hi 5');
  await c.core.patchNamespacedSecret({ namespace: NS, name: 'hello-greeting', body: { data: { message: b64('tampered') } } }, MERGE_PATCH);
  await waitFor('reverted', () => secretMessage('hello') === 'hi 5', { context: () => String(secretMessage('hello')) });

  // A bad spec is reported once and left alone; a later good object is still served.
  await create('broken', {});
  await waitFor('terminal report', () => terminal.length === 1);
  assert.deepEqual(terminal, [`${NS}/broken: spec.message: required`]);
  await create('after', { message: 'later' });
  await waitFor('the later object', () => secretMessage('after') === 'later');
  assert.equal(runs.get(`${NS}/broken`), 1, 'not retried');
  assert.equal(secretMessage('broken'), undefined);
  t.diagnostic(`reconciles: ${JSON.stringify(Object.fromEntries(runs))}, conflicts retried: ${conflicts}`);
});
