/**
 * What the active node knows about its standbys: whoever sent a heartbeat recently, for
 * `sys/ha-status`. Reset each time the node becomes active (Vault lists "the peers it has
 * heard from since it became active").
 */
import type { EchoInfo } from './wire.js';

export interface HaStatusNode {
  hostname: string;
  api_address: string;
  cluster_address: string;
  active_node: boolean;
  /** RFC 3339; null for the active node itself. */
  last_echo: string | null;
  version: string;
}

interface Seen extends EchoInfo {
  at: number;
}

export class NodeTable {
  private readonly seen = new Map<string, Seen>();

  /** `forgetAfterMs`: a standby silent for this long is dropped from the list. */
  constructor(private readonly forgetAfterMs: number) {}

  record(info: EchoInfo, now = Date.now()): void {
    this.seen.set(info.node_id, { ...info, at: now });
  }

  reset(): void {
    this.seen.clear();
  }

  list(self: Omit<HaStatusNode, 'active_node' | 'last_echo'>, now = Date.now()): HaStatusNode[] {
    const out: HaStatusNode[] = [{ ...self, active_node: true, last_echo: null }];
    for (const [id, s] of [...this.seen]) {
      if (now - s.at > this.forgetAfterMs) {
        this.seen.delete(id);
        continue;
      }
      out.push({ hostname: s.hostname, api_address: s.api_address, cluster_address: s.cluster_address, active_node: false, last_echo: new Date(s.at).toISOString(), version: s.version });
    }
    return out;
  }
}
