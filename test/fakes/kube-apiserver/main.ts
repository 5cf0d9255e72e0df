/**
 * The fake cluster as a process: `npm run kube-fake -- --port N --kubeconfig PATH
 * [--version v1.31.0] [--self-issuer]` serves HTTPS on 127.0.0.1:N and writes a kubeconfig (server,
 * certificate-authority-data, the cluster-admin token) for kubectl-style clients; SIGINT or
 * SIGTERM stops it cleanly. The token is only ever written to the kubeconfig (mode 0600).
 */
import { parseArgs } from 'node:util';
import { startFakeKubeApiServer } from './index.js';
import { writeKubeconfig } from './kubeconfig.js';

const USAGE = 'usage: kube-fake --port N --kubeconfig PATH [--version vX.Y.Z] [--self-issuer]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { port?: string; kubeconfig?: string; version?: string; 'self-issuer'?: boolean };
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, kubeconfig: { type: 'string' }, version: { type: 'string' }, 'self-issuer': { type: 'boolean' } } }));
  } catch (e) {
    fail((e as Error).message);
  }
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: not a port number: ${values.port ?? ''}`);
  if (!values.kubeconfig) fail('--kubeconfig: required');
  if (values.version !== undefined && !/^v\d+\.\d+\.\d+/.test(values.version)) fail(`--version: not a Kubernetes version: ${values.version}`);
  const k = await startFakeKubeApiServer({ port, selfIssuer: values['self-issuer'] === true, ...(values.version ? { version: values.version } : {}) });
  await writeKubeconfig(values.kubeconfig, k);
  process.stdout.write(`fake kube-apiserver listening on ${k.url}; service-account issuer ${k.issuer}; kubeconfig written to ${values.kubeconfig}\n`);
  const stop = (): void => {
    k.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`kube-fake: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
