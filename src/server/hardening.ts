/**
 * Process hardening at startup, through the native addon (native.ts): memory locked with
 * mlockall so secrets never reach swap, the process made non-dumpable (no ptrace attach
 * by the same user, no core file), core dumps limited to 0, and running as root refused
 * unless explicitly allowed. Every claim is verified (prctl, /proc) before it is logged.
 *
 * Locking follows Vault: when it fails the server refuses to start with Vault's message,
 * unless `disable_mlock = true`; dev mode only warns. Without the addon (no compiler at
 * install) locking counts as failed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Logger } from '../sdk/logical.js';
import { errnoText, loadNativeHardening, type NativeLoad } from './native.js';
import { coreLimit, processState, type ProcessState } from './process-state.js';

export { coreLimit } from './process-state.js';

export interface HardeningOptions {
  disableMlock: boolean;
  allowRoot: boolean;
  dev: boolean;
  logger: Logger;
  /** Test seams; default to the real process. */
  getuid?: () => number | undefined;
  prlimit?: (pid: number) => void;
  readLimits?: () => string | undefined;
  native?: NativeLoad;
  state?: () => ProcessState;
}

/** `locked`: mlockall succeeded; `disabled`: disable_mlock; `failed`: tried and could not (dev mode only). */
export type MlockState = 'locked' | 'disabled' | 'failed';

export interface HardeningResult {
  /** Returned, not logged: the caller logs them once. */
  warnings: string[];
  mlock: MlockState;
  /** prctl(PR_GET_DUMPABLE) after hardening; undefined without the addon. */
  dumpable?: boolean;
}

export class RootRefusedError extends Error {
  constructor() {
    super(
      'refusing to run as root: run Ward as an unprivileged user (for example with "USER 65532" in a container), ' +
        'or pass -allow-root (or set allow_root = true) if you accept the risk',
    );
    this.name = 'RootRefusedError';
  }
}

/** Locking failed: the first two lines are Vault's, which operators and scripts search for. */
export class MlockError extends Error {
  constructor(readonly reason: string) {
    super(mlockMessage(reason));
    this.name = 'MlockError';
  }
}

export function mlockMessage(cause: string): string {
  return [
    `Failed to lock memory: ${cause}`,
    '',
    'This usually means that the mlock syscall is not available.',
    'Ward locks its memory with mlockall so that secrets are never swapped to disk. That',
    'needs the IPC_LOCK capability (root, "setcap cap_ipc_lock=+ep", "--cap-add IPC_LOCK" or',
    'capabilities.add: ["IPC_LOCK"] in a container) or a large enough RLIMIT_MEMLOCK',
    '("ulimit -l unlimited", LimitMEMLOCK=infinity under systemd). Grant one of them, or,',
    'where swap is off or encrypted, set `disable_mlock = true` in the configuration file.',
  ].join('\n');
}

const defaultPrlimit = (pid: number): void => {
  execFileSync('prlimit', ['--pid', String(pid), '--core=0:0'], { stdio: 'ignore', timeout: 5000 });
};

const defaultReadLimits = (): string | undefined => {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
};

const EINVAL = 22;

/** Applies what can be applied and returns honest warnings about the rest; throws when the server must not start. */
export function applyProcessHardening(o: HardeningOptions): HardeningResult {
  const warnings: string[] = [];
  const uid = (o.getuid ?? (() => process.getuid?.()))();
  if (uid === 0) {
    if (o.dev) warnings.push('running as root; acceptable in dev mode only, never in production');
    else if (o.allowRoot) warnings.push('running as root because allow_root/-allow-root is set; an unprivileged user is strongly recommended');
    else throw new RootRefusedError();
  }
  const native = o.native ?? loadNativeHardening();
  const state = o.state ?? (() => processState());

  disableCoreDumps(o, native, warnings);
  const result: HardeningResult = { warnings, mlock: 'disabled' };
  if (native.ok) {
    const err = native.addon.disableDumpable();
    result.dumpable = native.addon.dumpable() !== 0;
    if (result.dumpable) warnings.push(`the process is still dumpable: prctl(PR_SET_DUMPABLE, 0) failed (${errnoText(err)})`);
    else o.logger.info('process is not dumpable: no ptrace attach by other processes of this user, no core file');
  } else {
    warnings.push(`the process is still dumpable (ptrace-able by the same user): ${native.reason}`);
  }

  if (o.disableMlock) {
    o.logger.info('memory locking is disabled (disable_mlock = true): secrets may be swapped to disk unless swap is off or encrypted');
    return result;
  }
  const failure = lockMemory(native, o.logger, warnings);
  if (failure === undefined) {
    result.mlock = 'locked';
    const s = state();
    o.logger.info('memory locked (mlockall MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)', { vm_lck_kb: s.vmLckKb, vm_rss_kb: s.vmRssKb });
    if (s.capIpcLock === false && s.memlockLimit !== undefined && s.memlockLimit !== 'unlimited') {
      warnings.push(
        `locked memory is capped by RLIMIT_MEMLOCK (${s.memlockLimit} bytes) and the process lacks CAP_IPC_LOCK: ` +
          'once Ward needs more, allocations fail and the process aborts; raise the limit to unlimited or grant IPC_LOCK',
      );
    }
    return result;
  }
  if (!o.dev) throw new MlockError(failure);
  result.mlock = 'failed';
  warnings.push(`memory is NOT locked (dev mode only warns): Failed to lock memory: ${failure}`);
  return result;
}

/** Returns undefined once memory is locked, or the reason it is not. */
function lockMemory(native: NativeLoad, logger: Logger, warnings: string[]): string | undefined {
  if (!native.ok) return native.reason;
  let r = native.addon.lockMemory(true);
  if (r === EINVAL) {
    // Kernels before 4.4 lack MCL_ONFAULT: lock as Vault does, populating every mapping.
    r = native.addon.lockMemory(false);
    if (r === 0) warnings.push('the kernel does not support MCL_ONFAULT: all mapped memory was populated and locked, so resident memory is higher');
  }
  if (r === 0) return undefined;
  logger.debug('mlockall failed', { errno: r });
  return r < 0 ? `cannot install the seccomp filter that lets V8 run with locked memory: ${errnoText(r)}` : errnoText(r);
}

function disableCoreDumps(o: HardeningOptions, native: NativeLoad, warnings: string[]): void {
  const readLimits = o.readLimits ?? defaultReadLimits;
  const before = coreLimit(readLimits());
  if (before?.soft === '0' && before.hard === '0') {
    o.logger.info('core dumps are disabled (core file size limit is already 0)');
    return;
  }
  if (process.platform !== 'linux') {
    warnings.push(`core dumps were not disabled: not supported on ${process.platform}; run "ulimit -c 0" before starting Ward`);
    return;
  }
  try {
    if (native.ok) {
      const err = native.addon.disableCoreDumps();
      if (err !== 0) throw new Error(errnoText(err));
    } else {
      (o.prlimit ?? defaultPrlimit)(process.pid);
    }
    const after = coreLimit(readLimits());
    if (after?.soft === '0' && after.hard === '0') o.logger.info('core dumps disabled (core file size limit set to 0)');
    else warnings.push('core dumps may still be enabled: the core file size limit is not 0; run "ulimit -c 0" before starting Ward');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    warnings.push(
      missing
        ? 'core dumps were not disabled: the prlimit tool (util-linux) is not installed; run "ulimit -c 0" before starting Ward'
        : 'core dumps were not disabled: setting the limit failed; run "ulimit -c 0" before starting Ward',
    );
  }
}
