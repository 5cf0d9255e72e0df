/** Throwaway PKI for the fake API server: a fresh ECDSA CA and a server certificate it signed. */
import { makeCa } from '../../helpers/test-ca.js';

export interface ServerPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A fresh CA and a server certificate for localhost / 127.0.0.1 / ::1, valid for one day. */
export async function generateServerPki(commonName = 'fake-kube-apiserver'): Promise<ServerPki> {
  const ca = await makeCa(`${commonName}-ca`, 'ec');
  const server = await ca.server(commonName);
  return { caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}
