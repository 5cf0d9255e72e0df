import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { rfc3339 } from '../../lib/clock.js';

export interface KeyDeps {
  keyStatus(): { term: number; installTime: number; encryptions: number };
  rotate(): Promise<void>;
  /** Seals after the current request has been answered. */
  sealSoon(): void;
  /** HA: gives up the active role after the current request has been answered. */
  stepDownSoon?(): void;
}

/** `sys/key-status`, `sys/rotate`, `sys/seal`, `sys/step-down`. */
export function keyPaths(deps: KeyDeps): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'key-status',
      fields: {},
      operations: {
        read: async () => {
          const s = deps.keyStatus();
          return { data: { term: s.term, install_time: rfc3339(s.installTime), encryptions: s.encryptions } };
        },
      },
    }),
    definePath({
      pattern: 'rotate',
      fields: {},
      operations: {
        update: async () => {
          await deps.rotate();
          return null;
        },
      },
    }),
    definePath({
      pattern: 'seal',
      fields: {},
      operations: {
        update: async () => {
          deps.sealSoon();
          return null;
        },
      },
    }),
    definePath({
      // Without HA the node is always the active node; stepping down is a no-op.
      pattern: 'step-down',
      fields: {},
      operations: {
        update: async () => {
          deps.stepDownSoon?.();
          return null;
        },
      },
    }),
  ];
}
