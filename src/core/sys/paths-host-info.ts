/** `sys/host-info`: the host this server runs on (cpu, cpu_times, disk, host, memory, timestamp), as Vault. */
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { collectHostInfo } from '../hostinfo/collect.js';

export function hostInfoPaths(now: () => number): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'host-info/?',
      fields: {},
      synopsis: 'Information about the host instance this server is running on.',
      operations: { read: async () => ({ data: collectHostInfo(new Date(now())) }) },
    }),
  ];
}
