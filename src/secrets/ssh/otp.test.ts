/**
 * OTP verification on its own: verify must hand a password out once even when calls for
 * it overlap on a store that answers slowly (as a remote storage engine does), and the
 * OTP helpers decide users and IPs as Vault's validateUsername and validateIP.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { InmemStorage } from '../../sdk/storage.js';
import { driveBackend } from '../../sdk/testing.js';
import { sshBackend } from './index.js';
import { badCidrEntry, canonicalIp, otpIpAllowed, otpUsername, type OtpRole } from './otp-role.js';

/** A store whose reads and deletes each take a few milliseconds. */
class SlowStorage extends InmemStorage {
  override async get(key: string): Promise<Buffer | null> {
    await sleep(5);
    return super.get(key);
  }
  override async delete(key: string): Promise<void> {
    await sleep(5);
    return super.delete(key);
  }
}

describe('ssh OTP verify', () => {
  it('overlapping verifies of one password: exactly one gets it', async () => {
    const system = { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 7200, options: () => ({}) };
    const { call } = driveBackend(sshBackend({ system }), new SlowStorage());
    await call('update', 'roles/web', { key_type: 'otp', default_user: 'ubuntu', cidr_list: '10.0.0.0/8' });
    const creds = await call('update', 'creds/web', { ip: '10.1.2.3' });
    const otp = creds?.data?.['key'] as string;
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => call('update', 'verify', { otp })));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes));
  });
});

describe('OTP role decisions', () => {
  const role: OtpRole = { key_type: 'otp', default_user: 'ubuntu', cidr_list: '10.0.0.0/24,fd00::/8', exclude_cidr_list: '10.0.0.128/25', port: 22, allowed_users: 'ubuntu, deploy' };
  const userCases: [string, Partial<OtpRole>, string, string][] = [
    ['no username: the default user', {}, '', 'ubuntu'],
    ['an allowed user (list entries trimmed)', {}, 'deploy', 'deploy'],
    ['a user not in the list', {}, 'root', 'Username is not present is allowed users list'],
    ['"*" allows anyone', { allowed_users: '*' }, 'root', 'root'],
    ['no list: only the default user', { allowed_users: '' }, 'root', 'Username has to be either in allowed users list or has to be a default username'],
  ];
  for (const [what, o, requested, want] of userCases) {
    it(`username: ${what}`, () => {
      const got = otpUsername({ ...role, ...o }, requested);
      assert.equal('username' in got ? got.username : got.error, want);
    });
  }
  const ipCases: [string, string, string[], boolean][] = [
    ['inside cidr_list', '10.0.0.5', [], true],
    ['inside the exclusions', '10.0.0.200', [], false],
    ['outside', '192.168.0.1', [], false],
    ['IPv6 inside', 'fd00::1', [], true],
    ['a zero-address role takes anything', '192.168.0.1', ['web'], true],
  ];
  for (const [what, ip, zero, want] of ipCases) it(`ip: ${what}`, () => assert.equal(otpIpAllowed(role, 'web', ip, zero), want));
  const canonical: [string, string | null][] = [
    ['10.0.0.5', '10.0.0.5'],
    ['::ffff:10.0.0.5', '10.0.0.5'],
    ['FD00:0:0:0::1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['10.0.0', null],
    [' 10.0.0.5', null],
  ];
  for (const [ip, want] of canonical) it(`canonical IP of ${JSON.stringify(ip)}`, () => assert.equal(canonicalIp(ip), want));
  it('cidr entries need a prefix length, as net.ParseCIDR', () => {
    assert.equal(badCidrEntry('10.0.0.0/8, 192.168.0.0/16'), null);
    assert.equal(badCidrEntry('10.0.0.1'), '10.0.0.1');
    assert.equal(badCidrEntry('10.0.0.0/8,x/1'), 'x/1');
  });
});
