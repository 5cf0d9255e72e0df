import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../sdk/logical.js';
import { applyProcessHardening, MlockError, RootRefusedError, type HardeningOptions } from './hardening.js';
import type { NativeHardening, NativeLoad } from './native.js';
import { coreLimit, parseProcessState } from './process-state.js';

const limitsZero = 'Max core file size        0                    0                    bytes\n';
const limitsOpen = 'Max core file size        unlimited            unlimited            bytes\n';

/** The core-file limit as /proc would show it; the addon and prlimit set it to 0. */
let limits = limitsOpen;

/** A stand-in for the addon: lockMemory answers from `locks` in turn; the rest succeed. */
function fakeNative(locks: number[] = [0]): { load: NativeLoad; calls: string[] } {
  const calls: string[] = [];
  let dumpable = 1;
  const addon: NativeHardening = {
    lockMemory: (onFault) => {
      calls.push(`lockMemory(${onFault})`);
      return locks.shift() ?? 0;
    },
    disableDumpable: () => {
      calls.push('disableDumpable');
      dumpable = 0;
      return 0;
    },
    dumpable: () => dumpable,
    disableCoreDumps: () => {
      calls.push('disableCoreDumps');
      limits = limitsZero;
      return 0;
    },
  };
  return { load: { ok: true, addon, path: '/fake.node' }, calls };
}

const unavailable: NativeLoad = { ok: false, reason: 'the native addon was not built (no compiler)' };

function opts(o: Partial<HardeningOptions>): HardeningOptions {
  limits = limitsOpen;
  return {
    disableMlock: false,
    allowRoot: false,
    dev: false,
    logger: silentLogger,
    getuid: () => 1000,
    readLimits: () => limits,
    prlimit: () => {
      limits = limitsZero;
    },
    state: () => ({ vmLckKb: 1000, vmRssKb: 500, capIpcLock: true, memlockLimit: '8388608' }),
    ...o,
  };
}

