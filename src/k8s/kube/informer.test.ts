import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeError } from './errors.js';
import { Informer } from './informer.js';
import type { ListWatch, WatchEventType } from './list-watch.js';

type Obj = KubernetesObject & { data?: string };

/** An in-memory list/watch: the test edits objects and ends or breaks watch streams. */
class FakeListWatch implements ListWatch<Obj> {
  rv = 0;
  objects = new Map<string, Obj>();
  lists = 0;
  watchesFrom: string[] = [];
  listFailures: KubeError[] = [];
  #stream: { onEvent: (t: WatchEventType, o: Obj) => void; end: (err?: KubeError) => void } | undefined;

  put(name: string, data: string): void {
    const obj: Obj = { metadata: { namespace: 'ns', name, resourceVersion: String(++this.rv) }, data };
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    this.objects.set(name, obj);
    this.#stream?.onEvent(type, obj);
  }

  /** A raw watch event, as the server sent it. */
  send(type: WatchEventType, obj: Obj): void {
    this.#stream?.onEvent(type, obj);
  }

  remove(name: string): void {
    const obj = this.objects.get(name);
    this.objects.delete(name);
    this.rv++;
    if (obj) this.#stream?.onEvent('DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } });
  }

  /** Changes made while nobody watches (the informer only learns of them by relisting). */
  offline(fn: () => void): void {
    const s = this.#stream;
    this.#stream = undefined;
    fn();
    this.#stream = s;
  }

  get watching(): boolean {
    return this.#stream !== undefined;
  }

  end(err?: KubeError): void {
    const s = this.#stream;
    this.#stream = undefined;
    s?.end(err);
  }

  async list(): Promise<{ items: Obj[]; resourceVersion: string }> {
    this.lists++;
    const f = this.listFailures.shift();
    if (f) throw f;
    return { items: [...this.objects.values()], resourceVersion: String(this.rv) };
  }

