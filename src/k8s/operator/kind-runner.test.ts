import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TerminalError } from '../kube/controller.js';
import { countingReconcile, kindMetrics, type ReconcileCounters, type RunningKind } from './kind-runner.js';

test('reconcile_total counts each outcome; /metrics carries it and the process gauges', async () => {
  const counters: ReconcileCounters = { reconcileErrors: 0, terminalErrors: 0, reconciles: { success: 0, requeue_after: 0, error: 0 } };
  const outcomes: Array<() => unknown> = [() => undefined, () => ({ requeueAfter: 5 }), () => { throw new Error('x'); }, () => { throw new TerminalError('bad'); }, () => ({ requeueAfter: 0 })];
  const r = countingReconcile(async () => outcomes.shift()?.() as undefined, counters);
  for (let i = 0; i < 5; i++) await r('ns/a', new AbortController().signal).catch(() => undefined);
  assert.deepEqual(counters.reconciles, { success: 2, requeue_after: 1, error: 2 });
  const kind = { kind: { controller: 'vaultstaticsecret' }, counters, ctl: { queue: { len: () => 3 } } } as unknown as RunningKind;
  const text = kindMetrics([kind]);
  assert.match(text, /^controller_runtime_reconcile_total\{controller="vaultstaticsecret",result="success"\} 2$/m);
  assert.match(text, /^controller_runtime_reconcile_total\{controller="vaultstaticsecret",result="error"\} 2$/m);
  assert.match(text, /^workqueue_depth\{name="vaultstaticsecret"\} 3$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
});
