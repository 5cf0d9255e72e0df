/**
 * Process hardening at startup, limited to what Node can really do. Node has no
 * setrlimit, mlockall or prctl, so: core dumps are disabled through util-linux `prlimit`
 * when it exists (and verified in /proc), memory locking is reported as unavailable, and
 * running as root is refused unless explicitly allowed. Nothing is claimed that is not applied.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Logger } from '../sdk/logical.js';

export interface HardeningOptions {
  disableMlock: boolean;
  allowRoot: boolean;
  dev: boolean;
  logger: Logger;
  /** Test seams; default to the real process. */
  getuid?: () => number | undefined;
  prlimit?: (pid: number) => void;
  readLimits?: () => string | undefined;
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

/** Soft and hard core-file limits from /proc/self/limits, or undefined when unknown. */
export function coreLimit(limits: string | undefined): { soft: string; hard: string } | undefined {
  const m = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits ?? '');
  return m?.[1] && m[2] ? { soft: m[1], hard: m[2] } : undefined;
}

/** Applies what can be applied and returns honest warnings about the rest (the caller logs them). */
export function applyProcessHardening(o: HardeningOptions): { warnings: string[] } {
  const warnings: string[] = [];
  const uid = (o.getuid ?? (() => process.getuid?.()))();
  if (uid === 0) {
    if (o.dev) warnings.push('running as root; acceptable in dev mode only, never in production');
    else if (o.allowRoot) warnings.push('running as root because allow_root/-allow-root is set; an unprivileged user is strongly recommended');
    else throw new RootRefusedError();
  }

  const readLimits = o.readLimits ?? defaultReadLimits;
  const before = coreLimit(readLimits());
  if (before?.soft === '0' && before.hard === '0') {
    o.logger.info('core dumps are disabled (core file size limit is already 0)');
  } else if (process.platform !== 'linux') {
    warnings.push(`core dumps were not disabled: not supported on ${process.platform}; run "ulimit -c 0" before starting Ward`);
  } else {
    try {
      (o.prlimit ?? defaultPrlimit)(process.pid);
      const after = coreLimit(readLimits());
      if (after?.soft === '0' && after.hard === '0') o.logger.info('core dumps disabled (core file size limit set to 0)');
      else warnings.push('core dumps may still be enabled: prlimit ran but the core file size limit is not 0; run "ulimit -c 0" before starting Ward');
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      warnings.push(
        missing
          ? 'core dumps were not disabled: the prlimit tool (util-linux) is not installed; run "ulimit -c 0" before starting Ward'
          : 'core dumps were not disabled: prlimit failed; run "ulimit -c 0" before starting Ward',
      );
    }
  }
  // PR_SET_DUMPABLE cannot be set from Node, so ptrace by the same user is not blocked.
  o.logger.info('process is still dumpable/ptrace-able by the same user (PR_SET_DUMPABLE is not available from Node); run as a dedicated user');

  if (!o.disableMlock) {
    warnings.push(
      'memory is NOT locked: Node.js cannot call mlockall, so secrets may be swapped to disk. ' +
        'Disable swap or use encrypted swap, and set disable_mlock = true to acknowledge this',
    );
  }
  // Returned, not logged here: the caller logs them once (and may print them in dev banners).
  return { warnings };
}
