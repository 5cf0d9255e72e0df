/** A graceful step-down lets requests already running on the active finish before it lets go of the lock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { defineBackend, definePath } from '../../../src/sdk/index.js';
import { api } from '../../helpers/server.js';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import { gate, pause, waitFor } from '../../helpers/wait.js';

test('step-down waits for in-flight requests on the active, then hands over', async () => {
  const entered = gate();
  const release = gate();
  const registry = () => {
    const r = builtinRegistry();
    r.register('slow', 'secret', async () =>
      defineBackend({
        type: 'slow',
        kind: 'secret',
        paths: [
          definePath({
            pattern: 'wait',
            fields: {},
            operations: {
              read: async () => {
                entered.open();
                await release.promise;
                return { data: { finished: true } };
              },
            },
          }),
        ],
      }),
    );
    return r;
  };
  const c = await startHaCluster({ nodes: 2, registry });
  try {
    const a = await c.active();
    const b = c.nodes.find((n) => n !== a)!;
    assert.equal((await api(a, 'POST', 'sys/mounts/slow', { token: c.rootToken, body: { type: 'slow' } })).status, 204);
    const slow = api(a, 'GET', 'slow/wait', { token: c.rootToken });
    await entered.promise;
    assert.equal((await api(a, 'PUT', 'sys/step-down', { token: c.rootToken })).status, 204);
    // While the slow request runs, the lock stays with a (nothing can show it has not moved
    // but a look after a while: the other node would take it within one retry period).
    await pause(600);
    assert.equal((await b.core.leader()).is_self, false, 'the lock was released with a request still running');
    release.open();
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body.data.finished, true);
    await waitFor('b to become active', async () => (await b.core.leader()).is_self);
  } finally {
    release.open();
    await c.close();
  }
});
