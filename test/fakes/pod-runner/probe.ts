/**
 * Startup probes, as the kubelet runs them: exec (a command in the container, exit 0),
 * httpGet (2xx/3xx; the pod network is the host's loopback, so the host is 127.0.0.1; HTTPS
 * without verification, as the kubelet) and tcpSocket, every periodSeconds after
 * initialDelaySeconds, failing after failureThreshold consecutive failures.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';

export type ProbeExec = (argv: string[], timeoutMs: number) => Promise<number>;

function port(c: V1Container, p: number | string): number {
  if (typeof p === 'number' || /^\d+$/.test(p)) return Number(p);
  const named = c.ports?.find((x) => x.name === p);
  if (!named) throw new Error(`container "${c.name}": no port named "${p}"`);
  return named.containerPort;
}

export function httpCheck(c: V1Container, g: NonNullable<V1Probe['httpGet']>, timeoutMs: number): Promise<boolean> {
  const lib = (g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS' ? https : http;
  const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
  return new Promise((res) => {
    const req = lib.request({ host: g.host || '127.0.0.1', port: port(c, g.port), path: g.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (r) => {
      r.resume();
      res((r.statusCode ?? 0) >= 200 && (r.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(false));
    req.end();
  });
}

function tcpCheck(c: V1Container, t: NonNullable<V1Probe['tcpSocket']>, timeoutMs: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: t.host || '127.0.0.1', port: port(c, t.port), timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('timeout', () => {
      s.destroy();
      res(false);
    });
    s.once('error', () => res(false));
  });
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(res, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
  });

/** True once the probe succeeds; false after failureThreshold failures or when aborted. */
export async function runStartupProbe(c: V1Container, p: V1Probe, exec: ProbeExec, signal: AbortSignal): Promise<boolean> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  await sleep((p.initialDelaySeconds ?? 0) * 1000, signal);
  let failures = 0;
  while (!signal.aborted) {
    let ok = false;
    try {
      if (p.exec) ok = (await exec(p.exec.command ?? [], timeoutMs)) === 0;
      else if (p.httpGet) ok = await httpCheck(c, p.httpGet, timeoutMs);
      else if (p.tcpSocket) ok = await tcpCheck(c, p.tcpSocket, timeoutMs);
    } catch {
      ok = false;
    }
    if (ok) return true;
    if (++failures >= (p.failureThreshold ?? 3)) return false;
    await sleep((p.periodSeconds ?? 10) * 1000, signal);
  }
  return false;
}

/**
 * A lifecycle hook (preStop): exec, httpGet or sleep, bounded by `timeoutMs` (what is left of
 * the grace period). Resolves with why it failed, or undefined; a failure does not stop the
 * container from being terminated, as with the kubelet.
 */
export async function runHook(c: V1Container, h: V1LifecycleHandler, exec: ProbeExec, timeoutMs: number): Promise<string | undefined> {
  try {
    if (h.exec) {
      const code = await exec(h.exec.command ?? [], timeoutMs);
      return code === 0 ? undefined : `exec ${JSON.stringify(h.exec.command ?? [])} exited with ${code}`;
    }
    if (h.httpGet) return (await httpCheck(c, h.httpGet, timeoutMs)) ? undefined : `httpGet ${h.httpGet.path ?? '/'} failed`;
    if (h.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(h.sleep?.seconds ?? 0, timeoutMs / 1000) * 1000));
      return undefined;
    }
    return 'no handler';
  } catch (err) {
    return (err as Error).message;
  }
}
