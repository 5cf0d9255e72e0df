/**
 * The Go text/template engine of Ward's agent (src/agent/template), reused for destination
 * transformations rather than written twice: the only place the operator reaches into agent/
 * (a documented exception in test/architecture.test.ts). Only the pure parts: lexer, parser,
 * evaluator, Go formatting and the serialisers; nothing that fetches or writes files.
 */
export { execute, truth, TemplateExecError, type TemplateFunc } from '../../agent/template/eval.js';
export { goString, isMap, type Value } from '../../agent/template/format.js';
export { builtinFuncs } from '../../agent/template/functions.js';
export { TemplateSyntaxError } from '../../agent/template/lexer.js';
export { parseTemplate, type Node } from '../../agent/template/parser.js';
export { toJSON, toJSONPretty, toUnescapedJSON } from '../../agent/template/serialize.js';
