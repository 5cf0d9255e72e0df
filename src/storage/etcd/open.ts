/**
 * Opening the etcd store: connect, optionally learn the member list (Vault's `sync`), and
 * check the prefix is readable. An unreachable cluster at start is logged (addresses and
 * cause, never credentials) and retried until it answers or `signal` aborts, so a node
 * started before its etcd (a Kubernetes pod) becomes ready when etcd does.
 */
import { sleep } from '../../lib/sleep.js';
import { Etcd3 } from 'etcd3';
import { clientOptions, describeEndpoints, redactSecrets, silentLogger, type EtcdOptions, type StoreLogger } from './client-options.js';
import { EtcdPhysical } from './etcd-physical.js';
import { KeySpace, prefixEnd } from './keys.js';

export interface OpenOptions {
  logger?: StoreLogger;
  /** Stops the retrying; open then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Pause between attempts (default: 1 s doubling to 10 s). */
  retryDelayMs?: (attempt: number) => number;
}

const defaultDelay = (attempt: number): number => Math.min(10_000, 1000 * 2 ** Math.min(attempt - 1, 4));


/** One connection attempt: resolves with a client that answered, or rejects with why not. */
async function connect(o: EtcdOptions, log: StoreLogger): Promise<Etcd3> {
  let client = new Etcd3(clientOptions(o, o.endpoints, log));
  try {
    if (o.sync) {
      const res = await client.cluster.memberList({});
      const urls = [...new Set(res.members.flatMap((m) => m.clientURLs))].sort();
      if (urls.length > 0 && urls.join(',') !== [...o.endpoints].sort().join(',')) {
        client.close();
        client = new Etcd3(clientOptions(o, urls, log));
      }
    }
    const prefix = new KeySpace(o.path).prefix;
    await client.kv.range({ key: prefix, range_end: prefixEnd(prefix), limit: 1, keys_only: true });
    return client;
  } catch (e) {
    client.close();
    throw e;
  }
}

export async function openEtcdStore(o: EtcdOptions, opts: OpenOptions = {}): Promise<EtcdPhysical> {
  const log = opts.logger ?? silentLogger;
  const delay = opts.retryDelayMs ?? defaultDelay;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new DOMException(`opening etcd storage at ${describeEndpoints(o.endpoints)} was aborted`, 'AbortError');
    try {
      const client = await connect(o, log);
      if (attempt > 1) log.warn('etcd storage is reachable now', { address: describeEndpoints(o.endpoints) });
      return new EtcdPhysical(client, { path: o.path, haEnabled: o.haEnabled, lockTtlSeconds: o.lockTtlSeconds, maxRequestBytes: o.maxRequestBytes, logger: log });
    } catch (e) {
      const cause = redactSecrets((e as Error).message.replace(/^\w*Error: /, ''), o);
      log.error('cannot reach etcd storage; retrying', { address: describeEndpoints(o.endpoints), error: cause, attempt });
      await sleep(delay(attempt), opts.signal);
    }
  }
}
