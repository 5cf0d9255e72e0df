import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';
import { runPod, type RunningPod } from './index.js';
import { mapEnv, podOf, POD_SANDBOX } from './test-support.js';

const sh = (script: string) => ({ image: 'busybox', command: ['sh', '-c', script] });
const data = [{ name: 'data', emptyDir: {} }];
const atData = [{ name: 'data', mountPath: '/data' }];

describe('pod runner: container order and lifecycle', { skip: skipUnless(POD_SANDBOX), timeout: 60_000 }, () => {
  const pods: RunningPod[] = [];
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
  });
  const run = async (...a: Parameters<typeof runPod>) => {
    const p = await runPod(...a);
    pods.push(p);
    return p;
  };

  test('init containers run in order, each to completion, sharing an emptyDir with the app', async () => {
    const env = mapEnv();
    const p = await run(podOf({
      restartPolicy: 'Never',
      volumes: data,
      initContainers: [
        { name: 'first', ...sh('sleep 0.3; echo first >> /data/order'), volumeMounts: atData },
        { name: 'second', ...sh('echo second >> /data/order'), volumeMounts: atData },
      ],
      containers: [{ name: 'app', ...sh('cat /data/order'), volumeMounts: atData }],
    }), env);
    const s = await p.done;
    assert.equal(s.phase, 'Succeeded');
    assert.equal(p.logs('app'), 'first\nsecond\n');
    assert.deepEqual(s.initContainerStatuses.map((c) => [c.name, c.state.terminated?.exitCode, c.state.terminated?.reason]), [['first', 0, 'Completed'], ['second', 0, 'Completed']]);
    assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.deepEqual([...new Set(env.statuses.map((x) => x.phase))], ['Pending', 'Running', 'Succeeded']);
  });

  test('a failing init container fails the pod; later init containers and the app never run', async () => {
    const p = await run(podOf({
      restartPolicy: 'Never',
      initContainers: [{ name: 'bad', ...sh('echo failing; exit 3') }, { name: 'later', ...sh('echo later ran') }],
      containers: [{ name: 'app', ...sh('echo app ran') }],
    }), mapEnv());
    const s = await p.done;
    assert.equal(s.phase, 'Failed');
    assert.equal(s.initContainerStatuses[0]?.state.terminated?.exitCode, 3);
    assert.equal(s.initContainerStatuses[0]?.state.terminated?.reason, 'Error');
    assert.equal(s.initContainerStatuses[1]?.state.waiting?.reason, 'PodInitializing');
    assert.equal(s.containerStatuses[0]?.state.waiting?.reason, 'PodInitializing');
    assert.equal(p.logs('bad'), 'failing\n');
    assert.equal(p.logs('later') + p.logs('app'), '');
  });

  test('with restartPolicy OnFailure a failing init container is restarted until it succeeds', async () => {
    const p = await run(podOf({
      restartPolicy: 'OnFailure',
      volumes: data,
      initContainers: [{ name: 'flaky', ...sh('echo try >> /data/tries; [ "$(wc -l < /data/tries)" -ge 3 ]'), volumeMounts: atData }],
      containers: [{ name: 'app', ...sh('wc -l < /data/tries'), volumeMounts: atData }],
    }), mapEnv({ restartBackoffMs: 10 }));
    const s = await p.done;
    assert.equal(s.phase, 'Succeeded');
    assert.equal(s.initContainerStatuses[0]?.restartCount, 2);
    assert.equal(p.logs('app').trim(), '3');
  });

  test('a native sidecar with a startup probe gates the next containers until the probe passes', async () => {
    const p = await run(podOf({
      restartPolicy: 'Never',
      volumes: data,
      initContainers: [{
        name: 'agent',
        restartPolicy: 'Always',
        ...sh('trap "echo got TERM; exit 0" TERM; sleep 1.5; touch /data/ready; while :; do sleep 0.1; done'),
        volumeMounts: atData,
        startupProbe: { exec: { command: ['test', '-f', '/data/ready'] }, periodSeconds: 1, failureThreshold: 20 },
      }],
      containers: [{ name: 'app', ...sh('if [ -f /data/ready ]; then echo saw ready; else echo too early; fi'), volumeMounts: atData }],
    }), mapEnv());
    const s = await p.done;
    assert.equal(p.logs('app'), 'saw ready\n');
    // Job-style: the app exited, so the sidecar got SIGTERM and the pod finished.
    assert.equal(s.phase, 'Succeeded');
    assert.equal(p.logs('agent'), 'got TERM\n');
    assert.equal(s.initContainerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.equal(s.initContainerStatuses[0]?.restartCount, 0);
  });

  test('an httpGet startup probe on 127.0.0.1 gates the app; sidecars stop in reverse order after the app', async () => {
    const port = 20000 + (process.pid % 20000);
    const server = `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 1000); process.on('SIGTERM', () => { require('fs').appendFileSync('/data/stops', 'web\\n'); process.exit(0); });`;
    const p = await run(podOf({
      restartPolicy: 'Never',
      volumes: data,
      initContainers: [
        // Stopped last: by then the later sidecar has written its line.
        { name: 'first', restartPolicy: 'Always', ...sh('trap "cat /data/stops; echo first; exit 0" TERM; while :; do sleep 0.1; done'), volumeMounts: atData },
        {
          name: 'web', restartPolicy: 'Always', image: 'busybox', command: ['node', '-e', server], volumeMounts: atData, ports: [{ name: 'http', containerPort: port }],
          startupProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1, failureThreshold: 20 },
        },
      ],
      containers: [{ name: 'app', image: 'busybox', command: ['node', '-e', `fetch('http://127.0.0.1:${port}/').then((r) => r.text()).then(console.log)`] }],
    }), mapEnv());
    const s = await p.done;
    assert.equal(p.logs('app'), 'ok\n');
    assert.equal(s.phase, 'Succeeded');
    assert.deepEqual(s.initContainerStatuses.map((c) => c.state.terminated?.exitCode), [0, 0]);
    assert.equal(p.logs('first'), 'web\nfirst\n');
  });

  test('a native sidecar that exits is restarted while the app runs', async () => {
    const p = await run(podOf({
      restartPolicy: 'Never',
      volumes: data,
      initContainers: [{ name: 'crashy', restartPolicy: 'Always', ...sh('echo start >> /data/starts; sleep 0.2; exit 1'), volumeMounts: atData }],
      containers: [{ name: 'app', ...sh('while [ "$(wc -l < /data/starts)" -lt 3 ]; do sleep 0.05; done; echo saw restarts'), volumeMounts: atData }],
    }), mapEnv({ restartBackoffMs: 10 }));
    const s = await p.done;
    assert.equal(p.logs('app'), 'saw restarts\n');
    assert.equal(s.phase, 'Succeeded');
    assert.ok((s.initContainerStatuses[0]?.restartCount ?? 0) >= 2);
    assert.deepEqual(p.pids(), [], 'no sidecar restarted after the pod finished');
  });

  test('a failing app container makes a Job-style pod Failed with its exit code', async () => {
    const p = await run(podOf({ restartPolicy: 'Never', containers: [{ name: 'app', ...sh('exit 7') }] }), mapEnv());
    const s = await p.done;
    assert.equal(s.phase, 'Failed');
    assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 7);
  });

  test('restartPolicy Always restarts an exiting app (bounded) and the pod keeps Running', async () => {
    const p = await run(podOf({ containers: [{ name: 'app', ...sh('echo run') }] }), mapEnv({ maxRestarts: 2, restartBackoffMs: 10 }));
    await waitFor('CrashLoopBackOff after 2 restarts', () => p.status().containerStatuses[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    assert.equal(p.status().containerStatuses[0]?.restartCount, 2);
    assert.equal(p.status().phase, 'Running');
    assert.equal(p.logs('app'), 'run\nrun\nrun\n');
  });
});
