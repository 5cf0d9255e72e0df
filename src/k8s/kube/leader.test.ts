import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Lease } from '@kubernetes/client-node';
import { KubeError } from './errors.js';
import { LeaderElector, type LeaderElectorOptions } from './leader.js';
import { microTime, timeMs, type LeaseLock } from './lease-lock.js';

/** One stored Lease with the API server's optimistic concurrency; each elector gets its own view that can be cut off. */
class LeaseStore {
  lease: V1Lease | undefined;
  rv = 0;
  writes: { by: string; holder: string }[] = [];

  view(who: string): LeaseLock & { partitioned: boolean } {
    const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    const check = (l: { partitioned: boolean }): void => {
      if (l.partitioned) throw new KubeError(0, 'ServiceUnavailable', 'connect ECONNREFUSED');
    };
    const lock = {
      description: 'lease test/l',
      partitioned: false,
      get: async () => {
        check(lock);
        return this.lease ? copy(this.lease) : undefined;
      },
      create: async (l: V1Lease) => {
        check(lock);
        if (this.lease) throw new KubeError(409, 'AlreadyExists', 'leases "l" already exists');
        this.lease = { ...copy(l), metadata: { name: 'l', namespace: 'test', resourceVersion: String(++this.rv) } };
        this.writes.push({ by: who, holder: l.spec?.holderIdentity ?? '' });
        return copy(this.lease);
      },
      update: async (l: V1Lease) => {
        check(lock);
        if (!this.lease) throw new KubeError(404, 'NotFound', 'leases "l" not found');
        if (l.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) throw new KubeError(409, 'Conflict', 'the object has been modified');
        this.lease = { ...copy(l), metadata: { ...this.lease.metadata, resourceVersion: String(++this.rv) } };
        this.writes.push({ by: who, holder: l.spec?.holderIdentity ?? '' });
        return copy(this.lease);
      },
    };
    return lock;
  }
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const timing = { leaseDurationSeconds: 1, renewDeadlineMs: 500, retryPeriodMs: 50 };

/** Electors that log start/stop and fail the test if two ever lead at once. */
function cluster(store: LeaseStore, names: string[]) {
  const log: string[] = [];
  let leaders = 0;
  let overlap = false;
  const electors = names.map((name) => {
    const lock = store.view(name);
    const e = new LeaderElector({
      lock,
      identity: name,
      ...timing,
      onStartedLeading: () => {
        leaders++;
        if (leaders > 1) overlap = true;
        log.push(`${name} started`);
      },
      onStoppedLeading: () => {
        leaders--;
        log.push(`${name} stopped`);
      },
    } satisfies LeaderElectorOptions);
    return { name, lock, e };
  });
  return { log, electors, overlap: () => overlap, leader: () => electors.filter((x) => x.e.isLeader) };
}

test('an absent Lease is created by the first candidate, with holder, times, duration and zero transitions', async () => {
  const store = new LeaseStore();
  const { electors } = cluster(store, ['a']);
  const a = electors[0]!;
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  const spec = store.lease?.spec;
  assert.equal(spec?.holderIdentity, 'a');
  assert.equal(spec?.leaseDurationSeconds, 1);
  assert.equal(spec?.leaseTransitions, 0);
  assert.ok(timeMs(spec?.acquireTime));
  const firstRenew = timeMs(store.lease?.spec?.renewTime) ?? 0;
  await until('renewed', () => (timeMs(store.lease?.spec?.renewTime) ?? 0) > firstRenew);
  assert.equal(store.lease?.spec?.acquireTime, spec?.acquireTime, 'renewals keep acquireTime');
  await a.e.stop();
  assert.equal(store.lease?.spec?.holderIdentity, '', 'stop releases the lease');
});

test('of three candidates exactly one leads; when it stops, another takes over without waiting for expiry and transitions count up', async () => {
  const store = new LeaseStore();
  const c = cluster(store, ['a', 'b', 'c']);
  for (const x of c.electors) x.e.start();
  await until('a leader', () => c.leader().length === 1);
  await new Promise((r) => setTimeout(r, 300)); // several renew rounds with everyone competing
  assert.equal(c.leader().length, 1);
  const first = c.leader()[0]!;
  await first.e.stop();
  await until('a successor', () => c.leader().length === 1);
  assert.notEqual(c.leader()[0]!.name, first.name);
  assert.equal(store.lease?.spec?.leaseTransitions, 1);
  assert.equal(c.overlap(), false);
  for (const x of c.electors) await x.e.stop();
});

test('a leader cut off from the API server steps down before anyone else starts leading, and the lease passes on after it expires', async () => {
  const store = new LeaseStore();
  const c = cluster(store, ['a', 'b']);
  const [a, b] = c.electors as [(typeof c.electors)[0], (typeof c.electors)[0]];
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  b.e.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(b.e.isLeader, false, 'b waits while a renews');
  a.lock.partitioned = true; // a's process hangs or loses the network: no renewals, no release
  await until('b leads', () => b.e.isLeader);
  assert.deepEqual(c.log, ['a started', 'a stopped', 'b started'], 'a stopped before b started');
  assert.equal(c.overlap(), false);
  assert.equal(store.lease?.spec?.holderIdentity, 'b');
  a.lock.partitioned = false;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(a.e.isLeader, false, 'a rejoins as a candidate, not as leader');
  await a.e.stop();
  await b.e.stop();
});

test('a renewal seen in a slow read counts from when it was seen, not from when the read began (client-go)', async () => {
  // The holder renews while the candidate's read is in flight. Expiry must be judged from
  // the moment the candidate saw that renewal, so the lease is taken no sooner than a full
  // lease duration after the renewal landed (timing the read's start instead took it early).
  const store = new LeaseStore();
  const holder = store.view('a');
  await holder.create({ metadata: {}, spec: { holderIdentity: 'a', leaseDurationSeconds: 1, renewTime: microTime(Date.now()), acquireTime: microTime(Date.now()), leaseTransitions: 0 } });
  const lock = store.view('b');
  let reads = 0;
  let readStarted!: () => void;
  const started = new Promise<void>((r) => (readStarted = r));
  let releaseRead!: () => void;
  const held = new Promise<void>((r) => (releaseRead = r));
  const slow: LeaseLock = {
    ...lock,
    get: async () => {
      if (reads++ === 0) {
        readStarted();
        await held;
      }
      return lock.get();
    },
  };
  const b = new LeaderElector({ lock: slow, identity: 'b', ...timing });
  b.start();
  await started;
  await new Promise((r) => setTimeout(r, 300)); // the read is in flight for a while
  const current = (await holder.get())!;
  await holder.update({ ...current, spec: { ...current.spec, renewTime: microTime(Date.now()) } });
  const renewedAt = Date.now();
  releaseRead();
  await until('b leads', () => b.isLeader);
  const acquiredAt = timeMs(store.lease?.spec?.acquireTime) ?? 0;
  assert.ok(acquiredAt - renewedAt >= 1000, `b took the lease ${acquiredAt - renewedAt} ms after the renewal it saw (lease duration 1 s)`);
  await b.stop();
});

test('a conflicting write (409) is a lost round, not an error that stops the elector', async () => {
  const store = new LeaseStore();
  const lock = store.view('a');
  let conflicts = 1;
  const racing: LeaseLock = {
    ...lock,
    create: async (l) => {
      if (conflicts-- > 0) throw new KubeError(409, 'AlreadyExists', 'leases "l" already exists');
      return lock.create(l);
    },
  };
  const errors: unknown[] = [];
  const e = new LeaderElector({ lock: racing, identity: 'a', ...timing, onError: (err) => errors.push(err) });
  e.start();
  await until('a leads after the lost round', () => e.isLeader);
  assert.equal(errors.length, 1);
  await e.stop();
});

test('inconsistent timings are refused up front', () => {
  const lock = new LeaseStore().view('x');
  assert.throws(() => new LeaderElector({ lock, identity: 'x', leaseDurationSeconds: 1, renewDeadlineMs: 1000 }), /renewDeadlineMs/);
  assert.throws(() => new LeaderElector({ lock, identity: 'x', leaseDurationSeconds: 2, renewDeadlineMs: 500, retryPeriodMs: 500 }), /retryPeriodMs/);
  assert.throws(() => new LeaderElector({ lock, identity: 'x', leaseDurationSeconds: 1.5 }), /whole number/);
  assert.throws(() => new LeaderElector({ lock, identity: '', ...timing }), /identity/);
});
