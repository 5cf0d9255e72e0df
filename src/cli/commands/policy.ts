import { readFileSync, writeFileSync } from 'node:fs';
import { ApiError } from '../../api/index.js';
import { CliError, type Command } from '../command.js';
import { formatPolicy, parsePolicy } from '../policy-fmt.js';
import { readAll } from '../prompt.js';
import { dataRows, keysRendering } from '../render-secret.js';

const write: Command = {
  synopsis: 'Uploads a named policy from a file',
  help: `policy write [options] NAME PATH

  Uploads the policy in the file PATH (or "-" for stdin) as NAME.
    ward policy write my-policy ./my-policy.hcl`,
  async run(ctx) {
    ctx.expectArgs(2, 2, 'policy write [options] NAME PATH');
    const [name = '', file = ''] = ctx.args;
    let text: string;
    try {
      text = file === '-' ? await readAll(ctx.io.stdin) : readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`Error opening policy file: ${(e as Error).message}`, 1);
    }
    await ctx.api('uploading policy', ctx.client.writePolicy(name.toLowerCase(), text));
    return ctx.success(`Success! Uploaded policy: ${name.toLowerCase()}`);
  },
};

const read: Command = {
  synopsis: 'Prints the contents of a policy',
  help: `policy read [options] NAME

  Prints the rules of the policy NAME.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'policy read [options] NAME');
    const name = (ctx.args[0] ?? '').toLowerCase();
    const res = await ctx.api404(`reading policy named ${name}`, ctx.client.readPolicy(name));
    if (res instanceof ApiError) {
      ctx.warn(`No policy named: ${name}`);
      return 2;
    }
    const d = res.body?.data ?? {};
    const rules = typeof d['policy'] === 'string' ? d['policy'] : typeof d['rules'] === 'string' ? d['rules'] : '';
    return ctx.print({ json: res.body, sections: [{ kind: 'text', text: rules.replace(/\n+$/, '') }], fields: dataRows(d) });
  },
};

const list: Command = {
  synopsis: 'Lists the installed policies',
  help: `policy list [options]

  Lists the names of the ACL policies.`,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'policy list takes no arguments');
    const res = await ctx.api('listing policies', ctx.client.listPolicies());
    const r = keysRendering(res.body);
    const keys = r.sections[0]?.kind === 'columns' ? r.sections[0].rows.map((x) => x[0] ?? '') : [];
    // JSON is the bare array of names, as vault prints it.
    return ctx.print({ json: keys, sections: [{ kind: 'text', text: keys.join('\n') }] });
  },
};

const del: Command = {
  synopsis: 'Deletes a policy by name',
  help: `policy delete [options] NAME

  Deletes the policy NAME. Tokens that reference it lose its grants at once.`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'policy delete [options] NAME');
    const name = (ctx.args[0] ?? '').toLowerCase();
    await ctx.api(`deleting ${name}`, ctx.client.deletePolicy(name));
    return ctx.success(`Success! Deleted policy: ${name}`);
  },
};

const fmt: Command = {
  synopsis: 'Formats a policy on disk',
  help: `policy fmt [options] PATH

  Parses the HCL policy in PATH and rewrites it in canonical form. Nothing is sent
  to the server.`,
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'policy fmt [options] PATH');
    const file = ctx.args[0] ?? '';
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`Error opening policy file: ${(e as Error).message}`, 1);
    }
    let out: string;
    try {
      out = formatPolicy(await parsePolicy(text));
    } catch (e) {
      throw new CliError(`Error parsing policy: ${(e as Error).message}`, 1);
    }
    writeFileSync(file, out);
    return ctx.success(`Success! Formatted policy: ${file}`);
  },
};

export const policyCommands: Record<string, Command> = {
  'policy write': write,
  'policy read': read,
  'policy list': list,
  'policy delete': del,
  'policy fmt': fmt,
};
