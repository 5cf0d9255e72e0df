/**
 * Types for js-hcl-parser (HashiCorp HCL v1 compiled to JS, CommonJS). `parse` returns a
 * JSON string; on a syntax error it does not throw but returns a non-JSON message
 * ("unable to parse JSON: At L:C: …"), so callers must check both.
 */
declare module 'js-hcl-parser' {
  interface HclParser {
    parse(text: string): string;
    stringify(json: string): string;
  }
  const hcl: HclParser;
  export default hcl;
}
