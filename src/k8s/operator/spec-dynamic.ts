/**
 * VaultDynamicSecret as a typed value: VSO's field names and defaults (GET unless `params`
 * make it a write, renewalPercent 67 within 0-90, revoke and allowStaticCreds off). A bad
 * field is a SpecError naming it.
 */
import { bool, obj, parseDestination, parseDuration, parseRolloutTargets, required, SpecError, str, strMap, oneOf, type CustomObject, type Destination, type RolloutKind } from './spec.js';

export interface DynamicSecretSpec {
  vaultAuthRef: string | undefined;
  namespace: string | undefined;
  mount: string;
  path: string;
  /** The method actually used: with `params`, a write (PUT unless POST is asked for), as VSO. */
  requestHTTPMethod: 'GET' | 'POST' | 'PUT';
  params: Record<string, string>;
  renewalPercent: number;
  revoke: boolean;
  allowStaticCreds: boolean;
  refreshAfterMs: number | undefined;
  rolloutRestartTargets: { kind: RolloutKind; name: string }[];
  destination: Destination;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT'] as const;

export function parseDynamicSecret(cr: CustomObject): DynamicSecretSpec {
  const s = obj(cr.spec);
  const mount = required(s, 'mount', 'spec.mount');
  const path = required(s, 'path', 'spec.path');
  const asked = str(s, 'requestHTTPMethod', 'spec.requestHTTPMethod');
  let method = asked ? oneOf(asked, HTTP_METHODS, 'spec.requestHTTPMethod') : 'GET';
  const params = strMap(s, 'params', 'spec.params');
  // VSO: parameters are a request body, so a GET with params becomes a PUT.
  if (Object.keys(params).length > 0 && method === 'GET') method = 'PUT';
  const pct = s['renewalPercent'] ?? 67;
  if (!Number.isInteger(pct) || (pct as number) < 0 || (pct as number) > 90) throw new SpecError('spec.renewalPercent: must be an integer from 0 to 90');
  const refresh = str(s, 'refreshAfter', 'spec.refreshAfter');
  return {
    vaultAuthRef: str(s, 'vaultAuthRef', 'spec.vaultAuthRef'),
    namespace: str(s, 'namespace', 'spec.namespace'),
    mount: mount.replace(/^\/+|\/+$/g, ''),
    path: path.replace(/^\/+|\/+$/g, ''),
    requestHTTPMethod: method,
    params,
    renewalPercent: pct as number,
    revoke: bool(s, 'revoke', 'spec.revoke', false),
    allowStaticCreds: bool(s, 'allowStaticCreds', 'spec.allowStaticCreds', false),
    refreshAfterMs: refresh ? parseDuration(refresh, 'spec.refreshAfter') : undefined,
    rolloutRestartTargets: parseRolloutTargets(s),
    destination: parseDestination(s),
  };
}
