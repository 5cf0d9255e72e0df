/**
 * The manager's part for one sync kind: an informer per watched namespace on the kind's
 * resources, one controller running the kind's reconciler, the resources that use a given
 * VaultAuth, and the kind's metrics (controller-runtime's names, labelled by controller).
 */
import { Controller } from '../kube/controller.js';
import { Informer } from '../kube/informer.js';
import { objectKey } from '../kube/keys.js';
import { listWatches } from '../kube/list-watch.js';
import { parseRef } from './spec.js';
import type { Cr, SyncContext, SyncKind } from './sync-kind.js';

export interface RunningKind {
  kind: SyncKind;
  ctl: Controller;
  informers: Informer<Cr>[];
  keys(): string[];
  /** Keys of this kind's resources whose `vaultAuthRef` names `auth`. */
  usersOfAuth(auth: Cr, operatorNamespace: string): string[];
  counters: { reconcileErrors: number; terminalErrors: number };
}

export function runKind(kind: SyncKind, ctx: Omit<SyncContext, 'crs'>, namespaces: (string | undefined)[], onInformerError: (err: Error) => void): RunningKind {
  const informers = namespaces.map((ns) => new Informer<Cr>(listWatches.customObjects<Cr>(ctx.kube, kind.resource, ns), { resyncMs: 10 * 60_000, onError: onInformerError }));
  const crs = {
    get: (key: string) => informers.map((i) => i.get(key)).find((x) => x !== undefined),
    keys: () => informers.flatMap((i) => i.keys()),
  };
  const counters = { reconcileErrors: 0, terminalErrors: 0 };
  const ctl = new Controller({
    name: kind.controller,
    workers: 4,
    reconcile: kind.reconciler({ ...ctx, crs }),
    onError: (key, err) => {
      counters.reconcileErrors++;
      ctx.log('reconcile failed; retrying with backoff', { controller: kind.controller, resource: key, error: (err as Error).message });
    },
    onTerminal: (key, err) => {
      counters.terminalErrors++;
      ctx.log('invalid resource; not retried until it changes', { controller: kind.controller, resource: key, error: err.message });
    },
  });
  for (const inf of informers) {
    // Status-only updates (our own writes) do not need a reconcile; spec changes, metadata
    // changes (finalizers, deletion) and resyncs do.
    inf.addHandlers({
      add: (o) => ctl.enqueue(objectKey(o)),
      update: (a, b) => {
        if (a.metadata.resourceVersion === b.metadata.resourceVersion || a.metadata.generation !== b.metadata.generation || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp) ctl.enqueue(objectKey(b));
      },
      delete: (o) => ctl.enqueue(objectKey(o)),
    });
  }
  const usersOfAuth = (auth: Cr, operatorNamespace: string): string[] => informers.flatMap((i) => i.list()).filter((v) => {
    const named = (v.spec as { vaultAuthRef?: unknown } | undefined)?.vaultAuthRef;
    const ref = parseRef(typeof named === 'string' ? named : undefined, v.metadata.namespace ?? '', operatorNamespace);
    return ref.namespace === auth.metadata.namespace && ref.name === auth.metadata.name;
  }).map((v) => objectKey(v));
  return { kind, ctl, informers, keys: crs.keys, usersOfAuth, counters };
}

/** Prometheus text for every kind's controller. */
export function kindMetrics(kinds: RunningKind[]): string {
  const lines = ['# TYPE controller_runtime_reconcile_errors_total counter'];
  for (const k of kinds) lines.push(`controller_runtime_reconcile_errors_total{controller="${k.kind.controller}"} ${k.counters.reconcileErrors}`);
  lines.push('# TYPE ward_operator_terminal_errors_total counter');
  for (const k of kinds) lines.push(`ward_operator_terminal_errors_total{controller="${k.kind.controller}"} ${k.counters.terminalErrors}`);
  lines.push('# TYPE workqueue_depth gauge');
  for (const k of kinds) lines.push(`workqueue_depth{name="${k.kind.controller}"} ${k.ctl.queue.len()}`);
  lines.push('');
  return lines.join('\n');
}
