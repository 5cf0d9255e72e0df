import { createHmac, randomBytes } from 'node:crypto';
import type { CsiObject } from './objects.js';
import type { CsiFile } from './proto.js';

/**
 * Object versions for the driver's rotation check: base64url(HMAC-SHA256(key, config ‖ files)).
 * The key is random per provider process, so a version changes exactly when an object's
 * configuration or content changes and says nothing about the content. (vault-csi-provider
 * keeps its key in a Kubernetes Secret so versions survive restarts; after a Ward restart the
 * driver sees new versions once and rewrites identical files, which is harmless.)
 */
export class ObjectVersions {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  version(o: CsiObject, files: readonly CsiFile[]): string {
    const h = createHmac('sha256', this.key);
    h.update(JSON.stringify(o));
    for (const f of files) {
      // Length-framed so that no two different file lists hash the same byte stream.
      const head = Buffer.from(JSON.stringify([f.path, f.mode, f.contents.length]));
      h.update(Buffer.from([head.length >> 8, head.length & 0xff]));
      h.update(head);
      h.update(f.contents);
    }
    return h.digest('base64url');
  }
}
