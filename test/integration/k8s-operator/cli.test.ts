/** `ward k8s secrets-operator` refuses bad flags and a missing kubeconfig with a message and exit 1, before touching any cluster. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnWard } from '../../helpers/process.js';

const cases: Array<[string[], string]> = [
  [['--client-cache-persistence-model=bogus'], 'invalid --client-cache-persistence-model "bogus" (want none or direct-encrypted)\n'],
  [['--metrics-bind-address=nope'], '--metrics-bind-address: invalid address "nope" (want host:port or :port)\n'],
  [['--health-probe-bind-address=:99999'], '--health-probe-bind-address: invalid address ":99999" (want host:port or :port)\n'],
];

for (const [args, message] of cases) {
  test(`k8s secrets-operator ${args.join(' ')}: exit 1 with a message`, async (t) => {
    const p = spawnWard(['k8s', 'secrets-operator', ...args]);
    t.after(() => p.kill());
    const { code } = await p.exited;
    assert.equal(code, 1);
    assert.equal(p.stderr(), message);
  });
}

test('k8s secrets-operator with a kubeconfig that does not exist: exit 1 naming it', async (t) => {
  const p = spawnWard(['k8s', 'secrets-operator', '--kubeconfig=/nonexistent/kubeconfig', '--metrics-bind-address=0', '--health-probe-bind-address=0']);
  t.after(() => p.kill());
  const { code } = await p.exited;
  assert.equal(code, 1);
  assert.match(p.stderr(), /kubeconfig \/nonexistent\/kubeconfig: ENOENT/);
});
