/**
 * Vault's CLI wraps its explanatory sentences at 78 columns (wrapAtLength); Ward's CLI
 * does the same so the messages scripts and operators read have the same shape. Greedy
 * word wrap; a word longer than the width stays whole on its own line.
 */
export const MAX_LINE_LENGTH = 78;

export function wrapAtLength(s: string, width = MAX_LINE_LENGTH): string {
  return s
    .split('\n')
    .map((para) => {
      const lines: string[] = [];
      let line = '';
      for (const word of para.split(' ').filter((w) => w !== '')) {
        if (line === '') line = word;
        else if (line.length + 1 + word.length <= width) line += ` ${word}`;
        else {
          lines.push(line);
          line = word;
        }
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}
