/**
 * What the kernel says about this process's hardening, read from /proc: locked and
 * resident memory, CAP_IPC_LOCK, the memlock and core-file limits, NoNewPrivs. Used to
 * verify what hardening.ts applied, for the startup log and for `ward operator diagnose`.
 */
import { readFileSync } from 'node:fs';

export interface ProcessState {
  /** VmLck: size of the locked mappings in KiB (with MCL_ONFAULT, not all of it is resident). */
  vmLckKb?: number;
  /** VmRSS: resident memory in KiB. */
  vmRssKb?: number;
  /** CAP_IPC_LOCK in the effective set: mlock ignores RLIMIT_MEMLOCK. */
  capIpcLock?: boolean;
  noNewPrivs?: boolean;
  /** Max locked memory (bytes), 'unlimited', soft limit. */
  memlockLimit?: string;
  /** Max core file size soft/hard ('0' when core dumps are off). */
  coreLimit?: { soft: string; hard: string };
}

const CAP_IPC_LOCK = 14n;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function kb(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m?.[1] ? Number(m[1]) : undefined;
}

/** Soft and hard core-file limits from /proc/self/limits text, or undefined when unknown. */
export function coreLimit(limits: string | undefined): { soft: string; hard: string } | undefined {
  const m = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits ?? '');
  return m?.[1] && m[2] ? { soft: m[1], hard: m[2] } : undefined;
}

/** Parses /proc/<pid>/status and /proc/<pid>/limits texts (exported for tests). */
export function parseProcessState(status: string | undefined, limits: string | undefined): ProcessState {
  const s: ProcessState = {};
  if (status) {
    const lck = kb(status, 'VmLck');
    const rss = kb(status, 'VmRSS');
    if (lck !== undefined) s.vmLckKb = lck;
    if (rss !== undefined) s.vmRssKb = rss;
    const cap = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1];
    if (cap) s.capIpcLock = ((BigInt(`0x${cap}`) >> CAP_IPC_LOCK) & 1n) === 1n;
    const nnp = /^NoNewPrivs:\s+(\d)/m.exec(status)?.[1];
    if (nnp) s.noNewPrivs = nnp === '1';
  }
  const memlock = /^Max locked memory\s+(\S+)/m.exec(limits ?? '')?.[1];
  if (memlock) s.memlockLimit = memlock;
  const core = coreLimit(limits);
  if (core) s.coreLimit = core;
  return s;
}

/** The state of process `pid` (default: this one). */
export function processState(pid: number | 'self' = 'self'): ProcessState {
  return parseProcessState(read(`/proc/${pid}/status`), read(`/proc/${pid}/limits`));
}
