/**
 * Tests about the event loop: whether work lets it turn, and whether a synchronous call
 * ever finishes (which only another thread can observe, since a call that never returns
 * blocks the thread that would notice).
 */
import { Worker } from 'node:worker_threads';

/**
 * Counts event-loop turns (setImmediate callbacks) until `work` settles. Work done on
 * the loop finishes before the first turn, so it scores 0.
 */
export async function turnsDuring<T>(work: () => T | Promise<T>): Promise<{ turns: number; value: T }> {
  let turns = 0;
  let done = false;
  const spin = (): void => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  done = true;
  return { turns, value };
}

export type WorkerCall<T> = { finished: true; value: T | undefined; error: string | undefined } | { finished: false };

/**
 * Calls `exportName(...args)` of the compiled module at `moduleUrl` (pass
 * `new URL('./x.js', import.meta.url).href`) in a worker thread. Resolves with its value
 * or the message it threw, or with `finished: false` when it had not returned by the
 * deadline (the worker is then terminated). Arguments and result cross by structured clone.
 */
export async function callInWorker<T>(moduleUrl: string, exportName: string, args: readonly unknown[], deadlineMs: number): Promise<WorkerCall<T>> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.moduleUrl).then((m) => {
      let value, error;
      try { value = m[workerData.exportName](...workerData.args); } catch (e) { error = String(e && e.message || e); }
      parentPort.postMessage({ value, error });
    });`;
  const worker = new Worker(source, { eval: true, workerData: { moduleUrl, exportName, args } });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<WorkerCall<T>>((resolve, reject) => {
      worker.once('message', (m: { value: T | undefined; error: string | undefined }) => resolve({ finished: true, value: m.value, error: m.error }));
      worker.once('error', reject);
      timer = setTimeout(() => resolve({ finished: false }), deadlineMs);
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
