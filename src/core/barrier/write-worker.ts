/**
 * The barrier's write thread (see write-behind.ts): seals each value under the active
 * key term and hands it to this thread's own connection to the physical store, then
 * acknowledges the batch once the store says it is durable. It holds one key, the active
 * term's, and zeroes it on seal, on replacement and when the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PhysicalBackend, TxOp } from '../../storage/physical.js';
import { zeroize } from '../../lib/secure.js';
import { encrypt } from './aes-gcm.js';
import type { ToWorker, FromWorker, WriterInit } from './write-protocol.js';

const port = parentPort;
if (port === null) throw new Error('write-worker must run as a worker thread');
const init = workerData as WriterInit;

const opener = (await import(init.opener.module)) as Record<string, unknown>;
const open = opener[init.opener.exportName];
if (typeof open !== 'function') throw new Error(`${init.opener.module} has no ${init.opener.exportName}`);
const physical = (await (open as (...args: unknown[]) => PhysicalBackend | Promise<PhysicalBackend>)(...init.opener.args)) as PhysicalBackend;

let term = 0;
let key: Buffer | null = null;
/** Batches whose acknowledgement is not yet sent; `close` waits for them. */
const outstanding = new Set<Promise<void>>();

const reply = (m: FromWorker): void => port.postMessage(m);

/** Seals every op of a batch and hands them to the store as one transaction: one commit, all or nothing. */
function apply(m: Extract<ToWorker, { type: 'batch' }>): void {
  const data = Buffer.from(m.data);
  let done: Promise<void>;
  try {
    const ops: TxOp[] = [];
    let off = 0;
    for (let i = 0; i < m.keys.length; i++) {
      const k = m.keys[i]!;
      const len = m.lengths[i]!;
      if (len < 0) {
        ops.push({ op: 'delete', key: k });
        continue;
      }
      if (key === null) throw new Error('barrier write thread has no key');
      const plain = data.subarray(off, off + len);
      off += len;
      ops.push({ op: 'put', key: k, value: encrypt(key, term, plain, k) });
    }
    done = physical.transaction(ops);
  } catch (e) {
    done = Promise.reject(e);
  } finally {
    zeroize(data);
  }
  const replied = done.then(
    () => reply({ type: 'ack', id: m.id, error: null }),
    (e: unknown) => reply({ type: 'ack', id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
  outstanding.add(replied);
  void replied.then(() => outstanding.delete(replied));
}

/** Commits and syncs what was issued, acknowledges it, then closes the store. */
async function close(): Promise<string | undefined> {
  zeroize(key);
  key = null;
  let error: string | undefined;
  await physical.close().catch((e: unknown) => {
    error = e instanceof Error ? e.message : String(e);
  });
  await Promise.all([...outstanding]);
  return error;
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'key':
      zeroize(key);
      // A view of the transferred buffer, which this thread alone now owns.
      key = Buffer.from(m.key);
      term = m.term;
      return;
    case 'batch':
      apply(m);
      return;
    case 'close':
      // Every batch posted before this message has been issued to the store.
      void close().then((error) => {
        reply(error === undefined ? { type: 'closed' } : { type: 'closed', error });
        port.close();
      });
      return;
  }
});
