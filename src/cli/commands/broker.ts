import { FileDelivery, HttpDelivery, type Delivery } from '../broker/delivery.js';
import { InventoryError, loadInventory } from '../broker/inventory.js';
import { formatCounts, runBroker } from '../broker/run.js';
import { NAME, wardOps } from '../broker/ward.js';
import { CliError, type Command } from '../command.js';
import { UsageError } from '../flags.js';

const broker: Command = {
  synopsis: 'Deliver wrapped AppRole secret IDs to the devices an orchestrator trusts',
  help: `broker -inventory=FILE_OR_URL -role=NAME (-deliver-dir=DIR | -deliver-url=URL) [options]

  Reads the orchestrator's inventory ({"devices":[{"id","trusted",posture{...}}]}) from a
  file or an HTTP GET. A device is trusted when "trusted" is true, posture.disk_encrypted
  is true and, with -min-patch-level, posture.patch_level is at least that level. For each
  trusted device it requests one secret ID of the role, response-wrapped for -wrap-ttl
  (default 5m) with metadata {"device_id": ID}, and delivers the wrapping token: as
  DIR/ID.token (mode 0600), or as POST URL {"device_id","wrapping_token"}.

  Safe to re-run: a device whose last token still passes sys/wrapping/lookup (with the
  role's secret-id creation path) is skipped; a used or expired one is replaced. Tokens are
  never printed. Exits 2 when any device failed. The broker's token needs only "update"
  on auth/<mount>/role/<role>/secret-id.`,
  flags: [
    { name: 'inventory', kind: 'string', usage: 'Inventory JSON: a file path or an http(s) URL (required).' },
    { name: 'role', kind: 'string', usage: 'AppRole role whose secret IDs are delivered (required).' },
    { name: 'mount', kind: 'string', default: 'approle', usage: 'Mount path of the AppRole auth method.' },
    { name: 'deliver-dir', kind: 'string', usage: 'Write each wrapping token to DIR/<device-id>.token (mode 0600).' },
    { name: 'deliver-url', kind: 'string', usage: 'POST each wrapping token to this orchestrator endpoint.' },
    { name: 'min-patch-level', kind: 'string', usage: 'Refuse devices whose posture.patch_level is lower (dates or dotted versions).' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'broker takes flags only');
    const inventory = ctx.flags.str('inventory') ?? '';
    const role = ctx.flags.str('role') ?? '';
    const mount = (ctx.flags.str('mount') ?? 'approle').replace(/^\/+|\/+$/g, '');
    const dir = ctx.flags.str('deliver-dir') ?? '';
    const url = ctx.flags.str('deliver-url') ?? '';
    if (!inventory) throw new UsageError('missing -inventory');
    if (!NAME.test(role)) throw new UsageError('missing or invalid -role');
    if (!mount.split('/').every((s) => NAME.test(s))) throw new UsageError(`invalid -mount "${mount}"`);
    if ((dir === '') === (url === '')) throw new UsageError('give exactly one of -deliver-dir and -deliver-url');
    if (url && !/^https?:\/\//i.test(url)) throw new UsageError('-deliver-url must be an http(s) URL');
    const delivery: Delivery = dir ? new FileDelivery(dir) : new HttpDelivery(url);
    const wrapTtl = ctx.options.wrapTtl || '5m';
    const minPatchLevel = ctx.flags.str('min-patch-level');

    let devices;
    try {
      devices = await loadInventory(inventory);
    } catch (e) {
      if (e instanceof InventoryError) throw new CliError(`Error reading inventory: ${e.message}`, 1);
      throw e;
    }
    const ops = wardOps(ctx.client, { mount, role, wrapTtl });
    const { outcomes, counts } = await runBroker(devices, { delivery, rules: minPatchLevel ? { minPatchLevel } : {}, ...ops });
    if (ctx.format === 'table') {
      for (const o of outcomes) ctx.out(`${o.id}: ${o.kind} (${o.detail})\n`);
      ctx.out(`${formatCounts(counts)}\n`);
    } else {
      ctx.print({ json: { counts, devices: outcomes }, sections: [{ kind: 'text', text: formatCounts(counts) }] });
    }
    return counts.failed > 0 ? 2 : 0;
  },
};

export const brokerCommands: Record<string, Command> = { broker };
