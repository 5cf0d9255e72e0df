/**
 * `runPod`: runs a stored pod's containers as local processes, in the kubelet's order.
 * Init containers one at a time, each to completion (a failure fails the pod when it may
 * not restart); native sidecars (init containers with restartPolicy Always) start in order
 * and keep running, the next container waiting for a sidecar's startupProbe; then every app
 * container at once. When all app containers are done and the pod does not restart them
 * (Never/OnFailure, as for Jobs), the sidecars get SIGTERM in reverse order and the pod
 * becomes Succeeded or Failed. `stop()` is pod deletion: SIGTERM to apps, then sidecars,
 * SIGKILL when the (capped) grace period runs out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { defaultIsWardImage } from './argv.js';
import { ContainerProcess } from './container.js';
import { execInContainer, type ExecResult } from './exec.js';
import type { NodeInfo } from './fields.js';
import { prepareLaunch, withServiceAccountVolume, type Launched, type PodContext } from './launch.js';
import { runHook, runStartupProbe } from './probe.js';
import { hostLayout, WARD_BIN } from './rootfs.js';
import { initialStatus, now, podStatus, running, terminated } from './status.js';
import { PodConfigError, type ContainerStatus, type PodEnv, type PodStatus } from './types.js';
import { materializeVolumes } from './volumes.js';

export interface RunningPod {
  status(): PodStatus;
  /** Everything the container wrote to stdout and stderr, across restarts. */
  logs(container: string): string;
  /** Runs argv inside the running container (its mounts, PID namespace, user and env). */
  exec(container: string, argv: string[], o?: { timeoutMs?: number }): Promise<ExecResult>;
  /** What went wrong on the way that is not a container state (a failed preStop hook), as kubelet events. */
  events(): PodEvent[];
  /** Host PIDs of the containers' PID 1 that are running now. */
  pids(): number[];
  /** Settles when the pod is Succeeded or Failed, or stopped. */
  readonly done: Promise<PodStatus>;
  /** Pod deletion; resolves when every process is gone and the pod's temp dir removed. */
  stop(): Promise<PodStatus>;
}

export interface PodEvent {
  container: string;
  reason: string;
  message: string;
}

type Kind = 'init' | 'sidecar' | 'app';

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(res, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
  });

