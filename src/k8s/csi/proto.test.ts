import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, SERVICE_NAME, csiPackageDefinition } from './proto.js';

// dist/src/k8s/csi → the source tree's copy of the published proto.
const PROTO = fileURLToPath(new URL('../../../../src/k8s/csi/service.proto', import.meta.url));

/** Every message's fields (name, number, type, label) and the service's methods, comparable. */
function shape(def: protoLoader.PackageDefinition): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(def).sort(([a], [b]) => a.localeCompare(b))) {
    if ('format' in d) {
      const t = d.type as { field: { name: string; number: number; type: string; typeName: string; label: string }[] };
      out[name] = t.field.map((f) => [f.name, f.number, f.type, f.typeName, f.label]);
    } else if (!('format' in d) && typeof d === 'object') {
      out[name] = Object.entries(d as Record<string, { path: string; requestType: { type: { name: string } }; responseType: { type: { name: string } } }>).map(([m, x]) => [m, x.path, x.requestType.type.name, x.responseType.type.name]);
    }
  }
  return out;
}

test('the embedded descriptor describes exactly the published service.proto', () => {
  const fromFile = protoLoader.loadSync(PROTO, LOADER_OPTIONS);
  assert.deepEqual(shape(csiPackageDefinition()), shape(fromFile));
  const svc = csiPackageDefinition()[SERVICE_NAME] as Record<string, { path: string }>;
  assert.equal(svc['Mount']?.path, '/v1alpha1.CSIDriverProvider/Mount');
  assert.equal(svc['Version']?.path, '/v1alpha1.CSIDriverProvider/Version');
});

test('MountRequest field numbers match the published proto', () => {
  const def = csiPackageDefinition()['v1alpha1.MountRequest'] as { type: { field: { name: string; number: number }[] } };
  assert.deepEqual(
    def.type.field.map((f) => [f.name, f.number]),
    [['attributes', 1], ['secrets', 2], ['target_path', 3], ['permission', 4], ['current_object_version', 5]],
  );
});
