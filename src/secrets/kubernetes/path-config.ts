/** `config` (the API server and Ward's credentials there) and `check` (can Ward reach it). */
import { X509Certificate } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { connection, type KubeEngineContext } from './context.js';
import { HOST_ERROR, httpsBase, kubeFailure, kubeRequest } from './kube-http.js';
import { deleteConfig, getConfig, putConfig, type KubeEngineConfig } from './store.js';

const configFields = {
  kubernetes_host: field.string({ description: 'Kubernetes API URL; default from KUBERNETES_SERVICE_HOST/PORT.' }),
  kubernetes_ca_cert: field.string({ description: 'PEM CA of the API server; default the pod CA.' }),
  service_account_jwt: field.string({ description: 'Bearer token Ward uses; default the pod token.' }),
  disable_local_ca_jwt: field.bool({ description: 'Do not fall back to the pod token and CA.' }),
};

function isPemCertificate(pem: string): boolean {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return false;
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

export function configPaths(ctx: KubeEngineContext): PathDef<Fields>[] {
  const config = definePath({
    pattern: 'config',
    fields: configFields,
    synopsis: 'Configure the Kubernetes API server this engine issues credentials on.',
    existenceCheck: async (req) => (await getConfig(req.storage)) !== null,
    operations: {
      async read(req) {
        const c = await getConfig(req.storage);
        if (!c) return null;
        // The JWT is a credential: it is stored, never read back.
        return { data: { kubernetes_host: c.kubernetes_host, kubernetes_ca_cert: c.kubernetes_ca_cert, disable_local_ca_jwt: c.disable_local_ca_jwt } };
      },
      async update(req, d) {
        const old = await getConfig(req.storage);
        const c: KubeEngineConfig = {
          kubernetes_host: d.opt('kubernetes_host') ?? old?.kubernetes_host ?? '',
          kubernetes_ca_cert: d.opt('kubernetes_ca_cert') ?? old?.kubernetes_ca_cert ?? '',
          service_account_jwt: d.opt('service_account_jwt') ?? old?.service_account_jwt ?? '',
          disable_local_ca_jwt: d.opt('disable_local_ca_jwt') ?? old?.disable_local_ca_jwt ?? false,
        };
        if (c.kubernetes_host !== '' && httpsBase(c.kubernetes_host) === null) throw badRequest(HOST_ERROR);
        if (c.kubernetes_ca_cert !== '' && !isPemCertificate(c.kubernetes_ca_cert)) throw badRequest('kubernetes_ca_cert is not a PEM-encoded certificate');
        await putConfig(req.storage, c);
        return null;
      },
      async delete(req) {
        await deleteConfig(req.storage);
        return null;
      },
    },
  });

  const check = definePath({
    pattern: 'check',
    fields: {},
    synopsis: 'Checks that the Kubernetes API server answers with the configured credentials.',
    operations: {
      async read(req) {
        const conn = await connection(ctx, req.storage);
        try {
          // A review every authenticated user may post: unlike discovery, it proves the
          // API server accepts Ward's token.
          await kubeRequest(conn, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb: 'create', resource: 'serviceaccounts', subresource: 'token' } },
          });
        } catch (e) {
          throw kubeFailure('the Kubernetes API server did not answer', e);
        }
        // A read answering null is a 404; an empty response renders as 204 No Content, as Vault's check.
        return {};
      },
    },
  });

  return [config, check];
}
