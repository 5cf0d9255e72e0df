/**
 * sys/host-info's answer: what Vault gathers with gopsutil (cpu, cpu_times, disk, host,
 * memory), here from node:os, statfs and the Linux /proc files. Best effort, as Vault:
 * a source that cannot be read leaves its fields empty or zero but present.
 */
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { arch, cpus, freemem, hostname, machine, platform, release, totalmem, uptime, version } from 'node:os';
import { parseCpuinfo, parseMeminfo, parseMounts, parseProcStat, type CpuTimes } from './proc.js';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function cpuInfo(): Record<string, unknown>[] {
  const fromProc = parseCpuinfo(read('/proc/cpuinfo'));
  const fromOs = cpus();
  const n = Math.max(fromProc.length, fromOs.length);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const p = fromProc[i];
    const o = fromOs[i];
    out.push({
      cpu: i,
      vendorId: p?.vendorId ?? '',
      family: p?.family ?? '',
      model: p?.model ?? '',
      stepping: p?.stepping ?? 0,
      physicalId: p?.physicalId ?? '',
      coreId: p?.coreId ?? '',
      cores: p?.cores ?? 1,
      modelName: p?.modelName || o?.model || '',
      mhz: p?.mhz || o?.speed || 0,
      cacheSize: p?.cacheSize ?? 0,
      flags: p?.flags ?? [],
      microcode: p?.microcode ?? '',
    });
  }
  return out;
}

function cpuTimes(): CpuTimes[] {
  const fromProc = parseProcStat(read('/proc/stat'));
  if (fromProc) return [fromProc];
  // node:os counts milliseconds per CPU; Vault reports seconds for the whole machine.
  const t = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  for (const c of cpus()) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += c.times[k] / 1000;
  return [{ cpu: 'cpu-total', user: t.user, system: t.sys, idle: t.idle, nice: t.nice, iowait: 0, irq: t.irq, softirq: 0, steal: 0, guest: 0, guestNice: 0 }];
}

function disks(): Record<string, unknown>[] {
  const mounts = parseMounts(read('/proc/self/mounts'));
  if (!mounts.some((m) => m.path === '/')) mounts.unshift({ path: '/', fstype: '' });
  const out: Record<string, unknown>[] = [];
  for (const m of mounts) {
    try {
      const s = statfsSync(m.path);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      const used = (s.blocks - s.bfree) * s.bsize;
      const inodesUsed = s.files - s.ffree;
      out.push({
        path: m.path,
        fstype: m.fstype,
        total,
        free,
        used,
        usedPercent: percent(used, used + free),
        inodesTotal: s.files,
        inodesUsed,
        inodesFree: s.ffree,
        inodesUsedPercent: percent(inodesUsed, s.files),
      });
    } catch {
      // Not readable by this process (another namespace's mount): left out, as gopsutil does.
    }
  }
  return out;
}

function processCount(): number {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  } catch {
    return 0;
  }
}

function osRelease(): { id: string; versionId: string; idLike: string } {
  const kv = new Map<string, string>();
  for (const line of read('/etc/os-release').split('\n')) {
    const m = /^(\w+)=("?)(.*)\2$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[3]!);
  }
  return { id: kv.get('ID') ?? '', versionId: kv.get('VERSION_ID') ?? '', idLike: kv.get('ID_LIKE') ?? '' };
}

function host(): Record<string, unknown> {
  const up = Math.floor(uptime());
  const rel = osRelease();
  return {
    hostname: hostname(),
    uptime: up,
    bootTime: Math.floor(Date.now() / 1000) - up,
    procs: processCount(),
    os: platform(),
    platform: rel.id,
    platformFamily: rel.idLike.split(' ')[0] ?? '',
    platformVersion: rel.versionId,
    kernelVersion: release(),
    kernelArch: typeof machine === 'function' ? machine() : arch(),
    virtualizationSystem: '',
    virtualizationRole: '',
    hostid: read('/etc/machine-id').trim(),
    kernelBuild: version(),
  };
}

function memory(): Record<string, unknown> {
  const info = parseMeminfo(read('/proc/meminfo'));
  const total = info?.get('MemTotal') ?? totalmem();
  const free = info?.get('MemFree') ?? freemem();
  const available = info?.get('MemAvailable') ?? freemem();
  const used = total - available;
  return {
    total,
    available,
    used,
    usedPercent: percent(used, total),
    free,
    buffers: info?.get('Buffers') ?? 0,
    cached: info?.get('Cached') ?? 0,
    active: info?.get('Active') ?? 0,
    inactive: info?.get('Inactive') ?? 0,
    shared: info?.get('Shmem') ?? 0,
    swapTotal: info?.get('SwapTotal') ?? 0,
    swapFree: info?.get('SwapFree') ?? 0,
  };
}

const percent = (part: number, whole: number): number => (whole > 0 ? (part / whole) * 100 : 0);

/** The data of GET sys/host-info, collected now. */
export function collectHostInfo(now: Date = new Date()): Record<string, unknown> {
  return { cpu: cpuInfo(), cpu_times: cpuTimes(), disk: disks(), host: host(), memory: memory(), timestamp: now.toISOString() };
}
