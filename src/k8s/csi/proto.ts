import * as protoLoader from '@grpc/proto-loader';

/**
 * service.proto as a protobufjs JSON descriptor. Embedded rather than read from disk because
 * tsc does not copy .proto files into dist/ and a path back into src/ breaks once only dist/
 * ships; proto.test.ts loads service.proto itself and checks that both describe the same wire.
 */
const str = (id: number) => ({ type: 'string', id });
const DESCRIPTOR = {
  nested: {
    v1alpha1: {
      nested: {
        CSIDriverProvider: {
          methods: {
            Version: { requestType: 'VersionRequest', responseType: 'VersionResponse' },
            Mount: { requestType: 'MountRequest', responseType: 'MountResponse' },
          },
        },
        VersionRequest: { fields: { version: str(1) } },
        VersionResponse: { fields: { version: str(1), runtime_name: str(2), runtime_version: str(3) } },
        MountRequest: {
          fields: {
            attributes: str(1),
            secrets: str(2),
            target_path: str(3),
            permission: str(4),
            current_object_version: { rule: 'repeated', type: 'ObjectVersion', id: 5 },
          },
        },
        MountResponse: {
          fields: {
            object_version: { rule: 'repeated', type: 'ObjectVersion', id: 1 },
            error: { type: 'Error', id: 2 },
            files: { rule: 'repeated', type: 'File', id: 3 },
          },
        },
        File: { fields: { path: str(1), mode: { type: 'int32', id: 2 }, contents: { type: 'bytes', id: 3 } } },
        ObjectVersion: { fields: { id: str(1), version: str(2) } },
        Error: { fields: { code: str(1) } },
      },
    },
  },
};

/** Field names as written in the proto (snake_case); defaults filled in so absent strings read as ''. */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export function csiPackageDefinition(): protoLoader.PackageDefinition {
  // protobufjs's INamespace union does not narrow nested object literals; proto.test.ts checks the shape.
  return protoLoader.fromJSON(DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], LOADER_OPTIONS);
}

/** The service name as the driver dials it: `/v1alpha1.CSIDriverProvider/Mount`. */
export const SERVICE_NAME = 'v1alpha1.CSIDriverProvider';

export type ObjectVersion = { id: string; version: string };
export type CsiFile = { path: string; mode: number; contents: Buffer };
export type MountRequest = { attributes: string; secrets: string; target_path: string; permission: string; current_object_version: ObjectVersion[] };
export type MountResponse = { object_version: ObjectVersion[]; files: CsiFile[]; error?: { code: string } | null };
export type VersionResponse = { version: string; runtime_name: string; runtime_version: string };
