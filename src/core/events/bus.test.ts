import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, type EventSink, type SubscriberGrant } from './bus.js';
import { absoluteMetadata, type PluginInfo } from './cloudevent.js';
import { compileFilter } from './filter.js';

const kv: PluginInfo = { mount_class: 'secret', mount_accessor: 'kv_0000abcd', mount_path: 'secret/', plugin: 'kv' };
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function sink(): EventSink & { got: any[]; closed: [number, string][] } { // any: parsed CloudEvents JSON
  const got: any[] = []; // any: as above
  const closed: [number, string][] = [];
  return { got, closed, send: (t) => got.push(JSON.parse(String(t))), close: (c, r) => closed.push([c, r]) };
}

const grant = (o: Partial<SubscriberGrant> = {}): SubscriberGrant => ({ root: true, allows: () => true, stillValid: async () => true, ...o });

describe('EventBus', () => {
  it('delivers on a later turn, never inside the publisher\'s call', async () => {
    const bus = new EventBus({ now: () => 0 }, 'node-1');
    const s = sink();
    bus.subscribe({ pattern: 'kv*', namespaces: [''], filter: null, grant: grant(), sink: s });
    bus.sender(kv).send('kv-v2/data-write', { path: 'data/a', data_path: 'data/a', modified: 'true', operation: 'data-write' });
    assert.equal(s.got.length, 0);
    await turn();
    assert.equal(s.got.length, 1);
    assert.equal(s.got[0].source, 'vault://node-1');
    assert.equal(s.got[0].time, '1970-01-01T00:00:00.000000000Z');
    assert.deepEqual(s.got[0].data.event.metadata, { path: 'secret/data/a', data_path: 'secret/data/a', modified: 'true', operation: 'data-write' });
  });

  it('filters by event type glob, filter expression and the grant; events without a data path reach root only', async () => {
    const bus = new EventBus({ now: () => 0 });
    const typed = sink();
    const filtered = sink();
    const scoped = sink();
    bus.subscribe({ pattern: 'kv-v1/*', namespaces: [''], filter: null, grant: grant(), sink: typed });
    bus.subscribe({ pattern: '*', namespaces: [''], filter: compileFilter('operation == data-delete'), grant: grant(), sink: filtered });
    bus.subscribe({ pattern: '*', namespaces: [''], filter: null, grant: grant({ root: false, allows: (p) => p.startsWith('secret/data/team/') }), sink: scoped });
    const send = bus.sender(kv).send;
    send('kv-v2/data-write', { path: 'data/team/a', data_path: 'data/team/a', operation: 'data-write' });
    send('kv-v2/data-write', { path: 'data/other', data_path: 'data/other', operation: 'data-write' });
    send('kv-v2/data-delete', { path: 'data/team/a', operation: 'data-delete' });
    await turn();
    assert.deepEqual(typed.got, []);
    assert.deepEqual(filtered.got.map((e) => e.data.event_type), ['kv-v2/data-delete']);
    assert.deepEqual(scoped.got.map((e) => e.data.event.metadata.path), ['secret/data/team/a']);
  });

  it('revalidation closes the subscriptions whose token is no longer valid; closeAll ends the rest', async () => {
    const bus = new EventBus({ now: () => 0 });
    const gone = sink();
    const kept = sink();
    bus.subscribe({ pattern: '*', namespaces: [''], filter: null, grant: grant({ stillValid: async () => false }), sink: gone });
    bus.subscribe({ pattern: '*', namespaces: [''], filter: null, grant: grant(), sink: kept });
    bus.revalidateAll();
    for (let i = 0; i < 5 && gone.closed.length === 0; i++) await turn();
    assert.deepEqual(gone.closed, [[1000, 'token no longer valid for this subscription']]);
    assert.equal(bus.subscriberCount, 1);
    bus.closeAll(1001, 'sealed');
    assert.deepEqual(kept.closed, [[1001, 'sealed']]);
    assert.equal(bus.subscriberCount, 0);
  });
});

describe('absoluteMetadata', () => {
  const cases: [PluginInfo, Record<string, string>, Record<string, string>][] = [
    [kv, { path: 'data/a', data_path: 'data/a', operation: 'x' }, { path: 'secret/data/a', data_path: 'secret/data/a', operation: 'x' }],
    [{ ...kv, mount_path: 'team/kv/' }, { path: 'config' }, { path: 'team/kv/config' }],
    [{ ...kv, mount_class: 'auth', mount_path: 'approle/' }, { path: 'role/r' }, { path: 'auth/approle/role/r' }],
  ];
  for (const [plugin, given, want] of cases) {
    it(`${plugin.mount_class} ${plugin.mount_path} ${given.path}`, () => assert.deepEqual(absoluteMetadata(given, plugin), want));
  }
});
