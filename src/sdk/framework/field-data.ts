import { badRequest } from '../errors.js';
import { parseField, type Fields, type FieldValue } from './fields.js';

/**
 * Parsed, validated request data for one path. All fields are coerced up front so a bad
 * value is a 400 before the handler runs; `has` tells supplied fields from defaults,
 * which partial updates (role writes) depend on.
 */
export class FieldData<F extends Fields> {
  private readonly values = new Map<string, unknown>();
  /** Keys the client sent that the path does not declare. */
  readonly unknown: string[] = [];

  constructor(
    private readonly schema: F,
    /** The merged raw data (body or query, plus URL captures). Untrusted. */
    readonly raw: Record<string, unknown>,
    /** `Object.entries(schema)`, when the caller keeps it precomputed. */
    fieldList: [string, F[string]][] = Object.entries(schema) as [string, F[string]][],
  ) {
    for (const [name, spec] of fieldList) {
      if (Object.hasOwn(raw, name) && raw[name] !== undefined) {
        this.values.set(name, parseField(name, spec, raw[name]));
      } else if (spec.required) {
        throw badRequest(`missing ${name}`);
      }
    }
    for (const k in raw) if (Object.hasOwn(raw, k) && !Object.hasOwn(schema, k)) this.unknown.push(k);
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
