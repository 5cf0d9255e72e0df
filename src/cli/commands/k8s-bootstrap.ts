import type { Command } from '../command.js';
import { UsageError } from '../flags.js';
import { envSetting } from '../../api/index.js';

const bootstrap: Command = {
  synopsis: 'Initialize, unseal and set up a Ward deployed on Kubernetes (the bootstrap Job)',
  help: `k8s bootstrap (-address=URL,... | -pod-selector=LABELS) -pgp-keys=REF,... -bootstrap-pgp-key=REF [options]

  Waits until the Ward pods answer and logs what it finds; initializes the server only if it
  is not initialized, with every key share encrypted by the server to its -pgp-keys entry
  (sys/init pgp_keys) and the root token to the job's own key, and stores those ciphertexts in
  the -keys-secret Secret before anything else; unseals each sealed pod (Shamir) with the
  shares encrypted to the job's key (list the public half of -bootstrap-pgp-key among
  -pgp-keys as many times as the job should hold shares); writes the admin and provisioner
  policies; enables an audit device; issues an orphan provisioner token into a Secret; and
  revokes the root token. Every step checks the server first and is recorded in the
  -progress-secret Secret, so a re-run after a kill anywhere completes.
  A REF is a file path, secret:NAME/KEY or configmap:NAME/KEY (in -namespace).
  Logs JSON lines on stderr; never a share or token. Exit 0 done, 1 failed.`,
  flags: [
    { name: 'address', kind: 'string', usage: 'Comma-separated Ward addresses, one per pod (https://ward-0.ward-internal:8200,...); default $WARD_ADDR / $VAULT_ADDR unless -pod-selector.' },
    { name: 'pod-selector', kind: 'string', usage: 'Label selector of the Ward pods in -namespace (instead of -address).' },
    { name: 'pod-port', kind: 'int', usage: 'API port of the selected pods.', default: 8200 },
    { name: 'pod-scheme', kind: 'string', usage: 'https or http for the selected pods.', default: 'https' },
    { name: 'expected-pods', kind: 'int', usage: 'Pods to wait for before starting (the StatefulSet\'s replicas; default: the number of -address, else 1).' },
    { name: 'ca-cert', kind: 'string', usage: 'CA file that signed the Ward listener\'s certificate (default $WARD_CACERT / $VAULT_CACERT).' },
    { name: 'tls-server-name', kind: 'string', usage: 'Name to verify the Ward certificate against (pods selected by IP).' },
    { name: 'kubeconfig', kind: 'string', usage: 'Path to a kubeconfig (default $KUBECONFIG, else in-cluster).' },
    { name: 'namespace', kind: 'string', usage: 'Namespace of the pods and Secrets (default $POD_NAMESPACE, else the job\'s own).' },
    { name: 'pgp-keys', kind: 'string', usage: 'Comma-separated public key REFs, one per unseal key share.' },
    { name: 'recovery-pgp-keys', kind: 'string', usage: 'Comma-separated public key REFs, one per recovery share (auto seal).' },
    { name: 'bootstrap-pgp-key', kind: 'string', usage: 'The job\'s private key REF: decrypts the root token and the shares encrypted to it.' },
    { name: 'bootstrap-pgp-passphrase', kind: 'string', usage: 'REF of the passphrase protecting -bootstrap-pgp-key.' },
    { name: 'key-shares', kind: 'int', usage: 'Unseal key shares (default: the number of -pgp-keys).' },
    { name: 'key-threshold', kind: 'int', usage: 'Shares needed to unseal (default 3, or the share count when smaller).' },
    { name: 'recovery-shares', kind: 'int', usage: 'Recovery key shares with an auto seal (default: the number of -recovery-pgp-keys).' },
    { name: 'recovery-threshold', kind: 'int', usage: 'Recovery key threshold (default 3, or the share count when smaller).' },
    { name: 'keys-secret', kind: 'string', usage: 'Secret receiving the encrypted shares and root token.', default: 'ward-init' },
    { name: 'provisioner-token-secret', kind: 'string', usage: 'Secret receiving the provisioner token (key "token").', default: 'ward-provisioner-token' },
    { name: 'progress-secret', kind: 'string', usage: 'Secret recording the steps done (no secret content; a Secret so the job needs RBAC on Secrets only).', default: 'ward-bootstrap-progress' },
    { name: 'admin-policy', kind: 'string', usage: 'Name of the admin policy.', default: 'admin' },
    { name: 'provisioner-policy', kind: 'string', usage: 'Name of the provisioner policy.', default: 'provisioner' },
    { name: 'admin-policy-file', kind: 'string', usage: 'REF of an HCL policy replacing the built-in admin policy.' },
    { name: 'provisioner-policy-file', kind: 'string', usage: 'REF of an HCL policy replacing the built-in provisioner policy.' },
    { name: 'kv-mount', kind: 'string', usage: 'KV v2 mount the built-in provisioner policy writes into.', default: 'secret' },
    { name: 'audit-type', kind: 'string', usage: 'Audit device type to enable ("none": skip).', default: 'file' },
    { name: 'audit-path', kind: 'string', usage: 'Path of the audit device (default: its type).' },
    { name: 'audit-options', kind: 'string', usage: 'Comma-separated KEY=VALUE device options (file: file_path=stdout by default).' },
    { name: 'provisioner-token-ttl', kind: 'string', usage: 'TTL of the provisioner token.', default: '768h' },
    { name: 'revoke-root', kind: 'bool', usage: 'Revoke the root token at the end.', default: true },
    { name: 'wait-timeout', kind: 'string', usage: 'How long to wait for the pods to answer, unseal or become active.', default: '10m' },
    { name: 'init-pod', kind: 'string', usage: 'Sidecar mode: only the bootstrap in this pod ($POD_NAME) initializes and configures; the others wait for its keys Secret and unseal their own pod.' },
    { name: 'watch', kind: 'string', usage: 'After the bootstrap, keep running and unseal the pod(s) whenever found sealed, checking this often (sidecar mode; 0: exit when done).', default: '0s' },
  ],
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'k8s bootstrap takes no arguments');
    const f = ctx.flags;
    const str = (n: string): string | undefined => f.str(n) || undefined;
    const int = (n: string): number | undefined => f.int(n);
    const env = ctx.io.env;
    // Loaded lazily: only this command needs the Kubernetes client and openpgp.
    const { parseBootstrapOptions } = await import('../../k8s/bootstrap/options.js');
    let o;
    try {
      o = parseBootstrapOptions({
        // As the chart runs it: VAULT_ADDR / VAULT_CACERT (WARD_* win) and POD_NAMESPACE when the flags are absent.
        address: str('address') ?? (str('pod-selector') ? undefined : envSetting(env, 'ADDR')), podSelector: str('pod-selector'), podPort: int('pod-port'), podScheme: str('pod-scheme'), expectedPods: int('expected-pods'),
        caCert: str('ca-cert') ?? envSetting(env, 'CACERT'), tlsServerName: str('tls-server-name'), kubeconfig: str('kubeconfig'), namespace: str('namespace') ?? (env['POD_NAMESPACE'] || undefined),
        pgpKeys: str('pgp-keys'), recoveryPgpKeys: str('recovery-pgp-keys'), bootstrapPgpKey: str('bootstrap-pgp-key'), bootstrapPgpPassphrase: str('bootstrap-pgp-passphrase'),
        keyShares: int('key-shares'), keyThreshold: int('key-threshold'), recoveryShares: int('recovery-shares'), recoveryThreshold: int('recovery-threshold'),
        keysSecret: str('keys-secret'), provisionerTokenSecret: str('provisioner-token-secret'), progressSecret: str('progress-secret'),
        adminPolicy: str('admin-policy'), provisionerPolicy: str('provisioner-policy'), adminPolicyFile: str('admin-policy-file'), provisionerPolicyFile: str('provisioner-policy-file'),
        kvMount: str('kv-mount'), auditType: str('audit-type'), auditPath: str('audit-path'), auditOptions: str('audit-options'),
        provisionerTokenTtl: str('provisioner-token-ttl'), revokeRoot: f.bool('revoke-root'), waitTimeout: str('wait-timeout'),
        initPod: str('init-pod'), podName: env['POD_NAME'] || undefined, watch: str('watch'),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { runBootstrap } = await import('../../k8s/bootstrap/main.js');
    return runBootstrap(o, { stdout: ctx.io.stdout, stderr: ctx.io.stderr, env: ctx.io.env });
  },
};

export const k8sBootstrapCommands: Record<string, Command> = { 'k8s bootstrap': bootstrap };
