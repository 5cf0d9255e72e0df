import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose, overall, type Check, type DiagnoseOptions } from './diagnose.js';
import type { NativeHardening, NativeLoad } from './native.js';

function native(lock: number): NativeLoad {
  let dumpable = 1;
  const addon: NativeHardening = {
    lockMemory: () => lock,
    disableDumpable: () => ((dumpable = 0), 0),
    dumpable: () => dumpable,
    disableCoreDumps: () => 0,
  };
  return { ok: true, addon, path: '/x/ward_native.node' };
}

const base: DiagnoseOptions = {
  native: native(0),
  state: () => ({ vmLckKb: 10, capIpcLock: true, memlockLimit: '8388608', coreLimit: { soft: '0', hard: '0' } }),
  getuid: () => 1000,
  swaps: () => 'Filename\tType\tSize\tUsed\tPriority\n',
};
const byName = (checks: Check[], name: string): Check | undefined => checks.find((c) => c.name === name);

describe('operator diagnose checks', () => {
  it('all good: every check succeeds', () => {
    const checks = diagnose(base);
    assert.equal(overall(checks), 'success', JSON.stringify(checks, null, 1));
    assert.match(byName(checks, 'Check Memory Lock')?.message ?? '', /mlockall\(MCL_CURRENT\|MCL_FUTURE\|MCL_ONFAULT\) succeeded/);
  });

  it('a failed lock is a failure with Vault\'s first line and the hint', () => {
    const checks = diagnose({ ...base, native: native(12), state: () => ({ capIpcLock: false, memlockLimit: '8388608' }) });
    assert.equal(overall(checks), 'failure');
    const lock = byName(checks, 'Check Memory Lock');
    assert.equal(lock?.message, 'Failed to lock memory: cannot allocate memory');
    assert.match(lock?.advice ?? '', /^This usually means that the mlock syscall is not available\..*disable_mlock = true/);
    assert.equal(byName(checks, 'Check Locked Memory Limit')?.status, 'warning');
  });

  it('no addon: failure, unless disable_mlock = true (then warnings, and swap matters)', () => {
    const missing: NativeLoad = { ok: false, reason: 'the native addon was not built' };
    assert.equal(overall(diagnose({ ...base, native: missing })), 'failure');
    const dir = mkdtempSync(join(tmpdir(), 'ward-diag-'));
    try {
      const cfg = join(dir, 'ward.hcl');
      writeFileSync(cfg, 'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\ndisable_mlock = true\n');
      const checks = diagnose({ ...base, native: missing, config: cfg, swaps: () => 'Filename\tType\n/swapfile\tfile\t1024\t0\t-2\n' });
      assert.equal(overall(checks), 'warning', JSON.stringify(checks, null, 1));
      assert.equal(byName(checks, 'Parse Configuration')?.status, 'success');
      assert.equal(byName(checks, 'Check Swap')?.status, 'warning');
      assert.equal(byName(checks, 'Check Dumpable')?.status, 'warning');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('root: a failure when the configuration does not allow it; a bad configuration is a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-diag-'));
    try {
      const cfg = join(dir, 'ward.hcl');
      writeFileSync(cfg, 'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n');
      assert.equal(byName(diagnose({ ...base, config: cfg, getuid: () => 0 }), 'Check User')?.status, 'failure');
      assert.equal(byName(diagnose({ ...base, getuid: () => 0 }), 'Check User')?.status, 'warning');
      writeFileSync(cfg, 'bogus_key = 1\n');
      const bad = byName(diagnose({ ...base, config: cfg }), 'Parse Configuration');
      assert.equal(bad?.status, 'failure');
      assert.match(bad?.message ?? '', /bogus_key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
