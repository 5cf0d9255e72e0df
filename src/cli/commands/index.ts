import type { Command } from '../command.js';
import { agentCommands } from './agent.js';
import { k8sCsiCommands } from './k8s-csi.js';
import { k8sOperatorCommands } from './k8s-operator.js';
import { k8sBootstrapCommands } from './k8s-bootstrap.js';
import { auditCommands } from './audit.js';
import { authCommands } from './auth.js';
import { brokerCommands } from './broker.js';
import { diagnoseCommands } from './diagnose.js';
import { eventsCommands } from './events.js';
import { genericCommands } from './generic.js';
import { k8sCommands } from './k8s.js';
import { kvMetadataCommands } from './kv-metadata.js';
import { kvReadCommands } from './kv-read.js';
import { kvWriteCommands } from './kv-write.js';
import { leaseCommands } from './lease.js';
import { loginCommands } from './login.js';
import { migrateCommands } from './migrate.js';
import { miscCommands } from './misc.js';
import { monitorCommands } from './monitor.js';
import { pluginCommands } from './plugin.js';
import { usageCommands } from './usage.js';
import { operatorCommands } from './operator.js';
import { ceremonyCommands } from './operator-ceremony.js';
import { policyCommands } from './policy.js';
import { secretsCommands } from './secrets.js';
import { snapshotCommands } from './snapshot.js';
import { statusCommands } from './status.js';
import { tokenCommands } from './token.js';

/** Every client command by its full name (`kv metadata get`). `server` is dispatched in main. */
export const commands: Record<string, Command> = {
  ...statusCommands,
  ...k8sCsiCommands,
  ...k8sOperatorCommands,
  ...k8sBootstrapCommands,
  ...operatorCommands,
  ...ceremonyCommands,
  ...diagnoseCommands,
  ...migrateCommands,
  ...snapshotCommands,
  ...loginCommands,
  ...genericCommands,
  ...kvReadCommands,
  ...kvWriteCommands,
  ...kvMetadataCommands,
  ...secretsCommands,
  ...authCommands,
  ...policyCommands,
  ...tokenCommands,
  ...leaseCommands,
  ...auditCommands,
  ...miscCommands,
  ...eventsCommands,
  ...monitorCommands,
  ...pluginCommands,
  ...usageCommands,
  ...agentCommands,
  ...brokerCommands,
  ...k8sCommands,
};
