import { badRequest } from '../errors.js';
import { parseField, type Fields, type FieldValue } from './fields.js';

const NO_CAPTURES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Parsed, validated request data for one path. All fields are coerced up front so a bad
 * value is a 400 before the handler runs; `has` tells supplied fields from defaults,
 * which partial updates (role writes) depend on.
 */
export class FieldData<F extends Fields> {
  private readonly values = new Map<string, unknown>();
  /** Keys the client sent that the path does not declare. */
  readonly unknown: string[] = [];
  private merged: Record<string, unknown> | undefined;

  constructor(
    private readonly schema: F,
    /** The request's data (body or query). Untrusted. */
    private readonly data: Record<string, unknown>,
    /** `Object.entries(schema)`, when the caller keeps it precomputed. */
    fieldList: [string, F[string]][] = Object.entries(schema) as [string, F[string]][],
    /** Values captured from the URL; they win over body keys of the same name, as in Vault. */
    private readonly captures: Readonly<Record<string, string>> = NO_CAPTURES,
  ) {
    for (const [name, spec] of fieldList) {
      const source = Object.hasOwn(captures, name) ? captures : data;
      // A JSON null is "not given" (the default applies), as in Vault's framework: clients
      // that serialise every optional field (hvac, generated SDKs) send `"renewable": null`.
      if (Object.hasOwn(source, name) && source[name] !== undefined && source[name] !== null) {
        this.values.set(name, parseField(name, spec, source[name]));
      } else if (spec.required) {
        throw badRequest(`missing ${name}`);
      }
    }
    for (const k of Object.keys(data)) if (!Object.hasOwn(schema, k)) this.unknown.push(k);
    if (captures !== NO_CAPTURES) for (const k of Object.keys(captures)) if (!Object.hasOwn(schema, k) && !Object.hasOwn(data, k)) this.unknown.push(k);
  }

  /**
   * The raw data merged with the URL captures, for the few handlers that need what the
   * schema does not describe. Built on first use: copying it for every request cost more
   * than parsing the fields.
   */
  get raw(): Record<string, unknown> {
    this.merged ??= this.captures === NO_CAPTURES ? this.data : { ...this.data, ...this.captures };
    return this.merged;
  }

  /** The coerced value, or the field's default when absent. */
  get<K extends keyof F & string>(name: K): FieldValue<F[K]> {
    if (this.values.has(name)) return this.values.get(name) as FieldValue<F[K]>;
    const spec = this.schema[name];
    const d = spec?.default;
    // Defaults are shared objects: hand out copies so handlers cannot mutate them.
    if (Array.isArray(d)) return [...d] as FieldValue<F[K]>;
    if (d !== null && typeof d === 'object') return { ...(d as object) } as FieldValue<F[K]>;
    return d as FieldValue<F[K]>;
  }

  /** True when the client supplied this field. */
  has(name: keyof F & string): boolean {
    return this.values.has(name);
  }

  /** The value only when supplied, else undefined: handy for partial updates. */
  opt<K extends keyof F & string>(name: K): FieldValue<F[K]> | undefined {
    return this.values.has(name) ? (this.values.get(name) as FieldValue<F[K]>) : undefined;
  }
}
