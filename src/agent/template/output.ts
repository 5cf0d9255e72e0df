/** A template's two ends: compiling its source, and writing its output (plus `command`). */
import { readFileSync } from 'node:fs';
import { AgentConfigError, type TemplateConfig } from '../config.js';
import { existingMode, readIfExists, writeFileAtomic } from '../files.js';
import type { Logger } from '../log.js';
import { runCommand } from './command.js';
import { TemplateSyntaxError } from './lexer.js';
import { parseTemplate, type Node } from './parser.js';

/** A template stanza with its parsed body. */
export type CompiledTemplate = { cfg: TemplateConfig; nodes: Node[] };

/** Reads and parses every template at start-up, so syntax errors stop the agent before it logs in. */
export function compileTemplates(cfgs: readonly TemplateConfig[]): CompiledTemplate[] {
  return cfgs.map((cfg) => {
    let text = cfg.contents ?? '';
    const origin = cfg.source ? `source ${cfg.source}` : 'contents';
    if (cfg.source) {
      try {
        text = readFileSync(cfg.source, 'utf8');
      } catch (e) {
        throw new AgentConfigError(`${cfg.where}: template: cannot read source: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    try {
      return { cfg, nodes: parseTemplate(text, cfg.leftDelimiter, cfg.rightDelimiter) };
    } catch (e) {
      if (e instanceof TemplateSyntaxError) throw new AgentConfigError(`${cfg.where}: template (${origin}): ${e.message}`);
      throw e;
    }
  });
}

/**
 * Writes rendered output when it differs from the file on disk and then runs the
 * template's command. Returns true when the file changed.
 */
export async function writeOutput(cfg: TemplateConfig, content: string, log: Logger, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<boolean> {
  const current = readIfExists(cfg.destination);
  const mode = cfg.perms ?? existingMode(cfg.destination) ?? 0o644;
  if (current === content) {
    if (cfg.perms !== undefined && existingMode(cfg.destination) !== cfg.perms) writeFileAtomic(cfg.destination, content, mode, cfg.createDestDirs);
    return false;
  }
  writeFileAtomic(cfg.destination, content, mode, cfg.createDestDirs);
  log.info(`rendered ${cfg.destination}`);
  if (cfg.command !== undefined) await runCommand(cfg.command, cfg.commandTimeoutMs, log, env, signal);
  return true;
}
