/**
 * `config`: where the Kubernetes API server is, how to trust it, and how to review tokens.
 * The reviewer JWT is write-only; reads report only whether one is set.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface KubeConfig {
  kubernetesHost: string;
  kubernetesCaCert: string;
  tokenReviewerJwt: string;
  pemKeys: string[];
  disableLocalCaJwt: boolean;
  issuer: string;
  disableIssValidation: boolean;
  useAnnotationsAsAliasMetadata: boolean;
}

const CONFIG_KEY = 'config';

export const loadConfig = (s: Storage): Promise<KubeConfig | null> => getJSON<KubeConfig>(s, CONFIG_KEY);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Every public key in a PEM bundle (public keys and certificates). Throws on anything else. */
export function parsePemKeys(pem: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const block = m[0];
    if (m[1] === 'CERTIFICATE') keys.push(new X509Certificate(block).publicKey);
    else if (m[1] === 'PUBLIC KEY' || m[1] === 'RSA PUBLIC KEY') keys.push(createPublicKey(block));
    else throw new Error(`unsupported PEM block "${m[1] ?? ''}"`);
  }
  const kinds = keys.map((k) => k.asymmetricKeyType);
  if (keys.length === 0 || kinds.some((k) => k !== 'rsa' && k !== 'ec')) throw new Error('no RSA or ECDSA public key found');
  return keys;
}

/** The certificates of a CA bundle, validated; returns the normalised PEM. */
export function validateCaPem(pem: string): string {
  const certs = [...pem.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE').map((m) => m[0]);
  if (certs.length === 0) throw new Error('no certificate found');
  for (const c of certs) new X509Certificate(c);
  return `${certs.join('\n')}\n`;
}

function validateHost(host: string): string {
  let u: URL;
  try {
    u = new URL(host);
  } catch {
    throw badRequest(`invalid kubernetes_host "${host}": not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid kubernetes_host "${host}": scheme must be https or http`);
  return host.replace(/\/+$/, '');
}

/** A compact JWS has three base64url segments; the reviewer JWT is never echoed back. */
const looksLikeJwt = (s: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(s);

export const configPath = definePath({
  pattern: 'config',
  fields: {
    kubernetes_host: field.string({ description: 'URL of the Kubernetes API server (https://host:port); required on write.' }),
    kubernetes_ca_cert: field.string({ description: 'PEM CA bundle that is the only trust anchor for the API server.' }),
    token_reviewer_jwt: field.string({ description: 'Bearer token for TokenReview calls.', sensitive: true }),
    pem_keys: field.commaStringSlice({ description: 'PEM public keys or certificates for local JWT signature checks.' }),
    disable_local_ca_jwt: field.bool({ description: "Ignore the pod's own service-account token and CA." }),
    issuer: field.string({ description: 'Deprecated: expected JWT issuer.' }),
    disable_iss_validation: field.bool({ description: 'Deprecated: skip the issuer check.', default: true }),
    use_annotations_as_alias_metadata: field.bool({ description: 'Copy service-account annotations into alias metadata.' }),
  },
  synopsis: 'Configure how this mount reaches and trusts the Kubernetes API server.',
  operations: {
    async read(req) {
      const c = await loadConfig(req.storage);
      if (!c) return null;
      return {
        data: {
          kubernetes_host: c.kubernetesHost,
          kubernetes_ca_cert: c.kubernetesCaCert,
          pem_keys: [...c.pemKeys],
          disable_local_ca_jwt: c.disableLocalCaJwt,
          issuer: c.issuer,
          disable_iss_validation: c.disableIssValidation,
          use_annotations_as_alias_metadata: c.useAnnotationsAsAliasMetadata,
          token_reviewer_jwt_set: c.tokenReviewerJwt !== '',
        },
      };
    },

    async update(req, d) {
      const host = d.get('kubernetes_host').trim();
      if (host === '') throw badRequest('no host provided');
      // Stored as given, as Vault does: configs written before the cluster exists carry
      // placeholder PEMs. A bad bundle is reported when a login needs it (path-login).
      const ca = d.get('kubernetes_ca_cert');
      const caPem = ca.trim() === '' ? '' : ca;
      if (caPem === '' && d.get('disable_local_ca_jwt')) throw badRequest('kubernetes_ca_cert must be given when disable_local_ca_jwt is true');
      const pemKeys = d.get('pem_keys');
      for (const [i, k] of pemKeys.entries()) {
        try {
          parsePemKeys(k);
        } catch (e) {
          throw badRequest(`invalid pem_keys entry ${i}: ${(e as Error).message}`);
        }
      }
      const jwt = d.get('token_reviewer_jwt').trim();
      if (jwt !== '' && !looksLikeJwt(jwt)) throw badRequest('token_reviewer_jwt is not a JWT (expected three base64url segments)');
      const config: KubeConfig = {
        kubernetesHost: validateHost(host),
        kubernetesCaCert: caPem,
        tokenReviewerJwt: jwt,
        pemKeys,
        disableLocalCaJwt: d.get('disable_local_ca_jwt'),
        issuer: d.get('issuer'),
        disableIssValidation: d.get('disable_iss_validation'),
        useAnnotationsAsAliasMetadata: d.get('use_annotations_as_alias_metadata'),
      };
      await putJSON(req.storage, CONFIG_KEY, config);
      return null;
    },
  },
});
