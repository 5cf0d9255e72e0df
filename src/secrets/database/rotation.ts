/**
 * Static-role password rotation, on request and on schedule. One timer per mounted engine
 * is armed for the earliest due rotation; failed rotations keep the old password and are
 * retried after RETRY_MS. Rotations of the same role never overlap.
 */
import { badRequest } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/storage.js';
import { openConnection, statementPassword, type DbContext } from './context.js';
import { generatePassword } from './password.js';
import { DEFAULT_ROTATE, setPassword } from './postgres.js';
import { getStaticRole, listStaticRoles, putStaticRole, type StaticRole } from './store.js';

export const RETRY_MS = 10_000;
/** setTimeout's ceiling; longer waits are re-armed when the timer fires. */
const MAX_DELAY = 2_147_483_647;

/** Sets a new password for the static role in the database, then stores it. */
export async function rotateStaticRole(ctx: DbContext, storage: Storage, name: string): Promise<StaticRole> {
  const role = await getStaticRole(storage, name);
  if (!role) throw badRequest(`no static role found for role name "${name}"`);
  const conn = await openConnection(ctx, storage, role.db_name, 'internal');
  const password = generatePassword();
  const statements = role.rotation_statements.length > 0 ? role.rotation_statements : DEFAULT_ROTATE;
  try {
    await setPassword(conn.pool, statements, { name: role.username, password: await statementPassword(conn.config, password) });
  } catch (e) {
    throw conn.fail(`failed to rotate credentials of static role "${name}"`, e, [password]);
  }
  // Re-read: an update may have landed while the database was busy; keep its settings.
  const current = (await getStaticRole(storage, name)) ?? role;
  const updated: StaticRole = { ...current, password, last_vault_rotation: Date.now() };
  await putStaticRole(storage, name, updated);
  return updated;
}

/** When the role is next due (epoch ms). */
export function nextRotation(role: StaticRole): number {
  return role.last_vault_rotation + role.rotation_period * 1000;
}

export class StaticRotator {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly running = new Map<string, Promise<StaticRole>>();
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly ctx: DbContext,
    private readonly storage: Storage,
  ) {}

  /** Rotates now; a rotation already under way for the role is joined, not repeated. */
  rotate(storage: Storage, name: string): Promise<StaticRole> {
    const existing = this.running.get(name);
    if (existing) return existing;
    const p = rotateStaticRole(this.ctx, storage, name).finally(() => this.running.delete(name));
    this.running.set(name, p);
    return p;
  }

  /** Re-reads the static roles and arms the timer for the earliest due one. */
  reschedule(): void {
    this.arm().catch((e: unknown) => this.ctx.logger.warn('database: cannot schedule static rotations', { error: String(e) }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async dueTimes(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const name of await listStaticRoles(this.storage)) {
      if (name.endsWith('/')) continue;
      const role = await getStaticRole(this.storage, name);
      if (!role || role.rotation_period <= 0) continue;
      out.set(name, Math.max(nextRotation(role), this.retryAt.get(name) ?? 0));
    }
    return out;
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const due = await this.dueTimes();
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (due.size === 0) return;
    const earliest = Math.min(...due.values());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick().catch((e: unknown) => this.ctx.logger.error('database: static rotation pass failed', { error: String(e) }));
    }, Math.min(MAX_DELAY, Math.max(0, earliest - Date.now())));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const due = [...(await this.dueTimes()).entries()].filter(([, t]) => t <= now).map(([name]) => name);
    await Promise.all(
      due.map(async (name) => {
        try {
          await this.rotate(this.storage, name);
          this.retryAt.delete(name);
        } catch (e) {
          this.retryAt.set(name, Date.now() + RETRY_MS);
          this.ctx.logger.warn('database: static role rotation failed, will retry', { role: name, error: String(e) });
        }
      }),
    );
    await this.arm();
  }
}
