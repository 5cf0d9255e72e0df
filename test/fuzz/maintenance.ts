/**
 * Between fuzz requests: rewrite the seeded objects (a 5xx while doing so is a failure:
 * an earlier request has broken that object), make sure the default-policy token still
 * works, and compare the canaries with what was written.
 */
import { diffCanaries, readCanaries } from './canaries.js';
import { seedCalls } from './fixtures.js';
import type { FuzzServer } from './fuzz-server.js';
import type { FuzzRequest } from './request.js';
import type { NewFailure } from './results.js';

type Fail = (f: NewFailure) => void;

export class Maintenance {
  constructor(
    private readonly fail: Fail,
    private readonly count: (n: number) => void,
  ) {}

  async run(server: FuzzServer, index: number, canaries: boolean): Promise<void> {
    for (const c of seedCalls(server.closedPort)) {
      const at = server.logOffset;
      const r = await server.api.call(c.method, c.path, c.body === undefined ? {} : { body: c.body });
      this.count(1);
      if (r.status >= 500 && !(r.status === 502 && c.path.startsWith('database/'))) {
        await server.settleLog(at);
        const req: FuzzRequest = {
          index,
          generator: 'reseed',
          note: 'rewriting a seeded object before request #' + index,
          method: c.method,
          target: `/v1/${c.path}`,
          token: { kind: 'root', header: 'x-vault-token' },
          headers: [['Content-Type', 'application/json']],
          body: c.body === undefined ? null : Buffer.from(JSON.stringify(c.body)),
          mount: mountOf(c.path),
          object: c.path.split('/').pop() ?? null,
          targetId: null,
        };
        this.fail({ kind: 'server-error', index, generator: 'reseed', request: req, reason: `${r.status} ${r.text.slice(0, 300)}`, status: r.status, serverLog: server.logSince(at) });
      }
    }
    if (server.fixtures) {
      const me = await server.api.call('GET', 'auth/token/lookup-self', { token: server.fixtures.defaultToken });
      this.count(1);
      if (me.status !== 200) {
        const t = await server.api.must('POST', 'auth/token/create', { body: { policies: ['default'], ttl: '768h', display_name: 'fuzz-default' } });
        server.fixtures.defaultToken = t.body?.auth?.client_token as string;
      }
    }
    if (canaries) await this.checkCanaries(server, index, 'periodic check');
  }

  async checkCanaries(server: FuzzServer, index: number, when: string): Promise<void> {
    const f = server.fixtures;
    if (!f) return;
    const actual = await readCanaries(server.api, f.canaries.token);
    this.count(7);
    const diffs = diffCanaries(f.canaries.expected, actual);
    if (diffs.length === 0) return;
    this.fail({ kind: 'canary', index, generator: 'canary', request: null, reason: `${when} before #${index}: ${diffs.join('; ')}`, status: null, serverLog: '', history: [] });
    // Report each change once: what is there now is the new reference.
    f.canaries.expected = actual;
  }
}

/** The routed mount of a seeded path (`auth/approle/role/fz` → `auth/approle/`). */
function mountOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'auth' || parts[0] === 'sys' ? `${parts.slice(0, parts[0] === 'sys' ? 1 : 2).join('/')}/` : `${parts[0]}/`;
}
