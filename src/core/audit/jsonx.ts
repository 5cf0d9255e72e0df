/**
 * JSONx, IBM's XML encoding of JSON, as Vault writes audit records with `format=jsonx`
 * (Vault passes its JSON record through github.com/jefferai/jsonx's EncodeJSONBytes):
 * `json:object`, `json:array`, `json:string`, `json:number`, `json:boolean` and
 * `json:null` elements, members carrying their key in a `name` attribute and sorted by it.
 * A record is its top-level members one after another: that library leaves out the XML
 * declaration and the root `json:object` (with the namespace declaration of `json:`,
 * http://www.ibm.com/xmlns/prod/2009/jsonx), meant to be added once around many records.
 * Names and text are escaped as Go's xml.EscapeText does, so a tool written against
 * Vault's files reads these the same way.
 */

/** Past this many containers the encoder stops: the record's data is already bounded by the hasher (hash.ts). */
const MAX_DEPTH = 1000 + 8;

const tooDeep = (): Error => new Error('audit: data nested too deeply to record');

/**
 * A surrogate pair (one character, kept), or one thing Go escapes: the five XML specials,
 * tab/newline/carriage return as character references, and anything outside XML 1.0's
 * Char production (other C0 controls, lone surrogates, U+FFFE/U+FFFF) as U+FFFD.
 */
const NEEDS_ESCAPE = /[\uD800-\uDBFF][\uDC00-\uDFFF]|["'&<>\t\n\r\x00-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/g;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/** `s` as XML character data (also used inside the double-quoted `name` attribute). */
export function escapeXmlText(s: string): string {
  return s.replace(NEEDS_ESCAPE, (m) => (m.length === 2 ? m : (ESCAPES[m] ?? '\uFFFD')));
}

/**
 * Go sorts names as UTF-8 bytes, which is code point order. UTF-16 unit order differs
 * only between a surrogate (a character above U+FFFF) and U+E000..U+FFFF: shifting the
 * surrogates above that block makes the unit comparison agree.
 */
function unitRank(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

function members(o: Record<string, unknown>, depth: number): string {
  let out = '';
  for (const k of Object.keys(o).sort(byCodePoint)) out += encode(o[k], k, depth);
  return out;
}

function encode(v: unknown, name: string | undefined, depth: number): string {
  const attr = name === undefined ? '' : ` name="${escapeXmlText(name)}"`;
  if (v === null || v === undefined) return `<json:null${attr} />`;
  switch (typeof v) {
    case 'boolean':
      return `<json:boolean${attr}>${v ? 'true' : 'false'}</json:boolean>`;
    case 'number':
      // As JSON writes it (the record was JSON first): non-finite numbers are null there.
      return Number.isFinite(v) ? `<json:number${attr}>${String(v)}</json:number>` : `<json:null${attr} />`;
    case 'string':
      return `<json:string${attr}>${escapeXmlText(v)}</json:string>`;
    case 'object': {
      if (depth >= MAX_DEPTH) throw tooDeep();
      if (Array.isArray(v)) {
        let out = `<json:array${attr}>`;
        for (const x of v) out += encode(x, undefined, depth + 1);
        return `${out}</json:array>`;
      }
      return `<json:object${attr}>${members(v as Record<string, unknown>, depth + 1)}</json:object>`;
    }
    default:
      throw new Error(`audit: cannot encode a ${typeof v} as JSONx`);
  }
}

/** One JSON value as a JSONx element, named when it is an object member. */
export function jsonxValue(v: unknown, name?: string): string {
  return encode(v, name, 0);
}

/** The JSONx text of one JSON record (an object): its members in name order, no root element. */
export function jsonxRecord(json: string): string {
  const v: unknown = JSON.parse(json);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('audit: a JSONx record must be a JSON object');
  return members(v as Record<string, unknown>, 1);
}
