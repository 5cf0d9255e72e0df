/**
 * Reading JSONx audit records back in tests, with a small strict XML reader (no XML
 * dependency): one record is a sequence of `json:*` elements, each member named. Anything
 * that is not well-formed XML of that shape throws: an unclosed or mismatched tag, a raw
 * `<` or `&` in text, an unknown entity, a character XML 1.0 cannot carry, an attribute
 * other than `name`, text where JSONx has none, or a JSONx element whose text is not its
 * type's (a number that is not a JSON number, a boolean that is not true/false).
 */
import type { AuditRecord } from '../../helpers/audit-log.js';

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const TYPES = new Set(['object', 'array', 'string', 'number', 'boolean', 'null']);
// XML 1.0 Char production, as code points.
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

class Reader {
  i = 0;
  constructor(readonly s: string) {
    if (!XML_CHAR.test(s)) throw new Error('jsonx: a character XML 1.0 cannot carry');
  }

  fail(what: string): never {
    throw new Error(`jsonx: ${what} at ${this.i}: ${JSON.stringify(this.s.slice(this.i, this.i + 40))}`);
  }

  /** Character data up to the next `<`, entities decoded. */
  text(): string {
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== '<') {
      const c = this.s[this.i]!;
      if (c === '>') this.fail('raw ">" in text'); // legal XML, but Go always escapes it: a sign of a broken encoder
      if (c === '&') out += this.entity();
      else {
        out += c;
        this.i++;
      }
    }
    return out;
  }

  entity(): string {
    const m = /^&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);/.exec(this.s.slice(this.i, this.i + 12));
    if (!m) this.fail('bad entity');
    this.i += m[0].length;
    const ref = m[1]!;
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? this.fail(`unknown entity &${ref};`);
  }

  /** `<json:type name="…">` or `<json:type name="…" />`: the type, the name, and whether it closed itself. */
  open(): { type: string; name: string | undefined; empty: boolean } {
    const m = /^<json:([a-z]+)/.exec(this.s.slice(this.i, this.i + 20));
    if (!m || !TYPES.has(m[1]!)) this.fail('expected a json:* element');
    this.i += m[0].length;
    let name: string | undefined;
    if (this.s.startsWith(' name="', this.i)) {
      this.i += 7;
      name = '';
      while (this.s[this.i] !== '"') {
        if (this.i >= this.s.length || this.s[this.i] === '<') this.fail('unterminated name attribute');
        name += this.s[this.i] === '&' ? this.entity() : this.s[this.i++];
      }
      this.i++;
    }
    if (this.s.startsWith(' />', this.i)) {
      this.i += 3;
      return { type: m[1]!, name, empty: true };
    }
    if (this.s[this.i] !== '>') this.fail('unexpected attribute or tag end');
    this.i++;
    return { type: m[1]!, name, empty: false };
  }

  close(type: string): void {
    const end = `</json:${type}>`;
    if (!this.s.startsWith(end, this.i)) this.fail(`expected ${end}`);
    this.i += end.length;
  }

  /** One element as its JSON value. */
  value(): { name: string | undefined; value: unknown } {
    const { type, name, empty } = this.open();
    if (empty) {
      if (type !== 'null') this.fail(`self-closed json:${type}`);
      return { name, value: null };
    }
    let value: unknown;
    if (type === 'object') value = this.members(type);
    else if (type === 'array') {
      const items: unknown[] = [];
      while (!this.s.startsWith('</', this.i)) {
        const item = this.value();
        if (item.name !== undefined) this.fail('named array item');
        items.push(item.value);
      }
      value = items;
    } else if (type === 'null') value = null;
    else {
      const t = this.text();
      if (type === 'string') value = t;
      else if (type === 'number') {
        if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) this.fail(`not a JSON number: ${t}`);
        value = Number(t);
      } else if (t === 'true' || t === 'false') value = t === 'true';
      else this.fail(`not a boolean: ${t}`);
    }
    this.close(type);
    return { name, value };
  }

  /** Named elements up to `</json:parent>` or the end of input (a record's top level). */
  members(parent?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.i < this.s.length && !(parent && this.s.startsWith('</', this.i))) {
      const m = this.value();
      if (m.name === undefined) this.fail('unnamed object member');
      Object.defineProperty(out, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/** One JSONx record (the members of the top-level object, no root element) as JSON. */
export function readJsonxRecord(text: string): AuditRecord {
  const r = new Reader(text);
  const out = r.members();
  if (r.i !== text.length) r.fail('trailing text');
  return out;
}
