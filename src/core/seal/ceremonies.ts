/** The key ceremonies of one node: rekey (unseal or recovery keys) and root generation. */
import type { PhysicalBackend } from '../../storage/physical.js';
import { GenerateRoot } from './generate-root.js';
import { Rekey } from './rekey.js';
import type { SealManager } from './seal-manager.js';

export class KeyCeremonies {
  readonly rekey: Rekey;
  readonly recoveryRekey: Rekey;
  readonly generateRoot: GenerateRoot;

  constructor(seal: SealManager, physical: PhysicalBackend, createRoot: () => Promise<string>) {
    this.rekey = new Rekey(seal, physical, false);
    this.recoveryRekey = new Rekey(seal, physical, true);
    this.generateRoot = new GenerateRoot(seal, createRoot);
  }

  /** On seal: no attempt (nor the root key a pending verification holds) outlives the unsealed state. */
  reset(): void {
    this.rekey.reset();
    this.recoveryRekey.reset();
    this.generateRoot.cancel();
  }
}