  watch(resourceVersion: string, onEvent: (t: WatchEventType, o: Obj) => void, signal: AbortSignal): Promise<void> {
    this.watchesFrom.push(resourceVersion);
    return new Promise((resolve, reject) => {
      this.#stream = { onEvent, end: (err) => (err ? reject(err) : resolve()) };
      signal.addEventListener('abort', () => {
        this.#stream = undefined;
        resolve();
      }, { once: true });
    });
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function recorder(): { events: string[]; handlers: { add(o: Obj): void; update(a: Obj, b: Obj): void; delete(o: Obj): void } } {
  const events: string[] = [];
  return {
    events,
    handlers: {
      add: (o) => events.push(`add ${o.metadata?.name}=${o.data}`),
      update: (_a, b) => events.push(`update ${b.metadata?.name}=${b.data}`),
      delete: (o) => events.push(`delete ${o.metadata?.name}`),
    },
  };
}

const fast = { baseMs: 1, maxMs: 5 };

test('the first list fills the cache (keyed namespace/name) and watch events keep it current', async (t) => {
  const lw = new FakeListWatch();
  lw.put('a', '1');
  const inf = new Informer(lw, { backoff: fast });
  const r = recorder();
  inf.addHandlers(r.handlers);
  t.after(() => inf.stop());
  await inf.start();
  assert.equal(inf.hasSynced, true);
  assert.equal(inf.get('ns/a')?.data, '1');
  await until('watching', () => lw.watching);
  assert.deepEqual(lw.watchesFrom, ['1'], 'watches from the list version');
  lw.put('b', '2');
  lw.put('a', '3');
  lw.remove('b');
  assert.deepEqual(r.events, ['add a=1', 'add b=2', 'update a=3', 'delete b']);
  assert.deepEqual(inf.keys(), ['ns/a']);
  assert.equal(inf.get('ns/a')?.data, '3');
});

test('410 Gone relists and reports only what changed while the watch was lost', async (t) => {
  const lw = new FakeListWatch();
  lw.put('keep', 'k');
  lw.put('edit', 'old');
  lw.put('drop', 'd');
  const inf = new Informer(lw, { backoff: fast });
  const r = recorder();
  inf.addHandlers(r.handlers);
  t.after(() => inf.stop());
  await inf.start();
  await until('watching', () => lw.watching);
  r.events.length = 0;
  lw.offline(() => {
    lw.put('edit', 'new');
    lw.remove('drop');
    lw.put('fresh', 'f');
  });
  lw.end(new KubeError(410, 'Expired', 'too old resource version'));
  await until('relisted and watching again', () => lw.lists === 2 && lw.watching);
  assert.deepEqual(r.events.sort(), ['add fresh=f', 'delete drop', 'update edit=new']);
  assert.deepEqual(inf.keys().sort(), ['ns/edit', 'ns/fresh', 'ns/keep']);
});

test('a stream that ends resumes from the last version seen without relisting', async (t) => {
  const lw = new FakeListWatch();
  const inf = new Informer(lw, { backoff: fast });
  t.after(() => inf.stop());
  await inf.start();
  await until('watching', () => lw.watching);
  lw.put('a', '1');
  lw.end();
  await until('watching again', () => lw.watching && lw.watchesFrom.length === 2);
  assert.deepEqual(lw.watchesFrom, ['0', '1']);
  assert.equal(lw.lists, 1);
});

test('an unreachable server is retried with backoff, keeping the cache, and every failure is reported', async (t) => {
  const lw = new FakeListWatch();
  lw.put('a', '1');
  const errors: KubeError[] = [];
  const down = new KubeError(0, 'ServiceUnavailable', 'connect ECONNREFUSED');
  lw.listFailures.push(down, down);
  const inf = new Informer(lw, { backoff: fast, onError: (e) => errors.push(e) });
  t.after(() => inf.stop());
  await inf.start();
  assert.equal(lw.lists, 3, 'two failed lists, then one that worked');
  await until('watching', () => lw.watching);
  for (let i = 0; i < 3; i++) {
    lw.end(down);
    await until(`watch retry ${i}`, () => lw.watching);
  }
  assert.equal(errors.length, 5);
  assert.equal(lw.lists, 3, 'a failed watch resumes; it does not relist');
  assert.equal(inf.get('ns/a')?.data, '1');
});

test('resync delivers every cached object again as an update, periodically', async (t) => {
  const lw = new FakeListWatch();
  lw.put('a', '1');
  lw.put('b', '2');
  const inf = new Informer(lw, { backoff: fast, resyncMs: 20 });
  const r = recorder();
  inf.addHandlers(r.handlers);
  t.after(() => inf.stop());
  await inf.start();
  await until('two resyncs', () => r.events.filter((e) => e === 'update a=1').length >= 2 && r.events.filter((e) => e === 'update b=2').length >= 2);
});

test('a handler added after the sync first gets an add for each cached object; a throwing handler does not stop the others', async (t) => {
  const lw = new FakeListWatch();
  lw.put('a', '1');
  const inf = new Informer(lw, { backoff: fast });
  t.after(() => inf.stop());
  inf.addHandlers({ add: () => { throw new Error('handler bug'); } });
  await inf.start();
  const r = recorder();
  inf.addHandlers(r.handlers);
  assert.deepEqual(r.events, ['add a=1']);
  await until('watching', () => lw.watching);
  lw.put('b', '2');
  assert.deepEqual(r.events, ['add a=1', 'add b=2']);
});

test('stop ends the watch and no further list or watch happens', async () => {
  const lw = new FakeListWatch();
  const inf = new Informer(lw, { backoff: fast });
  await inf.start();
  await until('watching', () => lw.watching);
  await inf.stop();
  assert.equal(lw.watching, false);
  const before = [lw.lists, lw.watchesFrom.length];
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual([lw.lists, lw.watchesFrom.length], before);
});

test('the cache never keeps metadata.managedFields (server-side apply bookkeeping, often larger than the object)', async (t) => {
  const lw = new FakeListWatch();
  const managed = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
  lw.objects.set('a', { metadata: { namespace: 'ns', name: 'a', resourceVersion: '1', managedFields: managed }, data: 'x' } as Obj);
  const inf = new Informer(lw);
  t.after(() => inf.stop());
  await inf.start();
  assert.equal(inf.get('ns/a')?.metadata?.managedFields, undefined, 'from the list');
  await until('the watch', () => lw.watching);
  lw.send('ADDED', { metadata: { namespace: 'ns', name: 'b', resourceVersion: '2', managedFields: managed }, data: 'y' } as Obj);
  await until('b', () => inf.get('ns/b') !== undefined);
  assert.equal(inf.get('ns/b')?.metadata?.managedFields, undefined, 'from a watch event');
  assert.equal(inf.get('ns/b')?.data, 'y');
});