describe('hardening', () => {
  it('refuses root unless allowed; dev mode only warns', () => {
    const base = { disableMlock: true, getuid: () => 0, readLimits: () => limitsZero, native: fakeNative().load };
    assert.throws(() => applyProcessHardening(opts({ ...base, allowRoot: false, dev: false })), (e: unknown) => e instanceof RootRefusedError && /-allow-root/.test(e.message));
    assert.match(applyProcessHardening(opts({ ...base, allowRoot: true })).warnings.join('\n'), /running as root/);
    assert.match(applyProcessHardening(opts({ ...base, dev: true })).warnings.join('\n'), /dev mode/);
  });

  it('locks memory on fault, makes the process non-dumpable and turns core dumps off through the addon', () => {
    const n = fakeNative([0]);
    const r = applyProcessHardening(opts({ native: n.load }));
    assert.equal(r.mlock, 'locked');
    assert.equal(r.dumpable, false);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(n.calls, ['disableCoreDumps', 'disableDumpable', 'lockMemory(true)']);
  });

  it('a failed lock refuses to start with Vault\'s message and hint', () => {
    assert.throws(
      () => applyProcessHardening(opts({ native: fakeNative([12]).load })),
      (e: unknown) =>
        e instanceof MlockError &&
        e.message.startsWith('Failed to lock memory: cannot allocate memory\n\nThis usually means that the mlock syscall is not available.\n') &&
        /disable_mlock = true/.test(e.message) &&
        /IPC_LOCK/.test(e.message),
    );
    assert.throws(() => applyProcessHardening(opts({ native: fakeNative([1]).load })), /MlockError: Failed to lock memory: operation not permitted\n/);
    assert.throws(() => applyProcessHardening(opts({ native: fakeNative([-1]).load })), /MlockError: Failed to lock memory: cannot install the seccomp filter .*: operation not permitted/);
  });

  it('dev mode only warns when locking fails', () => {
    const r = applyProcessHardening(opts({ dev: true, native: fakeNative([12]).load }));
    assert.equal(r.mlock, 'failed');
    assert.match(r.warnings.join('\n'), /memory is NOT locked .*Failed to lock memory: cannot allocate memory/);
  });

  it('disable_mlock skips locking and says so', () => {
    const n = fakeNative();
    const r = applyProcessHardening(opts({ disableMlock: true, native: n.load }));
    assert.equal(r.mlock, 'disabled');
    assert.ok(!n.calls.some((c) => c.startsWith('lockMemory')));
  });

  it('without the addon: refused unless disable_mlock; dumpable is reported; core dumps fall back to prlimit', () => {
    assert.throws(() => applyProcessHardening(opts({ native: unavailable })), /MlockError: Failed to lock memory: the native addon was not built \(no compiler\)\n\nThis usually means/);
    let prlimitCalls = 0;
    let limits = limitsOpen;
    const r = applyProcessHardening(opts({
      disableMlock: true,
      native: unavailable,
      readLimits: () => limits,
      prlimit: () => {
        prlimitCalls++;
        limits = limitsZero;
      },
    }));
    assert.equal(r.mlock, 'disabled');
    assert.equal(r.dumpable, undefined);
    assert.match(r.warnings.join('\n'), /still dumpable .*not built/);
    if (process.platform === 'linux') assert.equal(prlimitCalls, 1);
    assert.ok(!r.warnings.some((w) => /core dumps/.test(w)), 'core dumps verified off');

    const missing = applyProcessHardening(opts({
      disableMlock: true,
      native: unavailable,
      readLimits: () => limitsOpen,
      prlimit: () => {
        throw Object.assign(new Error('spawn prlimit ENOENT'), { code: 'ENOENT' });
      },
    }));
    if (process.platform === 'linux') assert.match(missing.warnings.join('\n'), /prlimit tool .* not installed/);
  });

  it('a kernel without MCL_ONFAULT (EINVAL) falls back to locking everything, with a warning', () => {
    const n = fakeNative([22, 0]);
    const r = applyProcessHardening(opts({ native: n.load }));
    assert.equal(r.mlock, 'locked');
    assert.deepEqual(n.calls.filter((c) => c.startsWith('lock')), ['lockMemory(true)', 'lockMemory(false)']);
    assert.match(r.warnings.join('\n'), /MCL_ONFAULT/);
  });

  it('warns when locked memory is capped by RLIMIT_MEMLOCK without CAP_IPC_LOCK', () => {
    const r = applyProcessHardening(opts({ native: fakeNative().load, state: () => ({ capIpcLock: false, memlockLimit: '67108864' }) }));
    assert.match(r.warnings.join('\n'), /RLIMIT_MEMLOCK \(67108864 bytes\).*CAP_IPC_LOCK/);
    const unlimited = applyProcessHardening(opts({ native: fakeNative().load, state: () => ({ capIpcLock: false, memlockLimit: 'unlimited' }) }));
    assert.deepEqual(unlimited.warnings, []);
  });
});

describe('process state', () => {
  it('parses /proc status and limits', () => {
    const status = 'Name:\tnode\nVmLck:\t  728480 kB\nVmRSS:\t   42208 kB\nCapEff:\t000001fffeffffff\nNoNewPrivs:\t1\n';
    const limits = `Max locked memory         8388608              8388608              bytes\n${limitsZero}`;
    assert.deepEqual(parseProcessState(status, limits), {
      vmLckKb: 728480,
      vmRssKb: 42208,
      capIpcLock: true,
      noNewPrivs: true,
      memlockLimit: '8388608',
      coreLimit: { soft: '0', hard: '0' },
    });
    assert.equal(parseProcessState('CapEff:\t000001fffeffbfff\n', undefined).capIpcLock, false, 'bit 14 clear');
    assert.deepEqual(parseProcessState(undefined, undefined), {});
    assert.deepEqual(coreLimit(limitsZero), { soft: '0', hard: '0' });
    assert.equal(coreLimit('nothing'), undefined);
  });
});
