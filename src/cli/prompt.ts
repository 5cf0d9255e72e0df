import { createInterface } from 'node:readline';

/** The input side the CLI reads from; a TTY supports raw mode for hidden input. */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

/** Reads all of a stream (for `-` and `@-` arguments). */
export async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from a non-TTY stream (`echo key | ward operator unseal`). */
function readLine(input: Input): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false });
    let done = false;
    rl.once('line', (line) => {
      done = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!done) resolve('');
    });
  });
}

/**
 * Asks `question` on `out` and reads an answer without echoing it. On a TTY the terminal is
 * put in raw mode and nothing typed is written back; otherwise one line is read from input.
 * Ctrl-C / Ctrl-D reject with an "interrupted" error.
 */
export function promptHidden(input: Input, out: { write(s: string): unknown }, question: string): Promise<string> {
  out.write(question);
  if (!input.isTTY || typeof input.setRawMode !== 'function') return readLine(input).then((l) => (out.write('\n'), l));
  const tty = input;
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err?: Error): void => {
      tty.removeListener('data', onData);
      tty.setRawMode?.(false);
      tty.pause();
      out.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else if (ch >= ' ') buf += ch;
      }
    };
    tty.setRawMode?.(true);
    tty.resume();
    tty.on('data', onData);
  });
}
