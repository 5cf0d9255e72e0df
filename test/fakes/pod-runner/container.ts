/**
 * One run of one container: `unshare --mount --pid --fork --kill-child` running the mount
 * script (mount-script.ts), which execs down to the container's argv. The process the
 * script reports on fd 3 is the container's PID 1 on the host: signals go to it (as the
 * kubelet's go to a container's init, which ignores SIGTERM unless it handles it), and
 * when it exits the kernel kills everything else in the container's PID namespace, so a
 * container never leaves strays behind. stdout and stderr go to the container's log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { mountScript, type MountPlan } from './mount-script.js';

const SIGKILL_QUIRK = 'unshare: sigprocmask unblock failed: Invalid argument\n';

export interface Launch {
  argv: string[];
  env: Record<string, string>;
  plan: MountPlan;
  log(chunk: string): void;
}

export class ContainerProcess {
  private readonly child: ChildProcess;
  /** The container's PID 1 on the host, once the setup script reported it (null if it died first). */
  readonly hostPid: Promise<number | null>;
  /** The exit code, 128+n for a signal (as the kubelet reports it). */
  readonly exited: Promise<number>;
  pid: number | null = null;
  running = true;

  constructor(l: Launch) {
    // setpriv --pdeathsig: if the test process dies without stop() (a crash, a timeout),
    // unshare gets SIGKILL, and --kill-child takes the container's namespace with it.
    const unshare = ['/usr/bin/unshare', '--mount', '--pid', '--fork', '--kill-child', '/bin/sh', '-c', mountScript(l.plan), 'ward-pod-setup', ...l.argv];
    this.child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', ...unshare], {
      env: l.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => l.log(c.toString('utf8')));
    // util-linux unshare re-raises the signal that killed its child, but cannot for
    // SIGKILL: it prints SIGKILL_QUIRK (in several writes) and exits 1. That is the container
    // being SIGKILLed (137), so stderr is passed on by whole lines and that line dropped.
    let sigkilled = false;
    let partial = '';
    this.child.stderr?.on('data', (c: Buffer) => {
      const lines = (partial + c.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (`${line}\n` === SIGKILL_QUIRK) sigkilled = true;
        else l.log(`${line}\n`);
      }
    });
    this.child.stderr?.on('end', () => {
      if (partial !== '') l.log(partial);
    });
    const fd3 = this.child.stdio[3];
    this.hostPid = new Promise((res) => {
      let buf = '';
      if (!fd3) return res(null);
      // unshare itself keeps fd 3 open until it exits, so the PID is read up to its newline.
      fd3.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        if (!buf.includes('\n')) return;
        const n = Number.parseInt(buf, 10);
        this.pid = Number.isFinite(n) ? n : null;
        res(this.pid);
      });
      fd3.on('error', () => res(null));
      fd3.on('close', () => res(this.pid));
    });
    this.exited = new Promise((res) => {
      this.child.once('error', (err) => {
        l.log(`pod runner: ${err.message}\n`);
        this.running = false;
        res(128);
      });
      // 'close', not 'exit': unshare's last stderr line (the SIGKILL quirk) may arrive after 'exit'.
      this.child.once('close', (code, signal) => {
        this.running = false;
        if (sigkilled && code === 1) res(128 + constants.signals.SIGKILL);
        else res(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  }

  /** Signals the container's PID 1; before it is known, SIGKILL to unshare takes the namespace down. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    const pid = await Promise.race([this.hostPid, this.exited.then(() => null)]);
    try {
      if (pid !== null) process.kill(pid, sig);
      else if (this.running) this.child.kill('SIGKILL');
    } catch {
      // Already gone: the exit handler records it.
    }
  }
}
