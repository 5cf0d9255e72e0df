import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventMessage, EventSubscription, SubscribeOptions } from '../../api/index.js';
import type { LoginTarget } from './clients.js';
import { InstantUpdates, kvEventPath } from './instant-updates.js';

function target(auth: string, namespace = 'apps'): LoginTarget {
  return {
    connection: { address: 'https://ward:8200', headers: {}, skipTLSVerify: false },
    caPem: undefined,
    auth: { kubernetes: { role: 'r', serviceAccount: 'default', audiences: [], tokenExpirationSeconds: 600 }, mount: 'kubernetes', headers: {}, params: {} },
    authKey: auth,
    namespace,
  } as unknown as LoginTarget;
}

interface FakeSocket {
  options: SubscribeOptions;
  closed: boolean;
  up: boolean;
}

/** What the real subscription does on a state change: update `connected`, then report it. */
function setState(s: FakeSocket, st: Parameters<NonNullable<SubscribeOptions['onState']>>[0]): void {
  s.up = st.connected;
  s.options.onState?.(st);
}

const involved = (name: string) => ({ apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', namespace: 'apps', name, uid: `u-${name}` });

function harness() {
  const sockets: FakeSocket[] = [];
  const enqueued: string[] = [];
  const recorded: string[] = [];
  const iu = new InstantUpdates({
    event: async (o, type, reason, message) => {
      recorded.push(`${o.name} ${type} ${reason}: ${message}`);
    },
    open: (_t, options) => {
      const s: FakeSocket = { options, closed: false, up: false };
      sockets.push(s);
      const sub: EventSubscription = {
        get connected() {
          return s.up;
        },
        opened: async () => {},
        close: () => (s.closed = true),
      };
      return sub;
    },
    enqueue: (k) => enqueued.push(k),
  });
  const event = (s: FakeSocket, path: string, o: { modified?: string; namespace?: string } = {}): void =>
    s.options.onEvent({ id: '1', time: '', eventType: 'kv-v2/data-write', namespace: o.namespace ?? '', metadata: { path, modified: o.modified ?? 'true' }, pluginInfo: {}, raw: {} } as EventMessage);
  return { iu, sockets, enqueued, event, recorded };
}

describe('kvEventPath (what an event about the resource names)', () => {
  it('kv-v2 reads through data/, kv-v1 directly', () => {
    assert.equal(kvEventPath({ type: 'kv-v2', mount: 'secret', path: 'app/db' }), 'secret/data/app/db');
    assert.equal(kvEventPath({ type: 'kv-v1', mount: 'kv', path: 'app/db' }), 'kv/app/db');
  });
});

describe('InstantUpdates', () => {
  it('one socket per login, shared; events about a resource\'s path enqueue it', () => {
    const h = harness();
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    h.iu.watch('apps/b', target('auth-1'), { namespace: '', path: 'secret/data/b' }, involved('b'));
    assert.equal(h.sockets.length, 1);
    assert.equal(h.sockets[0]!.options.eventType, 'kv*');
    h.event(h.sockets[0]!, 'secret/data/b');
    h.event(h.sockets[0]!, 'secret/data/c');
    h.event(h.sockets[0]!, 'secret/data/a', { modified: 'false' });
    h.event(h.sockets[0]!, 'secret/data/a', { namespace: 'team' });
    assert.deepEqual(h.enqueued, ['apps/b']);
  });

  it('watching again is idempotent; a different login opens its own socket and moves the resource', () => {
    const h = harness();
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    assert.equal(h.sockets.length, 1);
    h.iu.watch('apps/a', target('auth-2'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    assert.equal(h.sockets.length, 2);
    assert.equal(h.sockets[0]!.closed, true, 'the first login has no resource left');
  });

  it('unwatching the last resource closes the socket', () => {
    const h = harness();
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    h.iu.watch('apps/b', target('auth-1'), { namespace: '', path: 'secret/data/b' }, involved('b'));
    h.iu.unwatch('apps/a');
    assert.equal(h.sockets[0]!.closed, false);
    h.iu.unwatch('apps/b');
    assert.equal(h.sockets[0]!.closed, true);
  });

  it('Events on the resources tell when watching starts and when the stream fails (once per outage), as VSO\'s reasons', () => {
    const h = harness();
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    const s = h.sockets[0]!;
    setState(s, { connected: false, failures: 1, error: new Error('permission denied') });
    setState(s, { connected: false, failures: 2, error: new Error('permission denied') });
    setState(s, { connected: true, failures: 0 });
    assert.deepEqual(h.recorded, ['a Warning EventWatcherError: Error while watching events: permission denied', 'a Normal EventWatcherStarted: Started watching events']);
  });

  it('after a reconnect every resource on the socket is enqueued (changes made while it was down)', () => {
    const h = harness();
    h.iu.watch('apps/a', target('auth-1'), { namespace: '', path: 'secret/data/a' }, involved('a'));
    h.iu.watch('apps/b', target('auth-1'), { namespace: '', path: 'secret/data/b' }, involved('b'));
    const s = h.sockets[0]!;
    setState(s, { connected: true, failures: 0 });
    assert.deepEqual(h.enqueued, [], 'the first connection is not a reconnect');
    setState(s, { connected: false, failures: 0, error: new Error('closed') });
    setState(s, { connected: true, failures: 0 });
    assert.deepEqual(h.enqueued.sort(), ['apps/a', 'apps/b']);
  });
});
