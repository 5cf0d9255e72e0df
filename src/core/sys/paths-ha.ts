import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { hostname } from 'node:os';
import { WARD_VERSION } from '../api-types.js';
import type { HaStatusNode } from '../ha/node-table.js';

/** `sys/ha-status`: the active node and the standbys it has heard from (answered on the active). */
export function haPaths(haStatus: (() => HaStatusNode[]) | undefined): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'ha-status',
      fields: {},
      operations: {
        read: async () => {
          // As Vault: without HA the node answering is the whole (active) cluster.
          const nodes = haStatus ? haStatus() : [{ hostname: hostname(), api_address: '', cluster_address: '', active_node: true, last_echo: null, version: WARD_VERSION }];
          return { data: { nodes } };
        },
      },
    }),
  ];
}
