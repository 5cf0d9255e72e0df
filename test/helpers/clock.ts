/**
 * Moving time in server tests instead of sleeping: a FakeClock handed to startTestServer
 * (or startLeaseServer) is the only time source of the core, AppRole and userpass, so a
 * test advances it past a TTL and runs the expiry that is now due.
 */
import type { TestServer } from './server.js';

export { FakeClock } from '../../src/core/expiration/testing.js';

/**
 * Runs every lease and token expiry due at the server's clock (after any restore from
 * storage has finished); resolves with how many ran. Fails when the server is sealed.
 */
export async function runDueExpiries(server: Pick<TestServer, 'core'>): Promise<number> {
  const active = server.core.active;
  if (!active) throw new Error('runDueExpiries: the server is sealed');
  await active.expiration.whenRestored();
  return active.expiration.tick();
}