export async function runPod(stored: V1Pod, env: PodEnv): Promise<RunningPod> {
  const pod = withServiceAccountVolume(stored);
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.restartPolicy ?? 'Always';
  const node: NodeInfo = { name: spec.nodeName ?? 'pod-runner', hostIP: '127.0.0.1', podIP: '127.0.0.1', cpu: availableParallelism(), memory: totalmem() };
  const podDir = mkdtempSync(join(tmpdir(), 'ward-pod-'));
  const ctx: PodContext = {
    pod, env, node, podDir, volumes: new Map(), layout: hostLayout(),
    ward: { node: process.execPath, wardBin: env.wardBin ?? WARD_BIN },
    isWardImage: env.isWardImage ?? defaultIsWardImage,
  };
  const inits = spec.initContainers ?? [];
  const apps = spec.containers;
  const st = new Map<string, ContainerStatus>();
  for (const c of inits) st.set(c.name, initialStatus(c, 'PodInitializing'));
  for (const c of apps) st.set(c.name, initialStatus(c, inits.length > 0 ? 'PodInitializing' : 'ContainerCreating'));
  const procs = new Map<string, ContainerProcess>();
  const launched = new Map<string, Launched>();
  const logs = new Map<string, string>();
  const events: PodEvent[] = [];
  const loops: Array<Promise<unknown>> = [];
  const sidecars: V1Container[] = [];
  const sidecarLoops: Array<Promise<unknown>> = [];
  const stopping = new AbortController();
  let sidecarsStopping = false;
  let phase: PodStatus['phase'] = 'Pending';
  let message: { reason?: string; message: string } | undefined;
  const startTime = now();

  const status = () => podStatus(phase, inits.map((c) => st.get(c.name) as ContainerStatus), apps.map((c) => st.get(c.name) as ContainerStatus), startTime, { host: node.hostIP, pod: node.podIP }, message);
  const report = () => {
    void Promise.resolve(env.reportStatus?.(status())).catch(() => undefined);
  };
  const exec = (name: string, argv: string[], timeoutMs = 30_000) => {
    const p = procs.get(name);
    const l = launched.get(name);
    if (!p?.running || p.pid === null || !l) return Promise.reject(new Error(`container "${name}" is not running`));
    return execInContainer(p.pid, l, ctx.ward, argv, timeoutMs);
  };

  /** Runs a container, restarting it while `again(exitCode)` says so; null when it could not be created. */
  async function supervise(c: V1Container, kind: Kind, again: (code: number) => boolean, onStarted?: () => void): Promise<number | null> {
    const s = st.get(c.name) as ContainerStatus;
    for (let restarts = 0; ; restarts++) {
      let l: Launched;
      try {
        l = await prepareLaunch(ctx, c);
      } catch (err) {
        if (!(err instanceof PodConfigError)) throw err;
        s.state = { waiting: { reason: 'CreateContainerConfigError', message: err.message } };
        report();
        return null;
      }
      // Checked right before the spawn (no await in between): once the pod or its sidecars
      // are being stopped, nothing new starts.
      if (stopping.signal.aborted || (kind === 'sidecar' && sidecarsStopping)) return null;
      const p = new ContainerProcess({ ...l, log: (chunk) => logs.set(c.name, (logs.get(c.name) ?? '') + chunk) });
      procs.set(c.name, p);
      launched.set(c.name, l);
      await Promise.race([p.hostPid, p.exited]);
      const probed = kind === 'sidecar' && c.startupProbe !== undefined;
      if (p.running) {
        running(s, !probed);
        report();
        if (!probed) onStarted?.();
        else {
          const abort = new AbortController();
          void p.exited.then(() => abort.abort());
          void runStartupProbe(c, c.startupProbe as NonNullable<V1Container['startupProbe']>, (argv, ms) => exec(c.name, argv, ms).then((r) => r.exitCode), abort.signal).then((ok) => {
            if (ok) {
              s.started = true;
              s.ready = true;
              report();
              onStarted?.();
            } else if (p.running) void p.signal('SIGKILL'); // the kubelet kills a container that fails its startup probe
          });
        }
      }
      const code = await p.exited;
      terminated(s, code);
      report();
      if (stopping.signal.aborted || !again(code)) return code;
      if (restarts >= (env.maxRestarts ?? 5)) {
        s.lastState = s.state;
        s.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } };
        report();
        return code;
      }
      s.lastState = s.state;
      s.restartCount++;
      await sleep(Math.min(2000, (env.restartBackoffMs ?? 200) * 2 ** restarts), stopping.signal);
      if (stopping.signal.aborted || !again(code)) return code;
    }
  }

  /** SIGTERM each container (in the given order, waiting for each), SIGKILL at the deadline. */
  async function terminate(names: string[], deadline: number, oneByOne: boolean): Promise<void> {
    const one = async (n: string) => {
      const p = procs.get(n);
      if (!p?.running) return;
      const c = [...inits, ...apps].find((x) => x.name === n);
      const hook = c?.lifecycle?.preStop;
      if (c && hook) {
        // preStop runs first and counts against the grace period, as with the kubelet.
        const err = await runHook(c, hook, (argv, ms) => exec(n, argv, ms).then((r) => r.exitCode), Math.max(0, deadline - Date.now()));
        if (err) events.push({ container: n, reason: 'FailedPreStopHook', message: err });
      }
      await p.signal('SIGTERM');
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const out = await Promise.race([p.exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, left))))]);
      clearTimeout(timer);
      if (!out) await p.signal('SIGKILL');
      await p.exited;
    };
    if (oneByOne) for (const n of names) await one(n);
    else await Promise.all(names.map(one));
  }

  const grace = () => Math.min(spec.terminationGracePeriodSeconds ?? 30, env.maxGraceSeconds ?? 5) * 1000;
  const stopSidecars = async (deadline: number) => {
    sidecarsStopping = true;
    await terminate(sidecars.map((c) => c.name).reverse(), deadline, true);
    await Promise.allSettled(sidecarLoops);
  };

  async function main(): Promise<void> {
    report();
    try {
      ctx.volumes = await materializeVolumes(pod, env, node, podDir);
    } catch (err) {
      if (!(err instanceof PodConfigError)) throw err;
      message = { reason: 'FailedMount', message: err.message };
      for (const s of st.values()) s.state = { waiting: { reason: 'ContainerCreating', message: err.message } };
      report();
      return;
    }
    for (const c of inits) {
      if (stopping.signal.aborted) return;
      if (c.restartPolicy === 'Always') {
        sidecars.push(c);
        let started!: () => void;
        const ready = new Promise<void>((r) => (started = r));
        const loop = supervise(c, 'sidecar', () => !sidecarsStopping, started);
        loops.push(loop);
        sidecarLoops.push(loop);
        const outcome = await Promise.race([ready.then(() => 'started'), loop.then(() => 'gave up'), sleep(1e9, stopping.signal).then(() => 'stopped')]);
        if (outcome !== 'started') return;
        continue;
      }
      const loop = supervise(c, 'init', (code) => code !== 0 && policy !== 'Never');
      loops.push(loop);
      const code = await loop;
      if (code === null || stopping.signal.aborted) return;
      if (code !== 0) {
        phase = 'Failed';
        message = { message: `init container "${c.name}" exited with ${code}` };
        await stopSidecars(Date.now() + grace());
        report();
        return;
      }
    }
    phase = 'Running';
    const again = (code: number) => policy === 'Always' || (policy === 'OnFailure' && code !== 0);
    const appLoops = apps.map((c) => supervise(c, 'app', again));
    loops.push(...appLoops);
    report();
    const codes = await Promise.all(appLoops);
    if (stopping.signal.aborted || codes.includes(null) || policy === 'Always') return;
    await stopSidecars(Date.now() + grace());
    phase = codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
    report();
  }

  const mainDone = main().catch((err: unknown) => {
    message = { reason: 'RunnerError', message: (err as Error).message };
    report();
  });
  let finished!: (s: PodStatus) => void;
  const done = new Promise<PodStatus>((r) => (finished = r));
  void mainDone.then(() => {
    if (phase === 'Succeeded' || phase === 'Failed') finished(status());
  });
  let stopped: Promise<PodStatus> | undefined;

  return {
    status,
    logs: (name) => logs.get(name) ?? '',
    events: () => [...events],
    exec: (name, argv, o) => exec(name, argv, o?.timeoutMs),
    pids: () => [...procs.values()].filter((p) => p.running && p.pid !== null).map((p) => p.pid as number),
    done,
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        const deadline = Date.now() + grace();
        const appAndInit = [...apps, ...inits.filter((c) => c.restartPolicy !== 'Always')].map((c) => c.name);
        await terminate(appAndInit, deadline, false);
        await stopSidecars(deadline);
        await mainDone;
        await Promise.allSettled(loops);
        // Anything started while stop was under way (a restart racing the abort) goes now.
        for (const p of procs.values()) if (p.running) await p.signal('SIGKILL');
        await Promise.all([...procs.values()].map((p) => p.exited));
        rmSync(podDir, { recursive: true, force: true });
        report();
        const s = status();
        finished(s);
        return s;
      })()),
  };
}
