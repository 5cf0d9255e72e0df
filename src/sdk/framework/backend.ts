import { badRequest, unsupportedOperation, unsupportedPath } from '../errors.js';
import type {
  AuthView,
  Backend,
  LogicalRequest,
  LogicalResponse,
  RenewResult,
  SecretType,
  SpecialPaths,
} from '../logical.js';
import { FieldData } from './field-data.js';
import { helpResponse, type HelpBackend } from './help.js';
import type { Fields } from './fields.js';
import type { PathDef, PathOperation } from './path.js';

export interface BackendSpec {
  type: string;
  kind: 'secret' | 'auth';
  paths: PathDef<Fields>[];
  specialPaths?: SpecialPaths;
  secretTypes?: Record<string, SecretType>;
  renewAuth?: (req: LogicalRequest, auth: AuthView) => Promise<RenewResult>;
  cleanup?: () => Promise<void>;
  lockedUsers?: Backend['lockedUsers'];
  unlockUser?: Backend['unlockUser'];
  help?: string;
}

interface CompiledPath {
  re: RegExp;
  def: PathDef<Fields>;
  /** `Object.entries(def.fields)`, computed once rather than per request. */
  fieldList: [string, Fields[string]][];
}

interface Matched {
  def: PathDef<Fields>;
  fieldList: CompiledPath['fieldList'];
  captures: Record<string, string>;
  hasCaptures: boolean;
}

/** Each built backend's path table, for tools that walk it (the fuzzer); read-only. */
const pathTables = new WeakMap<Backend, readonly PathDef<Fields>[]>();

/** The path table `backend` was built from by defineBackend, or undefined for any other backend. */
export function pathTableOf(backend: Backend): readonly PathDef<Fields>[] | undefined {
  return pathTables.get(backend);
}

/** Per built backend: how to resolve a login request's role, when its `login` path declares it. */
const roleResolvers = new WeakMap<Backend, (req: LogicalRequest) => Promise<string>>();

/**
 * The role a login request to `backend` resolves to, as Vault's ResolveRoleOperation on
 * `login`; undefined when the backend has no concept of roles. The resolver never throws:
 * a request it cannot read resolves to "" (no role quota applies; the login refuses it).
 */
export function roleResolverOf(backend: Backend): ((req: LogicalRequest) => Promise<string>) | undefined {
  return roleResolvers.get(backend);
}

/**
 * Builds a Backend from a declarative path table: routing inside the mount, field
 * coercion, required fields, unknown-field warnings, help, 404/405 all live here so
 * handlers only do domain work.
 */
export function defineBackend(spec: BackendSpec): Backend {
  const compiled: CompiledPath[] = spec.paths.map((def) => ({ re: new RegExp(`^(?:${def.pattern})$`), def, fieldList: Object.entries(def.fields) }));

  function matchPath(path: string): Matched | null {
    for (const c of compiled) {
      const m = c.re.exec(path);
      if (!m) continue;
      const captures: Record<string, string> = {};
      let hasCaptures = false;
      const groups = m.groups;
      if (groups !== undefined) {
        for (const k in groups) {
          if (groups[k] === undefined) continue;
          captures[k] = groups[k];
          hasCaptures = true;
        }
      }
      return { def: c.def, fieldList: c.fieldList, captures, hasCaptures };
    }
    return null;
  }

  function match(req: LogicalRequest): Matched | null {
    // LIST paths arrive with a trailing slash; tables are written without it.
    return matchPath(req.path) ?? (req.operation === 'list' && req.path.endsWith('/') ? matchPath(req.path.slice(0, -1)) : null);
  }

  function fieldData(m: Matched, req: LogicalRequest): FieldData<Fields> {
    return new FieldData(m.def.fields, req.data, m.fieldList, m.hasCaptures ? m.captures : undefined);
  }

  /**
   * A write's existence check and its handler see the same request object (the core
   * runs the ACL check and the request audit between them): the match and the parsed
   * fields are kept for the handler rather than computed twice. Weakly held, so the
   * fields of a request whose handler never runs (the ACL refused it) go with it.
   */
  const checked = new WeakMap<LogicalRequest, { m: Matched; d: FieldData<Fields> }>();

  const helpSource: HelpBackend = { type: spec.type, kind: spec.kind, specialPaths: spec.specialPaths ?? {}, help: spec.help ?? `${spec.type} backend`, paths: spec.paths };

  const backend: Backend = {
    type: spec.type,
    kind: spec.kind,
    specialPaths: spec.specialPaths ?? {},
    secretTypes: spec.secretTypes ?? {},
    ...(spec.renewAuth ? { renewAuth: spec.renewAuth } : {}),
    ...(spec.cleanup ? { cleanup: spec.cleanup } : {}),
    ...(spec.lockedUsers ? { lockedUsers: spec.lockedUsers } : {}),
    ...(spec.unlockUser ? { unlockUser: spec.unlockUser } : {}),

    async handleRequest(req: LogicalRequest): Promise<LogicalResponse | null> {
      const prior = checked.get(req);
      if (prior !== undefined) checked.delete(req);
      const m = prior?.m ?? match(req);
      if (req.operation === 'help') {
        // Vault answers the mount root with the backend's help, an unmatched path with 404.
        if (req.path === '') return helpResponse(helpSource, null, '');
        if (!m) throw unsupportedPath();
        return helpResponse(helpSource, m.def, req.path);
      }
      if (!m) throw unsupportedPath();
      const op: PathOperation = req.operation;
      const handler = m.def.operations[op] ?? (op === 'create' ? m.def.operations.update : undefined);
      if (!handler) throw unsupportedOperation();
      const d = prior?.d ?? fieldData(m, req);
      const res = (await handler(req, d)) ?? null;
      if (d.unknown.length > 0 && !m.def.takesArbitraryData && Object.keys(m.def.fields).length > 0) {
        const warning = `Endpoint ignored these unrecognized parameters: [${d.unknown.join(' ')}]`;
        if (res) return { ...res, warnings: [...(res.warnings ?? []), warning] };
        return { warnings: [warning] };
      }
      return res;
    },

    async existenceCheck(req: LogicalRequest): Promise<boolean | undefined> {
      const m = match(req);
      if (!m || !m.def.existenceCheck) return undefined;
      // Existence checks run before validation errors would surface; a bad value here
      // means the handler will reject it anyway, so treat it as "does not exist".
      let d: FieldData<Fields>;
      try {
        d = fieldData(m, req);
      } catch {
        return false;
      }
      checked.set(req, { m, d });
      return m.def.existenceCheck(req, d);
    },
  };
  pathTables.set(backend, Object.freeze([...spec.paths]));
  const login = compiled.find((c) => c.def.resolveRole !== undefined && c.re.test('login'));
  const resolveRole = login?.def.resolveRole;
  if (login && resolveRole) {
    roleResolvers.set(backend, async (req) => {
      try {
        const role = await resolveRole({ ...req, path: 'login' }, new FieldData(login.def.fields, req.data, login.fieldList));
        return typeof role === 'string' ? role : '';
      } catch {
        return '';
      }
    });
  }
  return backend;
}

/** Helper for handlers: throw a 400 unless `cond` holds. */
export function ensure(cond: unknown, message: string): asserts cond {
  if (!cond) throw badRequest(message);
}
