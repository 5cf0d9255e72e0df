import { ApiError, type JsonObject, type LeaderStatus, type SealStatus } from '../../api/index.js';
import { CliError, describeError, type Command } from '../command.js';
import type { Row } from '../format.js';
import { ZERO_TIME } from '../../lib/clock.js';

/** The Key/Value rows vault shows for a seal status (status, operator unseal). */
export function sealRows(s: SealStatus, leader?: LeaderStatus): Row[] {
  const rows: Row[] = [{ key: 'Seal Type', value: s.type }];
  // As vault: with an auto seal the shares operators hold are recovery key shares.
  if (s.recovery_seal) rows.push({ key: 'Recovery Seal Type', value: typeof s['recovery_seal_type'] === 'string' ? s['recovery_seal_type'] : 'shamir' });
  rows.push(
    { key: 'Initialized', value: s.initialized },
    { key: 'Sealed', value: s.sealed },
    { key: s.recovery_seal ? 'Total Recovery Shares' : 'Total Shares', value: s.n },
    { key: 'Threshold', value: s.t },
  );
  if (s.sealed) {
    rows.push({ key: 'Unseal Progress', value: `${s.progress}/${s.t}` });
    rows.push({ key: 'Unseal Nonce', value: s.nonce || 'n/a' });
  }
  if (s.migration) rows.push({ key: 'Seal Migration in Progress', value: true });
  // Ward only: the static seal keeps its key beside the config; say so wherever its status shows.
  if (s.type === 'static') rows.push({ key: 'Seal Warning', value: 'static seal: the key protecting the root key sits beside the configuration; weaker than transit or Shamir' });
  rows.push({ key: 'Version', value: s.version });
  if (s.build_date) rows.push({ key: 'Build Date', value: s.build_date });
  if (s.storage_type) rows.push({ key: 'Storage Type', value: s.storage_type });
  if (s.cluster_name) rows.push({ key: 'Cluster Name', value: s.cluster_name });
  if (s.cluster_id) rows.push({ key: 'Cluster ID', value: s.cluster_id });
  // Ward only: a server that did not report it (Vault, an in-process server) gets no row.
  if (typeof s.memory_locked === 'boolean') rows.push({ key: 'Memory Locked', value: s.memory_locked });
  if (leader) {
    rows.push({ key: 'HA Enabled', value: leader.ha_enabled });
    // As vault status: a sealed HA node says only that HA is enabled.
    if (leader.ha_enabled && !s.sealed) {
      rows.push({ key: 'HA Cluster', value: leader.leader_cluster_address });
      rows.push({ key: 'HA Mode', value: leader.is_self ? 'active' : 'standby' });
      if (leader.is_self && leader.active_time && !leader.active_time.startsWith('0001-')) rows.push({ key: 'Active Since', value: leader.active_time });
      if (!leader.is_self) rows.push({ key: 'Active Node Address', value: leader.leader_address || '<none>' });
    }
  }
  return rows;
}

const SEALED_HA: LeaderStatus = {
  ha_enabled: true,
  is_self: false,
  active_time: ZERO_TIME,
  leader_address: '',
  leader_cluster_address: '',
  performance_standby: false,
  performance_standby_last_remote_wal: 0,
};

const status: Command = {
  synopsis: 'Print seal and HA status',
  help: `status [options]

  Prints the seal status and HA status of the Ward server. The exit code is 0 when
  unsealed, 1 on error and 2 when sealed, so scripts can test it directly.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'status takes no arguments');
    let seal: SealStatus;
    try {
      seal = await ctx.client.sealStatus();
    } catch (e) {
      throw new CliError(`Error checking seal status: ${describeError(e)}${ctx.connectionHint(e)}`, 1);
    }
    // A sealed HA node answers sys/leader with 503 "Vault is sealed": vault reads that as HA enabled.
    const leader: LeaderStatus | undefined = await ctx.client.leader().catch((e: unknown) => (seal.sealed && e instanceof ApiError && e.sealed ? SEALED_HA : undefined));
    const json: JsonObject = { ...seal };
    if (leader) for (const [k, v] of Object.entries(leader)) if (k === 'ha_enabled' || leader.ha_enabled) json[k] = v;
    const code = ctx.print({ json, sections: [{ kind: 'kv', rows: sealRows(seal, leader) }] });
    return code !== 0 ? code : seal.sealed ? 2 : 0;
  },
};

export const statusCommands: Record<string, Command> = { status };
