import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCpuinfo, parseMeminfo, parseMounts, parseProcStat } from './proc.js';

describe('/proc parsers', () => {
  it('reads the machine-wide cpu line of /proc/stat in seconds', () => {
    const t = parseProcStat('cpu  7491 12 16833 5726276 300 0 45 7 0 0\ncpu0 1 2 3 4\nintr 1\n');
    assert.deepEqual(t, { cpu: 'cpu-total', user: 74.91, nice: 0.12, system: 168.33, idle: 57262.76, iowait: 3, irq: 0, softirq: 0.45, steal: 0.07, guest: 0, guestNice: 0 });
    for (const bad of ['', 'intr 1 2\n', 'cpu  a b c d\n', 'cpu 1 2\n']) assert.equal(parseProcStat(bad), null, bad);
  });

  it('reads /proc/meminfo in bytes', () => {
    const m = parseMeminfo('MemTotal:       16384 kB\nMemFree:        1024 kB\nMemAvailable:   8192 kB\nHugePages_Total:       0\nbogus line\n');
    assert.equal(m?.get('MemTotal'), 16384 * 1024);
    assert.equal(m?.get('MemAvailable'), 8192 * 1024);
    assert.equal(m?.get('HugePages_Total'), 0);
    assert.equal(parseMeminfo('nothing here'), null);
  });

  it('reads one record per processor from /proc/cpuinfo', () => {
    const text = 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 78\nmodel name\t: Intel(R) Core(TM) i7\nstepping\t: 3\ncpu MHz\t\t: 2592.000\ncache size\t: 4096 KB\ncpu cores\t: 2\nflags\t\t: fpu vme\n\nprocessor\t: 1\nmodel name\t: Intel(R) Core(TM) i7\n\n';
    const cpus = parseCpuinfo(text);
    assert.equal(cpus.length, 2);
    assert.deepEqual(cpus[0], { vendorId: 'GenuineIntel', family: '6', model: '78', stepping: 3, physicalId: '', coreId: '', cores: 2, modelName: 'Intel(R) Core(TM) i7', mhz: 2592, cacheSize: 4096, flags: ['fpu', 'vme'], microcode: '' });
    assert.equal(cpus[1]?.cores, 1);
    assert.deepEqual(parseCpuinfo('Hardware: BCM\n'), []);
  });

  it('keeps block-device mounts, once per mount point, unescaping spaces', () => {
    const text = '/dev/sda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n';
    assert.deepEqual(parseMounts(text), [
      { path: '/', fstype: 'ext4' },
      { path: '/mnt/my disk', fstype: 'xfs' },
    ]);
  });
});
