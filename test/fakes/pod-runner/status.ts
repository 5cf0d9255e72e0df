/**
 * The pod status the runner reports, shaped like the kubelet's: per-container state
 * (waiting/running/terminated with exit code and Completed/Error), restartCount, started
 * and ready, the pod phase and its conditions.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerStatus, PodStatus } from './types.js';

/** RFC 3339 with seconds, as Kubernetes writes timestamps. */
export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function initialStatus(c: V1Container, reason: string): ContainerStatus {
  return { name: c.name, image: c.image ?? '', ready: false, started: false, restartCount: 0, state: { waiting: { reason } }, lastState: {} };
}

export function running(s: ContainerStatus, started: boolean): void {
  s.state = { running: { startedAt: now() } };
  s.started = started;
  s.ready = started;
}

export function terminated(s: ContainerStatus, exitCode: number, message?: string): void {
  const startedAt = s.state.running?.startedAt;
  s.state = {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      ...(exitCode > 128 ? { signal: exitCode - 128 } : {}),
      ...(startedAt ? { startedAt } : {}),
      finishedAt: now(),
      ...(message ? { message } : {}),
    },
  };
  s.started = false;
  s.ready = false;
}

export function podStatus(phase: PodStatus['phase'], init: ContainerStatus[], apps: ContainerStatus[], startTime: string, ip: { host: string; pod: string }, message?: { reason?: string; message: string }): PodStatus {
  const t = now();
  const initialized = init.every((s) => s.state.terminated?.exitCode === 0 || s.started);
  const ready = apps.every((s) => s.ready) && init.filter((s) => s.state.running).every((s) => s.ready);
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? ('True' as const) : ('False' as const), lastTransitionTime: t });
  return {
    phase,
    ...(message?.reason ? { reason: message.reason } : {}),
    ...(message ? { message: message.message } : {}),
    hostIP: ip.host,
    podIP: ip.pod,
    podIPs: [{ ip: ip.pod }],
    startTime,
    conditions: [cond('PodScheduled', true), cond('Initialized', initialized), cond('ContainersReady', ready), cond('Ready', ready)],
    initContainerStatuses: structuredClone(init),
    containerStatuses: structuredClone(apps),
  };
}
