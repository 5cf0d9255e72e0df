/** The kinds the operator syncs, in the order their controllers start. */
import type { SyncKind } from './sync-kind.js';
import { dynamicSecretKind } from './dynamic-secret.js';
import { pkiSecretKind } from './pki-secret.js';
import { staticSecretKind } from './static-secret.js';

export const SYNC_KINDS: readonly SyncKind[] = [staticSecretKind, dynamicSecretKind, pkiSecretKind];
