import type { Command } from '../command.js';

const secretsOperator: Command = {
  synopsis: 'Run the secrets operator (Vault Secrets Operator CRDs: VaultStaticSecret, VaultAuth, VaultConnection)',
  help: `k8s secrets-operator [options]

  Syncs Ward secrets into Kubernetes Secrets declared with the Vault Secrets Operator's
  custom resources (secrets.hashicorp.com/v1beta1; install deploy/crds/ first). A
  VaultStaticSecret's KV secret is written to its destination Secret, refreshed every
  refreshAfter, restored when the Secret is deleted or edited, and a change restarts the
  rolloutRestartTargets once. Logs in with each VaultAuth's Kubernetes auth as the named
  service account (TokenRequest). Flags as VSO's manager. The operator's namespace comes
  from OPERATOR_NAMESPACE, else the kubeconfig context / in-cluster namespace.`,
  flags: [
    { name: 'kubeconfig', kind: 'string', usage: 'Path to a kubeconfig (default $KUBECONFIG, else in-cluster, else ~/.kube/config).' },
    { name: 'metrics-bind-address', kind: 'string', usage: 'Address of the /metrics endpoint ("0" disables it).', default: ':8080' },
    { name: 'health-probe-bind-address', kind: 'string', usage: 'Address of the /healthz and /readyz endpoints ("0" disables them).', default: ':8081' },
    { name: 'leader-elect', kind: 'bool', usage: 'Elect a leader through a coordination.k8s.io Lease, so that of several replicas only one writes.' },
    { name: 'watch-namespaces', kind: 'string', usage: 'Comma-separated namespaces to watch (default: all).' },
    { name: 'client-cache-persistence-model', kind: 'string', usage: 'none, or direct-encrypted: persist each cached Ward token in a Secret of the operator namespace, encrypted with transit (the operator VaultAuth spec.storageEncryption).', default: 'none' },
  ],
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'k8s secrets-operator takes no arguments');
    // Loaded lazily: the operator is needed only by this command.
    const mod = await import('../../k8s/operator/main.js');
    return mod.runSecretsOperator({
      kubeconfig: ctx.flags.str('kubeconfig') || undefined,
      metricsBindAddress: ctx.flags.str('metrics-bind-address') ?? ':8080',
      healthProbeBindAddress: ctx.flags.str('health-probe-bind-address') ?? ':8081',
      leaderElect: ctx.flags.bool('leader-elect'),
      watchNamespaces: (ctx.flags.str('watch-namespaces') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      clientCachePersistenceModel: ctx.flags.str('client-cache-persistence-model') ?? 'none',
    }, { stderr: ctx.io.stderr, env: ctx.io.env });
  },
};

export const k8sOperatorCommands: Record<string, Command> = { 'k8s secrets-operator': secretsOperator };
