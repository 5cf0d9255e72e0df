/**
 * Parsers for the Linux /proc files sys/host-info reads. Pure (text in, numbers out) so
 * they are tested with fixed samples; each returns null when the text is not what it
 * expects, and the collector then falls back to what node:os knows.
 */

/** USER_HZ: /proc/stat counts clock ticks of 1/100 s on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuTimes {
  cpu: string;
  user: number;
  system: number;
  idle: number;
  nice: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

/** The machine-wide line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal guest guest_nice`), in seconds. */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return null;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x))) return null;
  const s = (i: number): number => (n[i] ?? 0) / TICKS_PER_SECOND;
  return { cpu: 'cpu-total', user: s(0), nice: s(1), system: s(2), idle: s(3), iowait: s(4), irq: s(5), softirq: s(6), steal: s(7), guest: s(8), guestNice: s(9) };
}

/** /proc/meminfo's `Name: value kB` lines, in bytes by name. */
export function parseMeminfo(text: string): Map<string, number> | null {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out.size === 0 ? null : out;
}

export interface CpuInfo {
  vendorId: string;
  family: string;
  model: string;
  stepping: number;
  physicalId: string;
  coreId: string;
  cores: number;
  modelName: string;
  mhz: number;
  cacheSize: number;
  flags: string[];
  microcode: string;
}

/** One record per logical CPU from /proc/cpuinfo (blocks separated by blank lines). */
export function parseCpuinfo(text: string): CpuInfo[] {
  const out: CpuInfo[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    if (!kv.has('processor')) continue;
    const num = (k: string): number => {
      const v = Number.parseFloat(kv.get(k) ?? '');
      return Number.isFinite(v) ? v : 0;
    };
    out.push({
      vendorId: kv.get('vendor_id') ?? '',
      family: kv.get('cpu family') ?? '',
      model: kv.get('model') ?? '',
      stepping: num('stepping'),
      physicalId: kv.get('physical id') ?? '',
      coreId: kv.get('core id') ?? '',
      cores: num('cpu cores') || 1,
      modelName: kv.get('model name') ?? '',
      mhz: num('cpu MHz'),
      cacheSize: num('cache size'),
      flags: (kv.get('flags') ?? '').split(/\s+/).filter((f) => f !== ''),
      microcode: kv.get('microcode') ?? '',
    });
  }
  return out;
}

/** Mount points of block-device filesystems from /proc/self/mounts (`device mountpoint fstype …`), first one per point. */
export function parseMounts(text: string): { path: string; fstype: string }[] {
  const seen = new Set<string>();
  const out: { path: string; fstype: string }[] = [];
  for (const line of text.split('\n')) {
    const [device, point, fstype] = line.split(' ');
    if (!device || !point || !fstype || !device.startsWith('/') || seen.has(point)) continue;
    // Octal escapes (\040 for a space) as the kernel writes them.
    const path = point.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    seen.add(point);
    out.push({ path, fstype });
  }
  return out;
}
