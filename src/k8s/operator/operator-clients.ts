/**
 * The manager's Ward clients: credentials from the cluster (TokenRequest for service accounts,
 * Secrets for appRole/jwt), and with `--client-cache-persistence-model=direct-encrypted` the
 * encrypted Secret store (cache-storage.ts) whose transit calls run as the operator's own
 * VaultAuth, on a client of its own that persists nothing (closed with the main one).
 */
import type { KubeClient } from '../kube/client.js';
import { findEncryptionAuth, secretTokenStore } from './cache-storage.js';
import { WardClients, type TokenRequestParams } from './clients.js';
import { resolveLogin, type RefCaches } from './resolve.js';
import { readSecretData } from './secret-read.js';
import type { Cr } from './sync-kind.js';
import { transitCodec } from './transit-codec.js';

export function operatorClients(o: {
  kube: KubeClient;
  operatorNamespace: string;
  refs: RefCaches & { auths: { list(): Cr[] } };
  persistenceModel: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}): WardClients {
  const { kube, operatorNamespace: ns } = o;
  const credentials = {
    mintToken: async (r: TokenRequestParams) => {
      const tr = await kube.core.createNamespacedServiceAccountToken({ namespace: r.namespace, name: r.serviceAccount, body: { spec: { audiences: r.audiences, expirationSeconds: r.expirationSeconds } } });
      const t = tr.status?.token;
      if (!t) throw new Error(`TokenRequest for ${r.namespace}/${r.serviceAccount} returned no token`);
      return t;
    },
    readSecret: (namespace: string, name: string) => readSecretData(kube, namespace, name),
    log: o.log,
  };
  if (o.persistenceModel !== 'direct-encrypted') return new WardClients(credentials);
  const encClients = new WardClients(credentials);
  const codec = transitCodec(encClients, async () => {
    const name = findEncryptionAuth(o.refs.auths.list(), ns);
    return { name, target: await resolveLogin(kube, ns, `${ns}/${name}`, ns, o.refs) };
  });
  return new WardClients({ ...credentials, store: { ...secretTokenStore(kube, ns, codec), close: () => encClients.close() } });
}
