/**
 * Throwaway etcd clusters for integration tests: one member or three, every member on
 * loopback free ports (client and peer), each with a temp data dir, all removed on stop().
 * A member can be killed (SIGKILL, data kept) and restarted on the same ports, which is
 * how the tests show a store surviving the loss of one member of three.
 *
 * When the binary is missing, `skipUnless(ETCD)` skips (and throws under CI=true).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import type { Requirement } from './requirement.js';
import { waitFor } from './wait.js';

function etcdRuns(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
let present: boolean | undefined;

export const ETCD: Requirement = {
  what: 'the etcd server binary',
  hint: 'run scripts/ensure-etcd.sh (npm test does)',
  present: () => (present ??= etcdRuns()),
};

export interface EtcdMember {
  name: string;
  /** http(s)://127.0.0.1:<client port> */
  clientUrl: string;
  /** http://127.0.0.1:<metrics port>, serving /health. */
  metricsUrl: string;
  /** SIGKILLs the member (its data dir stays); resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data dir after kill(); resolves once it answers. */
  restart(): Promise<void>;
  /** Suspends (SIGSTOP) or resumes (SIGCONT) the process: a member that hangs without closing connections. */
  pause(): void;
  resume(): void;
  readonly running: boolean;
}

export interface TestEtcd {
  members: EtcdMember[];
  /** All client URLs, comma-separated, as `address` takes them. */
  address: string;
  /** What the members printed (for failure messages). */
  log(): string;
  /** Kills every member and removes the data dirs. Idempotent. */
  stop(): Promise<void>;
}

interface Ports {
  client: number;
  peer: number;
  /** Plain-HTTP /health and /metrics, also when the client port speaks TLS. */
  metrics: number;
}

/** Files (paths) for a TLS client port; with `ca`, members require client certificates. */
export interface EtcdTlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

/** Answers once the member's client port serves /health (any answer: it is listening). */
async function healthy(metricsUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${metricsUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * Starts an etcd cluster of `size` members (1 or 3), on `clientPorts` when given (a test that
 * points a client at a port before etcd listens there). Fast heartbeats keep elections short in
 * tests; `--unsafe-no-fsync` is deliberately NOT used so acknowledged writes are on disk.
 */
export async function startEtcd(size: 1 | 3 = 3, o: { clientPorts?: number[]; tls?: EtcdTlsFiles } = {}): Promise<TestEtcd> {
  const root = mkdtempSync(join(tmpdir(), 'ward-etcd-'));
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: o.clientPorts?.[i] ?? (await freePort()), peer: await freePort(), metrics: await freePort() });
  const scheme = o.tls ? 'https' : 'http';
  const tlsArgs = o.tls ? [`--cert-file=${o.tls.cert}`, `--key-file=${o.tls.key}`, ...(o.tls.ca ? [`--trusted-ca-file=${o.tls.ca}`, '--client-cert-auth'] : [])] : [];
  const cluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i]!.peer}`).join(',');
  let output = '';
  const children = new Map<string, ChildProcess>();

  const launch = (i: number, state: 'new' | 'existing'): ChildProcess => {
    const name = names[i]!;
    const p = ports[i]!;
    const child = spawn(
      'etcd',
      [
        `--name=${name}`,
        `--data-dir=${join(root, name)}`,
        `--listen-client-urls=${scheme}://127.0.0.1:${p.client}`,
        `--advertise-client-urls=${scheme}://127.0.0.1:${p.client}`,
        `--listen-metrics-urls=http://127.0.0.1:${p.metrics}`,
        ...tlsArgs,
        `--listen-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p.peer}`,
        `--initial-cluster=${cluster}`,
        `--initial-cluster-state=${state}`,
        '--initial-cluster-token=ward-test',
        '--heartbeat-interval=50',
        '--election-timeout=500',
        '--log-level=warn',
        '--logger=zap',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? '' } },
    );
    const tag = (b: Buffer): void => {
      output += b.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}\n`).join('');
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout?.on('data', tag);
    child.stderr?.on('data', tag);
    children.set(name, child);
    return child;
  };
  const gone = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;
  const killChild = async (c: ChildProcess | undefined): Promise<void> => {
    if (!c || gone(c)) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited;
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all([...children.values()].map(killChild));
    rmSync(root, { recursive: true, force: true });
  };

  const members: EtcdMember[] = names.map((name, i) => {
    const clientUrl = `${scheme}://127.0.0.1:${ports[i]!.client}`;
    const metricsUrl = `http://127.0.0.1:${ports[i]!.metrics}`;
    return {
      name,
      clientUrl,
      metricsUrl,
      get running() {
        const c = children.get(name);
        return c !== undefined && !gone(c);
      },
      kill: () => killChild(children.get(name)),
      async restart() {
        if (this.running) throw new Error(`${name} is still running`);
        launch(i, 'existing');
        await waitFor(`etcd member ${name} to come back`, () => healthy(metricsUrl), { timeoutMs: 30_000, context: () => output });
      },
      pause: () => void children.get(name)?.kill('SIGSTOP'),
      resume: () => void children.get(name)?.kill('SIGCONT'),
    };
  });

  try {
    for (let i = 0; i < size; i++) launch(i, 'new');
    for (const m of members) {
      await waitFor(`etcd member ${m.name} to be healthy`, () => {
        if (!m.running) throw new Error(`etcd member ${m.name} exited\n${output}`);
        return healthy(m.metricsUrl);
      }, { timeoutMs: 30_000, context: () => output });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { members, address: members.map((m) => m.clientUrl).join(','), log: () => output, stop };
}
