/**
 * Types for js-hcl-parser (HashiCorp HCL v1 compiled to JS). `parse` returns the JSON
 * rendering of the document; on a syntax error it may either throw or return a plain
 * message such as `unable to parse JSON: At 3:2: ...`, so callers must handle both.
 */
declare module 'js-hcl-parser' {
  export function parse(text: string): string;
  export function stringify(json: string): string;
  const hcl: { parse: typeof parse; stringify: typeof stringify };
  export default hcl;
}
