/**
 * `ward operator diagnose`: checks, on this machine and in this process, what `ward
 * server` needs for its process hardening: the configuration, the native addon, memory
 * locking (tried for real, as the server would), the locked-memory limit, dumpability,
 * core dumps, the user and swap. Each check is a success, a warning or a failure.
 */
import { readFileSync } from 'node:fs';
import { parseConfigFile } from './config.js';
import { mlockMessage } from './hardening.js';
import { errnoText, loadNativeHardening, type NativeLoad } from './native.js';
import { processState, type ProcessState } from './process-state.js';

export type CheckStatus = 'success' | 'warning' | 'failure';

export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
  /** What to do about a warning or failure. */
  advice?: string;
}

export interface DiagnoseOptions {
  config?: string;
  /** Test seams; default to this process and machine. */
  native?: NativeLoad;
  state?: () => ProcessState;
  getuid?: () => number | undefined;
  swaps?: () => string | undefined;
}

const RANK: Record<CheckStatus, number> = { success: 0, warning: 1, failure: 2 };

/** The worst status among `checks`. */
export function overall(checks: readonly Check[]): CheckStatus {
  return checks.reduce<CheckStatus>((w, c) => (RANK[c.status] > RANK[w] ? c.status : w), 'success');
}

function readSwaps(): string | undefined {
  try {
    return readFileSync('/proc/swaps', 'utf8');
  } catch {
    return undefined;
  }
}

/** Runs every check. Memory locking and dumpability are applied to this (short-lived) process to prove they work. */
export function diagnose(o: DiagnoseOptions = {}): Check[] {
  const checks: Check[] = [];
  let disableMlock = false;
  let allowRoot = false;
  if (o.config) {
    try {
      const c = parseConfigFile(o.config);
      disableMlock = c.disableMlock;
      allowRoot = c.allowRoot;
      checks.push({ name: 'Parse Configuration', status: 'success', message: o.config });
    } catch (e) {
      checks.push({ name: 'Parse Configuration', status: 'failure', message: e instanceof Error ? e.message : String(e) });
    }
  }
  const native = o.native ?? loadNativeHardening();
  const state = o.state ?? (() => processState());

  if (native.ok) checks.push({ name: 'Check Native Addon', status: 'success', message: `loaded ${native.path}` });
  else checks.push({ name: 'Check Native Addon', status: disableMlock ? 'warning' : 'failure', message: native.reason, advice: 'Install a C compiler, make and python3, then run "node native/build.mjs" (or reinstall with npm ci).' });

  checks.push(lockCheck(native, disableMlock, state));
  checks.push(limitCheck(state(), disableMlock));

  if (native.ok) {
    const err = native.addon.disableDumpable();
    const dumpable = native.addon.dumpable() !== 0;
    checks.push(
      dumpable
        ? { name: 'Check Dumpable', status: 'warning', message: `prctl(PR_SET_DUMPABLE, 0) failed: ${errnoText(err)}` }
        : { name: 'Check Dumpable', status: 'success', message: 'prctl(PR_SET_DUMPABLE, 0) works: the server cannot be ptrace-attached by its user or dump core' },
    );
  } else {
    checks.push({ name: 'Check Dumpable', status: 'warning', message: 'without the addon the server stays dumpable (ptrace-able by the same user)' });
  }

  const core = state().coreLimit;
  if (core?.soft === '0' && core.hard === '0') checks.push({ name: 'Check Core Dumps', status: 'success', message: 'the core file size limit is 0' });
  else {
    const limit = core ? `soft ${core.soft}, hard ${core.hard}` : 'unknown';
    if (native.ok) checks.push({ name: 'Check Core Dumps', status: 'success', message: `the core file size limit is ${limit} here; the server sets it to 0 when it starts` });
    else checks.push({ name: 'Check Core Dumps', status: 'warning', message: `the core file size limit is ${limit}`, advice: 'Run "ulimit -c 0" before starting Ward, or install prlimit (util-linux).' });
  }

  const uid = (o.getuid ?? (() => process.getuid?.()))();
  if (uid !== 0) checks.push({ name: 'Check User', status: 'success', message: `running as uid ${uid ?? 'unknown'}, not root` });
  else if (o.config && !allowRoot) checks.push({ name: 'Check User', status: 'failure', message: 'running as root: the server refuses to start unless allow_root = true (or -allow-root)', advice: 'Run Ward as an unprivileged user that holds only CAP_IPC_LOCK.' });
  else checks.push({ name: 'Check User', status: 'warning', message: 'running as root: an unprivileged user that holds only CAP_IPC_LOCK is recommended' });

  const swapLines = ((o.swaps ?? readSwaps)() ?? '').split('\n').slice(1).filter((l) => l.trim() !== '');
  if (swapLines.length === 0) checks.push({ name: 'Check Swap', status: 'success', message: 'no swap is active' });
  else if (disableMlock) checks.push({ name: 'Check Swap', status: 'warning', message: `${swapLines.length} swap area(s) active and disable_mlock = true: secrets may be written to swap`, advice: 'Disable swap, encrypt it, or enable memory locking.' });
  else checks.push({ name: 'Check Swap', status: 'success', message: `${swapLines.length} swap area(s) active; locked memory is never swapped` });
  return checks;
}

function lockCheck(native: NativeLoad, disableMlock: boolean, state: () => ProcessState): Check {
  const name = 'Check Memory Lock';
  if (disableMlock) return { name, status: 'warning', message: 'disabled by disable_mlock = true: secrets may be swapped to disk', advice: 'Remove disable_mlock unless swap is off or encrypted.' };
  if (!native.ok) return { name, status: 'failure', message: `Failed to lock memory: ${native.reason}`, advice: adviceFrom(mlockMessage(native.reason)) };
  let r = native.addon.lockMemory(true);
  if (r === 22) r = native.addon.lockMemory(false);
  if (r !== 0) {
    const reason = r < 0 ? `cannot install the seccomp filter that lets V8 run with locked memory: ${errnoText(r)}` : errnoText(r);
    return { name, status: 'failure', message: `Failed to lock memory: ${reason}`, advice: adviceFrom(mlockMessage(reason)) };
  }
  return { name, status: 'success', message: `mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) succeeded (VmLck ${state().vmLckKb ?? '?'} kB)` };
}

function limitCheck(s: ProcessState, disableMlock: boolean): Check {
  const name = 'Check Locked Memory Limit';
  if (s.capIpcLock) return { name, status: 'success', message: 'CAP_IPC_LOCK is held: RLIMIT_MEMLOCK does not apply' };
  if (s.memlockLimit === 'unlimited') return { name, status: 'success', message: 'RLIMIT_MEMLOCK is unlimited' };
  if (disableMlock) return { name, status: 'success', message: `RLIMIT_MEMLOCK is ${s.memlockLimit ?? 'unknown'} bytes (not used: disable_mlock = true)` };
  return {
    name,
    status: 'warning',
    message: `RLIMIT_MEMLOCK is ${s.memlockLimit ?? 'unknown'} bytes and CAP_IPC_LOCK is not held: locking fails, or the server aborts once it needs more locked memory`,
    advice: 'Grant CAP_IPC_LOCK, or set the limit to unlimited (LimitMEMLOCK=infinity, ulimit -l unlimited).',
  };
}

/** The hint part of the mlock message (after its first line). */
function adviceFrom(message: string): string {
  return message.split('\n').slice(2).join(' ');
}
