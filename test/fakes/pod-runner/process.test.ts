import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';
import { runPod, type RunningPod } from './index.js';
import { alive, b64, mapEnv, pidsInNamespaceOf, podOf, POD_SANDBOX } from './test-support.js';

const sh = (script: string) => ({ image: 'busybox', command: ['sh', '-c', script] });

describe('pod runner: env, the Ward image, exec and stop', { skip: skipUnless(POD_SANDBOX), timeout: 60_000 }, () => {
  const pods: RunningPod[] = [];
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
  });
  const run = async (...a: Parameters<typeof runPod>) => {
    const p = await runPod(...a);
    pods.push(p);
    return p;
  };

  test('env: downward API, Secret and ConfigMap refs, envFrom with prefix, $(VAR) in env and args', async () => {
    const env = mapEnv();
    env.secrets.set('prod/db', { data: { password: b64('s3cret') } });
    env.configMaps.set('prod/cfg', { data: { mode: 'fast' } });
    const p = await run(podOf({
      restartPolicy: 'Never',
      serviceAccountName: 'web',
      nodeName: 'node-7',
      containers: [{
        name: 'app',
        image: 'busybox',
        command: ['sh', '-c'],
        // $(UNDEFINED) stays as written and $$ is an escaped $; single quotes keep sh off them.
        args: [`echo "$(GREETING)|$NS|$UID_|$SA|$NODE|$IP|$HOST_IP|$APP|$NOTE|$MEM|$PASS|$CFG_mode|$HOME"'|$(UNDEFINED)|$$HOME'`],
        resources: { limits: { memory: '64Mi' } },
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'GREETING', value: 'hello $(POD)' },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'UID_', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      }],
    }, { name: 'env-pod', namespace: 'prod', uid: 'uid-123', labels: { app: 'web' }, annotations: { note: 'n1' } }), env);
    await p.done;
    assert.equal(p.logs('app'), 'hello env-pod|prod|uid-123|web|node-7|127.0.0.1|127.0.0.1|web|n1|64|s3cret|fast|/root|$(UNDEFINED)|$HOME\n');
  });

  test('an env Secret that does not exist leaves the container in CreateContainerConfigError', async () => {
    const p = await run(podOf({ restartPolicy: 'Never', containers: [{ name: 'app', ...sh('echo ran'), env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }] }), mapEnv());
    const s = await waitFor('CreateContainerConfigError', () => p.status().containerStatuses[0]?.state.waiting?.reason === 'CreateContainerConfigError' && p.status());
    assert.equal(s.containerStatuses[0]?.state.waiting?.message, 'secret "gone" not found');
    assert.equal(p.logs('app'), '');
  });

  test('the Ward image runs bin/ward as ward or vault, from args, from a shell and through exec', async () => {
    const p = await run(podOf({
      restartPolicy: 'Never',
      containers: [
        { name: 'args', image: 'hashicorp/vault:1.15.2', args: ['version'] },
        { name: 'shell', image: 'ward:dev', command: ['/bin/sh', '-ec'], args: ['trap "exit 0" TERM; vault version; echo trap set; while :; do sleep 0.1; done'] },
      ],
    }), mapEnv());
    // The shell sets its trap first and says so after `vault version` has exited: a SIGTERM
    // before that line could find the node process of `vault version` still starting.
    await waitFor('both ran ward version', () => /^Ward v\S+\n$/.test(p.logs('args')) && /^Ward v\S+\ntrap set\n$/.test(p.logs('shell')), { context: () => p.logs('args') + p.logs('shell') });
    const r = await p.exec('shell', ['/usr/local/bin/ward', 'version']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, p.logs('args'));
    const s = await p.stop();
    assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.equal(s.containerStatuses[1]?.state.terminated?.exitCode, 0, 'the shell trapped SIGTERM');
  });

  test('exec runs in the container (its mounts, PID namespace and env) and reports the exit code', async () => {
    const p = await run(podOf({ volumes: [{ name: 'd', emptyDir: {} }], containers: [{ name: 'app', ...sh('echo hi > /d/f; exec sleep 1000'), env: [{ name: 'WHO', value: 'me' }], volumeMounts: [{ name: 'd', mountPath: '/d' }] }] }), mapEnv());
    await waitFor('app running', () => p.status().containerStatuses[0]?.state.running);
    const r = await p.exec('app', ['sh', '-c', 'cat /d/f; echo $WHO; cat /proc/1/comm; exit 4']);
    assert.deepEqual(r, { exitCode: 4, stdout: 'hi\nme\nsleep\n', stderr: '' });
    await assert.rejects(p.exec('nope', ['true']), /container "nope" is not running/);
  });

  test('preStop hooks run before SIGTERM (on deletion and when a Job ends its sidecars); a failing one is an event', async () => {
    const p = await run(podOf({
      volumes: [{ name: 'd', emptyDir: {} }],
      containers: [
        { name: 'app', ...sh('trap "cat /d/hook; exit 0" TERM; while :; do sleep 0.1; done'), volumeMounts: [{ name: 'd', mountPath: '/d' }], lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop ran > /d/hook'] } } } },
        { name: 'bad', ...sh('trap "exit 0" TERM; while :; do sleep 0.1; done'), lifecycle: { preStop: { exec: { command: ['sh', '-c', 'exit 3'] } } } },
      ],
    }), mapEnv());
    // Each shell has set its trap once its loop's first sleep runs (a second process in its namespace).
    await waitFor('traps set', () => p.pids().length === 2 && p.pids().every((pid) => pidsInNamespaceOf(pid).length >= 2));
    const s = await p.stop();
    assert.equal(p.logs('app'), 'prestop ran\n');
    assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.deepEqual(p.events(), [{ container: 'bad', reason: 'FailedPreStopHook', message: 'exec ["sh","-c","exit 3"] exited with 3' }]);

    const job = await run(podOf({
      restartPolicy: 'Never',
      volumes: [{ name: 'd', emptyDir: {} }],
      initContainers: [{
        name: 'agent', restartPolicy: 'Always', ...sh('trap "cat /d/hook; exit 0" TERM; touch /d/up; while :; do sleep 0.1; done'), volumeMounts: [{ name: 'd', mountPath: '/d' }],
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo revoked > /d/hook'] } } },
      }],
      // The app ends only once the sidecar handles SIGTERM (PID 1 ignores it until then).
      containers: [{ name: 'app', ...sh('while [ ! -e /d/up ]; do sleep 0.05; done'), volumeMounts: [{ name: 'd', mountPath: '/d' }] }],
    }), mapEnv());
    await job.done;
    assert.equal(job.logs('agent'), 'revoked\n');
  });

  test('stop() terminates apps then sidecars in reverse order, SIGKILLs after the grace period, and leaves no process behind', async () => {
    const p = await run(podOf({
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'd', emptyDir: {} }],
      initContainers: [
        // PID 1 without a SIGTERM handler ignores the signal, as in a real container: SIGKILL at the deadline.
        { name: 'stubborn', restartPolicy: 'Always', image: 'busybox', command: ['sleep', '1000'] },
        { name: 'polite-sidecar', restartPolicy: 'Always', ...sh('sleep 1000 & trap "cat /d/stops; echo sidecar TERM; exit 0" TERM; while :; do sleep 0.1; done'), volumeMounts: [{ name: 'd', mountPath: '/d' }] },
      ],
      containers: [
        { name: 'app', ...sh('sleep 1000 & trap "echo app TERM >> /d/stops; exit 0" TERM; while :; do sleep 0.1; done'), volumeMounts: [{ name: 'd', mountPath: '/d' }] },
      ],
    }), mapEnv({ maxGraceSeconds: 5 }));
    await waitFor('three containers running', () => p.pids().length === 3 && p.status().containerStatuses.every((c) => c.state.running));
    // 1 (stubborn) + 3 per shell (sh, its background sleep, the loop's sleep, which only runs
    // once the trap is set): then both shells handle SIGTERM.
    const all = await waitFor('background children started and traps set', () => {
      const pids = p.pids().flatMap(pidsInNamespaceOf);
      return pids.length >= 7 && pids;
    });
    const s = await p.stop();
    assert.deepEqual(all.filter(alive), []);
    assert.equal(p.logs('polite-sidecar'), 'app TERM\nsidecar TERM\n', 'the sidecar is stopped after the app');
    assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.equal(s.initContainerStatuses[1]?.state.terminated?.exitCode, 0);
    assert.equal(s.initContainerStatuses[0]?.state.terminated?.exitCode, 137, 'SIGKILL after the grace period');
    assert.equal(p.logs('stubborn'), '');
    assert.deepEqual(p.pids(), []);
    assert.equal((await p.done).containerStatuses.length, 1);
  });
});
